"""Jobs of the changes work: ``plan`` (per connector, before review) and ``execute`` (per
connector, after approval); registered with ``@job`` from ``workflows.jobs``.

``plan`` stores the connector's plan in the service database and touches no system.
``execute`` runs the stored plan's open steps — each committed step is recorded at once, or,
for a system whose steps check their own state (``RechecksSteps``), with the receipt or when
the run fails — and stores one receipt. A worker killed between a system's commit and the receipt's commit leaves
the step recorded or checkable in the system: the re-run changes nothing twice and stores the
one receipt.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import ConnectorError
from connectors.capabilities import (
    Executes,
    Notifies,
    Plans,
    RechecksSteps,
    ReportsStatus,
    capable,
    subject_holder,
)
from connectors.changes import NOTIFIED_TYPES, ClaimSource, KnowsRecipients, Plan
from dsr.audit import AuditAction, append_event
from dsr.changes import art19, suppression
from dsr.changes import holds as hold_service
from dsr.changes import operations as changes
from dsr.changes.models import ChangePlan, ChangeReceipt, RecipientNotice
from dsr.changes.models import LegalHold as LegalHoldRow
from dsr.clock import clock_of
from dsr.recipients import opengdpr
from dsr.requests.models import Decision, Request
from dsr.requests.subjects import load_request, subject_for, subject_in
from workflows.jobs import job
from workflows.models import Task, TaskKind

if TYPE_CHECKING:
    from dsr.context import Services




def _round(task: Task) -> int:
    return int(task.dedupe_key.rsplit(":", 1)[1])


@job(TaskKind.PLAN)
def plan_changes(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Work out what one system will change for the request and store it; nothing is touched.

    A connector that cannot change data plans nothing (and says so).
    """
    request = load_request(session, task)
    connector = services.capable(task.connector, Plans)
    if connector is None or services.capable(task.connector, Executes) is None:
        return {"planned": False, "why": "connector_cannot_change"}
    round_ = _round(task)
    stored = session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request.id, ChangePlan.connector == task.connector,
        ChangePlan.round == round_)).first()
    if stored is None:
        subject = subject_in(services, request, task.connector)
        holder = subject_holder(services.connectors[task.connector])
        keys = [list(key) for key in subject_for(request, holder).keys]
        _derive_holds(services, session, request, holder, keys)
        wanted = changes.change_request(services, session, request, holder, keys,
                                        services.clock.today())
        if capable(connector, Notifies) is not None:
            if not set(wanted.types) & set(NOTIFIED_TYPES):
                return {"planned": False, "why": "nothing_to_notify"}
            wanted = replace(wanted, recipient_terms=art19.recipient_terms(
                services.register, services.capable(holder, KnowsRecipients),
                subject_in(services, request, holder)))
        plan = connector.plan(subject, wanted)
        stored = changes.store_plan(session, request_id=request.id, connector=task.connector,
                                    round_=round_, plan=plan)
    return {"planned": True, "changes": sum(row["rows"] for row in stored.summary),
            "targets": len({row["target"] for row in stored.summary})}


def _derive_holds(services: Services, session: Session, request: Request, holder: str,
                  keys: list[list[Any]]) -> None:
    """Before an erasure is planned, hold the subject whose rows show an open claim (the data
    map's ``hold_when``), so that neither its data nor any recipient's notice goes."""
    source = services.capable(holder, ClaimSource)
    if "erasure" not in request.types or not keys or source is None:
        return
    claims = source.open_claims(subject_in(services, request, holder))
    if claims:
        hold_service.derive_holds(session, connectors=services.connectors, connector=holder,
                                  subject_keys=keys, claims=claims, request_id=request.id)


def _refused(session: Session, request: Request) -> bool:
    """True when the coordinator refused every change type of the request."""
    decisions = list(session.scalars(select(Decision).where(Decision.request_id == request.id)))
    wanted = [d for d in decisions if d.right in changes_types(request)]
    return bool(wanted) and all(d.outcome == "refused" for d in wanted)


def changes_types(request: Request) -> set[str]:
    """The request's types that change data."""
    from connectors.changes import CHANGE_TYPES

    return set(request.types) & set(CHANGE_TYPES)


