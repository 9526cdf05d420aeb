"""Hosted services reached through shipped ``http_api`` definitions, end to end through the
service's workflow against their fakes: the access answer carries the service's records, an
erasure reaches the service only after approval, once (a second execute sends nothing), a 429
before it is waited out, and the receipt names the service's own confirmation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.context import Services
from dsr.models import ChangeReceipt, Channel, Document, RecipientNotice, Request, Task, utcnow
from dsr.services import actions
from dsr.services.intake import Submission, submit
from dsr.worker import run_pending, run_task
from tests.support.fake_services.server import FakeService, Received, running
from tests.support.shops import fresh_shop
from workflows.jobs_changes import poll_processors
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
    settings: dict[str, Any]
    erase_method: str
    erase_path: str               # the prefix of the erase request's path
    expect_auth: Callable[[Received], bool]
    in_report: tuple[str, ...]    # what the access answer must show
    confirmation: str | None = None
    later: bool = False           # the service confirms the deletion later (a notice waits)
    extra: dict[str, Any] = field(default_factory=dict)


def _services(tmp_path: Path, service_db_url: str, shop_url: str, case: Case,
              fake: FakeService) -> Services:
    from dsr.audit import ensure_head
    from tests.conftest import make_config

    section = {"kind": "http_api", "definition": case.definition, "subject_from": "shop",
               "base_url": fake.url, "max_wait_seconds": 2, **case.settings,
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
                                         channel=Channel.FORM.value, received_at=utcnow()),
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
            assert (notice.channel, notice.status) == ("http_api", "waiting")
        poll_processors(services)
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


def _cases() -> list[Case]:
    from tests.support.fake_services import stripe

    return [
        Case("stripe", stripe.stripe_fake, {"DSR_TEST_STRIPE_KEY": stripe.KEY},
             {"secrets": {"api_key": "DSR_TEST_STRIPE_KEY"}}, "DELETE", "/v1/customers/",
             lambda r: r.auth == f"Bearer {stripe.KEY}" and r.body == b"",
             ("cus_0001", "pi_0004", "Zahlungen bei Stripe"), confirmation="cus_0001"),
    ]


CASES = {case.definition: case for case in _cases()}


@pytest.fixture(params=sorted(CASES))
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
