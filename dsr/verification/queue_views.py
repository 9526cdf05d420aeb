"""The queue's side of verification: the panel on the request page (level, flags, history,
ID copies), viewing an ID copy (coordinators only, never the uploader), staff uploads and
postal evidence, and the coordinator's decisions (ID copy, power of attorney, answer to the
representative, the negative answer). Handlers parse, call one service, redirect."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, current_app, flash, redirect, request, url_for
from flask_login import current_user

from dsr.documents import Document
from dsr.permissions import Permission
from dsr.requests import no_data
from dsr.requests.models import Request
from dsr.requests.operations import ActionError
from dsr.users.views import actor
from dsr.verification import steps
from dsr.verification.views import bp
from dsr.web.context import db_session, request_or_404
from dsr.web.i18n import _, service_error
from dsr.web.permissions import current_actor, require
from workflows.states import TransitionError


def _services() -> Any:
    return current_app.extensions["dsr"]


def _id_copies() -> Any:
    """The ID-copy pipeline, loaded on first use (it brings PIL, pypdf and reportlab)."""
    from dsr.verification import id_copies

    return id_copies


def _back(request_id: int) -> Any:
    return redirect(url_for("queue.detail", request_id=request_id, tab="identity",
                            _anchor="verification"))


@bp.app_template_global()
def verification_panel(req: Request) -> dict[str, Any]:
    """What the request page shows about verification (a template global: the queue's
    handler stays as it is)."""
    db = db_session()
    found = steps.assessment(db, req, _services().config.verification)
    return {"assessment": found, "history": steps.history(db, req.id),
            "copies": _id_copies().live_copies(db, req.id),
            "answer_to": steps.answer_recipient(db, req), "acting_as": req.acting_as,
            "answer_address": steps.answer_address(db, req),
            "nothing_found": no_data.nothing_found(req),
            "evidence": steps.POSTAL_EVIDENCE}


@bp.get("/queue/requests/<int:request_id>/id-copies/<int:doc_id>")
@require(Permission.ID_COPIES_VIEW)
def show_id_copy(request_id: int, doc_id: int) -> Any:
    doc = db_session().get(Document, doc_id)
    if doc is None or doc.request_id != request_id or doc.kind != _id_copies().KIND:
        abort(404)
    if not _id_copies().may_view(doc, current_actor()):
        abort(403)
    req = request_or_404(request_id)
    data = _id_copies().view(_services().documents, db_session(), req, doc, actor=actor())
    return Response(data, mimetype=doc.content_type, headers={
        "Content-Disposition": f'inline; filename="{doc.filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        # An image or PDF, never HTML (nosniff): nothing may load or run; the only inline style
        # is the one the browser's own image viewer applies to centre the picture.
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@bp.post("/queue/requests/<int:request_id>/id-copy")
@require(Permission.ID_COPIES_UPLOAD)
def upload_id_copy(request_id: int) -> Any:
    req = request_or_404(request_id)
    upload = request.files.get("file")
    if not upload or not upload.filename:
        flash(_("v_id_missing"), "error")
        return _back(request_id)
    services = _services()
    try:
        _id_copies().store(db_session(), services.documents, req, upload.read(),
                        settings=services.config.verification, actor=actor(),
                        uploaded_by_id=current_user.id)
    except _id_copies().IdCopyRefused as exc:
        db_session().commit()
        flash(_(f"id_refused_{exc.code}"), "error")
    else:
        flash(_("v_id_ok"), "ok")
    return _back(request_id)


@bp.post("/queue/requests/<int:request_id>/postal-evidence")
@require(Permission.REQUESTS_KEY_IN)
def postal_evidence(request_id: int) -> Any:
    return _do(request_id, lambda db, req: steps.record_postal_evidence(
        db, req, actor=actor(), evidence=request.form.getlist("evidence")), "v_postal_recorded")


@bp.post("/queue/requests/<int:request_id>/verification/<any(id_accept, id_reject, poa_valid, poa_invalid, answer_rep, no_data):what>")
@require(Permission.REQUESTS_VERIFY)
def decide(request_id: int, what: str) -> Any:
    services = _services()
    settings = services.config.verification

    def run(db: Any, req: Request) -> None:
        if what in ("id_accept", "id_reject"):
            _id_copies().decide(db, services.documents, req, actor=actor(),
                             accepted=what == "id_accept", settings=settings,
                             name_check=request.form.get("name_check", ""))
        elif what in ("poa_valid", "poa_invalid"):
            steps.check_power_of_attorney(db, req, actor=actor(), valid=what == "poa_valid",
                                          name_check=request.form.get("name_check", ""))
        elif what == "answer_rep":
            steps.answer_to_representative(db, req, actor=actor(),
                                           office_email=request.form.get("office_email", ""),
                                           verified_how=request.form.get("verified_how", ""))
        else:
            no_data.answer_no_data(db, req, actor=actor())

    return _do(request_id, run, "v_done")


def _do(request_id: int, run: Any, done: str) -> Any:
    req = request_or_404(request_id)
    db = db_session()
    try:
        run(db, req)
    except (steps.VerificationError, ActionError, TransitionError) as exc:
        db.rollback()
        flash(service_error(exc), "error")
    else:
        flash(_(done), "ok")
    return _back(request_id)
