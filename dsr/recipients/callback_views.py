"""Status callbacks from processors (OpenGDPR): ``POST /callbacks/opengdpr/<connector>``.

No login and no CSRF token: a callback is trusted only when its RSA signature verifies against
the processor's published certificate (``connectors.opengdpr``). Answers are JSON; a rejected
callback changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from connectors.base import ConnectorError
from connectors.capabilities import AcceptsCallbacks
from connectors.opengdpr import CallbackRejected
from dsr.changes.operations import ChangeInputError
from dsr.extensions import csrf, limiter
from dsr.recipients import opengdpr
from dsr.web.context import clock, db_session

bp = Blueprint("callbacks", __name__, url_prefix="/callbacks")
csrf.exempt(bp)


def _error(status: int, message: str) -> Any:
    return jsonify({"error": message}), status


@bp.post("/opengdpr/<name>")
@limiter.limit("120/minute")
def opengdpr_status(name: str) -> Any:
    """Record a processor's signed status of one of the service's questions."""
    connector = current_app.extensions["dsr"].capable(name, AcceptsCallbacks)
    if connector is None:
        return _error(404, "no such processor")
    body = request.get_data(cache=False)
    try:
        content = connector.accept_callback(body, dict(request.headers), clock().now())
    except CallbackRejected as exc:
        current_app.logger.warning("OpenGDPR callback for %s rejected: %s", name, exc)
        return _error(403, str(exc))
    except ConnectorError:
        return _error(503, "the processor's certificate cannot be fetched now; try again later")
    try:
        state = opengdpr.record_callback(db_session(), content, connector=name)
    except ChangeInputError as exc:
        return _error(404, str(exc))
    return jsonify({"subject_request_id": content["subject_request_id"], "recorded": state})
