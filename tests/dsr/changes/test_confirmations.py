"""The erasure confirmation is honest about a partial outcome: when data is kept (or the
coordinator granted the erasure only in part) it says "partly granted" first — in the subject
and the opening paragraph — quotes the coordinator's reason, names the Art. 12(4) remedies
(the supervisory authority, a court) and never lists a field both as erased and as kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.changes.confirmations import outcome
from dsr.correspondence.drafts import render
from tests.dsr.test_templates import AUTHORITY, context
from tests.support.shops import fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import NAME, in_review

ADDRESS = "juergen.weiss@example.org"
REASON = "Die Rechnungen müssen wir nach §147 AO zehn Jahre aufbewahren."
services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


def _fields(part: str) -> set[str]:
    return {f.strip() for f in part.split(", ") if f.strip()}


def test_a_partial_erasure_says_so_first_quotes_the_reason_and_names_the_remedies(
        services: Any, smtp: Any) -> None:
    from dsr.requests import operations as actions
    from dsr.requests.models import Request
    from workflows.runner import run_pending

    request_id = in_review(services, ADDRESS, NAME, ["erasure"])
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None, decisions=[
            actions.DecisionInput("erasure", "*", "partly_granted", "Art. 17 Abs. 3 lit. b DSGVO",
                                  REASON)])
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(services)
    mine = [m for m in smtp[0].messages if str(m["To"]) == ADDRESS
            and str(m["Subject"]).startswith("Ihre Datenschutz-Anfrage – ")]
    assert mine, [str(m["Subject"]) for m in smtp[0].messages]
    assert "teilweise stattgegeben" in str(mine[-1]["Subject"])
    assert "Ihre Daten sind gelöscht" not in str(mine[-1]["Subject"])
    text = " ".join(mine[-1].get_body(("plain",)).get_content().split())
    opening = text.split("Guten Tag,", 1)[1].strip()
    assert opening.startswith("Ihrem Antrag auf Löschung"), opening[:200]
    assert "teilweise statt" in opening[:200]
    assert "haben wir wie mit Ihrer Anfrage" not in text  # no "all erased" claim
    assert f"„{REASON}“" in text
    assert "Bayerisches Landesamt für Datenschutzaufsicht" in text
    assert "Art. 79 DSGVO" in text and "§44 BDSG" in text

    with services.db.session() as session:
        said = outcome(services, session, session.get(Request, request_id))
    assert said["erasure_partial"] and said["kept"]
    kept: dict[str, set[str]] = {}
    for k in said["kept"]:
        what, _, fields = k["what"].partition(" – ")
        kept.setdefault(what.split(", ")[0], set()).update(_fields(fields))
    erased_words = ("gelöscht", "anonymisiert")
    for item in said["done"]:
        head, _, fields = item.partition(" – ")
        label, _, action = head.partition(": ")
        if not any(w in action for w in erased_words):
            continue
        both = _fields(fields.split("; ")[0]) & kept.get(label, set())
        assert not both, f"{label}: erased and kept: {sorted(both)}"


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_full_erasure_still_reads_as_erased(language: str) -> None:
    text = render("confirm_erasure", language,
                  **context("confirm_erasure", "erasure", "granted", language)).text
    assert "partly" not in text and "teilweise" not in text


def test_the_english_partial_erasure_reads_partly_granted() -> None:
    rendered = render("confirm_erasure", "en", erasure_partial=True,
                      erasure_reasons=["Invoices are kept for ten years (§147 AO)."],
                      authority=AUTHORITY,
                      **context("confirm_erasure", "erasure", "granted", "en"))
    assert "partly granted" in rendered.subject
    body = " ".join(rendered.text.split())
    assert body.index("is partly granted") < body.index("What we have done")
    assert "“Invoices are kept for ten years (§147 AO).”" in body
    assert "Art. 77 GDPR" in body and "Art. 79 GDPR" in body


@pytest.mark.parametrize("language", ["de", "en"])
def test_an_erasure_that_erased_nothing_does_not_say_it_erased(language: str) -> None:
    """Everything kept (an open claim holds it), only a suppression entry made: neither the
    subject nor the opening claims an erasure; what was kept and the remedies follow."""
    ctx = {**context("confirm_erasure", "erasure", "partly_granted", language),
           "done": ["Newsletter: Sperrvermerk (nur ein verschlüsselter Prüfwert)"],
           "erasure_partial": True, "erased": False, "authority": AUTHORITY}
    rendered = render("confirm_erasure", language, **ctx)
    body = " ".join(rendered.text.split())
    if language == "de":
        assert rendered.subject.endswith("Ihr Löschantrag: vorerst keine Löschung")
        assert "können wir vorerst nicht nachkommen: Gelöscht haben wir noch keine" in body
        assert "Gelöscht haben wir die" not in body and "teilweise" not in body
    else:
        assert rendered.subject.endswith("your erasure request: nothing erased for now")
        assert "we have not erased any of your data yet" in body
        assert "we have erased" not in body and "partly" not in body
    assert "Rechnungsdaten" in body and "Art. 77" in body  # kept, and the remedies
    erased = render("confirm_erasure", language, **{**ctx, "erased": True})
    assert "Gelöscht haben wir die" not in erased.text  # it never claims the done list erased
    assert ("Was wir gelöscht haben, steht unter „Erledigt haben wir“" in erased.text
            or 'what we have erased is listed under "What we have done"' in erased.text)


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_held_record_says_its_erasure_waits_and_leaves_the_norm_to_the_hold(
        language: str) -> None:
    """The line of a held record is "<the hold's norm>; <this text>": the text says that the
    erasure is suspended (not the retention) and names no norm a second time."""
    from connectors.changes import LegalHold
    from dsr.changes.confirmations import HOLD

    why = f"{LegalHold(1, 'open_claim').norm}; {HOLD[language]}"  # as outcome() builds it
    assert why.count("Art. 17") == 1
    assert ("Löschung ausgesetzt" in why if language == "de" else "erasure suspended" in why)
    assert "Aufbewahrung ausgesetzt" not in why and "kept while" not in why
