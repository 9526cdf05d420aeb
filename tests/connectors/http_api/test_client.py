"""The HTTP client against a small fake: Retry-After and back-off, giving up after the
attempts, one token refresh on 401, errors that name the path template only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from connectors.base import ConnectorError
from connectors.http_api.auth import NoAuth
from connectors.http_api.client import HttpClient, ServiceError, retry_after
from tests.support.fake_services.server import FakeService, Received, running


@pytest.fixture
def fake() -> Iterator[FakeService]:
    service = FakeService("plain")

    @service.route("GET", r"/items")
    def items(received: Received) -> tuple[int, object]:
        return 200, {"items": [1, 2]}

    with running(service) as started:
        yield started


def client(fake: FakeService, waits: list[float], attempts: int = 4) -> HttpClient:
    return HttpClient("svc", fake.url, NoAuth(), timeout=5, max_attempts=attempts,
                      max_wait=10, backoff=0.5, sleep=waits.append)


def test_retry_after_seconds_and_back_off(fake: FakeService) -> None:
    waits: list[float] = []
    fake.fail_next("GET", "/items", 429, headers={"Retry-After": "3"})
    fake.fail_next("GET", "/items", 503)
    fake.fail_next("GET", "/items", 429, headers={"Retry-After": "600"})
    assert client(fake, waits).send("GET", "/items").json() == {"items": [1, 2]}
    assert waits == [3.0, 1.0, 10.0]  # Retry-After, back-off (0.5 * 2), capped at max_wait


def test_gives_up_after_the_attempts(fake: FakeService) -> None:
    fake.fail_next("GET", "/items", 429, times=5)
    with pytest.raises(ServiceError, match="GET /items: HTTP 429"):
        client(fake, [], attempts=3).send("GET", "/items")
    assert len(fake.received) == 3


def test_errors_name_the_template_not_the_address(fake: FakeService) -> None:
    with pytest.raises(ServiceError) as raised:
        client(fake, []).send("GET", "/contacts/a@example.org", template="/contacts/{email}")
    assert str(raised.value) == "svc: GET /contacts/{email}: HTTP 404"
    assert raised.value.status == 404


def test_an_unreachable_service() -> None:
    dead = HttpClient("svc", "http://127.0.0.1:9", NoAuth(), timeout=1, max_attempts=2,
                      sleep=lambda s: None)
    with pytest.raises(ConnectorError, match="not reachable"):
        dead.send("DELETE", "/x")


def test_retry_after_values() -> None:
    assert retry_after("5") == 5.0 and retry_after(None) is None
    assert retry_after("Wed, 21 Oct 2026 07:28:00 GMT") is None
