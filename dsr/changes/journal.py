"""Replaying the erasure journal and the suppression list after a restore from backup.

A shop restored from a backup taken before an erasure holds the erased data again. The journal
knows, per executed plan, which rows were deleted, which fields nulled or anonymised and which
subscriptions and consents ended (keys and field names, no data), and which fields a
rectification set to which value (the value sealed with the service's keys); the replay runs
those changes again, plan by plan in their original order, as plans of purpose ``replay``
(stored before the shop is touched, without the rectified values, executed like any plan).
Every statement only touches rows that still differ, so a replay on a shop that needs none
changes nothing. The suppression list (keyed hashes) ends every running newsletter
subscription of a suppressed address the backup brought back. Only database connectors (those
with a data map) are replayed: log files and recipients are not restored with the shop.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from connectors.capabilities import DataMapped, Executes, KeepsSuppressionList
from connectors.changes import Plan, PlannedChange
from connectors.shop_sql_execute import NOW
from dsr.audit import AuditAction, append_event
from dsr.changes import operations as changes
from dsr.changes.models import ChangePlan, ChangeReceipt, ErasureJournalEntry, PlanStatus

if TYPE_CHECKING:
    from dsr.context import Services

REPLAY_NORM = "Art. 17 DSGVO (Wiederherstellung aus Sicherung: Löschung wiederholt)"
RECTIFICATION_REPLAY_NORM = ("Art. 16 DSGVO (Wiederherstellung aus Sicherung: "
                             "Berichtigung wiederholt)")
SUPPRESSION_NORM = "Art. 21 Abs. 3 DSGVO (Sperrliste nach Wiederherstellung)"


def journal_plans(services: Services) -> list[Plan]:
    """One replay plan per journaled plan of a configured connector, in their original order."""
    with services.db.session() as session:
        grouped: dict[int, list[ErasureJournalEntry]] = defaultdict(list)
        for entry in session.scalars(select(ErasureJournalEntry).order_by(
                ErasureJournalEntry.plan_id, ErasureJournalEntry.id)):
            if services.capable(entry.connector, DataMapped) is not None:
                grouped[entry.plan_id].append(entry)
        return [Plan(entries[0].connector, tuple(_change(services, e) for e in entries),
                     {"keys": [], "identifiers": {}})
                for _, entries in sorted(grouped.items())]


def _change(services: Services, entry: ErasureJournalEntry) -> PlannedChange:
    """The journal entry as a change to run again; a rectification's value unsealed."""
    if entry.sealed_value is not None:
        return PlannedChange(entry.target, tuple(entry.row_key), tuple(entry.fields), "set",
                             "replay_rectification", RECTIFICATION_REPLAY_NORM,
                             value=changes.unseal(services.cipher, entry.sealed_value))
    return PlannedChange(entry.target, tuple(entry.row_key), tuple(entry.fields),
                         entry.action, "replay", REPLAY_NORM,  # type: ignore[arg-type]
                         value=NOW if entry.action == "set" else None)


def without_values(plan: Plan) -> Plan:
    """The plan as stored: a rectification's value stays sealed in the journal only."""
    return Plan(plan.system, tuple(replace(c, value=None) if c.reason == "replay_rectification"
                                   else c for c in plan.changes), plan.subject)


def suppression_plans(services: Services) -> list[Plan]:
    """For each newsletter connector: end the running subscriptions of suppressed addresses."""
    plans = []
    for name, connector in services.all_capable(KeepsSuppressionList):
        with services.db.session() as session:
            stops = connector.suppressed_stops(
                lambda digests: changes.suppressed(session, digests, "newsletter"),  # noqa: B023
                SUPPRESSION_NORM)
        if stops:
            plans.append(Plan(name, tuple(stops), {"keys": [], "identifiers": {}}))
    return plans


def replay(services: Services, *, actor: str = "cli") -> dict[str, int]:
    """Re-apply every journaled erasure and rectification and the suppression list; returns
    counts (no data). Raises DecryptionError when a sealed value's key is no longer
    configured (before anything is touched)."""
    done = {"plans": 0, "changes": 0, "touched": 0}
    for plan in [*journal_plans(services), *suppression_plans(services)]:
        with services.db.session() as session:
            plan_id = changes.store_plan(session, request_id=None, connector=plan.system,
                                         round_=0, plan=without_values(plan),
                                         purpose="replay").id
        receipt = services.require(plan.system, Executes).execute(
            plan, changes.DbStepLog(services, plan_id))
        with services.db.session() as session:
            row = session.get(ChangePlan, plan_id)
            assert row is not None
            session.add(ChangeReceipt(plan_id=plan_id, verified=receipt.verified,
                                      body=receipt.to_json()))
            row.status, row.executed_at = PlanStatus.EXECUTED.value, services.clock.now()
        done["plans"] += 1
        done["changes"] += len(plan.changes)
        done["touched"] += sum(_touched(step) for step in receipt.to_json()["steps"])
    with services.db.session() as session:
        append_event(session, actor=actor, action=AuditAction.JOURNAL_REPLAYED, details=dict(done))
    return done


def _touched(step: dict[str, Any]) -> int:
    return int(step.get("touched") or 0)