@job(TaskKind.EXECUTE)
def execute_changes(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Carry out the approved plan of one system and store its receipt (once)."""
    request = load_request(session, task)
    plan_row = changes.current_plan(session, request.id, task.connector)
    if plan_row is None:
        return {"executed": False, "why": "no_plan"}
    receipt = session.scalars(select(ChangeReceipt).where(
        ChangeReceipt.plan_id == plan_row.id)).first()
    if receipt is None:
        if _refused(session, request):
            return {"executed": False, "why": "refused"}
        connector = services.capable(task.connector, Executes)
        if connector is None:
            return {"executed": False, "why": "connector_cannot_change"}
        _bind_mailer(services, connector)
        plan = Plan.from_json(plan_row.body)
        _refuse_if_held_since(services, session, request, task.connector, plan_row, plan)
        log = changes.DbStepLog(services, plan_row.id, plan_row.steps_done or {},
                                defer=capable(connector, RechecksSteps) is not None)
        try:
            done = connector.execute(plan, log)
        except BaseException:
            log.flush()  # the steps that committed in the system are recorded all the same
            raise
        plan_row.steps_done = dict(log.done)  # with the receipt, in the job's commit
        receipt = changes.record_receipt(services, session, plan_row, plan, done)
        _record_notices(session, request, task.connector, done.to_json())
    body = receipt.body
    return {"executed": True, "verified": receipt.verified, "steps": len(body["steps"]),
            "retained": len(body["retained"]), "remaining": len(body["remaining"])}


class HeldSincePlanning(RuntimeError):
    """A legal hold was placed on the subject after the plan was made: nothing is changed."""


def _refuse_if_held_since(services: Services, session: Session, request: Request, name: str,
                          plan_row: ChangePlan, plan: Plan) -> None:
    """Refuse to erase anything when a hold on the subject is newer than the plan (placed
    after approval, or approved despite the warning): the task fails visibly and the
    coordinator makes the plan again."""
    if not any(c.action in changes.ERASING_ACTIONS for c in plan.changes):
        return
    holder = subject_holder(services.connectors[name])
    keys = [list(key) for key in subject_for(request, holder).keys]
    newer = [row.id for row in session.scalars(select(LegalHoldRow).where(
        LegalHoldRow.connector == holder, LegalHoldRow.lifted_at.is_(None),
        LegalHoldRow.created_at > plan_row.created_at)) if list(row.subject_key) in keys]
    if newer:
        raise HeldSincePlanning(
            f"legal hold {', '.join(map(str, newer))} was placed after this plan was made; "
            f"nothing was changed: make the plan again")


def _bind_mailer(services: Services, connector: object) -> None:
    """Give a connector that sends mail the service's mailer, sender and templates."""
    mails = capable(connector, Notifies)
    if mails is not None:
        mails.use_mailer(services.mailer, services.config.mail["sender"],
                         compose=_composer(services))


def _composer(services: Services) -> Any:
    """Renders the recipients' notices from the service's mail templates, signed by the
    register's controller."""
    from dsr.correspondence.drafts import render

    controller = services.register.get("controller", {})

    def compose(template: str, language: str, **context: Any) -> tuple[str, str]:
        rendered = render(template, language, controller=controller, **context)
        return rendered.subject, rendered.text

    return compose


def _record_notices(session: Session, request: Request, connector: str,
                    receipt: dict[str, Any]) -> None:
    """A notice per recipient the receipt says was told, waiting for its confirmation."""
    for step in receipt["steps"]:
        notice = step.get("notice")
        if not notice:
            continue
        exists = session.scalar(select(RecipientNotice.id).where(
            RecipientNotice.request_id == request.id, RecipientNotice.connector == connector,
            RecipientNotice.recipient == step["target"]))
        if exists is None:
            session.add(RecipientNotice(
                request_id=request.id, connector=connector, recipient=step["target"],
                channel=notice.get("channel", "email"), status="waiting",
                message_id=notice.get("message_id"), external_id=notice.get("external_id"),
                sent_at=clock_of(session).now()))
    session.flush()


def poll_processors(services: Services) -> int:
    """Ask every processor for the status of its erasure questions still waiting (for
    processors that send no callbacks, or whose callback was lost); returns how many were
    asked. A processor that cannot be reached is asked again next time."""
    asked = 0
    with services.db.session() as session:
        waiting = list(session.scalars(select(RecipientNotice).where(
            RecipientNotice.channel.in_(("opengdpr", "http_api")),
            RecipientNotice.status == "waiting")))
        for notice in waiting:
            connector = services.capable(notice.connector, ReportsStatus)
            if connector is None or not notice.external_id:
                continue
            try:
                status = connector.status(notice.external_id)
            except ConnectorError:
                continue
            opengdpr.apply_status(session, notice, status, notice.connector)
            asked += 1
    return asked


def remind_recipients(services: Services) -> int:
    """Remind once each recipient that has not confirmed an e-mailed notice within
    ``[workflow] recipient_reminder_days``; returns how many were reminded. Each reminder is
    recorded (and audited) right after it was handed to the mail server."""
    days = services.config.workflow["recipient_reminder_days"]
    if not days:
        return 0
    cutoff = services.clock.now() - timedelta(days=days)
    with services.db.session() as session:
        due = [(n.id, n.request_id, n.connector, n.recipient) for n in session.scalars(
            select(RecipientNotice).where(
                RecipientNotice.status == "waiting", RecipientNotice.channel == "email",
                RecipientNotice.reminded_at.is_(None), RecipientNotice.sent_at < cutoff))]
    reminded = 0
    for notice_id, request_id, name, recipient in due:
        connector = services.capable(name, Notifies)
        if connector is None:
            continue
        with services.db.session() as session:
            plan_row = changes.current_plan(session, request_id, name)
            if plan_row is None:
                continue
            _bind_mailer(services, connector)
            connector.remind(Plan.from_json(plan_row.body), recipient)
            notice = session.get(RecipientNotice, notice_id)
            assert notice is not None
            notice.reminded_at = services.clock.now()
            append_event(session, actor="system", action=AuditAction.RECIPIENT_REMINDED,
                         request_id=request_id, details={"recipient": recipient})
        reminded += 1
    return reminded


@job(TaskKind.SUPPRESS)
def suppress_on_intake(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """On intake of an objection or a withdrawal: the address given onto the suppression list
    and the plans that end advertising sends to it (before verification; see
    ``dsr.changes.suppression``)."""
    request = load_request(session, task)
    senders = suppression.suppress_on_intake(services, session, request)
    return {"stopping": len(senders)}


@job(TaskKind.STOP_ADVERTISING)
def stop_advertising(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """End one system's advertising sends to the address given, as planned on intake."""
    request = load_request(session, task)
    return {"ended": suppression.stop_advertising(services, session, request, task.connector)}
