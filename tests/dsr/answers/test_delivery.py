"""Delivery: the released answer waits in the portal behind a link to the address on file, a
one-time code, an expiry and a download limit; every download is logged; the portal's files
go at expiry while the sealed copy and its hash stay; plain e-mail only on express request."""

from __future__ import annotations

import email
import hashlib
import io
import re
import zipfile
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest
from sqlalchemy import select

from dsr.answers import delivery
from dsr.answers import operations as reports
from dsr.answers.jobs import expire_answers
from dsr.answers.models import Delivery, DownloadEvent, SealedAnswer
from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from workflows.runner import run_pending

JUERGEN = ("Jürgen Weiß", "juergen.weiss@example.org")
RENATE = ("Renate Köhler", "renate.koehler@example.com")


def released_answer(services: Services, who: tuple[str, str] = JUERGEN,
                    claimed: str | None = None, acting_as: str = "",
                    before_verify: Any = None) -> int:
    """An access request taken through verify, process, approve and release
    (``before_verify(session, request)`` runs the coordinator's steps before verification)."""
    name, address = who
    with services.db.session() as session:
        req = submit(session, Submission(types=["access"], name=name, email=claimed or address,
                                         channel=Channel.FORM.value, received_at=CLOCK.now(),
                                         acting_as=acting_as),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        if before_verify is not None:
            before_verify(session, req)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=list(services.config.connectors))
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:0", user_id=None, decisions=actions.default_decisions(
            req, reports.found_categories(session, request_id)))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:0")
    run_pending(services)
    return request_id


def mails_to(services: Services, address: str) -> list[EmailMessage]:
    found = []
    for path in sorted(services.config.mail_out_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=default)
        if message["To"] == address:
            found.append(message)
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part else ""


def link_and_code(services: Services, reference: str, address: str) -> tuple[str, str]:
    texts = [body(m) for m in mails_to(services, address) if reference in m["Subject"]]
    token = next(re.search(r"/portal/([\w-]+)", t).group(1) for t in texts if "/portal/" in t)
    code = next(re.search(r"^(\d{8})$", t, re.M).group(1) for t in texts
                if re.search(r"^\d{8}$", t, re.M))
    return token, code


