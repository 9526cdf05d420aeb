"""Records past their retention period in an access answer (issue 14, point 3; Art. 5(1)(e),
15(1)(d), 17(1)(a) GDPR): found before review, named in the answer with the day their period
ended, untouched until the answer is released, then erased by the retention run through its
recorded path — on the demo shop on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from dsr.answers import operations as answers
from dsr.audit import ensure_head
from dsr.changes import overdue
from dsr.changes.models import ChangePlan, ChangeReceipt, ErasureJournalEntry, LegalHold
from dsr.changes.retention import run_retention
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, fresh_shop
from workflows.runner import run_pending
from workflows.states import State

ADDRESS = "juergen.weiss@example.org"


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, request.param, tmp_path, demo_shop)


@pytest.fixture
def services(tmp_path: Path, service_db_url: str, shop: dict[str, Any]) -> Iterator[Services]:
    from tests.conftest import make_config

    built = Services(make_config(tmp_path, database_url=service_db_url, shop_url=shop["url"]))
    with built.db.session() as session:
        ensure_head(session)
    yield built
    built.close()


def in_review(services: Services, types: list[str], language: str = "de") -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name="Jürgen Weiß", email=ADDRESS,
                                         channel=Channel.FORM.value, received_at=CLOCK.now(),
                                         language=language),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
    return request_id


def approve_and_release(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(services)


def billing_names(url: str) -> dict[int, Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {row[0]: row[1] for row in connection.execute(sa.text(
                "SELECT i.id, i.billing_name FROM invoices i JOIN orders o ON o.id = i.order_id"
                " JOIN customers c ON c.id = o.customer_id WHERE c.email = :e"), {"e": ADDRESS})}
    finally:
        engine.dispose()


def draft(services: Services, request_id: int) -> dict[str, Any]:
    with services.db.session() as session:
        doc = answers.latest_document(session, request_id, "report_json")
        assert doc is not None
        return dict(json.loads(services.documents.read(doc)))


def test_art_5_1_e_records_past_their_period_are_named_in_review_and_erased_only_after_release(
        services: Services, shop: dict[str, Any]) -> None:
    before = billing_names(shop["url"])
    request_id = in_review(services, ["access"])

    with services.db.session() as session:
        groups = overdue.overdue_of(session, services.documents, request_id)
    invoices = [g for g in groups if g.target == "invoices"]
    assert invoices and {g.rule for g in invoices} == {"accounting_voucher"}
    assert all(g.ended < CLOCK.today() for g in groups)
    old = {key[0] for g in invoices for key in g.keys}
    # an invoice of 2018 ends on 31.12.2026: not yet due on 2 December 2026
    assert old and set(before) - old and all(before[i] for i in old)

    payload = draft(services, request_id)
    named = [p for p in payload["overdue"] if p["table"] == "invoices"]
    assert named and all(p["ended"] < CLOCK.today().isoformat() for p in named)
    assert "Aufbewahrungsfrist" in named[0]["text"] and "nach dem Versand dieser Auskunft" in named[0]["text"]
    tables = [t for s in payload["sections"] for t in s["tables"] if t["table"] == "invoices"]
    assert tables and named[0]["text"] in (tables[0]["note"] or "")
    # Disclosed in full, and nothing touched before release (not even by a retention run).
    assert run_retention(services) == {"plans": 0, "records": 0}
    assert billing_names(shop["url"]) == before

    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
    assert billing_names(shop["url"]) == before  # release alone changes nothing

    done = run_retention(services)
    assert done["overdue_plans"] >= 1 and done["overdue_changes"] >= len(old)
    after = billing_names(shop["url"])
    assert all(after[i] is None for i in old)
    assert all(after[i] == before[i] for i in set(before) - old)
    with services.db.session() as session:
        plans = list(session.scalars(select(ChangePlan).where(ChangePlan.purpose == "retention")))
        assert plans and all(session.scalars(select(ChangeReceipt).where(
            ChangeReceipt.plan_id == p.id)).first() for p in plans)
        journaled = {tuple(e.row_key) for e in session.scalars(select(ErasureJournalEntry).where(
            ErasureJournalEntry.target == "invoices"))}
        assert {(i,) for i in old} <= journaled
        assert overdue.overdue_of(session, services.documents, request_id) == []
    assert run_retention(services) == {"plans": 0, "records": 0}  # done once


def weiss_checks_and_shipments(url: str) -> tuple[dict[int, Any], dict[int, Any]]:
    """Jürgen Weiß's credit checks (id -> checked_at) and shipments (id -> tracking number)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            checks = {row[0]: row[1] for row in connection.execute(sa.text(
                "SELECT k.id, k.checked_at FROM credit_checks k JOIN customers c"
                " ON c.id = k.customer_id WHERE c.email = :e"), {"e": ADDRESS})}
            shipments = {row[0]: row[1] for row in connection.execute(sa.text(
                "SELECT s.id, s.tracking_no FROM shipments s JOIN orders o ON o.id = s.order_id"
                " JOIN customers c ON c.id = o.customer_id WHERE c.email = :e"), {"e": ADDRESS})}
        return checks, shipments
    finally:
        engine.dispose()


