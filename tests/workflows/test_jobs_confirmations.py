"""Confirmations of carried-out changes, end to end on the demo shop through the task outbox:
an erasure + objection of Jürgen Weiß ends with one confirmation per type, by e-mail to the
address on file (captured by a real SMTP server), naming what was kept — the retained invoice
fields, until when and under which norm — and the recipients told; a postal request gets the
same as a stored DIN 5008 letter instead of an e-mail."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from dsr.context import Services
from dsr.models import Channel, Document, OutgoingMail, Request, RetainedRecord, Task, utcnow
from dsr.services import actions
from dsr.services.intake import Submission, submit
from dsr.worker import run_pending
from tests.workflows.test_jobs_changes import (  # noqa: F401  (fixtures)
    NAME,
    Sink,
    approve_and_release,
    in_review,
    services,
    shop,
    smtp,
)
from workflows.jobs import JOBS
from workflows.states import State


def _invoice_records(built: Services) -> list[RetainedRecord]:
    with built.db.session() as session:
        return [r for r in session.scalars(select(RetainedRecord))
                if r.target == "invoices" and r.retained_until is not None]


def test_erasure_and_objection_are_confirmed_with_what_was_kept_until_when_and_why(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:  # noqa: F811
    address = shop["summary"].sample_customer_email
    request_id = in_review(services, address, NAME, ["erasure", "objection"])
    approve_and_release(services, request_id)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.COMPLETED
        reference = req.reference
        assert sorted(session.scalars(select(OutgoingMail.template).where(
            OutgoingMail.request_id == request_id,
            OutgoingMail.template.like("confirm_%")))) == ["confirm_erasure", "confirm_objection"]
    mails = {str(m["Subject"]): m for m in smtp[0].messages if str(m["To"]) == address
             and ("gelöscht" in str(m["Subject"]) or "Widerspruch" in str(m["Subject"]))}
    assert len(mails) == 2
    invoices = _invoice_records(services)
    assert invoices
    for message in mails.values():
        text = message.get_body(("plain",)).get_content()
        assert reference in text
        assert "Rechnungen" in text and "gesperrt bis" in text
        for record in invoices:  # every retained invoice's date and norm is named
            assert record.retained_until.strftime("%d.%m.%Y") in text
            assert record.norm in text
        # The retained fields are named by their labels, the erased ones listed as done.
        kept = [line for line in text.splitlines() if line.startswith("- Rechnungen")]
        assert kept and all("Rechnungsnummer" in line or "Rechnung" in line for line in kept)
        assert "Erledigt haben wir:" in text and "Sperrvermerk" in text
        assert "informiert (Art. 19 DSGVO)" in text and "SCHUFA" in text
    # A second run of the task sends nothing new.
    before = len(smtp[0].messages)
    with services.db.session() as session:
        task = session.scalars(select(Task).where(Task.kind == "confirm_changes")).one()
        JOBS["confirm_changes"](services, session, task)
    assert len(smtp[0].messages) == before


def test_a_postal_erasure_is_confirmed_by_letter(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:  # noqa: F811
    address = shop["summary"].sample_customer_email
    with services.db.session() as session:
        req = submit(session, Submission(
            types=["erasure"], name=NAME, email=address, channel=Channel.LETTER.value,
            postal_address="Lindenstraße 14\n80331 München", received_at=utcnow(),
            language="en"),
            calendar=services.calendar, connectors=list(services.config.connectors))
        request_id, reference = req.id, req.reference
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
    run_pending(services)
    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
        [letter] = session.scalars(select(Document).where(Document.request_id == request_id,
                                                          Document.kind == "letter")).all()
        assert not session.scalars(select(OutgoingMail).where(
            OutgoingMail.request_id == request_id, OutgoingMail.template.like("confirm_%"))).all()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(
        services.documents.read(letter))).pages)
    assert "Lindenstraße 14" in text and reference in text and "your data has been erased" in text
    for record in _invoice_records(services):
        assert record.retained_until.strftime("%d %B %Y") in text.replace("\n", " ")
