"""The public answer portal: the link from the answer e-mail plus the one-time code sent to the
address on file opens the answer's files for download. No login; German and English."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from dsr.answers import delivery
from dsr.answers.models import Delivery
from dsr.extensions import limiter
from dsr.web.context import clock, db_session

bp = Blueprint("portal", __name__, url_prefix="/portal")
SESSION_KEY = "portal_deliveries"  # the deliveries this browser has opened with their code


def _services() -> Any:
    return current_app.extensions["dsr"]


def _delivery(token: str) -> Delivery:
    found = delivery.find(db_session(), token)
    if found is None:
        abort(404)
    return found


def _opened(found: Delivery) -> bool:
    return found.id in session.get(SESSION_KEY, [])


def _page(found: Delivery, token: str, error: str | None = None, status: int = 200) -> Any:
    expired = found.files_deleted_at is not None or (
        found.expires_at is not None and clock().now() >= found.expires_at)
    files = [] if expired or not _opened(found) else delivery.files(db_session(), found)
    return render_template("portal.html", delivery=found, token=token, files=files,
                           opened=_opened(found), expired=expired, error=error,
                           left=max(0, found.max_downloads - found.downloads)), status


@bp.get("/<token>")
def show(token: str) -> Any:
    found = _delivery(token)
    return _page(found, token, status=410 if found.files_deleted_at else 200)


@bp.post("/<token>")
@limiter.limit("20/hour")
def enter_code(token: str) -> Any:
    found = _delivery(token)
    try:
        delivery.check_code(_services(), db_session(), found, request.form.get("code", ""))
    except delivery.Refused as refused:
        db_session().commit()  # the failed attempt counts, whatever the response
        return _page(found, token, error=f"portal_{refused.reason}", status=403)
    session[SESSION_KEY] = [*session.get(SESSION_KEY, [])[-9:], found.id]
    return redirect(url_for("portal.show", token=token))


@bp.post("/<token>/code")
@limiter.limit("5/hour")
def resend_code(token: str) -> Any:
    found = _delivery(token)
    try:
        delivery.new_code(_services(), db_session(), found)
    except delivery.Refused as refused:
        return _page(found, token, error=f"portal_{refused.reason}", status=403)
    return _page(found, token, error="portal_code_sent")


@bp.get("/<token>/files/<int:document_id>")
def download(token: str, document_id: int) -> Any:
    found = _delivery(token)
    if not _opened(found):
        return redirect(url_for("portal.show", token=token))
    try:
        doc, data = delivery.download(_services(), db_session(), found, document_id)
    except delivery.Refused as refused:
        db_session().commit()  # the refusal is logged
        status = {"expired": 410, "not_found": 404}.get(refused.reason, 403)
        return _page(found, token, error=f"portal_{refused.reason}", status=status)
    return Response(data, mimetype=doc.content_type, headers={
        "Content-Disposition": f'attachment; filename="{doc.filename}"',
        "Cache-Control": "no-store"})
