"""The whole date-driven path under the service clock set to awkward days: the deadline a form
submission gets, the extension by two months, the end of an identity code and a portal link,
and the retention run. The expected dates are worked out by hand (Reg. 1182/71: end-of-month
rule, weekends and Bavarian public holidays), not by the code under test."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from connectors.changes import Plan
from dsr.answers import delivery
from dsr.changes import operations as changes
from dsr.changes.models import RetainedRecord
from dsr.clock import BERLIN
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.models import Request
from dsr.verification import codes
from dsr.verification.codes import CodeOutcome
from tests.support.clock import CLOCK
from tests.support.shops import fresh_shop

AWKWARD = [
    # receipt day, deadline, deadline extended by two months
    pytest.param(date(2026, 12, 2), date(2027, 1, 4), date(2027, 3, 2),
                 id="2026-12-02 deadline on a Saturday in the new year"),
    pytest.param(date(2026, 12, 31), date(2027, 2, 1), date(2027, 3, 31),
                 id="2026-12-31 turn of the year, deadline on a Sunday"),
    pytest.param(date(2027, 1, 29), date(2027, 3, 1), date(2027, 4, 29),
                 id="2027-01-29 deadline 28 February, a Sunday"),
    pytest.param(date(2027, 1, 31), date(2027, 3, 1), date(2027, 4, 30),
                 id="2027-01-31 end-of-month rule"),
    pytest.param(date(2027, 2, 28), date(2027, 3, 30), date(2027, 5, 28),
                 id="2027-02-28 deadline Easter Sunday, then Easter Monday"),
    pytest.param(date(2028, 2, 29), date(2028, 3, 29), date(2028, 5, 29),
                 id="2028-02-29 leap day"),
]


def _on(day: date) -> None:
    CLOCK.set(datetime.combine(day, time(10, 0), BERLIN))


def _submit(app: Any) -> str:
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token
    answer = client.post("/", data={"csrf_token": token.group(1), "types": ["access"],
                                    "name": "Erika Mustermann",
                                    "email": "erika.mustermann@example.org"})
    assert answer.status_code == 302
    shown = client.get(answer.headers["Location"]).get_data(as_text=True)
    found = re.search(r'id="reference">(DSR-[A-Z0-9]+)<', shown)
    assert found
    return found.group(1)


@pytest.mark.parametrize(("day", "due", "extended"), AWKWARD)
def test_deadline_and_extension_follow_the_service_clock(
        app: Any, demo_services: Services, day: date, due: date, extended: date) -> None:
    _on(day)
    reference = _submit(app)
    with demo_services.db.session() as session:
        req = session.scalars(select(Request).where(Request.reference == reference)).one()
        assert req.received_at.astimezone(BERLIN).date() == day
        assert req.due_on == due
        actions.extend(session, req, actor="user:1", months=2, reason="Archivsysteme prüfen",
                       calendar=demo_services.calendar)
        assert req.extended_due_on == extended
    _on(day)
    late = _submit(app)
    CLOCK.set(datetime.combine(due + timedelta(days=1), time(0, 30), BERLIN))
    with demo_services.db.session() as session:
        req = session.scalars(select(Request).where(Request.reference == late)).one()
        with pytest.raises(actions.ActionError, match="too late to extend"):
            actions.extend(session, req, actor="user:1", months=2,
                           reason="Archivsysteme prüfen", calendar=demo_services.calendar)


@pytest.mark.parametrize(("day", "due", "extended"), AWKWARD)
def test_codes_and_portal_links_end_by_the_service_clock(
        app: Any, demo_services: Services, day: date, due: date, extended: date) -> None:
    _on(day)
    reference = _submit(app)
    settings = demo_services.config.verification
    portal_days = demo_services.config.delivery["portal_days"]
    with demo_services.db.session() as session:
        req = session.scalars(select(Request).where(Request.reference == reference)).one()
        code = codes.issue_code(session, req, secret="s", recipient_hash="h", settings=settings)
        assert code is not None
        doc = demo_services.documents.put(session, request_id=req.id, kind="report_pdf",
                                          filename="a.pdf", content_type="application/pdf",
                                          data=b"%PDF-1.4 answer")
        link, _, _ = delivery.open_portal(demo_services, session, req, [doc],
                                          "erika.mustermann@example.org", CLOCK.now())
        assert link.expires_at is not None
        assert link.expires_at.astimezone(BERLIN).date() == day + timedelta(days=portal_days)
    CLOCK.advance(timedelta(minutes=settings["code_minutes"], seconds=1))
    with demo_services.db.session() as session:
        req = session.scalars(select(Request).where(Request.reference == reference)).one()
        assert codes.check_code(session, req, code, secret="s") == CodeOutcome.EXPIRED
    CLOCK.set(datetime.combine(day + timedelta(days=portal_days - 1), time(9), BERLIN))
    with demo_services.db.session() as session:
        assert delivery.expire(demo_services, session) == 0
    CLOCK.set(datetime.combine(day + timedelta(days=portal_days), time(23), BERLIN))
    with demo_services.db.session() as session:
        assert delivery.expire(demo_services, session) == 1


@pytest.fixture
def own_shop(request: pytest.FixtureRequest, tmp_path: Path,
             demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


@pytest.mark.parametrize(("day", "due", "extended"), AWKWARD)
def test_the_retention_run_erases_on_the_day_after_the_period_by_the_service_clock(
        tmp_path: Path, service_db_url: str, own_shop: dict[str, Any],
        day: date, due: date, extended: date) -> None:
    from dsr.changes.retention import run_retention
    from tests.conftest import make_config

    services = Services(make_config(tmp_path, database_url=service_db_url,
                                    shop_url=own_shop["url"]), clock=CLOCK)
    shop = services.connectors["shop"]
    with shop.engine.connect() as conn:  # type: ignore[attr-defined]
        invoice = conn.execute(text(
            "SELECT id FROM invoices WHERE billing_name IS NOT NULL ORDER BY id")).scalar()
    assert invoice is not None
    _on(day)
    with services.db.session() as session:
        plan = changes.store_plan(session, request_id=None, connector="shop", round_=0,
                                  plan=Plan("shop", (), {"keys": [], "identifiers": {}}),
                                  purpose="request")
        session.add(RetainedRecord(plan_id=plan.id, connector="shop", target="invoices",
                                   row_key=[invoice], then={"billing_name": "null"},
                                   rule="invoice", norm="§147 AO", retained_until=day))
    assert run_retention(services) == {"plans": 0, "records": 0}  # the last day: kept
    CLOCK.advance(timedelta(days=1))
    assert run_retention(services) == {"plans": 1, "records": 1}
    with shop.engine.connect() as conn:  # type: ignore[attr-defined]
        assert conn.execute(text("SELECT billing_name FROM invoices WHERE id = :i"),
                            {"i": invoice}).scalar() is None
    with services.db.session() as session:
        erased = session.scalars(select(RetainedRecord)).one().erased_at
        assert erased is not None and erased.astimezone(BERLIN).date() == day + timedelta(days=1)
    services.close()
