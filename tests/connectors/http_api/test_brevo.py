"""The shipped Brevo definition against a fake of Brevo's API v3: the contact and its
e-mail events (offset paging), blacklisting on objection, deletion after approval and once,
a 429 waited out, an error reported; and brevo-python sends the same requests."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import Sleeps, change_request, subject_of
from tests.support.fake_services import brevo as fake_brevo
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_brevo.brevo_fake()) as service:
        yield service


@pytest.fixture
def brevo(build: Callable[..., HttpApiConnector], fake: FakeService) -> HttpApiConnector:
    return build("brevo", fake, base_url=fake.url + "/v3", env={"BREVO": fake_brevo.KEY},
                 secrets={"api_key": "BREVO"})


def test_access_reads_the_contact_and_its_events_over_pages(brevo: HttpApiConnector,
                                                            fake: FakeService) -> None:
    tables = {t.table: t for t in brevo.access(SUBJECT).tables}
    assert tables["contacts"].rows[0][:2] == (17, fake_brevo.EMAIL)
    assert len(tables["email_events"].rows) == 5
    pages = [(c.arg("offset"), c.arg("limit")) for c in fake.calls("GET", "/v3/smtp")]
    assert pages == [("0", "100"), ("2", "100"), ("4", "100"), ("5", "100")]
    assert {c.headers.get("api-key") for c in fake.received} == {fake_brevo.KEY}
    assert fake.calls("GET", "/v3/contacts/")[0].path == f"/v3/contacts/{fake_brevo.EMAIL}"


def test_an_unknown_address_has_nothing(brevo: HttpApiConnector) -> None:
    tables = brevo.access(subject_of("nobody@example.org"))
    assert all(not t.rows for t in tables.tables)


def test_objection_blacklists_and_erasure_deletes_once(brevo: HttpApiConnector,
                                                       fake: FakeService) -> None:
    plan = brevo.plan(SUBJECT, change_request("erasure", "objection"))
    assert {r.method for r in fake.received} == {"GET"}
    assert [(c.target, c.key, c.action, c.reason) for c in plan.changes] == [
        ("contacts", (17,), "set", "objection"), ("contacts", (17,), "delete", "erasure")]
    log = MemoryStepLog()
    receipt = brevo.execute(plan, log)
    assert [(r.method, r.path, r.json) for r in fake.received if r.method != "GET"] == [
        ("PUT", "/v3/contacts/17", {"emailBlacklisted": True}),
        ("DELETE", "/v3/contacts/17", None)]  # the mailing stops first, then the contact goes
    assert receipt.verified and receipt.steps[0]["touched"] == 2
    brevo.execute(plan, log)
    assert len([r for r in fake.received if r.method != "GET"]) == 2


def test_429_then_success(brevo: HttpApiConnector, fake: FakeService, sleeps: Sleeps) -> None:
    fake.fail_next("GET", "/v3/contacts/", 429, {"code": "too_many_requests"},
                   headers={"Retry-After": "2"})
    assert brevo.access(SUBJECT).row_count == 6  # the contact and five events
    assert sleeps == [2.0]


def test_an_error_is_reported(brevo: HttpApiConnector, fake: FakeService) -> None:
    fake.fail_next("GET", "/v3/contacts/", 400, {"code": "invalid_parameter"})
    with pytest.raises(ConnectorError, match=r"GET /contacts/\{email\}: HTTP 400"):
        brevo.access(SUBJECT)


def test_brevo_python_sends_the_same_requests(brevo: HttpApiConnector,
                                              fake: FakeService) -> None:
    library = pytest.importorskip("brevo", reason="brevo-python is not installed")
    client = library.Brevo(api_key=fake_brevo.KEY, base_url=fake.url + "/v3", max_retries=0)
    client.contacts.get_contact_info(fake_brevo.EMAIL)
    client.contacts.update_contact(17, email_blacklisted=True)
    client.contacts.delete_contact(17)
    theirs = [(r.method, r.path, r.headers.get("api-key"), r.json) for r in fake.received]
    fake.received.clear()
    fake.state["contacts"][17] = {"id": 17, "email": fake_brevo.EMAIL, "attributes": {}}  # type: ignore[attr-defined]
    plan = brevo.plan(SUBJECT, change_request("objection"))
    brevo.execute(plan)
    plan = brevo.plan(SUBJECT, change_request("erasure"))
    brevo.execute(plan)
    ours = [(r.method, r.path, r.headers.get("api-key"), r.json) for r in fake.received
            if r.path.startswith("/v3/contacts")]
    assert theirs[0] == ours[0]  # GET /v3/contacts/<e-mail>
    assert theirs[1] in ours     # PUT {"emailBlacklisted": true}
    assert theirs[2] in ours     # DELETE /v3/contacts/17
