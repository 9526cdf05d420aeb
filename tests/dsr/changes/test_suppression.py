"""Suppression on intake (issue 14, "objection and consent withdrawal wait for the identity
code"): an objection or a withdrawal of consent stops advertising to the address given at
once — the keyed hash on the suppression list and the newsletter subscription ended — before
verification and approval, on every channel, audited and shown to the coordinator; consents in
the shop and everything else wait. The shop on SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from dsr.audit import AuditEvent, ensure_head
from dsr.changes.models import ChangePlan, SuppressionEntry
from dsr.context import Services
from dsr.documents import Document
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
def sqlite_shop(request: pytest.FixtureRequest, tmp_path: Path,
                demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


def _services(tmp_path: Path, database_url: str, shop_url: str) -> Services:
    from tests.conftest import make_config

    built = Services(make_config(tmp_path, database_url=database_url, shop_url=shop_url),
                     clock=CLOCK)
    with built.db.session() as session:
        ensure_head(session)
    return built


@pytest.fixture
def services(tmp_path: Path, service_db_url: str, shop: dict[str, Any]) -> Iterator[Services]:
    built = _services(tmp_path, service_db_url, shop["url"])
    yield built
    built.close()


@pytest.fixture
def sqlite_services(tmp_path: Path, service_db_url: str,
                    sqlite_shop: dict[str, Any]) -> Iterator[Services]:
    built = _services(tmp_path, service_db_url, sqlite_shop["url"])
    yield built
    built.close()


def received(services: Services, types: list[str], *, channel: str = Channel.FORM.value,
             email: str = ADDRESS, name: str = "Jürgen Weiß", postal_address: str = "",
             **extra: Any) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name=name, email=email, channel=channel,
                                         received_at=CLOCK.now(),
                                         postal_address=postal_address, **extra),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = int(req.id)
    run_pending(services)
    return request_id


def shop_state(url: str, email: str) -> dict[str, Any]:
    """The subscriptions of ``email`` still running, and the customer's running consents."""
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        running = connection.execute(sa.text(
            "SELECT COUNT(*) FROM newsletter_subscriptions WHERE lower(email) = :e "
            "AND unsubscribed_at IS NULL"), {"e": email.lower()}).scalar()
        consents = set(connection.execute(sa.text(
            "SELECT k.kind FROM consents k JOIN customers c ON c.id = k.customer_id "
            "WHERE lower(c.email) = :e AND k.withdrawn_at IS NULL"), {"e": email.lower()}
        ).scalars())
    engine.dispose()
    return {"running": int(running or 0), "consents": consents}


def test_an_objection_stops_the_newsletter_at_once_before_verification(
        services: Services, shop: dict[str, Any]) -> None:
    before = shop_state(shop["url"], ADDRESS)
    assert before["running"] >= 1 and "newsletter" in before["consents"]
    request_id = received(services, ["objection"])
    after = shop_state(shop["url"], ADDRESS)
    assert after["running"] == 0  # the newsletter no longer goes to the address
    assert after["consents"] == before["consents"]  # ending consents waits for approval
    digests = {d for _, d in services.connectors["newsletter"].suppression_hashes(email=ADDRESS)}
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.AWAITING_VERIFICATION  # nothing verified or approved
        entries = list(session.scalars(select(SuppressionEntry).where(
            SuppressionEntry.request_id == request_id)))
        assert {(e.hash, e.channel) for e in entries} >= {
            (d, c) for d in digests for c in ("newsletter", "existing_customer_email", "postal")}
        plan = session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id, ChangePlan.round == -1)).one()
        assert plan.status == "executed"
        assert {c["action"] for c in plan.body["changes"]} == {"set"}  # no delete, no read-out
        events = {e.action: e.details for e in session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id))}
        assert session.scalar(select(sa.func.count(Document.id)).where(
            Document.request_id == request_id)) == 0  # nothing of the shop's data collected
    assert events["suppressed_on_intake"]["entries"] >= 3
    assert events["advertising_stopped_on_intake"]["ended"] == before["running"]
    assert "juergen" not in json.dumps(events).lower()  # no address in the audit trail


