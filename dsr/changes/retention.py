"""The retention run: erase what has come due (``dsr retention run`` and the daily job).

A blocked record is due the day after its ``retained_until``; a record blocked by a legal hold
is due once the hold is lifted — then the subject's erasure is planned afresh, so fields still
under a retention rule are blocked again with their dates. A hold placed after the erasure
(an open claim that came up later) keeps the subject's blocked records past their date until
it is lifted. A log file's lines left in the live
file are planned afresh too, and erased once that file has been rotated. Each run stores its
plans and receipts like a request's (purpose ``retention``) and writes the erasure journal.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.capabilities import DataMapped, Executes, Plans, subject_holder
from connectors.changes import (
    ChangeRequest,
    Plan,
    PlannedChange,
    subject_from_json,
)
from dsr.changes import operations as changes
from dsr.changes import overdue
from dsr.changes.models import ChangePlan, LegalHold, RetainedRecord

if TYPE_CHECKING:
    from dsr.context import Services

EXPIRY_NORM = "Art. 17 Abs. 1 lit. a DSGVO (Aufbewahrungsfrist abgelaufen)"


def run_retention(services: Services, today: date | None = None) -> dict[str, int]:
    """Erase every blocked record that has come due; returns counts (no personal data)."""
    today = today or services.clock.today()
    with services.db.session() as session:
        direct, afresh = _due(session, services, today)
        work = [(name, _expiry_plan(name, records), [r.id for r in records])
                for name, records in direct.items()]
        work += [(name, plan, ids) for name, plan, ids in
                 (_fresh_plan(services, session, plan_id, records, today)
                  for plan_id, records in afresh.items()) if plan is not None]
    done = {"plans": 0, "records": 0}
    for name, plan, record_ids in work:
        with services.db.session() as session:
            row = changes.store_plan(session, request_id=None, connector=name, round_=0,
                                     plan=plan, purpose="retention")
            plan_id = row.id
        receipt = services.require(name, Executes).execute(plan,
                                                           changes.DbStepLog(services, plan_id))
        with services.db.session() as session:
            stored = session.get(ChangePlan, plan_id)
            assert stored is not None
            changes.record_receipt(services, session, stored, plan, receipt)
            for record in session.scalars(select(RetainedRecord).where(
                    RetainedRecord.id.in_(record_ids))):
                record.erased_at = services.clock.now()
        done["plans"] += 1
        done["records"] += len(record_ids)
    released = overdue.erase_released(services)
    if released["plans"]:
        done["overdue_plans"], done["overdue_changes"] = released["plans"], released["changes"]
    return done


def _due(session: Session, services: Services, today: date) -> tuple[
        dict[str, list[RetainedRecord]], dict[int, list[RetainedRecord]]]:
    """Due records: by connector (their map actions apply) and by plan (planned afresh).
    A record whose subject came under a legal hold after it was blocked waits for the lift."""
    lifted = {h.id for h in session.scalars(select(LegalHold).where(
        LegalHold.lifted_at.is_not(None)))}
    held: dict[int, bool] = {}
    direct: dict[str, list[RetainedRecord]] = defaultdict(list)
    afresh: dict[int, list[RetainedRecord]] = defaultdict(list)
    for record in session.scalars(select(RetainedRecord).where(
            RetainedRecord.erased_at.is_(None)).order_by(RetainedRecord.id)):
        if record.connector not in services.connectors:
            continue
        if record.hold_id is not None:
            if record.hold_id in lifted:
                afresh[record.plan_id].append(record)
        elif record.retained_until is not None and record.retained_until < today:
            if _held(session, services, record, held):
                continue
            if services.capable(record.connector, DataMapped) is None:
                afresh[record.plan_id].append(record)
            else:
                direct[record.connector].append(record)
    return direct, afresh


def _held(session: Session, services: Services, record: RetainedRecord,
          cache: dict[int, bool]) -> bool:
    """True when the subject of the record's plan is under an active legal hold now."""
    if record.plan_id not in cache:
        plan = session.get(ChangePlan, record.plan_id)
        keys = [list(key) for key in (plan.body.get("subject", {}).get("keys", [])
                                      if plan is not None else [])]
        holder = subject_holder(services.connectors[record.connector])
        cache[record.plan_id] = bool(keys) and bool(changes.active_holds(session, holder, keys))
    return cache[record.plan_id]


def _expiry_plan(connector: str, records: list[RetainedRecord]) -> Plan:
    """The map's erasure actions for due fields; a row goes when a field of it is ``delete``."""
    by_row: dict[tuple[str, tuple[Any, ...]], dict[str, str]] = defaultdict(dict)
    for record in records:
        by_row[(record.target, tuple(record.row_key))].update(
            {k: str(v) for k, v in record.then.items()})
    planned: list[PlannedChange] = []
    for (target, key), then in by_row.items():
        if "delete" in then.values():
            planned.append(PlannedChange(target, key, (), "delete", "retention_expired",
                                         EXPIRY_NORM))
            continue
        for action in ("null", "anonymise"):
            fields = tuple(sorted(name for name, how in then.items() if how == action))
            if fields:
                planned.append(PlannedChange(target, key, fields, action,
                                             "retention_expired", EXPIRY_NORM))
    return Plan(connector, tuple(planned), {"keys": [], "identifiers": {}})


def _fresh_plan(services: Services, session: Session, plan_id: int,
                records: list[RetainedRecord], today: date) -> tuple[str, Plan | None, list[int]]:
    """The subject's erasure planned again (holds lifted, live log rotated)."""
    original = session.get(ChangePlan, plan_id)
    name = records[0].connector
    if original is None:
        return name, None, []
    subject = subject_from_json(original.body.get("subject", {}))
    keys = [list(key) for key in subject.keys]
    holder = subject_holder(services.connectors[name])
    request = ChangeRequest(reference="retention", types=("erasure",), today=today,
                            rules=changes.retention_rules(services.register),
                            holds=changes.active_holds(session, holder, keys))
    if request.holds:
        return name, None, []
    plan = services.require(name, Plans).plan(subject, request)
    return name, plan, [r.id for r in records]
