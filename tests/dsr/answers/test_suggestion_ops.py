"""The redaction viewer's services on Jürgen's two e-mails written from a real letter: the
neighbour and the stranger are suggested in both e-mails (the stranger's bare surname in the
second one too), accepting blacks them out in the answer, dismissing is remembered, every
decision is audited without the text, and after release the view is read-only."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from dsr.answers import operations as reports
from dsr.answers import redaction, suggestion_ops
from dsr.answers.models import SuggestionDecision
from dsr.answers.suggestions import Kind
from dsr.answers.viewer import FieldRef
from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.support.corpus_mail import EMAIL
from tests.web.test_queue import _request_in_review
from workflows.runner import run_pending


def _letters(view: suggestion_ops.View) -> list[str]:
    """Row keys of the two e-mails from the letter, oldest first."""
    keys = [d.row_key for d in view.documents
            if any("Berichtigung" in f.text or "Nachtrag" in f.text for f in d.texts)]
    return sorted(keys, key=int)


def test_suggestions_in_both_emails_accept_and_dismiss(letter_services: Services) -> None:
    request_id = _request_in_review(letter_services, EMAIL)
    with letter_services.db.session() as session:
        req = session.get(Request, request_id)
        view = suggestion_ops.load_view(letter_services, session, req)
        first, second = _letters(view)
        by_key: dict[str, list[tuple[Kind, str, bool]]] = {}
        for s in view.open:
            if s.ref.column == "body" and s.ref.row_key in (first, second):
                by_key.setdefault(s.ref.row_key, []).append((s.kind, s.text, s.elsewhere))
        assert by_key[first] == [(Kind.NAME, "Sabine Krüger", False),
                                 (Kind.EMAIL, "sabine.krueger@example.net", False),
                                 (Kind.PHONE, "0941 5678901", False),
                                 (Kind.NAME, "Tobias Lehner", False),
                                 (Kind.IBAN, "DE89 3704 0044 0532 0130 00", False)]
        # the second e-mail: the title rule finds "Krüger", the bare "Lehner" is offered
        # because the first e-mail named Tobias Lehner
        assert by_key[second] == [(Kind.NAME, "Krüger", False), (Kind.NAME, "Lehner", True)]
        assert not any("Jürgen" in s.text or s.text == EMAIL for s in view.open)

        neighbour = next(s for s in view.open if s.text == "Sabine Krüger")
        stranger = next(s for s in view.open if s.text == "Lehner")
        phone = next(s for s in view.open if s.kind is Kind.PHONE and s.ref.row_key == first)
        suggestion_ops.accept(letter_services, session, req, neighbour.id, reason="third_party",
                              actor="user:1", user_id=None)
        suggestion_ops.accept(letter_services, session, req, stranger.id, reason="third_party",
                              actor="user:1", user_id=None)
        suggestion_ops.dismiss(letter_services, session, req, phone.id, actor="user:1",
                               user_id=None)
        with pytest.raises(redaction.RedactionError, match="no such suggestion"):
            suggestion_ops.dismiss(letter_services, session, req, phone.id, actor="user:1",
                                   user_id=None)

    with letter_services.db.session() as session:
        req = session.get(Request, request_id)
        view = suggestion_ops.load_view(letter_services, session, req)
        texts = {d.row_key: next(f.text for f in d.texts if f.ref.column == "body")
                 for d in view.documents if d.row_key in (first, second)}
        assert "Sabine Krüger" not in texts[first] and "Frau ████ [1]" in texts[first]
        assert "Lehner" not in texts[second] and "Tobias Lehner" in texts[first]
        open_texts = {(s.ref.row_key, s.text) for s in view.open}
        assert (first, "Sabine Krüger") not in open_texts
        assert (first, "0941 5678901") not in open_texts  # dismissed stays dismissed
        answer = reports.latest_document(session, request_id, "report_json")
        payload = letter_services.documents.read(answer).decode("utf-8")
        assert "Sabine Krüger" not in payload and "Lehner ist" not in payload
        decisions = session.scalars(select(SuggestionDecision)).all()
        assert sorted(d.decision for d in decisions) == ["accepted", "accepted", "dismissed"]
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("redaction_suggestion_%"))).all()
        assert len(events) == 3
        assert all("Krüger" not in json.dumps(e.details, ensure_ascii=False)
                   and "0941" not in json.dumps(e.details) for e in events)
        assert next(e for e in events if e.details["elsewhere"]).details["kind"] == "name"


def test_a_selection_by_offsets_and_the_read_only_state_after_release(
        letter_services: Services) -> None:
    request_id = _request_in_review(letter_services, EMAIL)
    with letter_services.db.session() as session:
        req = session.get(Request, request_id)
        view = suggestion_ops.load_view(letter_services, session, req)
        first, _ = _letters(view)
        field = next(f for d in view.documents if d.row_key == first for f in d.texts
                     if f.ref.column == "body")
        start = field.text.index("Lindenweg 4")
        ref = FieldRef("shop", "service_emails", first, "body")
        suggestion_ops.redact_selection(letter_services, session, req, ref, start=start,
                                        end=start + len("Lindenweg 4"), term="",
                                        reason="third_party", actor="user:1", user_id=None)
        for start, end, message in ((5, 2, "outside"), (0, 10**6, "outside")):
            with pytest.raises(redaction.RedactionError, match=message):
                suggestion_ops.redact_selection(letter_services, session, req, ref, start=start,
                                                end=end, term="", reason="third_party",
                                                actor="user:1", user_id=None)
    with letter_services.db.session() as session:
        req = session.get(Request, request_id)
        view = suggestion_ops.load_view(letter_services, session, req)
        shown = next(f.text for d in view.documents if d.row_key == first for f in d.texts
                     if f.ref.column == "body")
        at = shown.index("████")
        with pytest.raises(redaction.RedactionError, match="overlaps"):
            suggestion_ops.redact_selection(letter_services, session, req, ref, start=at,
                                            end=at + 8, term="", reason="third_party",
                                            actor="user:1", user_id=None)
        open_id = view.open[0].id
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(
                            req, reports.found_categories(session, request_id)))
    run_pending(letter_services)
    with letter_services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(letter_services)
    with letter_services.db.session() as session:
        req = session.get(Request, request_id)
        view = suggestion_ops.load_view(letter_services, session, req)
        assert view.released and view.kept and view.open == []
        assert len(view.redactions) == 1
        shown = next(f.text for d in view.documents if d.row_key == first for f in d.texts
                     if f.ref.column == "body")
        assert "Lindenweg 4," not in shown and "████ [1]" in shown
        assert any(s.kind == "redacted" for d in view.documents for f in d.texts
                   for s in f.segments)
        with pytest.raises(redaction.RedactionError, match="released"):
            suggestion_ops.accept(letter_services, session, req, open_id, reason="third_party",
                                  actor="user:1", user_id=None)