def test_a_consent_withdrawal_suppresses_on_intake(services: Services,
                                                  shop: dict[str, Any]) -> None:
    before = shop_state(shop["url"], ADDRESS)
    request_id = received(services, ["consent_withdrawal"],
                          postal_address="Beispielweg 3\n80331 München")
    after = shop_state(shop["url"], ADDRESS)
    assert before["running"] >= 1 and after["running"] == 0
    assert after["consents"] == before["consents"]  # ending consents waits for approval
    digests = {kind: d for kind, d in services.connectors["newsletter"].suppression_hashes(
        email=ADDRESS, street="Beispielweg 3", postcode="80331")}
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.AWAITING_VERIFICATION
        entries = {(e.kind, e.channel, e.hash) for e in session.scalars(
            select(SuppressionEntry).where(SuppressionEntry.request_id == request_id))}
    # a withdrawal suppresses the newsletter only, by e-mail and by postal address
    assert entries == {("email", "newsletter", digests["email"]),
                       ("postal", "newsletter", digests["postal"])}


@pytest.mark.parametrize("channel", [Channel.API.value, Channel.EMAIL.value,
                                     Channel.LETTER.value])
def test_every_channel_suppresses_on_intake(sqlite_services: Services,
                                            sqlite_shop: dict[str, Any], channel: str) -> None:
    request_id = received(sqlite_services, ["consent_withdrawal"], channel=channel,
                          postal_address="Beispielweg 3\n80331 München")
    assert shop_state(sqlite_shop["url"], ADDRESS)["running"] == 0
    with sqlite_services.db.session() as session:
        kinds = {(e.kind, e.channel) for e in session.scalars(select(SuppressionEntry).where(
            SuppressionEntry.request_id == request_id))}
    # a withdrawal suppresses the newsletter only, by e-mail and by postal address
    assert kinds == {("email", "newsletter"), ("postal", "newsletter")}


def test_a_third_party_only_stops_advertising(services: Services,
                                              shop: dict[str, Any]) -> None:
    """Someone who is not the subject objects for the subject's address: the newsletter stops,
    nothing else happens to the subject's data and the requester learns nothing."""
    before = shop_state(shop["url"], ADDRESS)
    request_id = received(services, ["objection", "erasure"], name="Eve Mallory")
    after = shop_state(shop["url"], ADDRESS)
    assert after == {"running": 0, "consents": before["consents"]}
    engine = sa.create_engine(shop["url"])
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT COUNT(*) FROM customers WHERE lower(email) = "
                                          ":e"), {"e": ADDRESS}).scalar() == 1  # not erased
    engine.dispose()
    with services.db.session() as session:
        plans = list(session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id)))
    assert [p.round for p in plans] == [-1]  # no plan for the erasure before approval


def test_access_alone_suppresses_nothing(services: Services, shop: dict[str, Any]) -> None:
    before = shop_state(shop["url"], ADDRESS)
    request_id = received(services, ["access"])
    assert shop_state(shop["url"], ADDRESS) == before
    with services.db.session() as session:
        assert session.scalars(select(SuppressionEntry).where(
            SuppressionEntry.request_id == request_id)).first() is None


def test_the_request_page_reports_it_in_one_line(sqlite_services: Services,
                                                 sqlite_shop: dict[str, Any]) -> None:
    from dsr.app import create_app
    from dsr.users.operations import create_user

    request_id = received(sqlite_services, ["objection"])
    app = create_app(services=sqlite_services, flask_config={"TESTING": True,
                                                             "RATELIMIT_ENABLED": False})
    with sqlite_services.db.session() as session:
        create_user(session, "coord", "correct horse battery", "coordinator")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "username": "coord",
                                "password": "correct horse battery"})
    for lang, words in (("de", "vor der Identitätsprüfung"), ("en", "before the identity check")):
        page = client.get(f"/queue/requests/{request_id}?lang={lang}").get_data(as_text=True)
        line = re.search(r'<p class="notice" id="intake-suppression">([^<]+)</p>', page)
        assert line is not None and words in line.group(1)
        assert "Newsletter" in line.group(1) and ADDRESS not in line.group(1)
