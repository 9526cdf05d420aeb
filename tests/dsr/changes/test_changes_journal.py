"""The journal a receipt writes: erasures with row keys only, a rectification's new value sealed
with the service's keys (never in clear), and a later erasure of the same fields dropping it."""

from __future__ import annotations

from sqlalchemy import select

from connectors.changes import Plan, PlannedChange, Receipt
from dsr.changes import operations as changes
from dsr.changes.models import ErasureJournalEntry
from dsr.context import Services


def _record(services: Services, *planned: PlannedChange) -> None:
    plan = Plan("shop", planned, {"keys": [[7]], "identifiers": {}})
    with services.db.session() as session:
        row = changes.store_plan(session, request_id=None, connector="shop", round_=0,
                                 plan=plan, purpose="replay")
        changes.record_receipt(services, session, row, plan, Receipt("shop", ()))


def _journal(services: Services) -> list[tuple[str, list[object], list[str], str | None]]:
    with services.db.session() as session:
        return [(e.target, e.row_key, e.fields, e.sealed_value) for e in session.scalars(
            select(ErasureJournalEntry).order_by(ErasureJournalEntry.id))]


def set_(target: str, key: int, field: str, value: str) -> PlannedChange:
    return PlannedChange(target, (key,), (field,), "set", "rectification", "Art. 16", value=value)


def test_a_rectification_is_journaled_sealed_and_an_erasure_drops_it(services: Services) -> None:
    _record(services, set_("customers", 7, "last_name", "Weiss-Neumann"),
            set_("customers", 7, "birth_date", "1985-07-04"),
            set_("addresses", 70, "street", "Leopoldstraße 200"),
            set_("addresses", 71, "street", "Leopoldstraße 200"),
            PlannedChange("invoices", (5,), ("billing_name",), "block",
                          "rectification_recorded_beside", "§146 AO", value="J. Weiss-Neumann"))
    journal = _journal(services)
    assert [(t, k, f) for t, k, f, _ in journal] == [
        ("customers", [7], ["last_name"]), ("customers", [7], ["birth_date"]),
        ("addresses", [70], ["street"]), ("addresses", [71], ["street"])]
    sealed = [s for *_, s in journal]
    assert all(s and "Weiss" not in s and "1985" not in s for s in sealed)
    assert changes.unseal(services.cipher, sealed[0]) == "Weiss-Neumann"

    # An erasure of the name and of one address row: their sealed values go, the rest stays.
    _record(services, PlannedChange("addresses", (70,), (), "delete", "erasure", "Art. 17"),
            PlannedChange("customers", (7,), ("last_name", "email"), "anonymise", "erasure",
                          "Art. 17"))
    left = [(t, k, f) for t, k, f, s in _journal(services) if s]
    assert left == [("customers", [7], ["birth_date"]), ("addresses", [71], ["street"])]
