"""Processors asked through OpenGDPR, end to end: the access task waits (without failing) until
the processor has answered, a signed callback over HTTP makes it fetch the results, which join
the draft answer; an erasure request is submitted once and tracked as waiting until a signed
callback or a status poll reports it completed. Forged callbacks change nothing."""

from __future__ import annotations

import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from dsr.audit import AuditEvent
from dsr.changes.jobs import poll_processors
from dsr.changes.models import RecipientNotice
from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.opengdpr_processor import Processor, make_certificate, running_processor
from tests.support.shops import fresh_shop
from workflows.models import Task
from workflows.runner import run_pending
from workflows.states import State

EMAIL = "juergen.weiss@example.org"
NAME = "Jürgen Weiß"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def processor() -> Iterator[Processor]:
    with running_processor(advance=False) as state:
        yield state


@pytest.fixture
def services(tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
             processor: Processor, request: pytest.FixtureRequest) -> Iterator[Services]:
    """The service with a processor connector, its web app served over HTTP at ``base_url``."""
    from dsr.app import create_app
    from dsr.audit import ensure_head
    from tests.conftest import make_config

    shop = next(fresh_shop(request, "sqlite", tmp_path, demo_shop))
    port = free_port()
    config = make_config(tmp_path, database_url=service_db_url, shop_url=shop["url"], extra={
        "service": {"base_url": f"http://127.0.0.1:{port}"},
        "connectors": {"fulfilment": {
            "kind": "recipient_api", "subject_from": "shop", "recipient": "hosting",
            "base_url": processor.url, "token": "s3cret", "poll_seconds": 600,
            "label": {"de": "Fulfilment-Dienstleister", "en": "Fulfilment provider"}}}})
    built = Services(config)
    with built.db.session() as session:
        ensure_head(session)
    app = create_app(services=built, flask_config={"TESTING": True})
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield built
    server.shutdown()
    built.close()


def submitted(services: Services, types: list[str]) -> int:
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


def task_of(services: Services, request_id: int, kind: str) -> Task:
    with services.db.session() as session:
        task = session.scalars(select(Task).where(
            Task.request_id == request_id, Task.connector == "fulfilment",
            Task.kind == kind)).one()
        session.expunge(task)
        return task


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    call = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_access_waits_for_the_processor_and_takes_its_results(
        services: Services, processor: Processor) -> None:
    request_id = submitted(services, ["access"])
    with services.db.session() as session:
        reference = session.get(Request, request_id).reference
        assert session.get(Request, request_id).status == State.PROCESSING
    asked = processor.requests[f"{reference}-access"]
    assert asked["subject_request_type"] == "access"
    assert asked["subject_identities"] == [
        {"identity_type": "email", "identity_value": EMAIL, "identity_format": "raw"}]
    callback_url = f"{services.config.base_url}/callbacks/opengdpr/fulfilment"
    assert asked["status_callback_urls"] == [callback_url]
    assert set(processor.tokens) == {"Bearer s3cret"}
    waiting = task_of(services, request_id, "collect")
    assert (waiting.status, waiting.attempts, waiting.last_error) == ("pending", 0, None)
    assert waiting.result == {"waiting": f"fulfilment: access request {reference}-access is "
                                         f"pending at the processor"}

    # A forged callback (another key) and one for an unknown request change nothing.
    other_key, _ = make_certificate()
    body, headers = processor.callback(f"{reference}-access", "completed", key=other_key)
    assert post(callback_url, body, headers)[0] == 403
    body, headers = processor.callback("DSR-0000-nothing-access", "completed")
    assert post(callback_url, body, headers)[0] == 404
    body, headers = processor.callback(f"{reference}-access", "completed")
    assert post(f"{services.config.base_url}/callbacks/opengdpr/shop", body, headers)[0] == 404
    assert task_of(services, request_id, "collect").run_after == waiting.run_after

    # The processor finishes and says so: the task is due at once and fetches the results.
    processor.results[f"{reference}-access"] = {"parcels": [
        {"parcel": "P-1", "email": EMAIL, "packed_at": "2026-03-02"},
        {"parcel": "P-2", "email": EMAIL, "packed_at": "2026-05-11"}]}
    processor.set_status(f"{reference}-access", "completed")
    assert processor.post_callback(f"{reference}-access", "completed") == 200
    assert task_of(services, request_id, "collect").run_after < waiting.run_after
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        doc = session.scalars(select(Document).where(
            Document.request_id == request_id, Document.kind == "report_json")).one()
        report = services.documents.read(doc).decode()
    assert "P-2" in report and "2026-03-02" in report and "Fulfilment-Dienstleister" in report
    assert len(processor.requests) == 1  # asked once, however often the task ran


