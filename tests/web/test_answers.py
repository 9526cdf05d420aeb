"""The coordinator's answer step on the review page: redact the neighbour in Jürgen's service
e-mail, preview and edit the answer message (the edit is audited and is what goes out),
record an express request for plain e-mail."""

from __future__ import annotations

import io
import re
from typing import Any

from pypdf import PdfReader
from sqlalchemy import select

from dsr.answers import operations as reports
from dsr.answers.models import Redaction
from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.dsr.answers.test_delivery import JUERGEN, body, mails_to
from tests.web.test_queue import _client, _csrf, _request_in_review
from workflows.runner import run_pending


def test_redact_edit_the_message_and_send_it(app: Any, make_user: Any,
                                             demo_services: Services) -> None:
    request_id = _request_in_review(demo_services, JUERGEN[1])
    coordinator = _client(app, make_user, "coordinator")
    detail = coordinator.get(f"/queue/requests/{request_id}?tab=draft").get_data(as_text=True)
    assert f"/queue/requests/{request_id}/answer" in detail
    step = f"/queue/requests/{request_id}/answer"
    page = coordinator.get(step).get_data(as_text=True)
    assert "Elke Brunner" in page and "[LINK]" in page
    token = _csrf(coordinator, step)
    rows = re.findall(r'id="corr-service_emails-(\d+)"', page)
    key = next(k for k in rows if "Elke Brunner" in page.split(f'id="corr-service_emails-{k}"')[1]
               .split('id="corr-')[0])
    response = coordinator.post(f"/queue/requests/{request_id}/redactions", data={
        "csrf_token": token, "system": "shop", "table": "service_emails", "key": key,
        "column": "body", "term": "Elke Brunner", "reason": "third_party"})
    assert response.status_code == 302
    page = coordinator.get(step).get_data(as_text=True)
    assert "Elke Brunner" not in page
    assert ('<span class="redacted" role="img" aria-label="[geschwärzt: Daten Dritter]"'
            in page)  # the mark shown as a bar with its spoken label
    # the data map's labels in the page's language, never the columns' names
    assert "<dt>Nachricht</dt>" in page and "<dt>Gesendet am</dt>" in page
    assert "<dt>body</dt>" not in page and "<dt>sent_at</dt>" not in page
    assert '<option value="body" selected>Nachricht</option>' in page
    redactions = page.split('id="redactions"')[1].split("</table>")[0]
    assert "E-Mails mit dem Kundenservice" in redactions and "· Nachricht" in redactions
    assert "service_emails" not in redactions

    subject = "Ihre Auskunft ist da"
    no_link = coordinator.post(f"/queue/requests/{request_id}/message", data={
        "csrf_token": token, "subject": subject, "body": "Guten Tag, hier ist Ihre Antwort."},
        follow_redirects=True)
    assert "[LINK]" in no_link.get_data(as_text=True)  # the error names the marker to keep
    edited = ("Guten Tag Herr Weiß,\n\nIhre Auskunft liegt bereit: [LINK]\nbis [EXPIRES].\n\n"
              "Mit freundlichen Grüßen\nIhre Datenschutzkoordination")
    assert coordinator.post(f"/queue/requests/{request_id}/message", data={
        "csrf_token": token, "subject": subject, "body": edited}).status_code == 302
    with demo_services.db.session() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "message_edited")).one()
        assert set(event.details) == {"template", "sha256"}
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(
                            req, reports.found_categories(session, request_id)))
    run_pending(demo_services)
    with demo_services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(demo_services)
    sent = next(m for m in mails_to(demo_services, JUERGEN[1]) if subject in m["Subject"])
    text = body(sent)
    assert "Guten Tag Herr Weiß" in text and "[LINK]" not in text and "/portal/" in text
    assert "[EXPIRES]" not in text and re.search(r"bis \d\d\.\d\d\.\d{4}", text)
    assert sent.get_body(preferencelist=("html",)) is not None


def test_record_an_express_request_for_plain_email(app: Any, make_user: Any,
                                                   demo_services: Services) -> None:
    request_id = _request_in_review(demo_services, JUERGEN[1])
    coordinator = _client(app, make_user, "coordinator")
    step = f"/queue/requests/{request_id}/answer"
    token = _csrf(coordinator, step)
    empty = coordinator.post(f"/queue/requests/{request_id}/email-delivery",
                             data={"csrf_token": token, "note": ""}, follow_redirects=True)
    assert "note" in empty.get_data(as_text=True)
    coordinator.post(f"/queue/requests/{request_id}/email-delivery",
                     data={"csrf_token": token, "note": "Anruf am 03.02., bitte per E-Mail"})
    assert "Anruf am 03.02." in coordinator.get(step).get_data(as_text=True)


def test_staff_cannot_open_the_answer_step(app: Any, make_user: Any,
                                           demo_services: Services) -> None:
    request_id = _request_in_review(demo_services, JUERGEN[1])
    staff = _client(app, make_user, "staff")
    assert staff.get(f"/queue/requests/{request_id}/answer").status_code == 403


def test_redactions_through_the_pages_reach_the_draft_the_approved_answer_and_stop_at_release(
        app: Any, make_user: Any, demo_services: Services) -> None:
    request_id = _request_in_review(demo_services, JUERGEN[1])
    coordinator = _client(app, make_user, "coordinator")
    step = f"/queue/requests/{request_id}/answer"
    page = coordinator.get(step).get_data(as_text=True)
    token = _csrf(coordinator, step)
    key = next(k for k in re.findall(r'id="corr-service_emails-(\d+)"', page)
               if "Elke Brunner" in page.split(f'id="corr-service_emails-{k}"')[1].split('id="corr-')[0])
    form = {"csrf_token": token, "system": "shop", "table": "service_emails", "key": key,
            "column": "body", "term": "Frau Elke Brunner", "reason": "third_party"}

    def draft() -> str:
        pdf = coordinator.get(f"/queue/requests/{request_id}/report.pdf").get_data()
        return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))

    assert "ElkeBrunner" in draft()
    coordinator.post(f"/queue/requests/{request_id}/redactions", data=form)
    assert "Brunner" not in draft() and "████[1]" in draft()  # the draft in review shows it
    with demo_services.db.session() as session:
        redaction_id = session.scalars(select(Redaction.id)).one()
    coordinator.post(f"/queue/requests/{request_id}/redactions/{redaction_id}/delete",
                     data={"csrf_token": token})
    assert "ElkeBrunner" in draft()

    with demo_services.db.session() as session:  # approved and finalised, then redacted
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(
                            req, reports.found_categories(session, request_id)))
    run_pending(demo_services)
    assert "ElkeBrunner" in draft()
    done = coordinator.post(f"/queue/requests/{request_id}/redactions", data=form,
                            follow_redirects=True).get_data(as_text=True)
    assert "Geschwärzt." in done
    assert "Brunner" not in draft()
    assert "Brunner" not in coordinator.get(
        f"/queue/requests/{request_id}/report.json").get_data(as_text=True)

    with demo_services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(demo_services)
    with demo_services.db.session() as session:
        portal = session.scalars(select(Document).where(
            Document.request_id == request_id, Document.kind == "portal_pdf")).one()
        pdf = demo_services.documents.read(portal)
    assert "Brunner" not in "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)

    refused = coordinator.post(f"/queue/requests/{request_id}/redactions",
                               data={**form, "term": "Elke"}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "herausgegeben" in text and 'id="redaction-closed"' in text
    assert f'action="/queue/requests/{request_id}/redactions"' not in text  # no form any more
    with demo_services.db.session() as session:
        assert len(session.scalars(select(Redaction)).all()) == 1
