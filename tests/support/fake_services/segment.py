"""A fake of Segment's Public API regulations (docs.segmentapis.com, Deletion and
Suppression): bearer token; ``POST /regulations`` answers ``{"data": {"regulateId"}}``;
``GET /regulations/{id}`` answers ``{"data": {"regulation": {"id", "overallStatus"}}}``.
Also reads the example definition out of ``docs/connectors.md``, so the doc is what is
tested."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

TOKEN = "sgp_dsr_test_token"
DOCS = Path(__file__).resolve().parents[3] / "docs" / "connectors.md"


def docs_example(directory: Path) -> Path:
    """The example definition of docs/connectors.md, written to ``directory``."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("### A complete example"):]
    block = re.search(r"```toml\n(.*?)```", section, re.S)
    assert block is not None, "docs/connectors.md has no example definition"
    path = directory / "segment.toml"
    path.write_text(block.group(1), encoding="utf-8")
    return path


def segment_fake() -> FakeService:
    fake = FakeService("segment")
    regulations: dict[str, dict[str, Any]] = {}
    fake.state = {"regulations": regulations}  # type: ignore[attr-defined]

    def authorised(received: Received) -> bool:
        return received.auth == f"Bearer {TOKEN}"

    @fake.route("POST", r"/regulations")
    def create(received: Received) -> Answer:
        if not authorised(received):
            return 401, {"errors": [{"type": "unauthorized", "message": "Unauthorized"}]}
        body = received.json or {}
        if body.get("subjectType") != "USER_ID" or not body.get("subjectIds"):
            return 400, {"errors": [{"type": "bad-request", "message": "Invalid subject"}]}
        regulate = f"reg_{len(regulations) + 1:04d}"
        regulations[regulate] = {"id": regulate, "overallStatus": "INITIALIZED", **body}
        return 200, {"data": {"regulateId": regulate}}

    @fake.route("GET", r"/regulations/([^/]+)")
    def status(received: Received, regulate: str) -> Answer:
        if not authorised(received):
            return 401, {"errors": [{"type": "unauthorized", "message": "Unauthorized"}]}
        if regulate not in regulations:
            return 404, {"errors": [{"type": "not-found", "message": "Not found"}]}
        found = regulations[regulate]
        return 200, {"data": {"regulation": {"id": regulate,
                                             "overallStatus": found["overallStatus"]}}}

    return fake
