"""The changes part of a request's page: the stored plans per system (what will be deleted,
anonymised, blocked until when and why), their receipts, the notices to recipients with their
confirmation, the coordinator's corrections for a rectification, and lifting a restriction
(the Art. 18(3) notice first, then the lift)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, request, url_for
from sqlalchemy import select

from connectors.base import Connector
from connectors.capabilities import DataMapped, capable
from dsr.changes import (
    art19,
    confirmations,
    overdue,
    rectification,
    restriction_lift,
    suppression,
    withdrawal,
)
from dsr.changes import operations as changes
from dsr.changes.models import ChangeReceipt, RecipientNotice
from dsr.norms import rule_norm
from dsr.permissions import Permission
from dsr.requests.models import Request
from dsr.users.models import User
from dsr.users.views import actor
from dsr.web.context import clock, db_session
from dsr.web.i18n import _, has_message, service_error
from dsr.web.permissions import require

bp = Blueprint("changes", __name__, url_prefix="/queue")


def _services() -> Any:
    return current_app.extensions["dsr"]


def _target_label(connector: Connector | None, target: str, lang: str) -> str:
    mapped = capable(connector, DataMapped)
    label = mapped.target_label(target, lang) if mapped is not None else None
    if label is not None:
        return label
    return _(f"ch_target_{target}") if has_message(f"ch_target_{target}") else target


def _field_labels(connector: Connector | None, target: str, names: list[str],
                  lang: str) -> list[str]:
    mapped = capable(connector, DataMapped)
    listed = mapped.column_labels(target, lang) if mapped is not None else None
    if listed is None:
        return [_(f"ch_field_{n}") if has_message(f"ch_field_{n}") else n for n in names]
    return [str(listed.get(name, name)) for name in names]


def _reason_label(reason: str, register: dict[str, Any], lang: str) -> str:
    """Why a change is planned, in words: the request's right, a retention rule of the
    register, a legal hold — never the internal code."""
    rule = register.get("retention", {}).get(reason)
    if rule is not None:
        return f"{_('ch_reason_retention')}: {rule.get('label', {}).get(lang, reason)}"
    if reason.startswith("hold:"):  # hold:<id>:<kind>, the kind in words
        _hold, number, kind = (reason.split(":", 2) + [""])[:3]
        if kind and has_message(f"hold_kind_{kind}"):
            return _("ch_reason_hold_kind", hold=number, kind=_(f"hold_kind_{kind}"))
        return _("ch_reason_hold", hold=number)
    key = f"ch_reason_{reason}"
    if has_message(key):
        return _(key)
    return _(f"type_{reason}") if has_message(f"type_{reason}") else reason


@bp.app_context_processor
def _review_helpers() -> dict[str, Any]:
    return {"change_review": change_review, "intake_suppression": _intake_suppression,
            "withdrawn_consent_labels": _withdrawn_consent_labels}


def _withdrawn_consent_labels(req: Request) -> list[str]:
    """The consents a withdrawal named, by label in the page's language (empty: all)."""
    return withdrawal.withdrawn_labels(req, withdrawal.consent_kinds(_services().connectors),
                                       g.get("lang", "de"))


def _intake_suppression(req: Request) -> suppression.IntakeSuppression | None:
    """What was stopped on intake (the request page's one line; no addresses)."""
    return suppression.intake_suppression(db_session(), req.id)


def checked(summary: list[dict[str, Any]]) -> list[str]:
    """What the check after a plan's execution looked at, as string keys: for an erasure that
    nothing is left beyond the blocked fields, for a rectification that the corrected fields
    hold the new values (a plan may do both); else that it was carried out as planned."""
    found = []
    if any(str(r["reason"]).startswith("erasure") or r["action"] == "delete" for r in summary):
        found.append("erased")
    if any(r["action"] == "set" and str(r["reason"]).startswith("rectification")
           for r in summary):
        found.append("corrected")
    return found or ["done"]


