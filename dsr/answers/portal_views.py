"""The public answer portal: the link from the answer e-mail plus the one-time code sent to the
address on file opens the answer's files for download. No login; German and English."""

from __future__ import annotations

from datetime import datetime, timedelta
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
from dsr.answers.report.html import STYLE_HASH
from dsr.extensions import limiter
from dsr.web.context import clock, db_session

bp = Blueprint("portal", __name__, url_prefix="/portal")
#: The visits this browser has opened with a code: delivery id -> when, and whether the visit
#: has used one of the answer's downloads yet (the files of one visit count once).
SESSION_KEY = "portal_visits"
#: A visit ends after this long; then the next download needs a new code (and counts again).
VISIT = timedelta(hours=1)


def _services() -> Any:
    return current_app.extensions["dsr"]


def _delivery(token: str) -> Delivery:
    found = delivery.find(db_session(), token)
    if found is None:
        abort(404)
    return found


def _visit(found: Delivery) -> dict[str, Any] | None:
    visit = (session.get(SESSION_KEY) or {}).get(str(found.id))
    if not isinstance(visit, dict):
        return None
    try:
        opened = datetime.fromisoformat(str(visit.get("at")))
    except ValueError:
        return None
    return visit if clock().now() - opened < VISIT else None


def _opened(found: Delivery) -> bool:
    return _visit(found) is not None


def _remember(found: Delivery, counted: bool) -> None:
    visits = {k: v for k, v in (session.get(SESSION_KEY) or {}).items()
              if k != str(found.id)}
    at = (_visit(found) or {}).get("at") or clock().now().isoformat()
    session[SESSION_KEY] = {**dict(list(visits.items())[-9:]),
                            str(found.id): {"at": at, "counted": counted}}


def _page(found: Delivery, token: str, error: str | None = None, status: int = 200) -> Any:
    expired = found.files_deleted_at is not None or (
        found.expires_at is not None and clock().now() >= found.expires_at)
    files = [] if expired or not _opened(found) else delivery.files(db_session(), found)
    visit = _visit(found)
    return render_template("portal.html", delivery=found, token=token, files=files,
                           opened=_opened(found), expired=expired, error=error,
                           counted=bool(visit and visit.get("counted")),
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
    _remember(found, counted=False)
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
    """One of the answer's files; the first of a visit uses one of its downloads. The HTML
    page opens in the browser (``?view=1``) under its own policy, the others download."""
    found = _delivery(token)
    visit = _visit(found)
    if visit is None:
        return redirect(url_for("portal.show", token=token))
    try:
        doc, data = delivery.download(_services(), db_session(), found, document_id,
                                      new_visit=not visit.get("counted"))
    except delivery.Refused as refused:
        db_session().commit()  # the refusal is logged
        status = {"expired": 410, "not_found": 404}.get(refused.reason, 403)
        return _page(found, token, error=f"portal_{refused.reason}", status=status)
    _remember(found, counted=True)
    headers = {"Cache-Control": "no-store",
               "Content-Disposition": f'attachment; filename="{doc.filename}"'}
    if doc.kind == "portal_html":
        # The page's one style element is allowed by its hash; nothing else may load or run.
        headers["Content-Security-Policy"] = (
            f"default-src 'none'; style-src '{STYLE_HASH}'; base-uri 'none'; "
            "form-action 'none'; frame-ancestors 'none'")
        if request.args.get("view"):
            headers["Content-Disposition"] = f'inline; filename="{doc.filename}"'
    return Response(data, mimetype=doc.content_type, headers=headers)
