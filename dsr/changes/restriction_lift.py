"""Lifting a restriction of processing (Art. 18(3) GDPR): the notice first, then the lift.

A coordinator first sends the requester the restriction-lift notice (``send_lift_notice``);
it names the day from which the restriction will be lifted — at least
``[workflow] restriction_lift_notice_days`` after it is sent — which is stored on the request;
the notice is logged as outgoing mail and audited. Only once it has gone out, and from that
day on, does ``lift_restriction`` plan the lift in every system that restricted the subject
(the plan is stored before the system is touched), execute it step by step and store the
receipt — audited as well. Before, the lift is refused and nothing changes. The lift manages
its own transactions (like the retention run): a system's commit cannot be rolled back with
ours.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.capabilities import Executes, Plans
from connectors.changes import Plan, subject_from_json
from dsr.audit import AuditAction, AuditEvent, append_event
from dsr.changes import operations as changes
from dsr.changes.models import ChangePlan, ChangeReceipt, PlanStatus
from dsr.changes.operations import ChangeInputError
from dsr.correspondence import notices
from dsr.correspondence.models import OutgoingMail
from dsr.requests.models import Request

if TYPE_CHECKING:
    from dsr.context import Services

LIFT_NOTICE = "restriction_lift_notice"


class LiftRefused(ChangeInputError):
    """The restriction cannot be lifted (yet); the message says why."""


def lift_notice_sent(session: Session, request: Request) -> bool:
    """True when the Art. 18(3) notice for ``request`` has gone out."""
    return session.scalar(select(OutgoingMail.id).where(
        OutgoingMail.request_id == request.id, OutgoingMail.template == LIFT_NOTICE)
        .limit(1)) is not None


def earliest_lift(today: date, notice_days: int) -> date:
    """The first day a restriction may be lifted when the notice goes out ``today``."""
    return today + timedelta(days=notice_days)


def lift_date(session: Session, request: Request) -> date | None:
    """The day from which the request's restriction may be lifted, as its notice named it
    (None before the notice). Notices sent before the day was stored name it in the audit."""
    if request.restriction_lift_on is not None:
        return request.restriction_lift_on
    details = session.scalar(select(AuditEvent.details).where(
        AuditEvent.request_id == request.id,
        AuditEvent.action == AuditAction.RESTRICTION_LIFT_NOTICE_SENT)
        .order_by(AuditEvent.seq).limit(1))
    try:
        return date.fromisoformat(str((details or {})["lift_on"]))
    except (KeyError, ValueError):
        return None


def _flag_plans(session: Session, request: Request, value: bool) -> list[ChangePlan]:
    """The request's plans that set the restriction flag to ``value``, oldest first."""
    rows = session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request.id, ChangePlan.purpose == "request",
        ChangePlan.status != PlanStatus.SUPERSEDED.value).order_by(ChangePlan.id))
    return [row for row in rows if any(c.action == "flag" and c.value is value
                                       for c in Plan.from_json(row.body).changes)]


def restricted_in(session: Session, request: Request) -> list[ChangePlan]:
    """The request's executed plans that set a restriction flag (one per system)."""
    return [row for row in _flag_plans(session, request, True)
            if row.status == PlanStatus.EXECUTED.value]


def send_lift_notice(services: Services, session: Session, request: Request, *,
                     reason: str, actor: str, lift_on: date | None = None,
                     today: date | None = None) -> dict[str, Any]:
    """Send the requester the notice that the restriction will be lifted from ``lift_on``
    (default: the first day the notice period allows; an earlier day is refused); the day is
    stored on the request, the notice logged and audited (the reason's text is not put into
    the audit). A notice that went out already is not sent again. Flushes."""
    today = today or services.clock.today()
    earliest = earliest_lift(today, services.config.workflow["restriction_lift_notice_days"])
    lift_on = lift_on or earliest
    if not restricted_in(session, request):
        raise LiftRefused("no restriction of this request has been carried out",
                          msgid="err_lift_nothing_restricted")
    if not reason.strip():
        raise LiftRefused("give the reason for lifting the restriction", msgid="err_lift_reason")
    if lift_on < earliest:
        raise LiftRefused("the notice period ends on {earliest}: the restriction can be lifted "
                          "from that day at the earliest, not from {lift_on}",
                          msgid="err_lift_too_early", earliest=earliest, lift_on=lift_on)
    to = request.claim("email")
    if not to:
        raise LiftRefused("the request has no e-mail address; send the notice by letter",
                          msgid="err_lift_no_email")
    sent = notices.send_once(services, session, request, LIFT_NOTICE, to, lift_on=lift_on,
                             reason=reason.strip(),
                             authority=services.register.get("supervisory_authority", {}))
    if sent["sent"]:
        request.restriction_lift_on = lift_on
        append_event(session, actor=actor, action=AuditAction.RESTRICTION_LIFT_NOTICE_SENT,
                     request_id=request.id, details={"lift_on": lift_on.isoformat()})
    session.flush()
    return {**sent, "lift_on": lift_date(session, request)}


