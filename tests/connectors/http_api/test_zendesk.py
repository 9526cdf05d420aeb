"""The shipped Zendesk definition against a fake of Zendesk Support's API: the user found by
search, its requested tickets over cursor pages, the user soft-deleted and then permanently
deleted once (the GDPR deletion), a 429 waited out, an error reported; zenpy sends the same
requests."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import Sleeps, change_request, subject_of
from tests.support.fake_services import zendesk as fake_zd
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()
AUTH = "Basic " + base64.b64encode(f"{fake_zd.AGENT}/token:{fake_zd.TOKEN}".encode()).decode()


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_zd.zendesk_fake()) as service:
        yield service


@pytest.fixture
def zendesk(build: Callable[..., HttpApiConnector], fake: FakeService) -> HttpApiConnector:
    return build("zendesk", fake, env={"ZD": fake_zd.TOKEN}, secrets={"api_token": "ZD"},
                 settings={"subdomain": "pso", "agent_email": fake_zd.AGENT})


def test_access_reads_the_user_and_tickets_over_cursor_pages(zendesk: HttpApiConnector,
                                                             fake: FakeService) -> None:
    tables = {t.table: t for t in zendesk.access(SUBJECT).tables}
    assert tables["users"].rows[0][:2] == (361, "Jürgen Weiß")
    assert [row[0] for row in tables["tickets"].rows] == [1000, 1001, 1002]
    pages = fake.calls("GET", "/api/v2/users/361/tickets")
    assert [(p.arg("page[size]"), p.arg("page[after]")) for p in pages] == [
        ("100", None), ("100", "cur2")]
    assert {r.auth for r in fake.received} == {AUTH}


def test_erasure_deletes_then_deletes_permanently_once(zendesk: HttpApiConnector,
                                                       fake: FakeService) -> None:
    plan = zendesk.plan(SUBJECT, change_request("erasure"))
    assert {r.method for r in fake.received} == {"GET"}
    log = MemoryStepLog()
    receipt = zendesk.execute(plan, log)
    assert [(r.method, r.path) for r in fake.calls("DELETE")] == [
        ("DELETE", "/api/v2/users/361.json"), ("DELETE", "/api/v2/deleted_users/361.json")]
    assert receipt.steps[0]["confirmations"] == ["361"] and receipt.verified
    assert fake.state["deleted"][361]["email"] is None  # type: ignore[attr-defined]
    zendesk.execute(plan, log)
    assert len(fake.calls("DELETE")) == 2


def test_rectification_sends_the_user_object(zendesk: HttpApiConnector,
                                             fake: FakeService) -> None:
    request = change_request("rectification", corrections={"customers.phone": "+49 89 1"},
                             labels={"customers.phone": {"field": "phone"}})
    zendesk.execute(zendesk.plan(SUBJECT, request))
    assert [r.json for r in fake.calls("PUT")] == [{"user": {"phone": "+49 89 1"}}]


def test_429_then_success(zendesk: HttpApiConnector, fake: FakeService,
                          sleeps: Sleeps) -> None:
    fake.fail_next("GET", "/api/v2/users/search.json", 429, {"error": "TooManyRequests"},
                   headers={"Retry-After": "7"})
    assert zendesk.access(SUBJECT).row_count == 4 and sleeps == [7.0]


def test_an_error_is_reported(zendesk: HttpApiConnector, fake: FakeService) -> None:
    fake.fail_next("DELETE", "/api/v2/users/", 403, {"error": "Forbidden"})
    plan = zendesk.plan(SUBJECT, change_request("erasure"))
    with pytest.raises(ConnectorError, match=r"DELETE /api/v2/users/\{record.id\}.json: HTTP 403"):
        zendesk.execute(plan)


def test_zenpy_sends_the_same_requests(zendesk: HttpApiConnector, fake: FakeService,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    zenpy = pytest.importorskip("zenpy", reason="zenpy is not installed")
    host, port = fake.url.removeprefix("http://").split(":")
    monkeypatch.setenv("ZENPY_FORCE_SCHEME", "http")
    first, _, rest = host.partition(".")  # zenpy builds <subdomain>.<domain>
    client = zenpy.Zenpy(subdomain=first, domain=f"{rest}:{port}", email=fake_zd.AGENT,
                         token=fake_zd.TOKEN)
    user = client.users(id=361)
    client.users.delete(user)
    client.users.permanently_delete(user)
    theirs = [(r.method, r.path, r.auth) for r in fake.received if r.method == "DELETE"]
    fake.received.clear()
    fake.state["users"][361] = {"id": 361, "email": fake_zd.EMAIL}  # type: ignore[attr-defined]
    zendesk.execute(zendesk.plan(SUBJECT, change_request("erasure")))
    ours = [(r.method, r.path, r.auth) for r in fake.received if r.method == "DELETE"]
    assert theirs == ours
