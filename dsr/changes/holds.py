"""Legal holds (open claim, collection, tax audit): placed and lifted by a coordinator on a
request's page, through the API or with ``dsr retention hold|lift``.

A hold names one subject key of one connector (the system that found the subject; derived
systems such as the newsletter use its keys). While a hold is active, a plan for that subject
blocks its rows instead of erasing them, and the retention run leaves them alone; once it is
lifted, the next retention run erases what it kept. Every placement and lift is audited with
the hold's id, kind and connector — never the key, the reason or the reference.

Services flush; the web request, API call or CLI command around them commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Connector
from connectors.capabilities import subject_holder
from dsr.audit import AuditAction, append_event
from dsr.changes.models import ChangePlan, HoldKind, LegalHold, PlanStatus
from dsr.clock import clock_of
from dsr.errors import ServiceError
from dsr.requests.contracts import SubjectKeys
from dsr.requests.models import Request

KINDS = tuple(kind.value for kind in HoldKind)
REASON_MAX = 500
REFERENCE_MAX = 120
#: States in which the request's subject is confirmed (the identity check passed).
CONFIRMED_STATES = ("verified", "processing", "review", "executing", "completed")


class HoldError(ServiceError):
    """A hold cannot be placed or lifted; the message says why (no personal data)."""


class HoldNotFound(HoldError):
    """There is no such hold (or it is not one of this subject's)."""


class HoldLifted(HoldError):
    """The hold has been lifted already."""


def place_hold(session: Session, *, connectors: Collection[str], connector: str,
               subject_key: Sequence[Any], kind: str, reason: str, reference: str = "",
               actor: str, request_id: int | None = None) -> LegalHold:
    """Suspend erasure of one subject of ``connector`` until the hold is lifted; audited
    (on ``request_id``'s trail when placed from a request). Flushes."""
    if connector not in connectors:
        raise HoldError(f"connector: no connector {connector!r} is configured")
    if kind not in KINDS:
        raise HoldError(f"kind: one of {', '.join(KINDS)}")
    key = list(subject_key)
    if not key or not all(isinstance(part, str | int) for part in key):
        raise HoldError("key: the subject's key in that connector (one or more values)")
    reason, reference = reason.strip(), reference.strip()
    if not reason:
        raise HoldError("reason: say why (e.g. the claim or the audit), without personal data",
                        msgid="err_hold_reason_missing")
    if len(reason) > REASON_MAX:
        raise HoldError("reason: at most {max} characters", msgid="err_hold_reason_too_long",
                        max=REASON_MAX)
    if len(reference) > REFERENCE_MAX:
        raise HoldError("reference: at most {max} characters", msgid="err_hold_reference_too_long",
                        max=REFERENCE_MAX)
    row = LegalHold(connector=connector, subject_key=key, kind=kind, reason=reason,
                    reference=reference or None, created_by=actor)
    session.add(row)
    session.flush()
    append_event(session, actor=actor, action=AuditAction.LEGAL_HOLD_ADDED, request_id=request_id,
                 details={"hold": row.id, "kind": kind, "connector": connector})
    return row


def lift_hold(session: Session, hold_id: int, *, actor: str,
              request_id: int | None = None, reason: str | None = None) -> LegalHold:
    """Lift an active hold; the next retention run erases what it kept. Audited. Flushes.

    ``reason`` says why (the claim settled, the audit closed; no personal data) and is kept
    with the hold; the pages require it, callers that pass ``None`` record none."""
    row = session.scalars(select(LegalHold).where(LegalHold.id == hold_id)
                          .with_for_update()).first()
    if row is None:
        raise HoldNotFound(f"no hold {hold_id}")
    if row.lifted_at is not None:
        raise HoldLifted("no active hold {hold}: it was lifted on {lifted}", msgid="err_hold_lifted",
                         hold=hold_id, lifted=row.lifted_at.date().isoformat())
    if reason is not None:
        reason = reason.strip()
        if not reason:
            raise HoldError("lift reason: say why the hold ends (e.g. the claim is settled)",
                            msgid="err_lift_reason_missing")
        if len(reason) > REASON_MAX:
            raise HoldError("lift reason: at most {max} characters", msgid="err_lift_reason_too_long",
                            max=REASON_MAX)
    row.lifted_at, row.lifted_by, row.lift_reason = clock_of(session).now(), actor, reason or None
    session.flush()
    append_event(session, actor=actor, action=AuditAction.LEGAL_HOLD_LIFTED, request_id=request_id,
                 details={"hold": row.id, "kind": row.kind, "connector": row.connector,
                          "reason_given": bool(reason)})
    return row


def list_holds(session: Session, *, active_only: bool = True, limit: int = 500) -> list[LegalHold]:
    """Holds, newest first: the active ones, or every hold with ``active_only=False``."""
    stmt = select(LegalHold).order_by(LegalHold.id.desc()).limit(limit)
    if active_only:
        stmt = stmt.where(LegalHold.lifted_at.is_(None))
    return list(session.scalars(stmt))


def subject_keys(request: Request) -> dict[str, list[list[Any]]]:
    """The confirmed subject's keys per connector in which it was found (empty before the
    identity check passed, or once the request was reduced)."""
    if request.status not in CONFIRMED_STATES:
        return {}
    found = {name: [list(key) for key in stored.keys]
             for name, stored in SubjectKeys.of(request).items()}
    return {name: keys for name, keys in found.items() if keys}


def holding_systems(connectors: Mapping[str, Connector]) -> set[str]:
    """The connectors that hold their subject themselves: a hold is placed on a key there,
    where the plans look it up; one that derives its subject from another (the newsletter
    tables, a hosted service) is held through that one."""
    return {name for name, connector in connectors.items()
            if subject_holder(connector) == name}


def hold_targets(request: Request,
                 connectors: Mapping[str, Connector]) -> dict[str, list[list[Any]]]:
    """The confirmed subject's keys a hold can be placed on, per holding connector."""
    holding = holding_systems(connectors)
    return {name: keys for name, keys in subject_keys(request).items() if name in holding}


def holds_for_subject(session: Session, keys: Mapping[str, Sequence[Sequence[Any]]], *,
                      active_only: bool = False) -> list[LegalHold]:
    """The holds on any of the subject's keys (connector -> keys), active ones first."""
    if not keys:
        return []
    stmt = select(LegalHold).where(LegalHold.connector.in_(list(keys))).order_by(LegalHold.id)
    if active_only:
        stmt = stmt.where(LegalHold.lifted_at.is_(None))
    wanted = {name: [list(key) for key in found] for name, found in keys.items()}
    rows = [row for row in session.scalars(stmt)
            if list(row.subject_key) in wanted.get(row.connector, [])]
    return sorted(rows, key=lambda row: (row.lifted_at is not None, -row.id))


def hold_of_subject(session: Session, hold_id: int,
                    keys: Mapping[str, Sequence[Sequence[Any]]]) -> LegalHold:
    """The hold ``hold_id`` if it is on one of the subject's keys (else ``HoldNotFound``)."""
    for row in holds_for_subject(session, keys):
        if row.id == hold_id:
            return row
    raise HoldNotFound(f"no hold {hold_id} on this request's subject")


def _last_change(row: LegalHold) -> datetime:
    return max(row.created_at, row.lifted_at or row.created_at)


def needs_replan(session: Session, request: Request) -> bool:
    """True when an erasure request in review has a plan made before a hold on its subject was
    placed or lifted: that plan erases (or keeps) the wrong rows, so it must be made again."""
    if request.status != "review" or "erasure" not in (request.types or []):
        return False
    holds = holds_for_subject(session, subject_keys(request))
    if not holds:
        return False
    changed = max(_last_change(row) for row in holds)
    plans = session.scalars(select(ChangePlan.created_at).where(
        ChangePlan.request_id == request.id, ChangePlan.purpose == "request",
        ChangePlan.status == PlanStatus.PLANNED.value)).all()
    return any(created < changed for created in plans)


def requests_to_replan(session: Session, connector: str,
                       subject_key: Sequence[Any]) -> list[Request]:
    """Erasure requests in review of the subject with this key whose plan predates a hold
    change: the coordinator must have their plan made again."""
    key = list(subject_key)
    found = []
    for request in session.scalars(select(Request).where(Request.status == "review")
                                   .order_by(Request.id)):
        if key in subject_keys(request).get(connector, []) and needs_replan(session, request):
            found.append(request)
    return found


#: Who places the holds a data map's ``hold_when`` derives (never a coordinator's name).
DERIVED_BY = "system:hold_when"


def derive_holds(session: Session, *, connectors: Collection[str], connector: str,
                 subject_keys: Sequence[Sequence[Any]], claims: Sequence[str],
                 request_id: int | None = None) -> list[LegalHold]:
    """Place an ``open_claim`` hold on each subject key for every open claim the connector
    found (Art. 17(3)(e) GDPR: erasure waits while a claim is being enforced), once: a claim
    already held for that key by an active derived hold is not held twice. The coordinator
    lifts it when the claim is settled. Audited like every hold. Flushes."""
    placed: list[LegalHold] = []
    active = session.scalars(select(LegalHold).where(
        LegalHold.connector == connector, LegalHold.lifted_at.is_(None),
        LegalHold.created_by == DERIVED_BY)).all()
    for key in subject_keys:
        held = {row.reference for row in active if list(row.subject_key) == list(key)}
        for claim in claims:
            reference = claim[:REFERENCE_MAX]
            if reference in held:
                continue
            placed.append(place_hold(
                session, connectors=connectors, connector=connector, subject_key=list(key),
                kind=HoldKind.OPEN_CLAIM.value, reference=reference, actor=DERIVED_BY,
                request_id=request_id,
                reason="Offene Forderung laut Datenbestand / open claim in the records "
                       "(Art. 17 Abs. 3 lit. e DSGVO)"))
    return placed