def shipped_years(url: str) -> dict[int, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return {row[0]: _day(row[1]).year for row in connection.execute(sa.text(
                "SELECT s.id, s.shipped_at FROM shipments s JOIN orders o ON o.id = s.order_id"
                " JOIN customers c ON c.id = o.customer_id WHERE c.email = :e"), {"e": ADDRESS})}
    finally:
        engine.dispose()


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else datetime.fromisoformat(
        str(value)).date()


def test_art_5_1_e_credit_checks_and_tracking_numbers_past_the_registers_limits_are_named_and_erased(
        services: Services, shop: dict[str, Any]) -> None:
    """The register reuses a credit check for 90 days at most and keeps delivery data 6 years:
    a 2015 credit score and tracking numbers of 2015-2019 are named in the answer as kept past
    that period, with the day it ended, and go in the retention run after release (the check
    as a row, the shipment's tracking number); nothing changes before."""
    checks, shipments = weiss_checks_and_shipments(shop["url"])
    years = shipped_years(shop["url"])
    today = CLOCK.today()
    stale_checks = {k for k, at in checks.items() if _day(at) + timedelta(days=90) < today}
    fresh_checks = set(checks) - stale_checks
    stale_shipments = {k for k, year in years.items() if year + 6 < today.year}
    assert any(_day(at).year == 2015 for at in checks.values()) and stale_checks
    assert stale_shipments and set(shipments) - stale_shipments  # 2020 on: not yet
    assert all(shipments[k] for k in stale_shipments)
    request_id = in_review(services, ["access"])

    with services.db.session() as session:
        groups = overdue.overdue_of(session, services.documents, request_id)
    by_table = {g.target: g for g in groups if g.target in ("credit_checks", "shipments")}
    assert set(by_table) == {"credit_checks", "shipments"}
    credit, shipped = by_table["credit_checks"], by_table["shipments"]
    assert (credit.rule, credit.action) == ("credit_check", "delete")
    assert {key[0] for key in credit.keys} == stale_checks
    assert (shipped.rule, shipped.action, shipped.fields) == ("delivery_data", "null",
                                                              ("tracking_no",))
    assert {key[0] for key in shipped.keys} == stale_shipments
    assert shipped.ended == date(max(years[k] for k in stale_shipments) + 6, 12, 31)

    payload = draft(services, request_id)
    notes = {p["table"]: p for p in payload["overdue"]}
    assert "Bonitätsprüfungen" in notes["credit_checks"]["rule"]
    assert "Art. 5 Abs. 1 lit. e" in notes["credit_checks"]["text"]
    assert "vollständig" in notes["credit_checks"]["text"]  # the rows go
    assert "Sendungsnummer" in notes["shipments"]["text"]
    tables = {t["table"]: t for s in payload["sections"] for t in s["tables"]}
    assert notes["credit_checks"]["text"] in (tables["credit_checks"]["note"] or "")
    assert notes["shipments"]["text"] in (tables["shipments"]["note"] or "")
    # The retention section states both periods the note refers to.
    rules = {r["label"] for r in payload["register"]["retention"]}
    assert notes["credit_checks"]["rule"] in rules and notes["shipments"]["rule"] in rules

    assert run_retention(services) == {"plans": 0, "records": 0}  # not before release
    assert weiss_checks_and_shipments(shop["url"]) == (checks, shipments)
    approve_and_release(services, request_id)
    assert weiss_checks_and_shipments(shop["url"]) == (checks, shipments)

    done = run_retention(services)
    assert done["overdue_changes"] >= len(stale_checks) + len(stale_shipments)
    checks_after, shipments_after = weiss_checks_and_shipments(shop["url"])
    assert set(checks_after) == fresh_checks
    assert set(shipments_after) == set(shipments)  # the shipment stays, its number goes
    assert all(shipments_after[k] is None for k in stale_shipments)
    assert all(shipments_after[k] == shipments[k] for k in set(shipments) - stale_shipments)
    with services.db.session() as session:
        journaled = {(e.target, tuple(e.row_key)) for e in session.scalars(
            select(ErasureJournalEntry).where(
                ErasureJournalEntry.target.in_(["credit_checks", "shipments"])))}
        assert {("credit_checks", (k,)) for k in stale_checks} <= journaled
        assert {("shipments", (k,)) for k in stale_shipments} <= journaled
        plans = list(session.scalars(select(ChangePlan).where(ChangePlan.purpose == "retention")))
        assert plans and all(session.scalars(select(ChangeReceipt).where(
            ChangeReceipt.plan_id == p.id)).first() for p in plans)


def test_art_15_the_english_answer_names_the_storage_limit_in_english(
        services: Services, shop: dict[str, Any]) -> None:
    request_id = in_review(services, ["access"], language="en")
    notes = {p["table"]: p for p in draft(services, request_id)["overdue"]}
    credit = notes["credit_checks"]
    assert credit["rule"].startswith("Credit checks") and "at most 90 days" in credit["rule"]
    assert credit["norm"] == "Art. 5(1)(e), Art. 17(1)(a) GDPR"
    for note in notes.values():
        assert "DSGVO" not in note["text"] and "Abs." not in note["text"], note["text"]


def test_art_17_a_storage_limit_blocks_no_erasure(services: Services,
                                                  shop: dict[str, Any]) -> None:
    """A storage limit is the longest the data may be kept, not a duty to keep it: an erasure
    plans the credit checks' deletion and the tracking numbers' erasure at once."""
    request_id = in_review(services, ["erasure"])
    with services.db.session() as session:
        plan = next(p for p in session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id)) if p.connector == "shop")
        changes = plan.body["changes"]
    credit = [c for c in changes if c["target"] == "credit_checks"]
    shipped = [c for c in changes if c["target"] == "shipments"]
    assert credit and {c["action"] for c in credit} == {"delete"}
    assert shipped and {c["action"] for c in shipped} == {"null"}
    assert not [c for c in changes if c["action"] == "block"
                and c["reason"] in ("credit_check", "delivery_data")]


def test_art_17_3_e_a_legal_hold_keeps_records_past_their_period_after_release(
        services: Services, shop: dict[str, Any]) -> None:
    before = billing_names(shop["url"])
    request_id = in_review(services, ["access"])
    approve_and_release(services, request_id)
    with services.db.session() as session:
        key = session.get(Request, request_id).subject_keys["shop"]["keys"][0]
        session.add(LegalHold(connector="shop", subject_key=list(key), kind="tax_audit",
                              reason="BP-2026-3", created_by="test"))
    assert run_retention(services) == {"plans": 0, "records": 0}
    assert billing_names(shop["url"]) == before
    with services.db.session() as session:
        for hold in session.scalars(select(LegalHold)):
            hold.lifted_at = CLOCK.now()
    assert run_retention(services)["overdue_plans"] >= 1
    assert billing_names(shop["url"]) != before


def test_art_15_an_erasure_only_request_plans_no_separate_overdue_erasure(
        services: Services, shop: dict[str, Any]) -> None:
    request_id = in_review(services, ["erasure"])
    with services.db.session() as session:
        assert overdue.overdue_of(session, services.documents, request_id) == []
