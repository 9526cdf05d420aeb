"""Confirmations of carried-out changes, end to end on the demo shop through the task outbox:
an erasure + objection of Jürgen Weiß ends with one confirmation (a paragraph per right), by
e-mail to the address on file (captured by a real SMTP server), naming what was done and kept
by their labels — the retained invoice fields once, until when at the latest and under which
norm — and the recipients told; a postal request gets the
same as a stored DIN 5008 letter instead of an e-mail."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from dsr.changes.models import RetainedRecord
from dsr.context import Services
from dsr.correspondence.models import OutgoingMail
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
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
from workflows.models import Task
from workflows.runner import run_pending
from workflows.states import State


def _invoice_records(built: Services) -> list[RetainedRecord]:
    with built.db.session() as session:
        return [r for r in session.scalars(select(RetainedRecord))
                if r.target == "invoices" and r.retained_until is not None]


def test_erasure_and_objection_are_confirmed_once_with_what_was_kept_until_when_and_why(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:  # noqa: F811
    address = shop["summary"].sample_customer_email
    request_id = in_review(services, address, NAME, ["erasure", "objection"])
    approve_and_release(services, request_id)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.COMPLETED
        reference = req.reference
        # One request, one confirmation: a paragraph per right, one list of what was done.
        assert list(session.scalars(select(OutgoingMail.template).where(
            OutgoingMail.request_id == request_id,
            OutgoingMail.template.like("confirm_%")))) == ["confirm_erasure"]
    [message] = [m for m in smtp[0].messages if str(m["To"]) == address
                 and "Löschantrag teilweise stattgegeben" in str(m["Subject"])]
    text = message.get_body(("plain",)).get_content()
    assert reference in text
    assert "(Art. 17 DSGVO) geben wir teilweise statt" in text and "Ihren Widerspruch vom" in text
    assert text.count("Erledigt haben wir:") == 1 and "Sperrvermerk" in text
    invoices = _invoice_records(services)
    assert invoices
    # Kept: one line per area and reason, with the latest date (the earliest beside it).
    kept = [line for line in text.splitlines() if line.startswith("- ") and "gesperrt bis" in line]
    areas = [line[2:].split(",", 1)[0] for line in kept]
    assert len(areas) == len(set(areas)), kept
    [invoice_line] = [line for line in kept if line.startswith("- Rechnungen")]
    assert "Rechnungsempfänger" in invoice_line
    latest = max(r.retained_until for r in invoices).strftime("%d.%m.%Y")
    assert f"spätestens {latest}" in invoice_line or f"bis {latest}" in invoice_line
    assert all(r.norm in invoice_line for r in invoices)
    # Every area and field by its label, never by a connector's or column's name.
    done = [line for line in text.splitlines() if line.startswith("- ")]
    assert len(done) == len(set(done))
    assert "Server-Logdateien: anonymisiert, 3 Einträge – IP-Adresse gekürzt" in text
    # Exactly what was done to which rows (issue 14): an old invoice emptied entirely and the
    # newer ones only of the payer's e-mail are two lines, each with its count; the kept line
    # counts the rows still blocked; a date recorded is named as such.
    emptied = [line for line in done if line.startswith("- Rechnungen: Angaben gelöscht")]
    assert len(emptied) == 2 and any(line.endswith("– Versandt an E-Mail-Adresse")
                                     for line in emptied)
    assert f"- Rechnungen, {len(invoices)} Einträge – Rechnungsempfänger" in text
    assert "eingetragen (" not in text and "Datum eingetragen" in text
    assert "logs:" not in text and "(ip)" not in text
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
            postal_address="Lindenstraße 14\n80331 München", received_at=CLOCK.now(),
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
    # invoices are kept (§147 AO), so the erasure is granted in part and says so first
    assert ("Lindenstraße 14" in text and reference in text
            and "your erasure request partly granted" in text)
    dates = [r.retained_until for r in _invoice_records(services)]
    flat = " ".join(text.split())
    assert f"{max(dates).strftime('%d %B %Y')} at the latest" in flat or len(set(dates)) == 1
    assert min(dates).strftime("%d %B %Y") in flat


def test_a_rectification_is_confirmed_with_what_was_corrected_and_what_was_not(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:  # noqa: F811
    """The e-mail names the corrected fields by their labels and the issued invoices that
    keep the old name (the correction recorded beside them); it claims nothing was erased
    or kept. The request page says what the check afterwards looked at: the new values."""
    import re

    from dsr.app import create_app
    from dsr.changes import operations as changes
    from dsr.users.operations import create_user

    address = shop["summary"].sample_customer_email
    with services.db.session() as session:
        req = submit(session, Submission(types=["rectification"], name=NAME, email=address,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        changes.record_corrections(session, req, {
            "customers.last_name": "Weiss-Neumann",
            "invoices.billing_name": "Jürgen Weiss-Neumann"}, actor="user:1")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
    run_pending(services)
    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
    [message] = [m for m in smtp[0].messages if str(m["To"]) == address
                 and "berichtigt" in str(m["Subject"])]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "(Art. 16 DSGVO).\n\nBerichtigt haben wir:\n- Kundenkonto: Nachname\n\n" in text
    assert "Nicht geändert haben wir" in text and "§146 Abs. 4 AO" in text
    assert "- Rechnungen: Rechnungsempfänger\n" in text
    assert "last_name" not in text and "billing_name" not in text
    assert "Aufbewahrt haben wir dazu nichts" not in text and "gelöscht" not in text

    app = create_app(services=services, flask_config={"TESTING": True,
                                                      "RATELIMIT_ENABLED": False})
    with services.db.session() as session:
        create_user(session, "koordinator", "correct horse battery", "coordinator")
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"csrf_token": token, "username": "koordinator",
                                "password": "correct horse battery"})
    page = client.get(f"/queue/requests/{request_id}?tab=changes").get_data(as_text=True)
    shop_plan = page[page.index('id="plan-shop"'):]
    shop_plan = shop_plan[:shop_plan.index("</table>")]
    assert "die berichtigten Felder enthalten die neuen Werte" in shop_plan
    assert "nichts außer den gesperrten Feldern" not in page
