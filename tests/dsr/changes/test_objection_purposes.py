"""The objection's confirmation says what was done per purpose (Art. 21 GDPR): advertising
ended on every channel; market research and credit-bureau transfers each as the coordinator
decided them — granted, or not granted with the compelling grounds weighed (Art. 21(1)). No
system carries these two out, so a granted one says what the decision means (recorded, the
data no longer used for that purpose), never that it was "stopped" in a system; nothing is
said of a purpose nobody decided on."""

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

PURPOSES = [{"label": "Marktforschung", "granted": True, "grounds": ""},
            {"label": "Übermittlung an Auskunfteien", "granted": False,
             "grounds": "Offene Forderung aus Rechnung 2026-0042."}]


@pytest.mark.parametrize("language", ["de", "en"])
def test_no_purpose_is_claimed_stopped_without_a_decision(language: str) -> None:
    text = render("confirm_objection", language,
                  **context("confirm_objection", "objection", "granted", language)).text
    assert "Marktforschung" not in text and "market research" not in text.lower()
    assert ("Werbung an Sie haben wir sofort beendet" in text
            or "Advertising to you stopped at once" in text)


GRANTED = {"de": "- Marktforschung: Ihrem Widerspruch geben wir statt (Art. 21 Abs. 1 DSGVO). Wir "
                 "haben ihn vermerkt und verwenden Ihre Daten nicht mehr für diesen Zweck.",
           "en": "- Marktforschung: we grant your objection (Art. 21(1) GDPR). We have recorded it "
                 "and no longer use your data for this purpose."}
REFUSED = {"de": "- Übermittlung an Auskunfteien: Ihrem Widerspruch geben wir nicht statt – "
                 "zwingende schutzwürdige Gründe für die Verarbeitung überwiegen (Art. 21 Abs. 1 "
                 "DSGVO): Offene Forderung aus Rechnung 2026-0042.",
           "en": "- Übermittlung an Auskunfteien: we do not grant your objection – compelling "
                 "legitimate grounds for the processing override your interests (Art. 21(1) "
                 "GDPR): Offene Forderung aus Rechnung 2026-0042."}


@pytest.mark.parametrize("language", ["de", "en"])
def test_each_purpose_reads_as_decided_and_claims_no_change_in_a_system(language: str) -> None:
    text = render("confirm_objection", language, objection_purposes=PURPOSES,
                  **context("confirm_objection", "objection", "granted", language)).text
    lines = text.splitlines()
    assert GRANTED[language] in lines and REFUSED[language] in lines
    purposes = [line for line in lines if line.startswith(("- Marktforschung",
                                                           "- Übermittlung"))]
    for word in ("beendet", "stopped", "gelöscht", "erased", "deleted", "System"):
        assert not any(word in line for line in purposes), word


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
    assert "Marktforschung: Ihrem Widerspruch geben wir statt (Art. 21 Abs. 1 DSGVO)." in text
    assert "verwenden Ihre Daten nicht mehr für diesen Zweck" in text
    assert "Marktforschung: beendet" not in text
    assert "Übermittlung an Auskunfteien: Ihrem Widerspruch geben wir nicht statt" in text
    assert grounds in text
