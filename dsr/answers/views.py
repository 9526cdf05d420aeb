"""The coordinator's answer step of a request: redact third parties' data in copies of
correspondence, preview and edit the outgoing answer message, record an express request for
plain e-mail. Handlers parse the form, call one service, and redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dsr.answers import delivery, rebuild, redaction
from dsr.answers import operations as reports
from dsr.answers.models import REDACTION_REASONS, Delivery
from dsr.correspondence import drafts as correspondence
from dsr.permissions import Permission
from dsr.requests.models import Request
from dsr.users.views import actor
from dsr.web.context import db_session, request_or_404
from dsr.web.i18n import _, current_language, service_error
from dsr.web.permissions import require

bp = Blueprint("answers", __name__, url_prefix="/queue/requests")
PREVIEWED = "answer"


def _services() -> Any:
    return current_app.extensions["dsr"]


def _correspondence(req: Request) -> list[dict[str, Any]]:
    """The subject's copies of correspondence, redactions burned in as the answer shows them."""
    services, session = _services(), db_session()
    collected = reports.collected_data(session, services.documents, req.id)
    redacted, _ = redaction.apply(session, services.cipher, req, collected)
    lang = current_language()
    items = []
    for found in redacted:
        labels = found["system_label"]
        for spec in found["tables"]:
            if spec["category"] != "correspondence" or not spec["rows"]:
                continue
            columns = [(c["name"], c["label"].get(lang, c["name"])) for c in spec["columns"]]
            for row in spec["rows"]:
                items.append({"system": found["connector"], "system_label": labels,
                              "table": spec["table"], "key": str(row[0]),
                              "table_label": spec["label"].get(lang, spec["table"]),
                              "fields": [(name, label, value) for (name, label), value
                                         in zip(columns, row, strict=False)]})
    return items


@bp.get("/<int:request_id>/answer")
@require(Permission.ANSWERS_DOWNLOAD)
def step(request_id: int) -> Any:
    req = request_or_404(request_id)
    session = db_session()
    draft = correspondence.draft_for(session, req.id, PREVIEWED)
    preview = correspondence.render(
        PREVIEWED, req.language, req=req, received_local=req.received_at,
        downloads=_services().config.delivery["max_downloads"],
        **correspondence.preview_context(PREVIEWED))
    deliveries = session.query(Delivery).filter_by(request_id=req.id).all()
    items = _correspondence(req)
    return render_template(
        "answer_step.html", req=req, items=items,
        table_labels={item["table"]: item["table_label"] for item in items},
        column_labels={(item["table"], name): label for item in items
                       for name, label, _value in item["fields"]},
        redactions=redaction.for_request(session, req.id), reasons=REDACTION_REASONS,
        subject=draft.subject if draft else preview.subject,
        body=draft.body if draft else preview.text, draft=draft, deliveries=deliveries)


def _back(request_id: int) -> Any:
    return redirect(url_for("answers.step", request_id=request_id))


@bp.post("/<int:request_id>/redactions")
@require(Permission.ANSWERS_PREPARE)
def redact(request_id: int) -> Any:
    req = request_or_404(request_id)
    session, form = db_session(), request.form
    try:  # the answer's files are built again with it before the page comes back
        rebuild.redact(_services(), session, req, system=form.get("system", ""),
                         table=form.get("table", ""), row_key=form.get("key", ""),
                         column=form.get("column", ""), term=form.get("term", ""),
                         reason=form.get("reason", ""), actor=actor(), user_id=current_user.id)
    except redaction.RedactionError as exc:
        flash(service_error(exc), "error")
        session.rollback()
    else:
        flash(_("redaction_added"), "ok")
    return _back(request_id)


@bp.post("/<int:request_id>/redactions/<int:redaction_id>/delete")
@require(Permission.ANSWERS_PREPARE)
def unredact(request_id: int, redaction_id: int) -> Any:
    req = request_or_404(request_id)
    try:
        rebuild.undo(_services(), db_session(), req, redaction_id, actor=actor())
    except redaction.RedactionError as exc:
        flash(service_error(exc), "error")
        db_session().rollback()
    return _back(request_id)


@bp.post("/<int:request_id>/message")
@require(Permission.ANSWERS_PREPARE)
def edit_message(request_id: int) -> Any:
    req = request_or_404(request_id)
    try:
        correspondence.save_draft(db_session(), req, PREVIEWED,
                                  subject=request.form.get("subject", ""),
                                  body=request.form.get("body", ""), actor=actor(),
                                  user_id=current_user.id)
    except correspondence.DraftError as exc:
        flash(str(exc), "error")
        db_session().rollback()
    else:
        flash(_("message_saved"), "ok")
    return _back(request_id)


@bp.post("/<int:request_id>/email-delivery")
@require(Permission.ANSWERS_PREPARE)
def email_delivery(request_id: int) -> Any:
    req = request_or_404(request_id)
    try:
        delivery.record_email_request(db_session(), req, actor=actor(),
                                      note=request.form.get("note", ""))
    except delivery.DeliveryError as exc:
        flash(service_error(exc), "error")
        db_session().rollback()
    else:
        flash(_("email_delivery_recorded"), "ok")
    return _back(request_id)
