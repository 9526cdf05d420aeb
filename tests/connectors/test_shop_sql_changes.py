"""The shop connector plans and executes changes on the demo shop, on SQLite, PostgreSQL and
MariaDB: field-level retention with blocked-until dates, legal holds, the recipient's fields in
someone else's order, restriction, rectification; set-based statements, one transaction for a
customer's plan (portions of whole steps for a large one), all or nothing; a re-run and a crash
between the commit and the steps' record change nothing twice."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors import shop_sql_execute
from connectors.base import Identity, Subject, build_connector
from connectors.capabilities import Executes, Plans
from connectors.changes import ChangeRequest, LegalHold, MemoryStepLog, Plan
from connectors.shop_sql import ShopSqlConnector
from connectors.shop_sql_execute import WRITING
from dsr.config import DEMO_DIR
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, demo_rules, find_everywhere, fresh_shop

SAMPLE = "juergen.weiss@example.org"


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, request.param, tmp_path, demo_shop)


@pytest.fixture
def connector(shop: dict[str, Any]) -> Iterator[ShopSqlConnector]:
    built = build_connector("shop", {"kind": "shop_sql", "url": shop["url"],
                                     "datamap": str(DEMO_DIR / "datamap.toml")})
    assert isinstance(built, ShopSqlConnector)
    yield built
    built.close()


def subject_of(connector: ShopSqlConnector, email: str) -> Subject:
    found = connector.discover(Identity(email=email))
    assert len(found.matches) == 1
    return Subject.from_matches(found.matches)


def wants(*types: str, **extra: Any) -> ChangeRequest:
    return ChangeRequest("DSR-TEST", types, CLOCK.today(), demo_rules(), **extra)


def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(sa.text(sql), params)]
    engine.dispose()
    return found


class FailAfterCommit(MemoryStepLog):
    """Dies right after the shop committed step ``at``, before the step is recorded."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at = at

    def mark_done(self, index: int, touched: int) -> None:
        if index == self.at:
            raise RuntimeError("worker killed between the shop's commit and the record")
        super().mark_done(index, touched)


def test_shop_connector_is_a_changing_connector(connector: ShopSqlConnector) -> None:
    assert isinstance(connector, Plans) and isinstance(connector, Executes)


