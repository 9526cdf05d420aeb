"""Records past their retention period in an access answer (issue 14, point 3; Art. 5(1)(e),
15(1)(d), 17(1)(a) GDPR): found before review, named in the answer with the day their period
ended, untouched until the answer is released, then erased by the retention run through its
recorded path — on the demo shop on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
from collections.abc import Iterator
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


def in_review(services: Services, types: list[str]) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name="Jürgen Weiß", email=ADDRESS,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
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
    assert "Aufbewahrungsfrist" in named[0]["text"] and "Freigabe" in named[0]["text"]
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
