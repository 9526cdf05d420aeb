"""Helpers of the http_api tests: a connector built from a definition against a fake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.changes import ChangeRequest
from connectors.http_api import HttpApiConnector
from dsr.clock import Clock
from tests.support.fake_services.server import FakeService

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)
EMAIL = "juergen.weiss@example.org"


class Sleeps(list[float]):
    """Records the pauses the client makes instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def build(sleeps: Sleeps) -> Callable[..., HttpApiConnector]:
    def make(definition: str, fake: FakeService, *, env: dict[str, str] | None = None,
             **settings: Any) -> HttpApiConnector:
        section = {"kind": "http_api", "definition": definition, "subject_from": "shop",
                   "base_url": fake.url, **settings}
        section = {k: v for k, v in section.items() if v is not None}
        return HttpApiConnector.from_settings("service", section, environ=env or {},
                                              sleep=sleeps, now=Clock(NOW).now)
    return make


def change_request(*types: str, corrections: dict[str, str] | None = None,
                   labels: dict[str, dict[str, str]] | None = None) -> ChangeRequest:
    return ChangeRequest(reference="DSR-2026-0042", types=types, today=NOW.date(),
                         corrections=corrections or {}, correction_labels=labels or {})


def subject_of(email: str = EMAIL, customer_number: str = "K-100001") -> Any:
    from connectors.base import Subject

    return Subject(keys=((customer_number,),), identifiers={"email": (email,),
                                                            "customer_number": (customer_number,)})
