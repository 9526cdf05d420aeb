"""The released Art. 15 answer of one subject (dsr.answers.operations and the report), end to
end on the demo on the service database (SQLite and PostgreSQL): its overview counts what
Art. 15(1)(b) counts, it never calls its own request "in progress", a postal answer's cover
names no portal, and the portal mail says how to get the answer again after the link ends."""

from __future__ import annotations

import email
import io
import json
import re
from email import policy
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from dsr.answers import operations as reports
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.lifecycle import approve_defaults_and_release
from workflows.runner import run_pending

EMAIL = "juergen.weiss@example.org"


def released(services: Services, language: str, **submission: Any) -> int:
    """An access request of the demo's sample customer, verified, approved and released."""
    with services.db.session() as session:
        req = submit(session, Submission(**{
            "types": ["access"], "name": "Jürgen Weiß", "email": EMAIL,
            "channel": Channel.FORM.value, "received_at": CLOCK.now(), "language": language,
            **submission}), calendar=services.calendar,
            connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=list(services.config.connectors))
    run_pending(services)
    approve_defaults_and_release(services, request_id)
    return request_id


def pdf_pages(services: Services, request_id: int) -> list[str]:
    with services.db.session() as session:
        data = services.documents.read(reports.latest_document(session, request_id, "report_pdf"))
    return [re.sub(r"\s+", " ", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]


def payload(services: Services, request_id: int) -> dict[str, Any]:
    with services.db.session() as session:
        doc = reports.latest_document(session, request_id, "report_json")
        return dict(json.loads(services.documents.read(doc)))


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_released_answer_counts_alike_and_is_not_in_progress(
        demo_services: Services, demo_shop: dict[str, Any], language: str) -> None:
    request_id = released(demo_services, language)
    pages = pdf_pages(demo_services, request_id)
    text = " ".join(pages)
    # the overview (on the decisions' pages) names every category (b) names, with its count
    overview_word = {"de": "Übersicht", "en": "Overview"}[language]
    overview = next(p for p in pages[2:] if overview_word in p)
    overview = overview[overview.index(overview_word):]
    for category in payload(demo_services, request_id)["register"]["categories"]:
        assert f"{category['label']} {category['records']}" in overview, category
    # the service's own record of this request: answered, never "in progress"
    own = text[text.rindex({"de": "Unsere Aufzeichnungen", "en": "Our records"}[language]):]
    assert "In Bearbeitung" not in own and "In progress" not in own
    assert {"de": "Beantwortet mit diesem Schreiben",
            "en": "Answered with this document"}[language] in own


@pytest.mark.parametrize(("language", "foreign", "cited"), [
    ("de", ("GDPR", "(1)(", "fictitious"), "Art. 15 DSGVO"),
    ("en", ("DSGVO", "Abs.", " lit. ", "fiktiv", "Behörden"), "Art. 15 GDPR")])
def test_the_answer_cites_norms_and_names_recipients_in_its_own_language(
        demo_services: Services, demo_shop: dict[str, Any], language: str,
        foreign: tuple[str, ...], cited: str) -> None:
    """Decisions, legal bases, retention norms, the notes on records past their period and the
    recipients' names: German in the German answer, English in the English one (issue 14,
    "Art. 15 per subject"), never "Art. 15 DSGVO / GDPR" in both."""
    request_id = released(demo_services, language)
    answer = payload(demo_services, request_id)
    register = answer["register"]
    texts = [d["norm"] for d in answer["decisions"]]
    assert texts and set(texts) == {cited}
    texts += [p["legal_basis"] for p in register["purposes"]]
    texts += [r["norm"] for r in register["retention"]]
    texts += [r["name"] for r in register["recipients"] + register["recipient_groups"]]
    texts += [p["text"] for p in answer["overdue"]]
    for text in texts:
        assert not [w for w in foreign if w in text], text
    pages = " ".join(pdf_pages(demo_services, request_id))
    assert "DSGVO / GDPR" not in pages and cited in pages


def test_the_portal_mail_says_how_to_get_the_answer_again(
        demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = released(demo_services, "en")
    with demo_services.db.session() as session:
        reference = session.get(Request, request_id).reference
    mails = [email.message_from_bytes(p.read_bytes(), policy=policy.default)
             for p in Path(demo_services.config.mail_out_dir).glob("*.eml")]
    answer = [m for m in mails if "your answer is ready" in str(m["Subject"])]
    assert answer
    body = " ".join(answer[0].get_body(("plain",)).get_content().split())  # type: ignore[union-attr]
    assert "If you need the answer again after that" in body
    assert f"quoting the reference {reference}" in body


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_postal_answers_cover_names_no_portal(
        demo_services: Services, demo_shop: dict[str, Any], language: str) -> None:
    request_id = released(demo_services, language, channel=Channel.LETTER.value,
                          postal_address="Lindenweg 3\n91522 Ansbach")
    pages = pdf_pages(demo_services, request_id)
    assert "portal" not in pages[0].lower()
    assert {"de": "maschinenlesbar", "en": "machine-readable"}[language] in pages[0]
