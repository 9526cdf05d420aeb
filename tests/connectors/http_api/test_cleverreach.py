"""The shipped CleverReach definition against a fake of its REST API v3: an OAuth 2
client-credentials token fetched once and fetched again when the service refuses it, the
receiver and its events over pages (page / pagesize), set inactive on objection, deletion
once, a 429 waited out, an error reported. CleverReach publishes no Python client."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import Sleeps, change_request, subject_of
from tests.support.fake_services import cleverreach as fake_cr
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()
GROUP_RECEIVER = f"/v3/groups.json/{fake_cr.GROUP}/receivers/9001"


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_cr.cleverreach_fake()) as service:
        yield service


@pytest.fixture
def cleverreach(build: Callable[..., HttpApiConnector], fake: FakeService) -> HttpApiConnector:
    return build("cleverreach", fake, base_url=fake.url + "/v3",
                 token_url=fake.url + "/oauth/token.php",
                 env={"CR_ID": fake_cr.CLIENT_ID, "CR_SECRET": fake_cr.CLIENT_SECRET},
                 secrets={"client_id": "CR_ID", "client_secret": "CR_SECRET"},
                 settings={"group_id": fake_cr.GROUP})


def test_access_with_one_token_and_events_over_pages(cleverreach: HttpApiConnector,
                                                     fake: FakeService) -> None:
    tables = {t.table: t for t in cleverreach.access(SUBJECT).tables}
    assert tables["receivers"].rows[0][:2] == ("9001", fake_cr.EMAIL)
    assert len(tables["events"].rows) == 3
    assert [c.arg("page") for c in fake.calls("GET", "/v3/receivers.json")] == ["0", "1", "2"]
    token = fake.calls("POST", "/oauth/token.php")
    assert len(token) == 1 and token[0].form == {"grant_type": ["client_credentials"]}
    expected = base64.b64encode(f"{fake_cr.CLIENT_ID}:{fake_cr.CLIENT_SECRET}".encode())
    assert token[0].auth == f"Basic {expected.decode()}"
    assert {c.auth for c in fake.calls("GET")} == {"Bearer cr-token-1"}


def test_a_refused_token_is_fetched_again(cleverreach: HttpApiConnector,
                                          fake: FakeService) -> None:
    cleverreach.access(SUBJECT)
    fake.state["tokens"].append("cr-token-new")  # type: ignore[attr-defined] # the old one expires
    cleverreach.access(SUBJECT)
    assert len(fake.calls("POST", "/oauth/token.php")) == 2
    assert fake.calls("GET")[-1].auth == "Bearer cr-token-3"  # the one fetched anew


def test_objection_sets_inactive_and_erasure_deletes_once(cleverreach: HttpApiConnector,
                                                          fake: FakeService) -> None:
    plan = cleverreach.plan(SUBJECT, change_request("objection", "erasure"))
    assert not [r for r in fake.received if r.method not in ("GET", "POST")]
    log = MemoryStepLog()
    receipt = cleverreach.execute(plan, log)
    assert [(r.method, r.path) for r in fake.received if r.method in ("PUT", "DELETE")] == [
        ("PUT", GROUP_RECEIVER + "/setinactive"), ("DELETE", GROUP_RECEIVER)]
    assert receipt.verified
    cleverreach.execute(plan, log)
    assert len([r for r in fake.received if r.method in ("PUT", "DELETE")]) == 2


def test_429_then_success(cleverreach: HttpApiConnector, fake: FakeService,
                          sleeps: Sleeps) -> None:
    fake.fail_next("GET", "/v3/groups.json", 429, {"error": {"code": 429}},
                   headers={"Retry-After": "4"})
    assert cleverreach.access(SUBJECT).row_count == 4 and sleeps == [4.0]


def test_a_wrong_client_secret_is_an_error(build: Callable[..., HttpApiConnector],
                                           fake: FakeService) -> None:
    wrong = build("cleverreach", fake, base_url=fake.url + "/v3",
                  token_url=fake.url + "/oauth/token.php",
                  env={"CR_ID": fake_cr.CLIENT_ID, "CR_SECRET": "wrong"},
                  secrets={"client_id": "CR_ID", "client_secret": "CR_SECRET"},
                  settings={"group_id": fake_cr.GROUP})
    with pytest.raises(ConnectorError, match="POST token endpoint: HTTP 401"):
        wrong.access(SUBJECT)