def lift_restriction(services: Services, request_id: int, *, actor: str,
                     today: date | None = None) -> dict[str, Any]:
    """Lift the request's restriction in every system that set it, once the notice is out.

    Refused (``LiftRefused``, nothing changed) while the notice has not gone out and before
    the day it names. The lift plan is stored and committed before a system is touched; a
    second call changes nothing again.
    """
    today = today or services.clock.today()
    with services.db.session() as session:
        request = session.get(Request, request_id)
        if request is None:
            raise LiftRefused("no request {request_id}", msgid="err_lift_no_request",
                              request_id=request_id)
        if not lift_notice_sent(session, request):
            raise LiftRefused("the Art. 18(3) notice has not gone out yet: send it first",
                              msgid="err_lift_notice_first")
        lift_on = lift_date(session, request)
        if lift_on is not None and today < lift_on:
            raise LiftRefused("the Art. 18(3) notice names {lift_on} as the day the restriction "
                              "will be lifted: not before that day", msgid="err_lift_before_day",
                              lift_on=lift_on)
        work = [_stored_lift(services, session, request, row, today)
                for row in restricted_in(session, request)]
        if not work:
            raise LiftRefused("no restriction of this request has been carried out",
                              msgid="err_lift_nothing_restricted")
    lifted = []
    for name, plan_id in work:
        with services.db.session() as session:
            row = session.get(ChangePlan, plan_id)
            assert row is not None
            if session.scalar(select(ChangeReceipt.id).where(ChangeReceipt.plan_id == plan_id)):
                continue
            plan = Plan.from_json(row.body)
        receipt = services.require(name, Executes).execute(plan,
                                                           changes.DbStepLog(services, plan_id))
        with services.db.session() as session:
            row = session.get(ChangePlan, plan_id)
            assert row is not None
            changes.record_receipt(services, session, row, plan, receipt)
            append_event(session, actor=actor, action=AuditAction.RESTRICTION_LIFTED,
                         request_id=request_id,
                         details={"connector": name, "verified": receipt.verified})
        lifted.append(name)
    return {"lifted": lifted}


def _stored_lift(services: Services, session: Session, request: Request, restricted: ChangePlan,
                 today: date) -> tuple[str, int]:
    """The stored lift plan for one system (planned and stored now unless it exists)."""
    name = restricted.connector
    for existing in _flag_plans(session, request, False):
        if existing.connector == name:
            return name, existing.id
    connector = services.require(name, Plans)
    subject = Plan.from_json(restricted.body).subject
    keys = [list(key) for key in subject.get("keys", [])]
    wanted = replace(changes.change_request(services, session, request, name, keys, today),
                     types=(), corrections={}, lift_restriction=True)
    plan = connector.plan(subject_from_json(subject), wanted)
    round_ = (session.scalar(select(func.max(ChangePlan.round)).where(
        ChangePlan.request_id == request.id, ChangePlan.connector == name)) or 0) + 1
    row = changes.store_plan(session, request_id=request.id, connector=name, round_=round_,
                             plan=plan)
    append_event(session, actor="system", action=AuditAction.RESTRICTION_LIFT_PLANNED,
                 request_id=request.id, details={"connector": name, "plan": row.id})
    return name, row.id
