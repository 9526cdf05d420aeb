"""Postal requests get their answers as print-ready DIN 5008 letters (never fax): a keyed-in
letter request completes with a stored letter to the requester's address naming the reference
and the enclosed report, sealed with the answer; staff and coordinators can print it; the
negative answer to a postal requester without an e-mail address is a letter too."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from dsr.answers.models import Delivery, SealedAnswer
from dsr.context import Services
from dsr.correspondence.models import OutgoingMail
from dsr.documents import Document
from dsr.requests import no_data
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.support.clock import CLOCK
from workflows.deadlines import receipt_date
from workflows.runner import run_pending
from workflows.states import State

PASSWORD = "correct horse battery"
ADDRESS = "Lindenstraße 14\n80331 München"


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _client(app: Any, make_user: Any, role: str) -> Any:
    make_user(role, role)
    client = app.test_client()
    client.post("/login", data={"csrf_token": _csrf(client, "/login"), "username": role,
                                "password": PASSWORD})
    return client


def _key_in(client: Any, **fields: Any) -> int:
    form = {"csrf_token": _csrf(client, "/staff/new"), "channel": "letter", "types": ["access"],
            "language": "de", "name": "Jürgen Weiß", "postal_address": ADDRESS,
            "evidence": "none", "date_stamp": receipt_date(CLOCK.now()).isoformat(), **fields}
    response = client.post("/staff/new", data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_keyed_in_letter_request_is_answered_by_a_stored_letter(
        app: Any, make_user: Any, demo_services: Services, tmp_path: Path) -> None:
    staff = _client(app, make_user, "staff")
    request_id = _key_in(staff, language="en")
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1",
                        connectors=list(demo_services.config.connectors))
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))
    run_pending(demo_services)
    with demo_services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.COMPLETED
        [letter] = session.scalars(select(Document).where(Document.request_id == request_id,
                                                          Document.kind == "letter")).all()
        [delivery] = session.scalars(select(Delivery).where(Delivery.request_id == request_id)).all()
        assert delivery.method == "letter" and delivery.sent_at is not None
        assert delivery.token_hash is None  # no portal, no code by e-mail
        assert session.scalars(select(SealedAnswer).where(
            SealedAnswer.request_id == request_id)).one()
        assert not session.scalars(select(OutgoingMail).where(
            OutgoingMail.template.in_(["answer", "portal_code"]))).all()
        reference = req.reference
        letter_id = letter.id
    pdf = demo_services.documents.read(letter)
    text = _text(pdf)
    for expected in ("Jürgen Weiß", "Lindenstraße 14", "80331 München", reference,
                     "Our answer is enclosed", "Enclosures", f"{reference}-access-report.pdf"):
        assert expected in text, expected
    (tmp_path / "answer.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(tmp_path / "answer.pdf"),
                    str(tmp_path / "answer")], check=True)
    assert (tmp_path / "answer-1.png").stat().st_size > 0

    # Staff print it from the request page; the print is audited.
    page = staff.get(f"/queue/requests/{request_id}?tab=correspondence&lang=en").get_data(
        as_text=True)
    link = f"/staff/requests/{request_id}/letters/{letter_id}.pdf"
    assert link in page and "Print letter" in page
    printed = staff.get(link)
    assert printed.status_code == 200 and printed.data == pdf
    assert staff.get(f"/staff/requests/{request_id}/letters/{letter_id + 999}.pdf").status_code == 404
    admin = _client(app, make_user, "admin")
    assert admin.get(link).status_code == 403


def test_no_data_found_for_a_postal_requester_without_e_mail_is_a_letter(
        app: Any, make_user: Any, demo_services: Services) -> None:
    staff = _client(app, make_user, "staff")
    request_id = _key_in(staff, name="Xaver Unbekannt", postal_address="Am Anger 3\n94032 Passau")
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert no_data.nothing_found(req)
        no_data.answer_no_data(session, req, actor="user:1")
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == State.COMPLETED
        [letter] = session.scalars(select(Document).where(Document.request_id == request_id,
                                                          Document.kind == "letter")).all()
        reference = req.reference
    text = _text(demo_services.documents.read(letter))
    for expected in ("Xaver Unbekannt", "Am Anger 3", "94032 Passau", reference,
                     "keine Daten zu Ihnen gefunden", "Postanschrift"):
        assert expected in text, expected
