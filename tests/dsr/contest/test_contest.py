"""Contesting an automated decision (Art. 22(3)): the decisions come from the data collected,
the coordinator's review is validated, stored and audited without personal data, approval waits
for it, and the outcome goes out once — by e-mail, or as a letter for a postal request."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.contest import operations as contest
from dsr.contest.models import DecisionReview
from dsr.context import Services
from dsr.correspondence import drafts as correspondence
from dsr.correspondence.models import MessageDraft, OutgoingMail
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.lifecycle import walk_to
from workflows.models import Task
from workflows.runner import run_pending
from workflows.states import State

EMAIL = "dieter.poeschl@example.com"
COLUMNS = ["id", "customer_id", "order_id", "bureau", "bureau_reference", "checked_at",
           "requested_payment", "score", "decision", "payment_options_offered"]
ROWS = [
    [7, 6, 31, "SCHUFA Holding AG", "SA-2508511741", "2023-05-08T16:07:53", "invoice", 90.26,
     "limited", "invoice,paypal,credit_card,klarna,prepayment"],
    [9, 6, 40, "SCHUFA Holding AG", "SA-7700112233", "2024-02-01T10:00:00", "instalment", 88.5,
     "declined", "paypal,credit_card,klarna,prepayment"],
]
REASONS = "Die offene Forderung ist seit März beglichen; der Score ist veraltet."


def _collected() -> dict[str, Any]:
    label = {"de": "Bonitätsprüfungen", "en": "Credit checks"}
    return {"connector": "shop", "system_label": {"de": "Shop", "en": "Shop"}, "tables": [
        {"system": "shop", "table": "credit_checks", "label": label, "category": "credit_check",
         "columns": [{"name": c, "label": {"de": c, "en": c}, "category": "credit_check"}
                     for c in COLUMNS],
         "rows": ROWS, "recipient_only": False}]}


def _in_review(services: Services, *, channel: str = Channel.FORM.value, language: str = "de",
               types: tuple[str, ...] = ("contest_decision",)) -> int:
    """A contest request in review with the shop's credit checks collected (as the collect
    task stores them) and the address on file confirmed."""
    postal = channel == Channel.LETTER.value
    with services.db.session() as session:
        req = submit(session, Submission(
            types=list(types), name="Dieter Pöschl", email="" if postal else EMAIL,
            channel=channel, language=language, received_at=CLOCK.now() - timedelta(days=3),
            postal_address="Frauentorgraben 9\n90443 Nürnberg" if postal else ""),
            calendar=services.calendar, connectors=[])
        req.subject_keys = {"shop": {"keys": [[6]], "identifiers": {"email": [EMAIL]}}}
        walk_to(session, req, State.REVIEW)
        services.documents.put(session, request_id=req.id, kind="access_data",
                               filename="shop.json", content_type="application/json",
                               data=json.dumps(_collected()).encode())
        request_id = req.id
    run_pending(services)  # the acknowledgement; only what follows is looked at
    for sent in Path(services.config.mail_out_dir).glob("*.eml"):
        sent.unlink()
    return request_id


def _record(services: Services, request_id: int, **overrides: Any) -> DecisionReview:
    values: dict[str, Any] = {"check_key": "credit_check:9", "outcome": "changed",
                              "reasons": REASONS, "options": ["invoice", "paypal"],
                              "reviewer_role": "credit_management"}
    values.update(overrides)
    with services.db.session() as session:
        review = contest.record_review(services, session, session.get(Request, request_id),
                                       actor="user:1", user_id=None, **values)
        session.expunge(review)
        return review


def _approve(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))


def _release(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")


def _mails(services: Services) -> list[Message]:
    return [message_from_bytes(p.read_bytes())
            for p in sorted(Path(services.config.mail_out_dir).glob("*.eml"))]


def _text(message: Message) -> str:
    part = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    return str(part.get_payload(decode=True).decode("utf-8"))


def test_the_decisions_come_from_the_data_collected(services: Services) -> None:
    request_id = _in_review(services)
    with services.db.session() as session:
        found = contest.contested(services, session, session.get(Request, request_id), "de")
    assert [d["name"] for d in found] == ["credit_check"]
    decision = found[0]
    assert "SCHUFA" in decision["logic"] and decision["consequences"]
    assert [b["min_score"] for b in decision["bands"]] == ["97,5", "90", "0"]
    newest, older = decision["checks"]  # newest first
    assert newest["key"] == "credit_check:9" and older["key"] == "credit_check:7"
    assert newest["score"] == "88,5" and newest["requested"] == "Ratenkauf"
    assert newest["result"] == "keine Lieferung vor Zahlung"
    assert newest["options"] == ["PayPal", "Kreditkarte", "Klarna", "Vorkasse"]
    assert newest["bureau"] == "SCHUFA Holding AG" and newest["bureau_reference"] == "SA-7700112233"
    assert str(newest["day"]) == "2024-02-01"


def test_approval_is_refused_until_the_outcome_is_recorded(services: Services) -> None:
    request_id = _in_review(services)
    with pytest.raises(actions.ActionError, match="Art. 22"):
        _approve(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == "review"
    _record(services, request_id)
    _approve(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == "executing"


def test_a_refused_contest_needs_no_review_and_the_refusal_names_the_remedies(
        services: Services) -> None:
    request_id = _in_review(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None, decisions=[
            actions.DecisionInput("contest_decision", "*", "refused", "Art. 22 Abs. 1 DSGVO",
                                  "Über Sie wurde keine automatisierte Entscheidung getroffen.")])
    _release(services, request_id)
    run_pending(services)
    (mail,) = _mails(services)
    text = _text(mail)
    assert "keine automatisierte Entscheidung" in text and "Art. 77" in text and "Art. 79" in text


def test_a_review_is_stored_and_audited_without_personal_data(services: Services) -> None:
    request_id = _in_review(services)
    review = _record(services, request_id, options=["paypal", "invoice", "paypal"])
    assert review.outcome == "changed" and review.options == ["invoice", "paypal"]  # register order
    assert review.check_key == "credit_check:9" and review.reasons == REASONS
    with services.db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id, AuditEvent.action == "contest_reviewed")))
    assert len(events) == 1
    details = json.dumps(events[0].details, ensure_ascii=False)
    for private in ("Forderung", "88", "invoice", "paypal", "SCHUFA", "changed", EMAIL):
        assert private not in details, private
    assert events[0].details["review"] == review.id and len(events[0].details["sha256"]) == 64


def test_upheld_keeps_the_options_the_decision_offered(services: Services) -> None:
    request_id = _in_review(services)
    review = _record(services, request_id, outcome="upheld", options=["instalment"])
    assert review.options == ["paypal", "credit_card", "klarna", "prepayment"]


@pytest.mark.parametrize("overrides,message", [
    ({"reasons": "   "}, "Begründung"),
    ({"options": ["bitcoin"]}, "bitcoin"),
    ({"options": []}, "Zahlungsarten"),
    ({"options": ["paypal", "credit_card", "klarna", "prepayment"]}, "upheld"),
    ({"outcome": "maybe"}, "upheld or changed"),
    ({"reviewer_role": "intern"}, "Role"),
    ({"check_key": "credit_check:999"}, "Decision"),
])
def test_bad_input_is_refused_and_stores_nothing(services: Services, overrides: dict[str, Any],
                                                 message: str) -> None:
    request_id = _in_review(services)
    with pytest.raises(contest.ReviewError, match=message):
        _record(services, request_id, **overrides)
    with services.db.session() as session:
        assert contest.review_of(session, request_id) is None
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "contest_reviewed")) is None


def test_the_review_can_be_changed_until_approval_then_not(services: Services) -> None:
    request_id = _in_review(services)
    first = _record(services, request_id)
    with services.db.session() as session:  # the coordinator edited the outgoing message
        correspondence.save_draft(session, session.get(Request, request_id), "contest_outcome",
                                  subject="Betreff", body="Alter Text " * 5, actor="user:1",
                                  user_id=None)
    second = _record(services, request_id, outcome="upheld", reasons="Score unverändert.")
    assert second.id == first.id and second.outcome == "upheld"
    with services.db.session() as session:
        assert session.scalar(select(MessageDraft.id)) is None  # it said the old outcome
        events = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "contest_reviewed").order_by(AuditEvent.seq)))
    assert [e.details["edited"] for e in events] == [False, True]
    assert events[1].details["draft_dropped"] is True
    _approve(services, request_id)
    with pytest.raises(contest.ReviewError, match="before “Record the decisions…”"):
        _record(services, request_id)


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_outcome_goes_by_email_once_on_release(services: Services, language: str) -> None:
    request_id = _in_review(services, language=language)
    _record(services, request_id)
    _approve(services, request_id)
    run_pending(services)
    assert not [m for m in _mails(services) if "contest" in _text(m)]
    _release(services, request_id)
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req.status == "completed"
        task = session.scalars(select(Task).where(Task.kind == "notify_contest")).one()
        assert contest.send_outcome(services, session, req)["sent"] is False  # a second run
    (mail,) = _mails(services)
    assert mail["To"] == EMAIL
    text = _text(mail)
    expected = {"de": ["Wir ändern die Entscheidung", "Rechnung", "PayPal", "Kreditmanagement",
                       "vom 01.02.2024", "Art. 77", "Art. 79", "BayLDA"],
                "en": ["We change the decision", "Invoice", "PayPal", "credit management",
                       "of 1 February 2024", "Art. 77", "Art. 79", "BayLDA"]}[language]
    for wanted in [*expected, REASONS]:
        assert wanted in text, wanted
    assert "Klarna" not in text  # only the options offered now
    with services.db.session() as session:
        assert session.scalar(select(OutgoingMail.template).where(
            OutgoingMail.request_id == request_id, OutgoingMail.template == "contest_outcome"))
        sent = list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "contest_outcome_sent")))
    assert len(sent) == 1 and task.status == "done"


def test_the_coordinators_edit_of_the_message_is_what_goes(services: Services) -> None:
    request_id = _in_review(services)
    _record(services, request_id)
    with services.db.session() as session:
        correspondence.save_draft(session, session.get(Request, request_id), "contest_outcome",
                                  subject="Ihre Anfechtung",
                                  body="Guten Tag, wir bieten Ihnen wieder Rechnung an. Art. 77",
                                  actor="user:1", user_id=None)
    _approve(services, request_id)
    _release(services, request_id)
    run_pending(services)
    (mail,) = _mails(services)
    assert "wieder Rechnung" in _text(mail) and "Ihre Anfechtung" in mail["Subject"]
    with services.db.session() as session:  # the page shows what went
        shown = contest.outcome_preview(services, session, session.get(Request, request_id))
    assert shown["sent"] and "wieder Rechnung" in shown["body"]


def test_a_postal_request_gets_the_outcome_as_a_letter(services: Services) -> None:
    request_id = _in_review(services, channel=Channel.LETTER.value)
    _record(services, request_id, outcome="upheld", reviewer_role="data_protection_officer")
    _approve(services, request_id)
    _release(services, request_id)
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        contest.send_outcome(services, session, req)  # a second run stores no second letter
        assert req.status == "completed"
        (doc,) = session.scalars(select(Document).where(
            Document.request_id == request_id, Document.kind == "letter")).all()
        data = services.documents.read(doc)
    assert doc.filename.endswith("-contest_outcome.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    flat = " ".join(text.split())
    for wanted in ("Frauentorgraben 9", "90443 Nürnberg", "Wir halten an der Entscheidung fest",
                   "Datenschutzbeauftragte/r", "PayPal", "Vorkasse", "Art. 77", "Art. 79",
                   "Ansbach", "vom 01.02.2024"):
        assert wanted in flat, wanted
    assert not _mails(services)  # never by e-mail
