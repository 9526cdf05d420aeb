"""A refusal and an extension for a request that came by letter go out as DIN 5008 letters,
naming the remedies and the new deadline; no e-mail goes out."""

from __future__ import annotations

import io
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import select

from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from workflows.runner import run_pending


def _letter_request(services: Services) -> int:
    with services.db.session() as session:
        return submit(session, Submission(
            types=["access"], name="Erika Mustermann", email="", channel=Channel.LETTER.value,
            received_at=CLOCK.now() - timedelta(days=2),
            postal_address="Lindenweg 3\n91522 Ansbach"),
            calendar=services.calendar, connectors=[]).id


def _letter_text(services: Services, request_id: int, template: str) -> str:
    with services.db.session() as session:
        doc = session.scalars(select(Document).where(
            Document.request_id == request_id, Document.kind == "letter",
            Document.filename.like(f"%{template}.pdf"))).one()
        data = services.documents.read(doc)
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_refusal_of_a_postal_request_is_a_letter_with_the_remedies(services: Services) -> None:
    request_id = _letter_request(services)
    with services.db.session() as session:
        actions.reject(session, session.get(Request, request_id), actor="user:1", user_id=None,
                       norm="Art. 12 Abs. 5 DSGVO", reason="offenkundig unbegründet")
    run_pending(services)
    text = _letter_text(services, request_id, "refusal")
    assert "Lindenweg 3" in text and "91522 Ansbach" in text
    flowing = " ".join(text.split())  # the PDF wraps lines anywhere
    assert "offenkundig unbegründet" in flowing and "Art. 79" in flowing and "Ansbach" in flowing
    assert "§44 BDSG" in flowing
    assert "Auskunft (Art. 15 DSGVO): abgelehnt" in flowing  # the right's name, not its code
    assert not list(services.config.mail_out_dir.glob("*.eml"))


def test_extension_of_a_postal_request_is_a_letter_with_the_new_date(services: Services) -> None:
    request_id = _letter_request(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.extend(session, req, actor="user:1", months=2, calendar=services.calendar,
                       reason="Die Unterlagen liegen in mehreren Archiven.")
        new_due = req.extended_due_on
    run_pending(services)
    text = _letter_text(services, request_id, "extension")
    assert new_due.strftime("%d.%m.%Y") in text and "Archiven" in text
