"""A newsletter subscriber without a shop account (issue 14): the hosted newsletter service
derives its subject from the shop, so it used to be asked about nobody and the answer said "no
data found". Every connector that can find a subject by the claimed e-mail address now
searches on its own: the access answer lists the newsletter data, and an objection stops the
hosted service's mailing to the address at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.answers import operations as answers
from dsr.audit import ensure_head
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.contracts import MatchTable
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.requests.no_data import nothing_found
from tests.support.clock import CLOCK
from tests.support.fake_services import brevo as fake_brevo
from tests.support.fake_services.server import FakeService, running
from workflows.runner import run_pending
from workflows.states import State

SUBSCRIBER = "nur.newsletter@example.org"  # in the newsletter service only, not in the shop


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_brevo.brevo_fake()) as service:
        service.state["contacts"][17]["email"] = SUBSCRIBER  # type: ignore[attr-defined]
        yield service


@pytest.fixture
def services(tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
             fake: FakeService) -> Iterator[Services]:
    from tests.conftest import make_config

    secrets = tmp_path / "brevo-secrets.toml"
    secrets.write_text(f'api_key = "{fake_brevo.KEY}"\n', encoding="utf-8")
    config = make_config(tmp_path, database_url=service_db_url, shop_url=demo_shop["url"],
                         extra={"connectors": {"brevo": {
                             "kind": "http_api", "definition": "brevo", "subject_from": "shop",
                             "base_url": fake.url + "/v3",
                             "secrets_file": str(secrets),
                             "label": {"de": "Brevo", "en": "Brevo"}}}})
    built = Services(config, clock=CLOCK)
    with built.db.session() as session:
        ensure_head(session)
    yield built
    built.close()


def received(services: Services, types: list[str], name: str = "Nora Newsletter",
             email: str = SUBSCRIBER) -> int:
    """A request on the form, submitted and discovered (the embedded runner)."""
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name=name, email=email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = int(req.id)
    run_pending(services)
    return request_id


def test_a_subscriber_only_in_the_newsletter_is_found_and_answered_with_that_data(
        services: Services, fake: FakeService) -> None:
    request_id = received(services, ["access"])
    with services.db.session() as session:
        req = session.get(Request, request_id)
        table = dict(MatchTable.of(req).items())
        assert table["shop"].subjects == 0  # no shop account
        assert table["brevo"].subjects == 1 and table["brevo"].claims["email"] == "match"
        assert not nothing_found(req)  # "no data found" would be false
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1",
                        connectors=list(services.config.connectors))
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        doc = answers.latest_document(session, request_id, "report_json")
        assert doc is not None
        payload = json.loads(services.documents.read(doc))
    tables = {(t["system"], t["table"]): t for s in payload["sections"] for t in s["tables"]}
    contact = tables[("brevo", "contacts")]
    assert contact["rows"] and SUBSCRIBER in json.dumps(contact["rows"])


def test_an_objection_stops_the_hosted_mailing_of_a_subscriber_at_once(
        services: Services, fake: FakeService) -> None:
    request_id = received(services, ["objection"])
    puts = [(r.method, r.path, r.json) for r in fake.received if r.method == "PUT"]
    assert puts == [("PUT", "/v3/contacts/17", {"emailBlacklisted": True})]
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.AWAITING_VERIFICATION
        from dsr.audit import AuditEvent

        stopped = [e.details for e in session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id,
            AuditEvent.action == "advertising_stopped_on_intake"))]
    assert stopped and stopped[0]["connector"] == "brevo" and stopped[0]["ended"] == 1


GUEST = "nora.gast@example.org"  # in the shop's newsletter table, without a customer


@pytest.fixture
def guest_services(demo_services: Services) -> Services:
    """The demo services, their shop holding one subscriber who has no shop account."""
    import sqlalchemy as sa

    engine = sa.create_engine(demo_services.config.connectors["shop"]["url"])
    with engine.begin() as connection:
        top = connection.execute(sa.text("SELECT max(id) FROM newsletter_subscriptions")).scalar()
        connection.execute(sa.text(
            "INSERT INTO newsletter_subscriptions (id, customer_id, email, channel, "
            "policy_version, subscribed_at, confirmed_at) VALUES (:id, NULL, :e, "
            "'footer_form', 'v1', :at, :at)"),
            {"id": top + 1, "e": GUEST, "at": CLOCK.now().replace(tzinfo=None)})
    engine.dispose()
    return demo_services


def processed(services: Services, types: list[str]) -> int:
    """A request of the guest's, matched, verified and processed as far as review."""
    request_id = received(services, types, "Nora Gast", GUEST)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        table = dict(MatchTable.of(req).items())
        assert table["shop"].subjects == 0  # no shop account
        assert table["newsletter"].subjects == 1
        assert table["newsletter"].claims["email"] == "match"
        assert not nothing_found(req)  # "no data found" would be false
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1",
                        connectors=list(services.config.connectors))
    run_pending(services)
    return request_id


def test_a_subscriber_without_a_shop_account_is_answered_with_the_subscription(
        guest_services: Services) -> None:
    request_id = processed(guest_services, ["access"])
    with guest_services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        doc = answers.latest_document(session, request_id, "report_json")
        assert doc is not None
        payload = json.loads(guest_services.documents.read(doc))
    tables = {(t["system"], t["table"]): t for s in payload["sections"] for t in s["tables"]}
    subscription = tables[("newsletter", "newsletter_subscriptions")]
    assert len(subscription["rows"]) == 1 and GUEST in json.dumps(subscription["rows"])


def test_an_erasure_of_a_subscriber_without_a_shop_account_plans_the_subscription(
        guest_services: Services) -> None:
    from connectors.changes import Plan
    from dsr.changes import operations as changes

    request_id = processed(guest_services, ["erasure"])
    with guest_services.db.session() as session:
        stored = changes.current_plan(session, request_id, "newsletter")
        assert stored is not None
        plan = Plan.from_json(stored.body)
    mine = {(c.target, c.action) for c in plan.changes}
    assert ("newsletter_subscriptions", "set") in mine  # the subscription ends
    assert ("newsletter_subscriptions", "block") in mine  # the double opt-in proof is kept
    assert any(c.action == "suppress" for c in plan.changes)
