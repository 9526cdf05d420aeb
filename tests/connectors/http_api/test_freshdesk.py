"""The shipped Freshdesk definition against a fake of Freshdesk's API v2: the contact found
by e-mail, its tickets over pages named in the Link header, the contact permanently deleted
once (hard_delete?force=true), a 429 waited out, an error reported; python-freshdesk sends
the same requests."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import Sleeps, change_request, subject_of
from tests.support.fake_services import freshdesk as fake_fd
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()
AUTH = "Basic " + base64.b64encode(f"{fake_fd.KEY}:X".encode()).decode()


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_fd.freshdesk_fake()) as service:
        yield service


@pytest.fixture
def freshdesk(build: Callable[..., HttpApiConnector], fake: FakeService) -> HttpApiConnector:
    return build("freshdesk", fake, base_url=fake.url + "/api/v2", env={"FD": fake_fd.KEY},
                 secrets={"api_key": "FD"}, settings={"domain": "pso"})


def test_access_follows_the_link_header(freshdesk: HttpApiConnector, fake: FakeService) -> None:
    tables = {t.table: t for t in freshdesk.access(SUBJECT).tables}
    assert tables["contacts"].rows[0][:2] == (8001, "Jürgen Weiß")
    assert [row[0] for row in tables["tickets"].rows] == [50, 51, 52]
    assert [p.arg("page") for p in fake.calls("GET", "/api/v2/tickets")] == [None, "2"]
    assert {r.auth for r in fake.received} == {AUTH}


def test_erasure_hard_deletes_once(freshdesk: HttpApiConnector, fake: FakeService) -> None:
    plan = freshdesk.plan(SUBJECT, change_request("erasure"))
    assert {r.method for r in fake.received} == {"GET"}
    log = MemoryStepLog()
    receipt = freshdesk.execute(plan, log)
    assert [(r.path, r.query) for r in fake.calls("DELETE")] == [
        ("/api/v2/contacts/8001/hard_delete", {"force": ["true"]})]
    assert receipt.verified
    freshdesk.execute(plan, log)
    assert len(fake.calls("DELETE")) == 1


def test_429_then_success(freshdesk: HttpApiConnector, fake: FakeService,
                          sleeps: Sleeps) -> None:
    fake.fail_next("GET", "/api/v2/tickets", 429, {"code": "rate_limited"},
                   headers={"Retry-After": "5"})
    assert freshdesk.access(SUBJECT).row_count == 4 and sleeps == [5.0]


def test_an_error_is_reported(freshdesk: HttpApiConnector, fake: FakeService) -> None:
    fake.fail_next("GET", "/api/v2/contacts", 500, {"code": "internal_error"})
    with pytest.raises(ConnectorError, match="GET /contacts: HTTP 500"):
        freshdesk.access(SUBJECT)


def test_python_freshdesk_sends_the_same_requests(freshdesk: HttpApiConnector,
                                                  fake: FakeService) -> None:
    library = pytest.importorskip("freshdesk.v2.api", reason="python-freshdesk is not installed")
    client = library.API("pso.freshdesk.com", fake_fd.KEY)
    client._api_prefix = fake.url + "/api/v2/"  # the library builds https://<domain> itself
    client.contacts.list_contacts(email=fake_fd.EMAIL)
    client.contacts.permanently_delete_contact(8001, force=True)
    def user(auth: str | None) -> str:
        return base64.b64decode((auth or "Basic ")[6:]).decode().split(":")[0]

    theirs = [(r.method, r.path, user(r.auth), r.query) for r in fake.received]
    fake.received.clear()
    fake.state["contacts"][8001] = {"id": 8001, "email": fake_fd.EMAIL}  # type: ignore[attr-defined]
    freshdesk.execute(freshdesk.plan(SUBJECT, change_request("erasure")))
    ours = [(r.method, r.path, user(r.auth), r.query) for r in fake.received]
    assert theirs[0][:3] == ours[0][:3] and theirs[0][3]["email"] == ours[0][3]["email"]
    assert theirs[-1][:3] == ours[1][:3]
    assert theirs[-1][3]["force"][0].lower() == ours[1][3]["force"][0] == "true"