@pytest.fixture
def answer(demo_services: Services) -> dict[str, Any]:
    request_id = released_answer(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        token, code = link_and_code(demo_services, req.reference, JUERGEN[1])
        return {"id": request_id, "reference": req.reference, "token": token, "code": code,
                "status": req.status}


def test_release_sends_link_and_code_to_the_address_on_file_and_completes(
        demo_services: Services, answer: dict[str, Any]) -> None:
    assert answer["status"] == "completed"
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        assert found is not None and found.method == "portal" and found.request_id == answer["id"]
        assert found.expires_at - found.created_at == timedelta(days=14)
        assert found.max_downloads == 5
        assert {d.kind for d in delivery.files(session, found)} == {"portal_pdf", "portal_html", "portal_zip"}
    link_mail = next(m for m in mails_to(demo_services, JUERGEN[1]) if "/portal/" in body(m))
    assert link_mail.get_body(preferencelist=("html",)) is not None  # text and HTML
    assert answer["code"] not in body(link_mail)  # link and code travel apart


def test_the_answer_goes_only_to_the_address_on_file(demo_services: Services) -> None:
    """A request claiming another address for Jürgen's account (matched by customer number
    would be the same): link and code go to the address the shop holds, not the claim."""
    request_id = released_answer(demo_services, JUERGEN, claimed="JUERGEN.WEISS@example.org")
    with demo_services.db.session() as session:
        reference = session.get(Request, request_id).reference
    assert all(m["To"] == JUERGEN[1] for m in mails_to(demo_services, JUERGEN[1]))
    token, code = link_and_code(demo_services, reference, JUERGEN[1])
    for message in mails_to(demo_services, "JUERGEN.WEISS@example.org"):  # the acknowledgement
        assert token not in body(message) and code not in body(message)
        assert "/portal/" not in body(message)


def test_wrong_code_is_refused_and_locks_after_the_allowed_tries(
        demo_services: Services, answer: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        for _ in range(5):
            with pytest.raises(delivery.Refused, match="code_wrong"):
                delivery.check_code(demo_services, session, found, "00000000")
        with pytest.raises(delivery.Refused, match="code_locked"):
            delivery.check_code(demo_services, session, found, answer["code"])  # right, too late
        outcomes = session.scalars(select(DownloadEvent.outcome)
                                   .where(DownloadEvent.delivery_id == found.id)).all()
        assert outcomes.count("code_wrong") == 5 and "code_locked" in outcomes


def test_the_code_works_once(demo_services: Services, answer: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        delivery.check_code(demo_services, session, found, answer["code"])
        with pytest.raises(delivery.Refused, match="code_locked"):
            delivery.check_code(demo_services, session, found, answer["code"])


def test_downloads_are_limited_logged_and_audited(demo_services: Services,
                                                  answer: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        pdf = next(d for d in delivery.files(session, found) if d.kind == "portal_pdf")
        for _ in range(5):
            doc, data = delivery.download(demo_services, session, found, pdf.id)
            assert data.startswith(b"%PDF") and doc.id == pdf.id
        with pytest.raises(delivery.Refused, match="limit"):
            delivery.download(demo_services, session, found, pdf.id)
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == answer["id"], AuditEvent.action == "answer_downloaded")).all()
        assert len(events) == 5
        assert all(set(e.details) == {"delivery", "document", "n", "new_visit"} for e in events)
        assert "refused_limit" in session.scalars(select(DownloadEvent.outcome)).all()


def test_the_files_of_one_visit_count_once(demo_services: Services,
                                           answer: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        files = delivery.files(session, found)
        assert {d.kind for d in files} == {"portal_pdf", "portal_html", "portal_zip"}
        delivery.download(demo_services, session, found, files[0].id)
        for doc in files:
            delivery.download(demo_services, session, found, doc.id, new_visit=False)
        assert found.downloads == 1
        found.downloads = found.max_downloads
        delivery.download(demo_services, session, found, files[1].id, new_visit=False)
        with pytest.raises(delivery.Refused, match="limit"):
            delivery.download(demo_services, session, found, files[1].id)


def test_another_requests_file_is_refused_through_this_link(demo_services: Services,
                                                            answer: dict[str, Any]) -> None:
    other = released_answer(demo_services, RENATE)
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        foreign = session.scalars(select(Document).where(Document.request_id == other,
                                                         Document.kind == "portal_pdf")).one()
        with pytest.raises(delivery.Refused, match="not_found"):
            delivery.download(demo_services, session, found, foreign.id)
        assert delivery.find(session, answer["token"] + "x") is None


def test_expired_link_is_refused_its_files_go_and_the_sealed_copy_and_hash_stay(
        demo_services: Services, answer: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        portal_docs = delivery.files(session, found)
        paths = [demo_services.documents._path(d.storage_key) for d in portal_docs]
        assert all(p.exists() for p in paths)
        later = found.expires_at + timedelta(seconds=1)
        with pytest.raises(delivery.Refused, match="expired"):
            delivery.download(demo_services, session, found, portal_docs[0].id, now=later)
        with pytest.raises(delivery.Refused, match="expired"):
            delivery.check_code(demo_services, session, found, answer["code"], now=later)
        found.expires_at = CLOCK.now() - timedelta(minutes=1)
    assert expire_answers(demo_services)["links_expired"] == 1
    assert not any(p.exists() for p in paths)
    with demo_services.db.session() as session:
        found = delivery.find(session, answer["token"])
        assert found.files_deleted_at is not None and delivery.files(session, found) == []
        sealed = session.scalars(select(SealedAnswer).where(
            SealedAnswer.request_id == answer["id"])).one()
        data = demo_services.documents.read(session.get(Document, sealed.document_id))
        assert hashlib.sha256(data).hexdigest() == sealed.sha256
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
        assert "manifest.json" in names and any(n.endswith(".pdf") for n in names)
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == answer["id"], AuditEvent.action == "answer_sealed")).one()
        assert event.details["sha256"] == sealed.sha256
        assert sealed.keep_until - sealed.sealed_at >= timedelta(days=3 * 365)
        # After the accountability period the copy goes; the hash stays.
        sealed.keep_until = CLOCK.now() - timedelta(days=1)
        sealed_doc = sealed.document_id
    assert expire_answers(demo_services)["sealed_reduced"] == 1
    with demo_services.db.session() as session:
        sealed = session.scalars(select(SealedAnswer).where(
            SealedAnswer.request_id == answer["id"])).one()
        assert sealed.reduced_at is not None and len(sealed.sha256) == 64
        assert session.get(Document, sealed_doc).deleted_at is not None


def test_plain_email_only_on_express_request_recorded(demo_services: Services) -> None:
    from sqlalchemy.exc import IntegrityError

    with demo_services.db.session() as session:
        req = session.scalars(select(Request)).first()
    with pytest.raises(IntegrityError), demo_services.db.session() as session:
        session.add(Delivery(request_id=req.id if req else 1, method="email"))
        session.flush()
    with pytest.raises(IntegrityError), demo_services.db.session() as session:
        session.add(Delivery(request_id=req.id if req else 1, method="fax",
                             email_requested_at=CLOCK.now()))
        session.flush()


def test_answer_by_plain_email_when_the_subject_asked_for_it(demo_services: Services) -> None:
    name, address = JUERGEN
    with demo_services.db.session() as session:
        req = submit(session, Submission(types=["access"], name=name, email=address,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=demo_services.calendar, connectors=["shop"])
        request_id = req.id
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        with pytest.raises(delivery.DeliveryError):
            delivery.record_email_request(session, req, actor="user:1", note=" ")
        delivery.record_email_request(session, req, actor="user:1",
                                      note="Brief vom 02.02.: bitte per E-Mail antworten")
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=["shop"])
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:0", user_id=None,
                        decisions=actions.default_decisions(req, ["orders"]))
    run_pending(demo_services)
    with demo_services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:0")
    run_pending(demo_services)
    message = next(m for m in mails_to(demo_services, address) if "Ihre Antwort" in m["Subject"])
    attachments = {a.get_filename() for a in message.iter_attachments()}
    assert any(n.endswith(".pdf") for n in attachments) and any(n.endswith(".zip") for n in attachments)
    with demo_services.db.session() as session:
        sent = session.scalars(select(Delivery).where(Delivery.request_id == request_id)).one()
        assert sent.method == "email" and sent.sent_at and sent.email_requested_at
        assert session.scalars(select(SealedAnswer).where(SealedAnswer.request_id == request_id)).one()


def test_the_answer_goes_to_the_representatives_verified_office_when_decided_so(
        demo_services: Services) -> None:
    """A lawyer asks for Jürgen: once the coordinator found the power of attorney valid and
    decided, on the record, to answer the office whose address they verified, the link and
    the code go there — and only there, not to the address the lawyer typed."""
    from dsr.verification import steps

    office = "post@huber-partner.example.net"

    def decide(session: Any, req: Request) -> None:
        steps.record_postal_evidence(session, req, actor="user:3",
                                     evidence=["power_of_attorney_enclosed"])
        steps.check_power_of_attorney(session, req, actor="user:1", valid=True,
                                      name_check="match")
        steps.answer_to_representative(session, req, actor="user:1", office_email=office,
                                       verified_how="Bundesrechtsanwaltsverzeichnis")

    request_id = released_answer(demo_services, JUERGEN, claimed="kanzlei@huber.example.net",
                                 acting_as="lawyer", before_verify=decide)
    with demo_services.db.session() as session:
        reference = session.get(Request, request_id).reference
    token, code = link_and_code(demo_services, reference, office)
    for address in (JUERGEN[1], "kanzlei@huber.example.net"):
        for message in mails_to(demo_services, address):
            assert token not in body(message) and "/portal/" not in body(message)
