"""Hosted services reached through shipped ``http_api`` definitions, end to end through the
service's workflow against their fakes: the access answer carries the service's records, an
erasure reaches the service only after approval, once (a second execute sends nothing), a 429
before it is waited out, and the receipt names the service's own confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.changes.jobs import poll_processors
from dsr.changes.models import ChangeReceipt, RecipientNotice
from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.fake_services.server import FakeService, Received, running
from tests.support.shops import fresh_shop
from workflows.models import Task
from workflows.runner import run_pending, run_task
from workflows.states import State

EMAIL = "juergen.weiss@example.org"
NAME = "Jürgen Weiß"
CONNECTOR = "hosted"


@dataclass
class Case:
    """One shipped definition in the workflow: its fake, its settings and what it must do."""

    definition: str
    fake: Callable[[], FakeService]
    env: dict[str, str]
    settings: Callable[[FakeService, Path], dict[str, Any]]
    erase_method: str
    erase_path: str               # the prefix of the erase request's path
    expect_auth: Callable[[Received], bool]
    in_report: tuple[str, ...]    # what the access answer must show
    confirmation: str | None = None
    later: bool = False           # the service confirms the deletion later (a notice waits)
    finish: Callable[[FakeService], None] | None = None  # the service reports it done
    unsubscribe: tuple[str, str, object] | None = None  # method, path, JSON body
    source: Callable[[Path], Path] | None = None  # a definition file (the docs' example)


def _services(tmp_path: Path, service_db_url: str, shop_url: str, case: Case,
              fake: FakeService) -> Services:
    from dsr.audit import ensure_head
    from tests.conftest import make_config

    definition = str(case.source(tmp_path)) if case.source else case.definition
    section = {"kind": "http_api", "definition": definition, "subject_from": "shop",
               "base_url": fake.url, "max_wait_seconds": 2, **case.settings(fake, tmp_path),
               "label": {"de": f"Dienst {case.definition}", "en": f"Service {case.definition}"}}
    config = make_config(tmp_path, database_url=service_db_url, shop_url=shop_url,
                         extra={"connectors": {CONNECTOR: section}})
    built = Services(config)
    with built.db.session() as session:
        ensure_head(session)
    return built


def _submitted(services: Services, types: list[str]) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name=NAME, email=EMAIL,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
    run_pending(services)
    return request_id


def _task(services: Services, request_id: int, kind: str) -> Task:
    with services.db.session() as session:
        task = session.scalars(select(Task).where(
            Task.request_id == request_id, Task.connector == CONNECTOR, Task.kind == kind)).one()
        session.expunge(task)
        return task


def run_access(services: Services) -> str:
    """An access request through the workflow; returns the draft answer's JSON."""
    request_id = _submitted(services, ["access"])
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        doc = session.scalars(select(Document).where(
            Document.request_id == request_id, Document.kind == "report_json")).one()
        return services.documents.read(doc).decode()


def run_erasure(services: Services, case: Case, fake: FakeService) -> None:
    """An erasure through the workflow, with a 429 in front of the erase request."""
    request_id = _submitted(services, ["erasure"])
    assert not fake.calls(case.erase_method, case.erase_path), "sent before approval"
    fake.fail_next(case.erase_method, case.erase_path, 429, {"message": "slow down"},
                   headers={"Retry-After": "1"})
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.REVIEW
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))
    run_pending(services)
    erased = fake.calls(case.erase_method, case.erase_path)
    assert erased[0].headers and len(erased) >= 2  # the 429, then the request again
    assert erased[0].body == erased[1].body and erased[0].path == erased[1].path
    assert all(case.expect_auth(r) for r in erased)
    with services.db.session() as session:
        plan_id = session.scalars(select(ChangeReceipt)).all()
        receipts = [r.body for r in plan_id if r.body["system"] == CONNECTOR]
    assert len(receipts) == 1
    step = receipts[0]["steps"][0]
    assert step["touched"] >= 1
    if case.confirmation:
        assert case.confirmation in step["confirmations"]
    # The execute task run again sends nothing.
    before = len(fake.received)
    assert run_task(services, _task(services, request_id, "execute").id) == "done"
    assert [r for r in fake.received[before:] if r.method != "GET"] == []
    if case.later:
        with services.db.session() as session:
            notice = session.scalars(select(RecipientNotice).where(
                RecipientNotice.request_id == request_id)).one()
            assert (notice.channel, notice.status, notice.external_id) == (
                "http_api", "waiting", case.confirmation)
        assert poll_processors(services) == 1
        with services.db.session() as session:
            notice = session.scalars(select(RecipientNotice).where(
                RecipientNotice.request_id == request_id)).one()
            assert notice.status == "waiting"  # GA reports no status; Segment is not done yet
        if case.finish is not None:
            case.finish(fake)
            assert poll_processors(services) == 1
            with services.db.session() as session:
                notice = session.scalars(select(RecipientNotice).where(
                    RecipientNotice.request_id == request_id)).one()
                assert (notice.status, notice.confirmed_by) == ("confirmed",
                                                                f"http_api:{CONNECTOR}")
            assert poll_processors(services) == 0
    return None