def change_review(request_id: int) -> dict[str, Any]:
    """The plans (newest per system), their receipts and the recipients' notices of a request."""
    session = db_session()
    services = _services()
    lang = g.get("lang", "de")
    plans = []
    for plan in changes.current_plans(session, request_id):
        connector = services.connectors.get(plan.connector)
        receipt = session.scalars(select(ChangeReceipt).where(
            ChangeReceipt.plan_id == plan.id)).first()
        label = services.config.connectors.get(plan.connector, {}).get("label", {})
        plans.append({
            "connector": plan.connector, "label": label.get(lang, plan.connector),
            "status": plan.status,
            "rows": [{**row, "target_label": _target_label(connector, row["target"], lang),
                      "field_labels": _field_labels(connector, row["target"], row["fields"], lang),
                      "reason_label": _reason_label(str(row["reason"]), services.register, lang),
                      "norm": rule_norm(services.register, str(row["reason"]),
                                        str(row.get("norm", "")), lang)}
                     for row in plan.summary],
            "receipt": receipt, "checked": checked(plan.summary)})
    notices = list(session.scalars(select(RecipientNotice).where(
        RecipientNotice.request_id == request_id).order_by(RecipientNotice.id)))
    req = session.get(Request, request_id)
    restricted = bool(req is not None and restriction_lift.restricted_in(session, req))
    notice_sent = restricted and req is not None and restriction_lift.lift_notice_sent(session, req)
    today = clock().today()
    lift_on = restriction_lift.lift_date(session, req) if notice_sent and req else None
    return {"plans": plans, "notices": notices, "today": today,
            "overdue": _overdue(request_id, lang),
            "objection_purposes": [
                {"code": code, "label": label[lang], "norm": confirmations.PURPOSE_NORM}
                for code, label in confirmations.OBJECTION_PURPOSES.items()]
            if req is not None and "objection" in req.types else [],
            "confirmed_by": _user_names(n.confirmed_by for n in notices),
            "withheld": art19.withheld_of([p.body for p in changes.newest_plans(session,
                                                                               request_id)]),
            "corrections": changes.corrections_of(req) if req is not None else {},
            **_requested(req, lang),
            "recipients": services.register.get("recipients", {}),
            "restricted": restricted,
            "lift_notice_sent": notice_sent, "lift_on": lift_on,
            "lift_waits": lift_on is not None and today < lift_on,
            "earliest_lift": restriction_lift.earliest_lift(
                today, services.config.workflow["restriction_lift_notice_days"])}


def _overdue(request_id: int, lang: str) -> list[dict[str, Any]]:
    """The subject's entries past their retention period, as the coordinator reviews them."""
    services = _services()
    found = []
    for group in overdue.overdue_of(db_session(), services.documents, request_id):
        connector = services.connectors.get(group.connector)
        rule = services.register.get("retention", {}).get(group.rule, {})
        found.append({"target_label": _target_label(connector, group.target, lang),
                      "key_list": ", ".join("/".join(map(str, key)) for key in group.keys),
                      "rows": len(group.keys), "action": group.action,
                      "field_labels": _field_labels(connector, group.target,
                                                    list(group.fields), lang),
                      "rule": rule.get("label", {}).get(lang, group.rule),
                      "norm": rule_norm(services.register, group.rule, group.norm, lang),
                      "ended": group.ended})
    return found


def _user_names(actors: Iterable[str | None]) -> dict[str, str]:
    """``user:<id>`` -> the user's name, for the actors that are users."""
    ids = {int(who.split(":", 1)[1]) for who in actors
           if who and who.startswith("user:") and who.split(":", 1)[1].isdigit()}
    if not ids:
        return {}
    return {f"user:{u.id}": u.username
            for u in db_session().scalars(select(User).where(User.id.in_(ids)))}


def _requested(req: Request | None, lang: str) -> dict[str, Any]:
    """The corrections the requester asked for, with the columns the data map names for each,
    and the ``table.column = value`` lines proposed from them (saved lines win)."""
    requested = rectification.requested_of(req) if req is not None else None
    if not requested:
        return {"requested": [], "requested_note": "", "prefill": {}}
    columns = rectification.field_columns(_services().connectors)
    labels = {f"{table.name}.{column.name}": f"{table.label.get(lang, table.name)}: "
              f"{column.label.get(lang, column.name)}"
              for _, connector in _services().all_capable(DataMapped)
              for table in connector.tables for column in table.columns}
    return {"requested": [{"field": name, "value": value,
                           "columns": [(c, labels.get(c, c)) for c in columns.get(name, ())]}
                          for name, value in rectification.in_form_order(requested.fields)],
            "requested_note": requested.note,
            "prefill": rectification.prefill(requested, columns)}


