"""The objection's confirmation says what was done per purpose (Art. 21 GDPR): advertising
ended on every channel; market research and credit-bureau transfers each as the coordinator
decided them — "stopped", or "not stopped" with the compelling grounds weighed (Art. 21(1)) —
and never "market research stopped" when nobody decided so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.correspondence.drafts import render
from tests.dsr.test_templates import context
from tests.support.shops import fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import NAME, in_review

ADDRESS = "juergen.weiss@example.org"
services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)

PURPOSES = [{"label": "Marktforschung", "stopped": True, "grounds": ""},
            {"label": "Übermittlung an Auskunfteien", "stopped": False,
             "grounds": "Offene Forderung aus Rechnung 2026-0042."}]


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_purpose_is_claimed_stopped_without_a_decision(language: str) -> None:
    text = render("confirm_objection", language,
                  **context("confirm_objection", "objection", "granted", language)).text
    assert "Marktforschung" not in text and "market research" not in text.lower()
    assert ("Werbung an Sie haben wir sofort beendet" in text
            or "Advertising to you stopped at once" in text)


def test_each_purpose_reads_as_decided() -> None:
    text = render("confirm_objection", "de", objection_purposes=PURPOSES,
                  **context("confirm_objection", "objection", "granted", "de")).text
    assert "Marktforschung: beendet (Art. 21 Abs. 1 DSGVO)." in text
    assert ("Übermittlung an Auskunfteien: nicht beendet – zwingende schutzwürdige Gründe für "
            "die Verarbeitung überwiegen (Art. 21 Abs. 1 DSGVO): Offene Forderung aus Rechnung "
            "2026-0042.") in " ".join(text.split())


@pytest.mark.parametrize("language", ["de", "en"])
def test_each_purpose_is_a_line_of_its_own_before_what_was_done(language: str) -> None:
    """The lines as the mail has them (not whitespace joined): a lead-in, one list item per
    purpose, a blank line, then "what we have done"."""
    text = render("confirm_objection", language, objection_purposes=PURPOSES,
                  **context("confirm_objection", "objection", "granted", language)).text
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("- Marktforschung: "))
    assert lines[first - 1].endswith(":") and lines[first - 2] == ""
    assert lines[first + 1].startswith("- Übermittlung an Auskunfteien: ")
    assert lines[first + 1].endswith("Offene Forderung aus Rechnung 2026-0042.")
    done = "Erledigt haben wir:" if language == "de" else "What we have done:"
    assert lines[first + 2:first + 4] == ["", done]


def test_the_confirmation_carries_the_coordinators_decision_per_purpose(
        services: Any, smtp: Any) -> None:
    """Through the workflow on the service database: the coordinator stops market research and
    keeps credit-bureau transfers for compelling grounds; the confirmation says both."""
    from dsr.requests import operations as actions
    from dsr.requests.models import Request
    from workflows.runner import run_pending

    request_id = in_review(services, ADDRESS, NAME, ["objection"])
    grounds = "Offene Forderung aus Rechnung 2026-0042."
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None, decisions=[
            *actions.default_decisions(req, []),
            actions.DecisionInput("objection", "market_research", "granted",
                                  "Art. 21 Abs. 1 DSGVO"),
            actions.DecisionInput("objection", "credit_transfer", "refused",
                                  "Art. 21 Abs. 1 DSGVO", grounds)])
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(services)
    mine = [m for m in smtp[0].messages if str(m["To"]) == ADDRESS
            and "Widerspruch" in str(m["Subject"])]
    assert mine, [str(m["Subject"]) for m in smtp[0].messages]
    text = " ".join(mine[-1].get_body(("plain",)).get_content().split())
    assert "Marktforschung: beendet (Art. 21 Abs. 1 DSGVO)." in text
    assert "Übermittlung an Auskunfteien: nicht beendet" in text and grounds in text
