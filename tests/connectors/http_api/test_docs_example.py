"""The example definition of docs/connectors.md (Segment, not shipped), read out of the doc
and tested like the shipped ones: the statement, a regulation created once after approval
with the customer number, its status polled until FINISHED, a 429 waited out, an error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from connectors.base import ConnectorError
from connectors.changes import MemoryStepLog
from connectors.http_api import HttpApiConnector
from tests.connectors.http_api.conftest import Sleeps, change_request, subject_of
from tests.support.fake_services import segment
from tests.support.fake_services.server import FakeService, running

SUBJECT = subject_of()


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(segment.segment_fake()) as service:
        yield service


@pytest.fixture
def connector(build: Callable[..., HttpApiConnector], fake: FakeService,
              tmp_path: Path) -> HttpApiConnector:
    return build(str(segment.docs_example(tmp_path)), fake, env={"SEG": segment.TOKEN},
                 secrets={"token": "SEG"})


def test_the_answer_states_what_segment_holds(connector: HttpApiConnector,
                                              fake: FakeService) -> None:
    (table,) = connector.access(SUBJECT).tables
    assert "Segment offers no export per person" in str(table.rows[0][1])
    assert fake.received == []


def test_a_regulation_once_then_polled_until_finished(connector: HttpApiConnector,
                                                      fake: FakeService) -> None:
    plan = connector.plan(SUBJECT, change_request("erasure"))
    assert fake.received == []
    log = MemoryStepLog()
    receipt = connector.execute(plan, log)
    (created,) = fake.calls("POST", "/regulations")
    assert created.json == {"regulationType": "SUPPRESS_WITH_DELETE", "subjectType": "USER_ID",
                            "subjectIds": ["K-100001"]}
    assert created.auth == f"Bearer {segment.TOKEN}"
    notice = receipt.steps[0]["notice"]
    assert notice == {"channel": "http_api", "external_id": "reg_0001"}
    assert receipt.steps[0]["target"] == "customer_data_platform"
    assert connector.status("reg_0001") == "in_progress"
    fake.state["regulations"]["reg_0001"]["overallStatus"] = "FINISHED"  # type: ignore[attr-defined]
    assert connector.status("reg_0001") == "completed"
    fake.state["regulations"]["reg_0001"]["overallStatus"] = "FAILED"  # type: ignore[attr-defined]
    assert connector.status("reg_0001") == "cancelled"
    connector.execute(plan, log)
    assert len(fake.calls("POST")) == 1


def test_429_then_success(connector: HttpApiConnector, fake: FakeService,
                          sleeps: Sleeps) -> None:
    fake.fail_next("POST", "/regulations", 429, {"errors": []}, headers={"Retry-After": "2"})
    connector.execute(connector.plan(SUBJECT, change_request("erasure")))
    assert sleeps == [2.0] and len(fake.state["regulations"]) == 1  # type: ignore[attr-defined]


def test_an_error_is_reported(connector: HttpApiConnector, fake: FakeService) -> None:
    fake.fail_next("POST", "/regulations", 400, {"errors": []})
    with pytest.raises(ConnectorError, match="POST /regulations: HTTP 400"):
        connector.execute(connector.plan(SUBJECT, change_request("erasure")))
