"""The shipped Mailchimp definition against a fake of the Marketing API 3.0: the member found
by search, its activity over pages (count / offset), unsubscribe, permanent deletion once, a
429 waited out, an error reported; mailchimp-marketing sends the same requests."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import Sleeps, change_request, subject_of
from tests.support.fake_services import mailchimp as fake_mc
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()
SETTINGS = {"data_center": "us21", "list_id": fake_mc.LIST}


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_mc.mailchimp_fake()) as service:
        yield service


@pytest.fixture
def mailchimp(build: Callable[..., HttpApiConnector], fake: FakeService) -> HttpApiConnector:
    return build("mailchimp", fake, base_url=fake.url + "/3.0", env={"MC": fake_mc.KEY},
                 secrets={"api_key": "MC"}, settings=SETTINGS)


def test_the_data_centre_is_part_of_the_base_url(build: Callable[..., HttpApiConnector],
                                                 fake: FakeService) -> None:
    shipped = build("mailchimp", fake, env={"MC": fake_mc.KEY}, secrets={"api_key": "MC"},
                    settings=SETTINGS, base_url=None)
    assert shipped.client.base_url == "https://us21.api.mailchimp.com/3.0"


def test_access_reads_the_member_and_its_activity_over_pages(mailchimp: HttpApiConnector,
                                                             fake: FakeService) -> None:
    tables = {t.table: t for t in mailchimp.access(SUBJECT).tables}
    member = dict(zip([c.name for c in tables["members"].columns], tables["members"].rows[0],
                      strict=True))
    assert member["timestamp_opt"] == "2025-02-01T09:03:00+00:00"
    assert member["ip_opt"] == "192.0.2.44"
    assert len(tables["activity"].rows) == 3
    assert [c.arg("offset") for c in fake.calls("GET", "/3.0/lists/")] == ["0", "2", "3"]
    search = fake.calls("GET", "/3.0/search-members")[0]
    assert (search.arg("query"), search.arg("list_id")) == (fake_mc.EMAIL, fake_mc.LIST)
    assert base64.b64decode(search.auth[6:]).decode() == f"dsr:{fake_mc.KEY}"  # type: ignore[index]


def test_unsubscribe_then_permanent_delete_once(mailchimp: HttpApiConnector,
                                                fake: FakeService) -> None:
    plan = mailchimp.plan(SUBJECT, change_request("consent_withdrawal", "erasure"))
    assert {r.method for r in fake.received} == {"GET"}
    log = MemoryStepLog()
    receipt = mailchimp.execute(plan, log)
    member = f"/3.0/lists/{fake_mc.LIST}/members/{fake_mc.HASH}"
    assert [(r.method, r.path, r.json) for r in fake.received if r.method != "GET"] == [
        ("PATCH", member, {"status": "unsubscribed"}),
        ("POST", member + "/actions/delete-permanent", None)]
    assert receipt.verified
    mailchimp.execute(plan, log)
    assert len([r for r in fake.received if r.method != "GET"]) == 2


def test_429_then_success(mailchimp: HttpApiConnector, fake: FakeService,
                          sleeps: Sleeps) -> None:
    fake.fail_next("GET", "/3.0/search-members", 429, {"title": "Too Many Requests"},
                   headers={"Retry-After": "1"})
    assert mailchimp.access(SUBJECT).row_count == 4
    assert sleeps == [1.0]


def test_an_error_is_reported(mailchimp: HttpApiConnector, fake: FakeService) -> None:
    fake.fail_next("GET", "/3.0/search-members", 403, {"title": "Forbidden"})
    with pytest.raises(ConnectorError, match="GET /search-members: HTTP 403"):
        mailchimp.access(SUBJECT)


def test_mailchimp_marketing_sends_the_same_requests(mailchimp: HttpApiConnector,
                                                     fake: FakeService) -> None:
    library = pytest.importorskip("mailchimp_marketing",
                                  reason="mailchimp-marketing is not installed")
    client = library.Client()
    client.set_config({"api_key": fake_mc.KEY, "server": "us21"})
    client.api_client.host = fake.url + "/3.0"
    client.searchMembers.search(fake_mc.EMAIL, list_id=fake_mc.LIST)
    client.lists.update_list_member(fake_mc.LIST, fake_mc.HASH, {"status": "unsubscribed"})
    client.lists.delete_list_member_permanent(fake_mc.LIST, fake_mc.HASH)

    def shapes() -> list[tuple[str, str, dict[str, list[str]], object, str]]:
        seen = [(r.method, r.path, r.query, r.json,
                 base64.b64decode((r.auth or "Basic ")[6:]).decode().split(":", 1)[-1])
                for r in fake.received]
        fake.received.clear()
        return seen

    theirs = shapes()
    fake.state["members"][fake_mc.HASH] = {  # type: ignore[attr-defined]
        "id": fake_mc.HASH, "email_address": fake_mc.EMAIL, "merge_fields": {}}
    mailchimp.execute(mailchimp.plan(SUBJECT, change_request("objection", "erasure")))
    ours = shapes()
    assert theirs[0] == ours[0]  # the search: same query, same key as password
    assert theirs[1] in ours and theirs[2] in ours