def test_erasure_is_submitted_once_and_tracked_until_completed(
        services: Services, processor: Processor) -> None:
    request_id = submitted(services, ["erasure"])
    with services.db.session() as session:
        req = session.get(Request, request_id)
        reference = req.reference
        assert req.status == State.REVIEW
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(services)
    wanted = f"{reference}-erasure"
    assert processor.requests[wanted]["subject_request_type"] == "erasure"
    with services.db.session() as session:
        notice = session.scalars(select(RecipientNotice).where(
            RecipientNotice.request_id == request_id)).one()
        assert (notice.connector, notice.recipient, notice.channel, notice.status,
                notice.external_id) == ("fulfilment", "hosting", "opengdpr", "waiting", wanted)

    # Polling: a status that does not change is audited once.
    processor.set_status(wanted, "in_progress")
    assert poll_processors(services) == 1
    assert poll_processors(services) == 1

    def statuses() -> int:
        with services.db.session() as session:
            return int(session.scalar(select(func.count()).select_from(AuditEvent).where(
                AuditEvent.request_id == request_id, AuditEvent.action == "recipient_status")))

    assert statuses() == 1
    # The execute task run again submits nothing new.
    execute = task_of(services, request_id, "execute")
    from workflows.runner import run_task
    assert run_task(services, execute.id) == "done"
    assert len(processor.requests) == 1

    processor.set_status(wanted, "completed")
    assert processor.post_callback(wanted, "completed") == 200
    with services.db.session() as session:
        notice = session.scalars(select(RecipientNotice).where(
            RecipientNotice.request_id == request_id)).one()
        assert (notice.status, notice.confirmed_by) == ("confirmed", "opengdpr:fulfilment")
    assert poll_processors(services) == 0  # nothing waits any more


def test_a_coordinator_waives_a_processor_that_does_not_answer(
        services: Services, processor: Processor) -> None:
    import re

    from dsr.app import create_app
    from dsr.users.operations import create_user

    request_id = submitted(services, ["access"])
    waiting = task_of(services, request_id, "collect")
    with services.db.session() as session:
        create_user(session, "coordinator", "correct horse battery", "coordinator")
        create_user(session, "staff", "correct horse battery", "staff")
    app = create_app(services=services, flask_config={"TESTING": True,
                                                      "RATELIMIT_ENABLED": False})

    def login(name: str) -> Any:
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        client.post("/login", data={"csrf_token": token, "username": name,
                                    "password": "correct horse battery"})
        return client

    def csrf(client: Any) -> str:
        page = client.get(f"/queue/requests/{request_id}").get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    coordinator, staff = login("coordinator"), login("staff")
    page = coordinator.get(f"/queue/requests/{request_id}?tab=systems").get_data(as_text=True)
    assert "wartet auf das externe System" in page and "Entfallen lassen" in page
    path = f"/queue/tasks/{waiting.id}/waive"
    assert staff.post(path, data={"csrf_token": csrf(staff), "reason": "x"}).status_code == 403
    refused = coordinator.post(path, data={"csrf_token": csrf(coordinator), "reason": " "},
                               follow_redirects=True).get_data(as_text=True)
    assert "kann nicht entfallen" in refused
    assert task_of(services, request_id, "collect").status == "pending"
    coordinator.post(path, data={"csrf_token": csrf(coordinator),
                                 "reason": "Dienstleister antwortet seit 3 Wochen nicht"})
    task = task_of(services, request_id, "collect")
    assert task.status == "waived"
    assert task.result == {"waived": "Dienstleister antwortet seit 3 Wochen nicht"}
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "task_waived")).one()
        assert event.details == {"task": waiting.id, "kind": "collect", "connector": "fulfilment"}