@bp.post("/notices/<int:notice_id>/confirm")
@require(Permission.RECIPIENTS_CONFIRM)
def confirm(notice_id: int) -> Any:
    """Record a recipient's confirmation: the day it arrived (today unless given) and its
    reference; a bad date is a message and nothing is stored."""
    notice = db_session().get(RecipientNotice, notice_id)
    if notice is None:
        abort(404)
    raw = request.form.get("received_on", "").strip()
    today = clock().today()
    try:
        received_on = date.fromisoformat(raw) if raw else today
        changes.confirm_notice(db_session(), notice, actor=actor(), received_on=received_on,
                               note=request.form.get("note", ""), today=today)
    except ValueError as exc:  # a malformed date, or the service's ChangeInputError
        db_session().rollback()
        message = (service_error(exc) if isinstance(exc, changes.ChangeInputError)
                   else _("ch_lift_bad_date"))
        flash(f"{_('ch_confirm')}: {message}", "error")
    else:
        flash(_("ch_confirmed"), "ok")
    return _notice_back(notice)


def _notice_back(notice: RecipientNotice) -> Any:
    if request.form.get("back") == "notices":
        return redirect(url_for("notices.index"))
    return redirect(url_for("queue.detail", request_id=notice.request_id, tab="changes",
                            _anchor="notices"))


@bp.post("/notices/<int:notice_id>/unconfirm")
@require(Permission.RECIPIENTS_CONFIRM)
def unconfirm(notice_id: int) -> Any:
    """Take back a confirmation recorded by mistake (audited); the notice waits again."""
    notice = db_session().get(RecipientNotice, notice_id)
    if notice is None:
        abort(404)
    try:
        changes.undo_confirmation(db_session(), notice, actor=actor())
    except changes.ChangeInputError as exc:
        db_session().rollback()
        flash(f"{_('ch_confirm')}: {service_error(exc)}", "error")
    else:
        flash(_("ch_unconfirmed"), "ok")
    return _notice_back(notice)


@bp.post("/requests/<int:request_id>/corrections")
@require(Permission.REQUESTS_DECIDE)
def corrections(request_id: int) -> Any:
    req = db_session().get(Request, request_id)
    if req is None:
        abort(404)
    known = {f"{table.name}.{column.name}" for _, connector in _services().all_capable(DataMapped)
             for table in connector.tables for column in table.columns
             if column.erasure != "keep"}
    try:
        found = changes.parse_corrections(request.form.get("corrections", ""), known)
        changes.record_corrections(db_session(), req, found, actor=actor())
    except changes.ChangeInputError as exc:
        db_session().rollback()
        flash(f"{_('ch_corrections')}: {service_error(exc)}", "error")
    else:
        flash(_("ch_corrections_saved"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id, tab="changes"))



@bp.post("/requests/<int:request_id>/restriction/notice")
@require(Permission.REQUESTS_DECIDE)
def lift_notice(request_id: int) -> Any:
    """Send the Art. 18(3) notice that the restriction will be lifted from the given day
    (empty: the first day the notice period allows)."""
    req = db_session().get(Request, request_id)
    if req is None:
        abort(404)
    raw = request.form.get("lift_on", "").strip()
    try:
        lift_on = date.fromisoformat(raw) if raw else None
    except ValueError:
        flash(f"{_('ch_lift_notice')}: {_('ch_lift_bad_date')}", "error")
        return redirect(url_for("queue.detail", request_id=request_id, tab="changes"))
    try:
        restriction_lift.send_lift_notice(_services(), db_session(), req, lift_on=lift_on,
                                          reason=request.form.get("reason", ""), actor=actor())
    except changes.ChangeInputError as exc:
        db_session().rollback()
        flash(f"{_('ch_lift_notice')}: {service_error(exc)}", "error")
    else:
        flash(_("ch_lift_notice_sent"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id, tab="changes"))


@bp.post("/requests/<int:request_id>/restriction/lift")
@require(Permission.REQUESTS_DECIDE)
def lift(request_id: int) -> Any:
    """Lift the restriction in every system that set it (refused before the notice)."""
    try:
        restriction_lift.lift_restriction(_services(), request_id, actor=actor())
    except changes.ChangeInputError as exc:
        flash(f"{_('ch_lift')}: {service_error(exc)}", "error")
    else:
        flash(_("ch_lifted"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id, tab="changes"))


@bp.post("/requests/<int:request_id>/restriction/ground")
@require(Permission.REQUESTS_DECIDE)
def restriction_ground(request_id: int) -> Any:
    """Record the Art. 18(1) ground of a restriction (lit. a-d); audited."""
    req = db_session().get(Request, request_id)
    if req is None:
        abort(404)
    try:
        withdrawal.set_restriction_ground(db_session(), req,
                                          request.form.get("ground", "").strip().lower(),
                                          actor=actor())
    except withdrawal.RestrictionGroundError as exc:
        db_session().rollback()
        flash(f"{_('sup_ground_title')}: {service_error(exc)}", "error")
    else:
        flash(_("sup_ground_saved"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id, tab="changes"))
