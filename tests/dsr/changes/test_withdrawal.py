"""Consent withdrawal per consent and the ground of a restriction (issue 14, "consent
withdrawal is all or nothing"): the customer names the consents on the form or by the API,
only those end and the confirmation names them; a restriction records its Art. 18(1) ground
(a)-(d), from the form, the API or the coordinator, and the confirmation states it. The shop on
SQLite, PostgreSQL and MariaDB."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from dsr.audit import AuditEvent, ensure_head
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import IntakeError, Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, fresh_shop
from tests.support.verification import mails
from workflows.runner import run_pending
from workflows.states import State

ADDRESS = "juergen.weiss@example.org"
PASSWORD = "correct horse battery"


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, request.param, tmp_path, demo_shop)


@pytest.fixture
def services(tmp_path: Path, service_db_url: str, shop: dict[str, Any]) -> Iterator[Services]:
    from tests.conftest import make_config

    built = Services(make_config(tmp_path, database_url=service_db_url, shop_url=shop["url"]),
                     clock=CLOCK)
    with built.db.session() as session:
        ensure_head(session)
    yield built
    built.close()


def running_consents(url: str) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        kinds = set(connection.execute(sa.text(
            "SELECT k.kind FROM consents k JOIN customers c ON c.id = k.customer_id "
            "WHERE c.email = :e AND k.withdrawn_at IS NULL"), {"e": ADDRESS}).scalars())
        kinds |= {"newsletter_subscription"} if connection.execute(sa.text(
            "SELECT COUNT(*) FROM newsletter_subscriptions WHERE email = :e AND "
            "unsubscribed_at IS NULL"), {"e": ADDRESS}).scalar() else set()
    engine.dispose()
    return kinds


def carried_out(services: Services, types: list[str], **extra: Any) -> int:
    """Submit, verify, plan, approve, execute and release the request."""
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name="Jürgen Weiß", email=ADDRESS,
                                         channel=Channel.FORM.value, received_at=CLOCK.now(),
                                         **extra),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = int(req.id)
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.REVIEW
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        if req.status != State.COMPLETED and req.released_at is None:
            actions.release(session, req, actor="user:1")
    run_pending(services)
    return request_id


def test_a_withdrawal_of_one_consent_ends_that_one_only_and_the_confirmation_names_it(
        services: Services, shop: dict[str, Any]) -> None:
    before = running_consents(shop["url"])
    assert {"analytics", "newsletter", "newsletter_subscription"} <= before
    carried_out(services, ["consent_withdrawal"], consents=("analytics",))
    assert running_consents(shop["url"]) == before - {"analytics"}  # the newsletter goes on
    confirmation = next(m for m in mails(services) if m["to"] == ADDRESS
                        and "Einwilligung widerrufen" in m["subject"])
    assert "nur diese Einwilligungen: Webanalyse" in confirmation["body"]
    assert "übrigen Einwilligungen bleiben bestehen" in confirmation["body"]


def test_a_withdrawal_of_analytics_alone_stops_nothing_before_verification(
        services: Services, shop: dict[str, Any]) -> None:
    before = running_consents(shop["url"])
    with services.db.session() as session:
        submit(session, Submission(types=["consent_withdrawal"], name="Jürgen Weiß",
                                   email=ADDRESS, channel=Channel.FORM.value,
                                   received_at=CLOCK.now(), consents=("analytics",)),
               calendar=services.calendar, connectors=list(services.config.connectors))
    run_pending(services)
    # analytics only: nothing stops before verification (no advertising is concerned)
    assert running_consents(shop["url"]) == before


def test_a_restriction_states_its_ground(services: Services, shop: dict[str, Any]) -> None:
    request_id = carried_out(services, ["restriction"], restriction_ground="c")
    with services.db.session() as session:
        assert session.get(Request, request_id).restriction_ground == "c"
    confirmation = next(m for m in mails(services) if m["to"] == ADDRESS
                        and "Art. 18" in m["body"] and "eingeschränkt" in m["body"])
    assert "Grund der Einschränkung: Art. 18 Abs. 1 lit. c DSGVO" in confirmation["body"]


def test_intake_refuses_consents_or_a_ground_without_their_type(services: Services) -> None:
    with services.db.session() as session:
        for extra in ({"consents": ("newsletter",)}, {"restriction_ground": "a"},
                      {"restriction_ground": "e"}):
            with pytest.raises(IntakeError):
                submit(session, Submission(types=["access"] if "consents" in extra
                                           or extra["restriction_ground"] == "a"
                                           else ["restriction"], name="Jürgen Weiß",
                                           email=ADDRESS, channel=Channel.FORM.value,
                                           received_at=CLOCK.now(), **extra),
                       calendar=services.calendar, connectors=[])


@pytest.fixture
def app(services: Services) -> Any:
    from dsr.app import create_app

    return create_app(services=services, flask_config={"TESTING": True,
                                                       "RATELIMIT_ENABLED": False})


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
def test_the_form_offers_the_consents_and_the_grounds(app: Any, services: Services) -> None:
    client = app.test_client()
    page = client.get("/?lang=en").get_data(as_text=True)
    assert 'name="consents" value="sweepstakes"' in page and "sweepstakes advertising" in page
    assert 'name="consents" value="analytics"' in page
    assert '<option value="d"' in page and "Art. 18(1) GDPR" in page
    response = client.post("/?lang=en", data={
        "csrf_token": _csrf(client, "/"), "types": ["consent_withdrawal", "restriction"],
        "name": "Jürgen Weiß", "email": ADDRESS, "consents": ["analytics", "sweepstakes"],
        "restriction_ground": "b"})
    assert response.status_code == 302
    with services.db.session() as session:
        req = session.scalars(select(Request).order_by(Request.id.desc())).first()
        assert req.withdrawn_consents == ["analytics", "sweepstakes"]
        assert req.restriction_ground == "b"
    bad = client.post("/?lang=en", data={
        "csrf_token": _csrf(client, "/"), "types": ["consent_withdrawal"], "name": "Jürgen Weiß",
        "email": ADDRESS, "consents": ["lottery"]})
    page = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "choose consents from the list" in page
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary and 'href="#consents-fieldset"' in summary.group(0)  # listed at the top too


@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
def test_the_api_takes_consents_and_a_ground_and_refuses_unknown_ones(
        app: Any, services: Services) -> None:
    client = app.test_client()
    body = {"types": ["consent_withdrawal", "restriction"], "name": "Jürgen Weiß",
            "email": ADDRESS, "consents": ["newsletter"], "restriction_ground": "a"}
    created = client.post("/api/v1/requests", json=body)
    assert created.status_code == 201, created.get_json()
    with services.db.session() as session:
        req = session.scalars(select(Request).order_by(Request.id.desc())).first()
        assert (req.withdrawn_consents, req.restriction_ground) == (["newsletter"], "a")
    unknown = client.post("/api/v1/requests", json={**body, "consents": ["lottery"]})
    assert unknown.status_code == 422 and "lottery" in unknown.get_json()["message"]
    ground = client.post("/api/v1/requests", json={**body, "restriction_ground": "e"})
    assert ground.status_code == 422


@pytest.mark.parametrize("shop", ["sqlite"], indirect=True)
def test_the_coordinator_sets_the_ground(app: Any, services: Services) -> None:
    from dsr.users.operations import create_user

    with services.db.session() as session:
        create_user(session, "coord", PASSWORD, "coordinator")
        req = submit(session, Submission(types=["restriction"], name="Jürgen Weiß",
                                         email=ADDRESS, channel=Channel.LETTER.value,
                                         received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=[])
        request_id = int(req.id)
    client = app.test_client()
    client.post("/login", data={"csrf_token": _csrf(client, "/login"), "username": "coord",
                                "password": PASSWORD})
    page = client.get(f"/queue/requests/{request_id}?lang=de").get_data(as_text=True)
    assert 'id="restriction-ground"' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    client.post(f"/queue/requests/{request_id}/restriction/ground",
                data={"csrf_token": token, "ground": "d"})
    with services.db.session() as session:
        assert session.get(Request, request_id).restriction_ground == "d"
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id,
            AuditEvent.action == "restriction_ground_set")).first() is not None
    client.post(f"/queue/requests/{request_id}/restriction/ground",
                data={"csrf_token": token, "ground": "x"})
    with services.db.session() as session:
        assert session.get(Request, request_id).restriction_ground == "d"  # refused, kept
