"""Staff keying of letters, faxes and phone calls, the acknowledgement letter (DIN 5008), and
the coordinators' triage list (confirm or correct types, attach, merge, set aside).

Roles on the server: staff and coordinators key in and print letters; only coordinators
decide in triage (types, merging). Handlers parse, call one service, redirect.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import select

from dsr.answers import postal
from dsr.answers.letters import LetterError, render_letter
from dsr.answers.letters.compose import request_letter
from dsr.mail import keying, triage
from dsr.mail.models import InboundMessage, TriageEntry
from dsr.permissions import Permission
from dsr.requests.intake import status_code
from dsr.requests.models import Request, RequestType
from dsr.users.views import actor
from dsr.web.context import clock, db_session, request_or_404
from dsr.web.i18n import _, error_text, service_error
from dsr.web.permissions import require
from workflows.states import TransitionError

bp = Blueprint("staff", __name__, url_prefix="/staff")
_MAX_UPLOAD = 15 * 1024 * 1024


def _services() -> Any:
    return current_app.extensions["dsr"]


def _upload(name: str) -> keying.Upload | None:
    file = request.files.get(name)
    if file is None or not file.filename:
        return None
    data = file.read(_MAX_UPLOAD + 1)
    if len(data) > _MAX_UPLOAD:
        raise keying.KeyingError(name, "key_file_too_large")
    return keying.Upload(filename=file.filename[:200], content_type=file.mimetype or "", data=data)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.REQUESTS_KEY_IN)
def new() -> Any:
    values: dict[str, Any] = {"date_stamp": clock().today().isoformat(), "channel": "letter"}
    if request.method == "POST":
        values = {k: request.form.get(k, "") for k in
                  ("channel", "date_stamp", "language", "name", "postal_address", "email",
                   "customer_number", "message", "evidence")}
        values["types"] = request.form.getlist("types")
        try:
            data = keying.KeyingSchema().load({k: v for k, v in values.items() if v != ""})
            created = keying.key_in(_services(), db_session(), data, user_id=current_user.id,
                                    scan=_upload("scan"), id_copy=_upload("id_copy"))
        except ValidationError as exc:
            problems = _problems(exc.normalized_messages())
        except keying.KeyingError as exc:
            db_session().rollback()
            problems = {exc.field: _(exc.msgid)}
        else:
            flash(_("keyed_done"), "ok")
            return redirect(url_for("staff.keyed", request_id=created.id))
        return _keying_page(values, problems), 422
    return _keying_page(values, {})


#: The keying form's fields in page order, each with the id its mistake is marked on (the
#: type checkboxes: their first box).
FORM_ORDER = ("channel", "date_stamp", "types", "language", "name", "postal_address", "email",
              "customer_number", "message", "scan", "evidence", "id_copy")
FIELD_IDS = {"types": "type-access"}
FIELD_LABELS = {"message": "field_note"}  # the label the form shows beside the field


def _problems(messages: dict[str, Any]) -> dict[str, str]:
    """Every field's mistake, in the page's language (first message of each, form order)."""
    found: dict[str, str] = {}
    for name in sorted(messages, key=lambda n: FORM_ORDER.index(n) if n in FORM_ORDER else 99):
        message = messages[name]
        while isinstance(message, dict | list) and message:
            message = next(iter(message.values())) if isinstance(message, dict) else message[0]
        found[name] = error_text(str(message))
    return found


def _keying_page(values: dict[str, Any], problems: dict[str, str]) -> str:
    """The keying form with what was typed; its mistakes listed above it (each a link to its
    field) and marked at each field (the shared ``_field_errors.html``)."""
    return render_template(
        "staff_new.html", values=values, types=list(RequestType), channels=keying.CHANNELS,
        evidence=keying.EVIDENCE,
        problems=[(FIELD_IDS.get(name, name), _(FIELD_LABELS.get(name, "field_" + name)), text)
                  for name, text in problems.items()],
        field_errors={FIELD_IDS.get(name, name): text for name, text in problems.items()})


@bp.get("/requests/<int:request_id>")
@require(Permission.REQUESTS_KEY_IN)
def keyed(request_id: int) -> Any:
    return render_template("staff_keyed.html", req=request_or_404(request_id))


@bp.get("/requests/<int:request_id>/letter.pdf")
@require(Permission.REQUESTS_KEY_IN)
def letter(request_id: int) -> Any:
    """The acknowledgement letter for a postal request, print-ready (DIN 5008 form B)."""
    req = request_or_404(request_id)
    services = _services()
    if not req.claim("postal_address"):
        abort(404, description=_("letter_no_address"))
    try:
        pdf = render_letter(request_letter(
            req, "acknowledgement", register=services.register, letter_date=clock().today(),
            code=status_code(services.config.secret_key, req.reference),
            status_url=f"{services.config.base_url}/status"))
    except LetterError as exc:
        abort(422, description=str(exc))
    postal.record_printed(db_session(), req.id, actor=actor(), template="acknowledgement")
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{req.reference}-eingang.pdf"',
        "Cache-Control": "no-store"})


@bp.get("/requests/<int:request_id>/letters/<int:document_id>.pdf")
@require(Permission.REQUESTS_KEY_IN)
def stored_letter(request_id: int, document_id: int) -> Any:
    """A stored answer letter of a postal request, for staff to print and post."""
    doc = next((d for d in postal.letters(db_session(), request_id) if d.id == document_id), None)
    if doc is None:
        abort(404)
    data = _services().documents.read(doc)
    postal.record_printed(db_session(), request_id, actor=actor(), document=doc.id)
    return Response(data, mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{doc.filename}"', "Cache-Control": "no-store"})


@bp.get("/triage")
@require(Permission.MAIL_TRIAGE)
def triage_list() -> Any:
    session = db_session()
    entries = triage.open_entries(session)
    inbound = {m.id: m for m in session.scalars(select(InboundMessage).where(
        InboundMessage.id.in_([e.inbound_id for e in entries if e.inbound_id])))}
    requests = {r.id: r for r in session.scalars(select(Request).where(
        Request.id.in_([e.request_id for e in entries if e.request_id])))}
    merges = {rid: triage.merge_candidates(session, req) for rid, req in requests.items()}
    return render_template("triage.html", entries=entries, inbound=inbound, requests=requests,
                           merges=merges, counts=triage.correction_counts(session),
                           types=list(RequestType))


@bp.post("/triage/<int:entry_id>/<any(confirm, dismiss, attach, request):action>")
@require(Permission.MAIL_TRIAGE)
def decide(entry_id: int, action: str) -> Any:
    session = db_session()
    entry = session.get(TriageEntry, entry_id)
    if entry is None or entry.status != "open":
        abort(404)
    form = request.form
    try:
        if action == "confirm":
            if entry.request_id is None:
                raise triage.TriageError("there is no request to confirm")
            triage.confirm_types(session, request_or_404(entry.request_id), types=form.getlist("types"),
                                 language=form.get("language", ""), user_id=current_user.id,
                                 actor=actor())
            if entry.status == "open":
                triage.close(session, entry, "confirmed", current_user.id)
        elif action == "request":
            triage.request_from_message(_services(), session, entry, types=form.getlist("types"),
                                        language=form.get("language", ""),
                                        user_id=current_user.id, actor=actor())
        elif action == "attach":
            target = session.scalars(select(Request).where(
                Request.reference == form.get("reference", "").strip().upper())).first()
            if target is None:
                raise triage.TriageError(_("triage_unknown_reference"))
            triage.attach(session, entry, target, user_id=current_user.id, actor=actor())
        else:
            triage.close(session, entry, "dismissed", current_user.id)
    except (triage.TriageError, TransitionError) as exc:
        session.rollback()
        flash(service_error(exc), "error")
    else:
        flash(_("triage_done"), "ok")
    return redirect(url_for("staff.triage_list"))


@bp.post("/requests/<int:request_id>/merge")
@require(Permission.MAIL_TRIAGE)
def merge(request_id: int) -> Any:
    """Merge this request (the one absorbed) into the one named in the form."""
    session = db_session()
    absorbed = request_or_404(request_id)
    into_id = request.form.get("into", "")
    into = session.get(Request, int(into_id)) if into_id.isdigit() else None
    if into is None:
        abort(404)
    try:
        triage.merge(session, absorbed, into, actor=actor(), user_id=current_user.id)
    except (triage.TriageError, TransitionError) as exc:
        session.rollback()
        flash(service_error(exc), "error")
    else:
        flash(_("merged_done"), "ok")
    return redirect(url_for("staff.triage_list"))
