"""Pagination kinds against a fake list of seven items served three at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.base import ConnectorError
from connectors.http_api.auth import NoAuth
from connectors.http_api.client import HttpClient
from connectors.http_api.paging import next_link, records
from tests.support.fake_services.server import FakeService, Received, running

ITEMS = [{"id": f"i{n}"} for n in range(7)]


@pytest.fixture
def fake() -> Iterator[FakeService]:
    service = FakeService("pages")

    @service.route("GET", r"/cursor")
    def cursor(received: Received) -> tuple[int, Any]:
        ids = [i["id"] for i in ITEMS]
        start = ids.index(received.arg("after")) + 1 if received.arg("after") else 0
        page = ITEMS[start:start + 3]
        return 200, {"data": page, "more": start + 3 < len(ITEMS)}

    @service.route("GET", r"/pages")
    def pages(received: Received) -> tuple[int, Any]:
        page = int(received.arg("page") or 1)
        return 200, ITEMS[(page - 1) * 3:page * 3]

    @service.route("GET", r"/offset")
    def offset(received: Received) -> tuple[int, Any]:
        start = int(received.arg("offset") or 0)
        return 200, {"items": ITEMS[start:start + 3]}

    @service.route("GET", r"/link")
    def link(received: Received) -> tuple[int, Any, dict[str, str]]:
        page = int(received.arg("page") or 1)
        headers = {"Link": f'<{{url}}/link?page={page + 1}>; rel="next"'} if page < 3 else {}
        return 200, ITEMS[(page - 1) * 3:page * 3], headers

    with running(service) as started:
        yield started


def fetch(fake: FakeService, path: str, where: str, paging: dict[str, Any]) -> list[str]:
    client = HttpClient("pages", fake.url, NoAuth(), sleep=lambda s: None)
    spec = {"method": "GET", "path": path, "query": {}, "headers": {}, "records": where,
            "paging": paging, "absent": [404]}
    return [item["id"] for item in records(client, spec, {})]


def test_every_kind_reads_all_seven(fake: FakeService) -> None:
    everything = [i["id"] for i in ITEMS]
    assert fetch(fake, "/cursor", "$.data[*]", {"kind": "cursor", "param": "after",
                                                "next": "$.data[-1:].id",
                                                "more": "$.more"}) == everything
    assert fetch(fake, "/pages", "$[*]", {"kind": "page", "param": "page"}) == everything
    assert fetch(fake, "/offset", "$.items[*]", {"kind": "offset", "param": "offset",
                                                 "size_param": "limit"}) == everything
    assert fetch(fake, "/link", "$[*]", {"kind": "link"}) == everything


def test_a_list_that_never_ends_is_stopped(fake: FakeService) -> None:
    with pytest.raises(ConnectorError, match="more than 2 pages"):
        fetch(fake, "/pages", "$[*]", {"kind": "page", "param": "page", "max_pages": 2})


def test_an_absent_list_is_empty(fake: FakeService) -> None:
    assert fetch(fake, "/nothing-here", "$[*]", {}) == []


def test_next_link() -> None:
    header = '<https://a.example/x?page=1>; rel="prev", <https://a.example/x?page=3>; rel="next"'
    assert next_link(header) == "https://a.example/x?page=3"
    assert next_link('<https://a.example/x?page=1>; rel="prev"') is None
