"""Suppression on intake: the one stated exception to "nothing before approval".

An objection to advertising (Art. 21(2), (3)) or a withdrawal of a consent to advertising
(Art. 7(3)) stops advertising to the address the requester gave at once, before the identity
is checked: the keyed hash of that e-mail and postal address goes onto the suppression list,
and every system that sends advertising ends its sends to that e-mail address. It discloses
nothing and deletes nothing (EDPB Guidelines 01/2022, proportionality), so a third party who
triggers it only stops advertising to that address. Ending the consents in the shop, erasing
and disclosing still wait for verification and approval. Each step is an audit event (counts
and system names, no addresses), and the coordinator reads it on the request page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.capabilities import Executes, KeepsSuppressionList, StopsAdvertising
from connectors.changes import Plan
from connectors.matching import parse_postal_address
from connectors.newsletter import CHANNELS
from dsr.audit import AuditAction, AuditEvent, append_event
from dsr.changes import operations as changes
from dsr.changes.models import ChangePlan, PlanStatus
from dsr.requests.models import Request, RequestType
from workflows import outbox
from workflows.models import TaskKind

if TYPE_CHECKING:
    from dsr.context import Services

NORMS = {"objection": "Art. 21 Abs. 3 DSGVO (sofort bei Eingang)",
         "consent_withdrawal": "Art. 7 Abs. 3 DSGVO (sofort bei Eingang)"}
#: The suppression channel a withdrawal of each consent ends (a withdrawal naming only other
#: consents, such as web analytics, waits for verification like every other change).
WITHDRAWN_CHANNELS = (("newsletter", "newsletter"), ("postal_advertising", "postal"))


@dataclass(frozen=True)
class IntakeSuppression:
    """What the coordinator reads on the request page: entries added, channels, and the
    systems whose sends to the address were ended (with the number of sends ended)."""

    entries: int
    channels: tuple[str, ...]
    stopped: tuple[tuple[str, int], ...]

    @property
    def systems(self) -> tuple[str, ...]:
        """The systems whose sends were ended."""
        return tuple(name for name, _ in self.stopped)

    @property
    def ended(self) -> int:
        """The sends (subscriptions, contacts) ended over all systems."""
        return sum(n for _, n in self.stopped)


def wanted(request: Request) -> tuple[str, tuple[str, ...]] | None:
    """The request type that stops advertising on intake and the channels it suppresses:
    an objection every advertising channel, a withdrawal the newsletter (or the consents it
    names: newsletter, advertising by post); None when nothing stops on intake."""
    if RequestType.OBJECTION in request.types:
        return RequestType.OBJECTION.value, CHANNELS
    if RequestType.CONSENT_WITHDRAWAL in request.types:
        named = set(request.withdrawn_consents or ())
        channels = tuple(channel for kind, channel in WITHDRAWN_CHANNELS
                         if kind in named) if named else ("newsletter",)
        if channels:
            return RequestType.CONSENT_WITHDRAWAL.value, channels
    return None


#: The round of the plans made on intake: the request's own plans count from 0 and supersede
#: nothing of it once it is executed.
INTAKE_ROUND = -1


def suppress_on_intake(services: Services, session: Session, request: Request) -> list[str]:
    """Add the keyed hashes of the address given to the suppression list (every connector
    that keeps one, each with its own key) and store, per system that sends advertising, the
    plan that ends its sends to the e-mail address given (round ``INTAKE_ROUND``); audited.
    Returns the systems whose plan has something to stop (their ``stop_advertising`` tasks
    follow). Idempotent; flushes."""
    found = wanted(request)
    if found is None:
        return []
    why, channels = found
    email = request.claim("email") or None if "newsletter" in channels else None
    postal = parse_postal_address(request.claim("postal_address") or "")
    added = 0
    for _, keeper in services.all_capable(KeepsSuppressionList):
        for kind, digest in keeper.suppression_hashes(
                email=email, street=postal.street, postcode=postal.postcode):
            for channel in channels:
                added += changes.add_suppression(session, digest, kind, channel, request.id)
    senders = []
    for name, sender in services.all_capable(StopsAdvertising) if email else ():
        if services.capable(name, Executes) is None or _intake_plan(session, request, name):
            continue
        plan = sender.advertising_stops(email or "", NORMS[why])
        changes.store_plan(session, request_id=request.id, connector=name,
                           round_=INTAKE_ROUND, plan=plan)
        if plan.changes:
            senders.append(name)
            outbox.add_task(session, kind=TaskKind.STOP_ADVERTISING, request_id=request.id,
                            connector=name, queue=outbox.QUEUE_CONNECTORS)
    append_event(session, actor="system", action=AuditAction.SUPPRESSED_ON_INTAKE,
                 request_id=request.id,
                 details={"type": why, "entries": added, "channels": list(channels),
                          "systems": senders})
    return senders


def _intake_plan(session: Session, request: Request, connector: str) -> ChangePlan | None:
    return session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request.id, ChangePlan.connector == connector,
        ChangePlan.round == INTAKE_ROUND)).first()


def stop_advertising(services: Services, session: Session, request: Request,
                     connector: str) -> int:
    """Carry out the stored intake plan of ``connector`` (once; its receipt kept, the ended
    subscriptions journaled like any other change); returns the sends ended."""
    row = _intake_plan(session, request, connector)
    if row is None or row.status == PlanStatus.EXECUTED.value:
        return 0
    plan = Plan.from_json(row.body)
    done = services.require(connector, Executes).execute(
        plan, changes.DbStepLog(services, row.id, row.steps_done or {}))
    receipt = changes.record_receipt(services, session, row, plan, done)
    ended = sum(int(step.get("touched") or 0) for step in receipt.body["steps"])
    append_event(session, actor="system", action=AuditAction.ADVERTISING_STOPPED_ON_INTAKE,
                 request_id=request.id,
                 details={"connector": connector, "plan": row.id, "ended": ended})
    return ended


def intake_suppression(session: Session, request_id: int) -> IntakeSuppression | None:
    """What was stopped on intake for the request (None when nothing was)."""
    suppressed, stopped = AuditAction.SUPPRESSED_ON_INTAKE, AuditAction.ADVERTISING_STOPPED_ON_INTAKE
    events = list(session.scalars(select(AuditEvent).where(
        AuditEvent.request_id == request_id,
        AuditEvent.action.in_([suppressed, stopped])).order_by(AuditEvent.seq)))
    first = next((e for e in events if e.action == suppressed), None)
    if first is None:
        return None
    return IntakeSuppression(
        entries=sum(int(e.details.get("entries") or 0) for e in events if e.action == suppressed),
        channels=tuple(first.details.get("channels") or ()),
        stopped=tuple((str(e.details.get("connector")), int(e.details.get("ended") or 0))
                      for e in events if e.action == stopped))

