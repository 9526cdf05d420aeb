"""The shipped Google Analytics 4 definition against a fake of Google's token endpoint and
the User Deletion API: the service account's JWT (checked by the fake with the account's
public key) exchanged for a token; no export, so the answer states what GA holds; the
deletion requested once by User-ID (the shop's customer number) and left waiting, since GA
confirms nothing; a 429 waited out, an error reported; google-auth builds the same grant."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import NOW, Sleeps, change_request, subject_of
from tests.support.fake_services import google_analytics as fake_ga
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()
UPSERT = "/analytics/v3/userDeletion/userDeletionRequests:upsert"


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_ga.google_fake()) as service:
        info, key = fake_ga.service_account(service.url + "/token")
        service.state["key"] = key  # type: ignore[attr-defined]
        service.state["info"] = info  # type: ignore[attr-defined]
        yield service


@pytest.fixture
def ga(build: Callable[..., HttpApiConnector], fake: FakeService,
       tmp_path: Path) -> HttpApiConnector:
    secrets = tmp_path / "secrets.toml"  # a secrets file instead of an environment variable
    secrets.write_text(f"service_account = {json.dumps(json.dumps(fake.state['info']))}\n")  # type: ignore[attr-defined]
    return build("google_analytics", fake, base_url=fake.url + "/analytics/v3",
                 secrets_file=str(secrets), settings={"property_id": fake_ga.PROPERTY})


def test_access_states_what_ga_holds_without_asking(ga: HttpApiConnector,
                                                    fake: FakeService) -> None:
    (table,) = ga.access(SUBJECT).tables
    assert table.table == "analytics" and table.category == "usage"
    assert "Google offers no export per person" in str(table.rows[0][1])
    assert fake.received == []


def test_deletion_is_requested_once_and_waits(ga: HttpApiConnector, fake: FakeService) -> None:
    plan = ga.plan(SUBJECT, change_request("erasure"))
    assert fake.received == []  # nothing to find: the plan is made from the user id
    assert [(c.target, c.key, c.action) for c in plan.changes] == [
        ("analytics", ("K-100001",), "delete")]
    log = MemoryStepLog()
    receipt = ga.execute(plan, log)
    assert fake.state["deletions"] == [{  # type: ignore[attr-defined]
        "kind": "analytics#userDeletionRequest", "id": {"type": "USER_ID", "userId": "K-100001"},
        "propertyId": fake_ga.PROPERTY}]
    (claims,) = fake.state["claims"]  # type: ignore[attr-defined]
    assert (claims["iss"], claims["scope"], claims["aud"]) == (
        fake.state["info"]["client_email"], fake_ga.SCOPE,  # type: ignore[attr-defined]
        "https://oauth2.googleapis.com/token")  # the audience is Google's, as google-auth sends
    assert claims["iat"] == int(NOW.timestamp()) and claims["exp"] == claims["iat"] + 3600
    step = receipt.steps[0]
    assert step["notice"] == {"channel": "http_api", "external_id": "2026-12-02T09:00:00.000Z"}
    assert ga.status(step["notice"]["external_id"]) == "pending"  # GA reports no status
    ga.execute(plan, log)
    assert len(fake.calls("POST", UPSERT)) == 1


def test_consent_withdrawal_also_deletes(ga: HttpApiConnector) -> None:
    plan = ga.plan(SUBJECT, change_request("consent_withdrawal"))
    assert [c.reason for c in plan.changes] == ["consent_withdrawal"]


def test_429_then_success(ga: HttpApiConnector, fake: FakeService, sleeps: Sleeps) -> None:
    fake.fail_next("POST", UPSERT, 429, {"error": {"code": 429,
                                                   "status": "RESOURCE_EXHAUSTED"}},
                   headers={"Retry-After": "30"})
    ga.execute(ga.plan(SUBJECT, change_request("erasure")))
    assert sleeps == [30.0] and len(fake.state["deletions"]) == 1  # type: ignore[attr-defined]


def test_an_error_is_reported(ga: HttpApiConnector, fake: FakeService) -> None:
    fake.fail_next("POST", UPSERT, 400, {"error": {"code": 400}})
    with pytest.raises(ConnectorError, match="userDeletionRequests:upsert: HTTP 400"):
        ga.execute(ga.plan(SUBJECT, change_request("erasure")))


def test_google_auth_builds_the_same_grant(ga: HttpApiConnector, fake: FakeService) -> None:
    service_account = pytest.importorskip("google.oauth2.service_account",
                                          reason="google-auth is not installed")
    transport = pytest.importorskip("google.auth.transport.requests",
                                    reason="google-auth's requests transport is missing")
    credentials = service_account.Credentials.from_service_account_info(
        fake.state["info"], scopes=[fake_ga.SCOPE])  # type: ignore[attr-defined]
    credentials.refresh(transport.Request())
    theirs = fake.calls("POST", "/token")[0]
    ga.execute(ga.plan(SUBJECT, change_request("erasure")))
    ours = fake.calls("POST", "/token")[1]
    assert sorted(theirs.form) == sorted(ours.form) == ["assertion", "grant_type"]
    assert theirs.form["grant_type"] == ours.form["grant_type"]
    their_claims, our_claims = fake.state["claims"]  # type: ignore[attr-defined]
    for claim in ("iss", "scope", "aud"):
        assert their_claims[claim] == our_claims[claim]
    assert their_claims["exp"] - their_claims["iat"] == our_claims["exp"] - our_claims["iat"]
    upsert = fake.calls("POST", UPSERT)[0]
    assert upsert.auth == f"Bearer {fake.state['tokens'][1]}"  # type: ignore[attr-defined]
