"""The README's quick start, step 7, as a new user runs it: the bodies of its curl commands,
read from the README itself, against the API (a changed README or API breaks this test)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dsr.context import Services
from tests.web.test_api import API, bearer, tokens  # noqa: F401 (the fixture)
from workflows.runner import run_pending

README = Path(__file__).resolve().parents[2] / "README.md"


def _step_seven() -> tuple[dict[str, Any], list[str], dict[str, Any]]:
    """The request body, the steps of the loop and their body, as the README writes them."""
    text = README.read_text(encoding="utf-8")
    block = text[text.index("# 7. "):]
    block = block[:block.index("```")]
    created = re.search(r"/api/v1/requests -H 'Content-Type: application/json' \\\n\s*"
                        r"-d '(\{.*?\})'", block, re.S)
    loop = re.search(r"for step in ([a-z ]+); do", block)
    step_body = re.search(r"/\$step .*?-d '(\{.*?\})'", block, re.S)
    assert created and loop and step_body, "step 7 of the README no longer reads as expected"
    return json.loads(created.group(1)), loop.group(1).split(), json.loads(step_body.group(1))


def test_the_readme_step_seven_gives_a_draft_answer(app: Any, demo_services: Services,
                                                   demo_shop: dict[str, Any],
                                                   tokens: dict[str, str]) -> None:  # noqa: F811
    body, steps, step_body = _step_seven()
    assert steps == ["verify", "process"]
    # the "test customer": the demo shop's, by the name and address it has on file
    body.update(name="Jürgen Weiß", email=demo_shop["summary"].sample_customer_email)
    client = app.test_client()
    auth = bearer(tokens["coordinator"])
    created = client.post(f"{API}/requests", json=body)
    assert created.status_code == 201, created.get_json()
    request_id = created.get_json()["id"]
    run_pending(demo_services)  # "the match against the shop runs at once"
    for step in steps:
        response = client.post(f"{API}/requests/{request_id}/{step}", headers=auth,
                               json=step_body)
        assert response.status_code == 200, (step, response.get_json())
    assert response.get_json()["status"] == "processing"
    run_pending(demo_services)
    report = client.get(f"{API}/requests/{request_id}/report.json", headers=auth)
    assert report.status_code == 200, report.get_json()
    sections = {section["category"] for section in json.loads(report.data)["sections"]}
    assert {"orders", "invoices"} <= sections
