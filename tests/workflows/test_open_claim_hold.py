"""An open claim stops erasure (Art. 17(3)(e) GDPR): the demo's customer with an open
collection case asks for erasure; planning places a legal hold derived from the data map's
``hold_when`` (no coordinator has to remember), every field of his is blocked with the hold's
norm, and after approval nothing of his is erased and neither the credit bureau nor the
collection agency (nor any other recipient) is told of an erasure. Runs on SQLite and
PostgreSQL service databases, the shop on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from connectors.base import Identity
from connectors.changes import Plan
from dsr.changes import holds
from dsr.changes import operations as changes
from dsr.changes.models import LegalHold
from dsr.context import Services
from dsr.requests.models import Request
from tests.support.shops import BACKENDS, fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import Sink, approve_and_release, in_review

ADDRESS = "dieter.poeschl@example.com"
NAME = "Dieter Pöschl"
services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The demo shop on SQLite, PostgreSQL and MariaDB (the hold comes from its rows)."""
    yield from fresh_shop(request, request.param, tmp_path, demo_shop)


def _plan(services: Services, request_id: int, connector: str) -> Plan:
    with services.db.session() as session:
        row = changes.current_plan(session, request_id, connector)
        assert row is not None, connector
        return Plan.from_json(row.body)


def test_an_open_collection_case_holds_the_erasure(services: Services,
                                                  smtp: tuple[Sink, Any]) -> None:
    request_id = in_review(services, ADDRESS, NAME, ["erasure"])
    with services.db.session() as session:
        key = session.get(Request, request_id).subject_keys["shop"]["keys"][0]
        placed = session.scalars(select(LegalHold).where(LegalHold.connector == "shop")).all()
        assert {(tuple(h.subject_key), h.kind, h.created_by, h.lifted_at) for h in placed} == {
            (tuple(key), "open_claim", holds.DERIVED_BY, None)}
        assert "collection_cases: status = 'open'" in {h.reference for h in placed}
        hold_reasons = {f"hold:{h.id}:open_claim" for h in placed}

    shop_plan = _plan(services, request_id, "shop")
    assert shop_plan.changes
    assert {c.action for c in shop_plan.changes} == {"block"}
    assert {c.reason for c in shop_plan.changes} <= hold_reasons
    assert {c.norm for c in shop_plan.changes} == {"Art. 17 Abs. 3 lit. e DSGVO"}
    with services.db.session() as session:
        recipients = changes.current_plan(session, request_id, "recipients")
        assert recipients is None or not Plan.from_json(recipients.body).changes

    approve_and_release(services, request_id)
    assert services.connectors["shop"].discover(Identity(email=ADDRESS)).found  # untouched
    told = [m for m in smtp[0].messages if str(m["To"]).startswith("datenschutz@")]
    assert told == []  # no "delete or settle" to the bureau, no erasure notice to the agency
    confirmation = _confirmation(smtp[0])
    # the customer reads that nothing was erased (only a suppression entry was made) ...
    assert "Gelöscht haben wir noch keine Ihrer Daten." in confirmation
    assert "Gelöscht haben wir die" not in confirmation
    assert "teilweise statt" not in confirmation
    # ... and, of each record held, that its erasure (not its retention) is suspended, with
    # the hold's norm named once
    held = [line for line in confirmation.splitlines() if line.startswith("- ")
            and "Anspruch" in line]
    assert held
    for line in held:
        assert line.count("Art. 17 Abs. 3 lit. e") == 1, line
        assert "Löschung ausgesetzt, solange ein Anspruch oder eine Prüfung es erfordert" in line
        assert "Aufbewahrung ausgesetzt" not in line


def _confirmation(sink: Sink) -> str:
    """The erasure's confirmation to the customer: subject line, then the text."""
    mine = [m for m in sink.messages if str(m["To"]) == ADDRESS
            and "Löschantrag" in str(m["Subject"])]
    assert len(mine) == 1, [str(m["Subject"]) for m in sink.messages]
    assert "Ihr Löschantrag: vorerst keine Löschung" in str(mine[0]["Subject"])
    return str(mine[0].get_body(("plain",)).get_content())


def test_a_second_plan_does_not_hold_twice(services: Services) -> None:
    request_id = in_review(services, ADDRESS, NAME, ["erasure"])
    with services.db.session() as session:
        from dsr.requests import operations as actions

        actions.process(session, session.get(Request, request_id), actor="user:1",
                        connectors=list(services.config.connectors))
    from workflows.runner import run_pending

    with services.db.session() as session:
        first = len(session.scalars(select(LegalHold)).all())
    run_pending(services)
    with services.db.session() as session:
        assert first and len(session.scalars(select(LegalHold)).all()) == first


def test_an_unpaid_invoice_holds_the_erasure(services: Services, shop: dict[str, Any]) -> None:
    engine = sa.create_engine(shop["url"])
    with engine.connect() as connection:
        email, first, last = connection.execute(sa.text(
            "SELECT c.email, c.first_name, c.last_name FROM customers c "
            "JOIN orders o ON o.customer_id = c.id JOIN invoices i ON i.order_id = o.id "
            "WHERE i.status IN ('open', 'overdue') AND NOT EXISTS (SELECT 1 FROM "
            "collection_cases k WHERE k.customer_id = c.id AND k.status = 'open') "
            "ORDER BY c.id")).first()
    engine.dispose()
    request_id = in_review(services, email, f"{first} {last}", ["erasure"])
    with services.db.session() as session:
        placed = session.scalars(select(LegalHold)).all()
        assert [h.reference for h in placed] == ["invoices: status in ('open', 'overdue')"]
    plan = _plan(services, request_id, "shop")
    assert plan.changes and {c.action for c in plan.changes} == {"block"}