def test_erasure_keeps_exactly_the_retained_invoice_fields(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    subject = subject_of(connector, SAMPLE)
    today = CLOCK.today()
    plan = connector.plan(subject, wants("erasure"))
    (cid,) = subject.keys[0]
    invoices = rows(shop["url"], "SELECT i.id, i.issued_on FROM invoices i JOIN orders o "
                    "ON o.id = i.order_id WHERE o.customer_id = :c", c=cid)
    by_id = {row[0]: date.fromisoformat(str(row[1])[:10]) for row in invoices}
    blocked = {c.key[0]: c for c in plan.changes if c.target == "invoices" and c.action == "block"}
    inside = {i for i, issued in by_id.items() if date(issued.year + 8, 12, 31) >= today}
    assert inside and set(by_id) - inside, "the showcase customer has invoices on both sides"
    assert set(blocked) == inside
    for invoice_id, change in blocked.items():
        assert change.retained_until == date(by_id[invoice_id].year + 8, 12, 31)
        assert "billing_name" in change.fields and "sent_to_email" not in change.fields
        assert "§147" in change.norm
    nulled = {c.key[0] for c in plan.changes if c.target == "invoices" and c.action == "null"
              and "billing_name" in c.fields}
    assert nulled == set(by_id) - inside  # outside the period: erased now

    receipt = connector.execute(plan, MemoryStepLog(at=CLOCK.now()))
    assert receipt.verified and not receipt.remaining
    assert {r["key"][0] for r in receipt.retained if r["target"] == "invoices"} == inside
    # A fresh look finds nothing of him but the blocked fields.
    allowed = {(c.target, tuple(c.key), f) for c in plan.changes if c.action == "block"
               for f in c.fields}
    own_tables = {t.name for t in connector.tables}
    hits = [hit for hit in find_everywhere(shop["url"], [SAMPLE, "089 99998112", "Jürgen Weiß"])
            if hit[0] in own_tables]
    assert hits, "the retained invoice fields still name him"
    assert all(hit in allowed for hit in hits), [h for h in hits if h not in allowed]
    assert not connector.discover(Identity(email=SAMPLE, customer_number="K-100001")).found
    assert rows(shop["url"], "SELECT count(*) FROM sessions WHERE customer_id = :c", c=cid) == [(0,)]


def test_a_rerun_and_a_crash_after_a_commit_change_nothing_twice(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    plan = connector.plan(subject_of(connector, SAMPLE), wants("erasure"))
    steps = plan.steps()
    crash_at = next(i for i, (target, _) in enumerate(steps) if target == "customers")
    log = FailAfterCommit(crash_at)
    with pytest.raises(RuntimeError):
        connector.execute(plan, log)
    assert crash_at not in log.done and all(i in log.done for i in range(crash_at))
    log.at = -1
    receipt = connector.execute(plan, log)  # the re-run after the crash
    assert receipt.verified
    by_target = {step["target"]: step for step in receipt.steps}
    assert by_target["customers"]["touched"] == 0 and not by_target["customers"]["done_before"]
    assert all(step["done_before"] for step in receipt.steps[:crash_at])
    again = connector.execute(plan, MemoryStepLog(at=CLOCK.now()))  # a second run from scratch: nothing left to change
    assert again.verified and all(step["touched"] == 0 for step in again.steps)


def _write_connector(shop: dict[str, Any]) -> ShopSqlConnector:
    """The shop's connector with a write engine of its own (write credentials)."""
    connector = build_connector("shop", {"kind": "shop_sql", "url": shop["url"],
                                         "write_url": shop["url"],
                                         "datamap": str(DEMO_DIR / "datamap.toml")})
    assert isinstance(connector, ShopSqlConnector)
    return connector


def _writes(engine: Any) -> tuple[list[str], list[int]]:
    """The first word of every statement ``engine`` sends, and one entry per commit."""
    seen: list[str] = []
    commits: list[int] = []

    def statement(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        seen.append(sql.split(None, 1)[0].upper())

    sa.event.listen(engine, "before_cursor_execute", statement)
    sa.event.listen(engine, "commit", lambda conn: commits.append(1))
    return seen, commits


def test_erasure_is_set_based_and_one_transaction(shop: dict[str, Any]) -> None:
    # Changes go through their own engine (write credentials); reads through the other.
    connector = _write_connector(shop)
    assert connector.write_engine is not connector.engine
    plan = connector.plan(subject_of(connector, SAMPLE), wants("erasure"))
    seen, commits = _writes(connector.write_engine)
    executor_steps = [s for s in plan.steps()
                      if any(c.action in ("delete", "null", "anonymise") for c in s[1])]
    assert len(executor_steps) > 3
    receipt = connector.execute(plan, MemoryStepLog(at=CLOCK.now()))
    assert receipt.verified
    writes = [s for s in seen if s in ("UPDATE", "DELETE")]
    # One commit for the whole erasure of one customer, never one per row or per table.
    assert len(commits) == 1
    rows_changed = sum(1 for c in plan.changes if c.action in ("delete", "null", "anonymise"))
    assert len(writes) < rows_changed / 2
    assert len(writes) <= 2 * len(executor_steps)
    connector.close()


def test_a_large_plan_commits_in_portions_of_whole_steps(
        shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    connector = _write_connector(shop)
    plan = connector.plan(subject_of(connector, SAMPLE), wants("erasure"))
    steps = plan.steps()
    largest = max(len(changes) for _, changes in steps)
    monkeypatch.setattr(shop_sql_execute, "CHANGES_PER_TRANSACTION", largest)
    portions: list[list[bool]] = []  # whole steps up to the limit; does each write?
    planned = 0
    for _, changes in steps:
        if not portions or planned + len(changes) > largest:
            portions.append([])
            planned = 0
        portions[-1].append(any(c.action in WRITING for c in changes))
        planned += len(changes)
    writing = sum(1 for portion in portions if any(portion))
    assert 1 < writing < sum(map(sum, portions))  # fewer commits than writing steps
    _, commits = _writes(connector.write_engine)
    log = MemoryStepLog(at=CLOCK.now())
    receipt = connector.execute(plan, log)
    assert receipt.verified and sorted(log.done) == list(range(len(steps)))
    assert len(commits) == writing
    connector.close()


def test_a_failing_statement_leaves_the_shop_as_it_was(
        shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """All or nothing: a statement that fails in the third step rolls back the two before it,
    and no step is marked; the next run carries out the whole plan."""
    connector = _write_connector(shop)
    plan = connector.plan(subject_of(connector, SAMPLE), wants("erasure"))
    writing = [target for target, changes in plan.steps()
               if any(c.action in WRITING for c in changes)]
    real = shop_sql_execute.SqlExecutor.statements

    def breaks_third(self: Any, target: str, changes: Any, now: Any) -> list[Any]:
        found = real(self, target, changes, now)
        return [sa.text("UPDATE no_such_table SET x = 1")] if target == writing[2] else found

    monkeypatch.setattr(shop_sql_execute.SqlExecutor, "statements", breaks_third)
    before = find_everywhere(shop["url"], [SAMPLE])
    log = MemoryStepLog(at=CLOCK.now())
    with pytest.raises(sa.exc.DBAPIError):
        connector.execute(plan, log)
    assert not log.done
    assert find_everywhere(shop["url"], [SAMPLE]) == before
    monkeypatch.setattr(shop_sql_execute.SqlExecutor, "statements", real)
    assert connector.execute(plan, log).verified
    connector.close()


def test_a_legal_hold_suspends_erasure(connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    email = shop["summary"].collection_customer_email
    plan = connector.plan(subject_of(connector, email), wants(
        "erasure", holds=(LegalHold(7, "collection"),)))
    assert plan.changes and {c.action for c in plan.changes} == {"block"}
    assert all(c.retained_until is None and c.reason == "hold:7:collection"
               for c in plan.changes)
    receipt = connector.execute(plan, MemoryStepLog(at=CLOCK.now()))
    assert receipt.verified and all(step["touched"] == 0 for step in receipt.steps)
    assert connector.discover(Identity(email=email)).found


def test_the_recipient_of_an_order_loses_only_her_fields(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    email = shop["summary"].recipient_customer_email
    plan = connector.plan(subject_of(connector, email), wants("erasure"))
    received = [c for c in plan.changes if c.reason == "erasure_as_recipient"]
    assert received and {c.target for c in received} == {"orders"}
    recipient_fields = {"recipient_name", "recipient_company", "recipient_street",
                        "recipient_postcode", "recipient_city", "recipient_country",
                        "recipient_email", "recipient_phone"}
    assert all(set(c.fields) <= recipient_fields for c in received)
    (order_id,) = received[0].key
    before = rows(shop["url"], "SELECT customer_id, order_no, total_cents, customer_note "
                  "FROM orders WHERE id = :o", o=order_id)
    connector.execute(plan, MemoryStepLog(at=CLOCK.now()))
    after = rows(shop["url"], "SELECT customer_id, order_no, total_cents, customer_note, "
                 "recipient_email FROM orders WHERE id = :o", o=order_id)
    assert after[0][:4] == before[0] and after[0][4] is None


def test_restriction_sets_the_flag_and_lifting_clears_it(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    subject = subject_of(connector, SAMPLE)
    plan = connector.plan(subject, wants("restriction"))
    assert [(c.action, c.fields, c.value) for c in plan.changes] == [
        ("flag", ("processing_restricted",), True)]
    assert connector.execute(plan, MemoryStepLog(at=CLOCK.now())).verified
    flag = "SELECT processing_restricted FROM customers WHERE email = :e"
    assert bool(rows(shop["url"], flag, e=SAMPLE)[0][0]) is True
    lift = connector.plan(subject, wants(lift_restriction=True))
    assert connector.execute(lift, MemoryStepLog(at=CLOCK.now())).verified
    assert bool(rows(shop["url"], flag, e=SAMPLE)[0][0]) is False


def test_rectification_changes_fields_but_never_an_issued_invoice(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    subject = subject_of(connector, SAMPLE)
    plan = connector.plan(subject, wants("rectification", corrections={
        "customers.last_name": "Weiss", "invoices.billing_name": "Jürgen Weiss"}))
    sets = [c for c in plan.changes if c.action == "set"]
    beside = [c for c in plan.changes if c.reason == "rectification_recorded_beside"]
    assert [(c.target, c.fields, c.value) for c in sets] == [
        ("customers", ("last_name",), "Weiss")]
    assert beside and all(c.action == "block" and c.value == "Jürgen Weiss" for c in beside)
    before = rows(shop["url"], "SELECT id, billing_name FROM invoices ORDER BY id")
    assert connector.execute(plan, MemoryStepLog(at=CLOCK.now())).verified
    assert rows(shop["url"], "SELECT last_name FROM customers WHERE email = :e",
                e=SAMPLE) == [("Weiss",)]
    assert rows(shop["url"], "SELECT id, billing_name FROM invoices ORDER BY id") == before


def test_with_erasure_in_the_same_request_no_correction_is_written_into_erased_data(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    subject = subject_of(connector, SAMPLE)
    plan = connector.plan(subject, wants("erasure", "rectification", corrections={
        "customers.last_name": "Korrekturname", "customers.phone": "089 7777777",
        "addresses.street": "Korrekturweg 99"}))
    assert not [c for c in plan.changes if c.action == "set" and c.reason == "rectification"]
    assert connector.execute(plan, MemoryStepLog(at=CLOCK.now())).verified
    assert not find_everywhere(shop["url"], ["Korrekturname", "089 7777777", "Korrekturweg 99"])


def test_a_correction_its_column_cannot_take_is_refused_before_planning(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    from connectors.base import ConnectorError

    subject = subject_of(connector, SAMPLE)
    for wrong, why in (({"customers.birth_date": "4.7.85"}, "not a date (YYYY-MM-DD)"),
                       ({"addresses.postcode": "80804-12345"}, "longer than the column's 10")):
        with pytest.raises(ConnectorError, match=re.escape(why)) as raised:
            connector.plan(subject, wants("rectification", corrections=wrong))
        assert list(wrong.values())[0] not in str(raised.value)  # the field, never the value
    plan = connector.plan(subject, wants("rectification", corrections={
        "customers.birth_date": "1985-07-04"}))
    assert connector.execute(plan, MemoryStepLog(at=CLOCK.now())).verified  # an ISO date goes into a DATE column everywhere
    assert [str(v) for (v,) in rows(shop["url"], "SELECT birth_date FROM customers "
                                    "WHERE email = :e", e=SAMPLE)] == ["1985-07-04"]


def test_plans_round_trip_through_json(connector: ShopSqlConnector) -> None:
    plan = connector.plan(subject_of(connector, SAMPLE), wants("erasure"))
    assert Plan.from_json(plan.to_json()) == plan


def test_a_rectification_changes_only_the_rows_and_fields_the_coordinator_picked(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    """Billing and delivery address apart: the new street goes into the billing row only, the
    corrected surname into both address-book rows (their names equal the account's), and an
    issued invoice keeps its address (the correction recorded beside it, §146(4) AO)."""
    from connectors.changes import RowCorrection

    subject = subject_of(connector, SAMPLE)
    (cid,) = subject.keys[0]
    found = connector.rectifiable_rows(subject, wants("rectification"))
    addresses = {dict(r.kinds)["kind"]: r for r in found if r.table == "addresses"}
    assert set(addresses) == {"billing", "delivery"}
    billing, delivery = addresses["billing"], addresses["delivery"]
    street = {r.table: f for r in found for f in r.fields if f.field == "street"}
    assert street["addresses"].recorded_beside_until is None
    invoices = [r for r in found if r.table == "invoices"]
    newest = max(invoices, key=lambda r: r.document or date.min)
    kept = next(f for f in newest.fields if f.column == "billing_street")
    assert kept.recorded_beside_until is not None and kept.recorded_beside_until >= CLOCK.today()
    old_delivery = next(f.old for f in delivery.fields if f.column == "street")
    before = rows(shop["url"], "SELECT id, billing_street FROM invoices ORDER BY id")

    picks = (RowCorrection("addresses.street", billing.key, "Leopoldstraße 200"),
             RowCorrection("addresses.last_name", billing.key, "Weiss-Neumann"),
             RowCorrection("addresses.last_name", delivery.key, "Weiss-Neumann"),
             RowCorrection("invoices.billing_street", newest.key, "Leopoldstraße 200"))
    plan = connector.plan(subject, wants("rectification", corrections={
        "addresses.street": "Leopoldstraße 200", "addresses.last_name": "Weiss-Neumann",
        "invoices.billing_street": "Leopoldstraße 200"}, row_corrections=picks))
    assert sorted((c.target, c.key, c.fields, c.action) for c in plan.changes) == sorted([
        ("addresses", billing.key, ("street",), "set"),
        ("addresses", billing.key, ("last_name",), "set"),
        ("addresses", delivery.key, ("last_name",), "set"),
        ("invoices", newest.key, ("billing_street",), "block")])
    assert connector.execute(plan, MemoryStepLog(at=CLOCK.now())).verified
    assert rows(shop["url"], "SELECT kind, street, last_name FROM addresses "
                "WHERE customer_id = :c ORDER BY kind", c=cid) == [
        ("billing", "Leopoldstraße 200", "Weiss-Neumann"),
        ("delivery", old_delivery, "Weiss-Neumann")]
    assert rows(shop["url"], "SELECT id, billing_street FROM invoices ORDER BY id") == before


def test_the_access_read_finds_the_records_past_their_period_in_the_same_read(
        connector: ShopSqlConnector) -> None:
    """Read with the data, the records past their period are the same as the retention check's
    own read finds, and the subject's rows are read once: the access statements, one read
    transaction."""
    subject = subject_of(connector, SAMPLE)
    past = wants("overdue")
    statements: list[str] = []
    begins: list[int] = []
    sa.event.listen(connector.engine, "before_cursor_execute",
                    lambda conn, cursor, sql, *args: statements.append(sql))
    sa.event.listen(connector.engine, "begin", lambda conn: begins.append(1))
    alone = connector.access(subject)
    reads = len(statements)
    apart = connector.overdue(subject, past)
    assert len(statements) > reads  # the check alone reads the rows again
    statements.clear()
    begins.clear()
    result, plan = connector.access_and_overdue(subject, past)
    assert result == alone
    assert plan == apart and plan.changes  # his invoices from 2015 and more
    assert {c.reason.split(":")[0] for c in plan.changes} == {"retention_expired"}
    assert (len(begins), len(statements)) == (1, reads)
    assert connector.access_and_overdue(Subject((), {}), past) == (
        connector.access(Subject((), {})), Plan(connector.name, (), {"keys": [], "identifiers": {}}))