def workflow(case: Case, tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
             request: pytest.FixtureRequest) -> AbstractContextManager[tuple[Services,
                                                                          FakeService]]:
    from contextlib import contextmanager

    @contextmanager
    def opened() -> Iterator[tuple[Services, FakeService]]:
        shop = next(fresh_shop(request, "sqlite", tmp_path, demo_shop))
        with running(case.fake()) as fake:
            services = _services(tmp_path, service_db_url, shop["url"], case, fake)
            try:
                yield services, fake
            finally:
                services.close()
    return opened()


def _basic(user: str, password: str | None = None) -> str:
    import base64

    raw = user if password is None else f"{user}:{password}"
    return "Basic " + base64.b64encode(raw.encode()).decode()


def _google_settings(fake: FakeService, tmp_path: Path) -> dict[str, Any]:
    import json

    from tests.support.fake_services import google_analytics as ga

    info, key = ga.service_account(fake.url + "/token")
    fake.state["key"] = key  # type: ignore[attr-defined]
    secrets = tmp_path / "ga-secrets.toml"
    secrets.write_text(f"service_account = {json.dumps(json.dumps(info))}\n")
    return {"base_url": fake.url + "/analytics/v3", "secrets_file": str(secrets),
            "settings": {"property_id": ga.PROPERTY}}


def _cases() -> list[Case]:
    from tests.support.fake_services import (
        brevo,
        cleverreach,
        freshdesk,
        google_analytics,
        mailchimp,
        segment,
        stripe,
        zendesk,
    )

    def finished(fake: FakeService) -> None:
        for regulation in fake.state["regulations"].values():  # type: ignore[attr-defined]
            regulation["overallStatus"] = "FINISHED"

    return [
        Case("stripe", stripe.stripe_fake, {"DSR_TEST_STRIPE_KEY": stripe.KEY},
             lambda f, p: {"secrets": {"api_key": "DSR_TEST_STRIPE_KEY"}},
             "DELETE", "/v1/customers/",
             lambda r: r.auth == f"Bearer {stripe.KEY}" and r.body == b"",
             ("cus_0001", "pi_0004", "Zahlungen bei Stripe"), confirmation="cus_0001"),
        Case("brevo", brevo.brevo_fake, {"DSR_TEST_BREVO_KEY": brevo.KEY},
             lambda f, p: {"base_url": f.url + "/v3", "secrets": {"api_key": "DSR_TEST_BREVO_KEY"}},
             "DELETE", "/v3/contacts/17",
             lambda r: r.headers.get("api-key") == brevo.KEY,
             ("Kontakt bei Brevo", "<m4@brevo>"),
             unsubscribe=("PUT", "/v3/contacts/17", {"emailBlacklisted": True})),
        Case("mailchimp", mailchimp.mailchimp_fake, {"DSR_TEST_MC_KEY": mailchimp.KEY},
             lambda f, p: {"base_url": f.url + "/3.0", "secrets": {"api_key": "DSR_TEST_MC_KEY"},
                           "settings": {"data_center": "us21", "list_id": mailchimp.LIST}},
             "POST", f"/3.0/lists/{mailchimp.LIST}/members/{mailchimp.HASH}/actions",
             lambda r: r.auth == _basic("dsr", mailchimp.KEY),
             ("2025-02-01T09:03:00+00:00", "Aktivität (Öffnungen, Klicks)"),
             unsubscribe=("PATCH", f"/3.0/lists/{mailchimp.LIST}/members/{mailchimp.HASH}",
                          {"status": "unsubscribed"})),
        Case("cleverreach", cleverreach.cleverreach_fake,
             {"DSR_TEST_CR_ID": cleverreach.CLIENT_ID,
              "DSR_TEST_CR_SECRET": cleverreach.CLIENT_SECRET},
             lambda f, p: {"base_url": f.url + "/v3", "token_url": f.url + "/oauth/token.php",
                           "secrets": {"client_id": "DSR_TEST_CR_ID",
                                       "client_secret": "DSR_TEST_CR_SECRET"},
                           "settings": {"group_id": cleverreach.GROUP}},
             "DELETE", f"/v3/groups.json/{cleverreach.GROUP}/receivers/9001",
             lambda r: (r.auth or "").startswith("Bearer cr-token-"),
             ("Shop-Anmeldung", "Empfänger bei CleverReach"),
             unsubscribe=("PUT", f"/v3/groups.json/{cleverreach.GROUP}/receivers/9001/setinactive",
                          None)),
        Case("zendesk", zendesk.zendesk_fake, {"DSR_TEST_ZD_TOKEN": zendesk.TOKEN},
             lambda f, p: {"secrets": {"api_token": "DSR_TEST_ZD_TOKEN"},
                           "settings": {"subdomain": "pso", "agent_email": zendesk.AGENT}},
             "DELETE", "/api/v2/users/361.json",
             lambda r: r.auth == _basic(f"{zendesk.AGENT}/token", zendesk.TOKEN),
             ("Lieferung 2", "Anfragen an den Kundenservice"), confirmation="361"),
        Case("freshdesk", freshdesk.freshdesk_fake, {"DSR_TEST_FD_KEY": freshdesk.KEY},
             lambda f, p: {"base_url": f.url + "/api/v2",
                           "secrets": {"api_key": "DSR_TEST_FD_KEY"},
                           "settings": {"domain": "pso"}},
             "DELETE", "/api/v2/contacts/8001/hard_delete",
             lambda r: r.auth == _basic(freshdesk.KEY, "X") and r.query == {"force": ["true"]},
             ("Rücksendung 2", "Kontakt im Kundenservice")),
        Case("google_analytics", google_analytics.google_fake, {}, _google_settings,
             "POST", "/analytics/v3/userDeletion/userDeletionRequests:upsert",
             lambda r: (r.auth or "").startswith("Bearer ya29.fake-")
             and r.json["id"] == {"type": "USER_ID", "userId": "K-100001"},
             ("Google offers no export per person",),
             confirmation="2026-12-02T09:00:00.000Z", later=True),
        Case("segment (docs example)", segment.segment_fake, {"DSR_TEST_SEG": segment.TOKEN},
             lambda f, p: {"secrets": {"token": "DSR_TEST_SEG"}}, "POST", "/regulations",
             lambda r: r.auth == f"Bearer {segment.TOKEN}"
             and r.json["subjectIds"] == ["K-100001"],
             ("Segment offers no export per person",), confirmation="reg_0001", later=True,
             finish=finished, source=segment.docs_example),
    ]


