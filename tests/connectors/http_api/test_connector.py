"""The connector itself: it is a changing connector of the registry, a separate controller is
neither read nor changed there (its Art. 19 notice goes by e-mail), the subject is the shop's,
and a plan for a request it has nothing for is empty."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from connectors.base import Connector, Identity, connector_class
from connectors.capabilities import DerivesSubject, Executes, Plans, ReportsStatus, capable
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import change_request, subject_of
from tests.support.fake_services import stripe as fake_stripe
from tests.support.fake_services.server import FakeService, running

ENV = {"K": fake_stripe.KEY}


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_stripe.stripe_fake()) as service:
        yield service


def test_registered_and_conforming(build: Callable[..., HttpApiConnector],
                                   fake: FakeService) -> None:
    assert connector_class("http_api") is HttpApiConnector
    connector = build("stripe", fake, env=ENV, secrets={"api_key": "K"})
    assert isinstance(connector, Connector)
    assert all(capable(connector, c) is not None for c in (Plans, Executes, ReportsStatus))
    derived = capable(connector, DerivesSubject)
    assert derived is not None and derived.subject_from == "shop"
    assert not connector.discover(Identity(email="juergen.weiss@example.org")).found
    assert fake.received == []


def test_a_separate_controller_is_not_read_or_changed(build: Callable[..., HttpApiConnector],
                                                      fake: FakeService) -> None:
    connector = build("stripe", fake, env=ENV, secrets={"api_key": "K"}, role="controller")
    assert connector.access(subject_of()).tables == ()
    assert connector.plan(subject_of(), change_request("erasure")).changes == ()
    assert fake.received == []


def test_nothing_planned_for_what_the_service_does_not_offer(
        build: Callable[..., HttpApiConnector], fake: FakeService) -> None:
    connector = build("stripe", fake, env=ENV, secrets={"api_key": "K"})
    assert connector.plan(subject_of(), change_request("objection")).changes == ()
    assert connector.plan(subject_of(), change_request("restriction")).changes == ()
    assert fake.received == []  # nothing asked for: not even a search


def test_a_subject_the_shop_does_not_hold_is_not_searched(
        build: Callable[..., HttpApiConnector], fake: FakeService) -> None:
    from connectors.base import Subject

    connector = build("stripe", fake, env=ENV, secrets={"api_key": "K"})
    nobody = Subject(keys=(), identifiers={"email": ("someone.else@example.org",)})
    assert connector.plan(nobody, change_request("erasure")).changes == ()
    assert fake.received == []