CASES = {case.definition: case for case in _cases()}


@pytest.fixture(params=sorted(CASES), ids=lambda name: name.split()[0])
def case(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Case:
    chosen = CASES[request.param]
    for key, value in chosen.env.items():
        monkeypatch.setenv(key, value)
    return chosen


def test_access_answer_carries_the_services_records(
        case: Case, tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
        request: pytest.FixtureRequest) -> None:
    with workflow(case, tmp_path, service_db_url, demo_shop, request) as (services, fake):
        report = run_access(services)
        assert all(text in report for text in case.in_report), report[:400]
        assert {r.method for r in fake.received} <= {"GET", "POST"}
        assert not fake.calls(case.erase_method, case.erase_path)


def test_erasure_is_sent_after_approval_once_past_a_429(
        case: Case, tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
        request: pytest.FixtureRequest) -> None:
    with workflow(case, tmp_path, service_db_url, demo_shop, request) as (services, fake):
        run_erasure(services, case, fake)


@pytest.fixture(params=sorted(name for name, c in CASES.items() if c.unsubscribe))
def newsletter(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Case:
    chosen = CASES[request.param]
    for key, value in chosen.env.items():
        monkeypatch.setenv(key, value)
    return chosen


def test_objection_ends_the_subscription_once(
        newsletter: Case, tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
        request: pytest.FixtureRequest) -> None:
    case = newsletter
    assert case.unsubscribe is not None
    method, path, body = case.unsubscribe
    with workflow(case, tmp_path, service_db_url, demo_shop, request) as (services, fake):
        request_id = _submitted(services, ["objection"])
        # advertising stops at once on intake, before verification and approval
        (sent,) = fake.calls(method, path)
        assert sent.json == body and case.expect_auth(sent)
        with services.db.session() as session:
            req = session.get(Request, request_id)
            actions.approve(session, req, actor="user:1", user_id=None,
                            decisions=actions.default_decisions(req, []))
        run_pending(services)
        assert not fake.calls(case.erase_method, case.erase_path)  # an objection erases nothing
        # the objection's own plan repeats the (idempotent) unsubscribe once, with its receipt
        assert len(fake.calls(method, path)) == 2
        assert run_task(services, _task(services, request_id, "execute").id) == "done"
        assert len(fake.calls(method, path)) == 2  # a task run again sends nothing again
