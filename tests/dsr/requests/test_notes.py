"""Internal notes on a request: added with their author and the service's time, newest
first, audited by id (never the text), refused when empty or too long."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import notes
from dsr.requests.models import Request, RequestNote
from dsr.users.operations import create_user
from tests.support.clock import CLOCK, START


@pytest.fixture
def setting(services: Services) -> Any:
    with services.db.session() as session:
        dpo = create_user(session, "dpo", "correct horse battery", "coordinator")
        req = Request(reference="DSR-NOTES01", status="review", types=["access"],
                      channel="form", received_at=CLOCK.now(),
                      due_on=CLOCK.today() + timedelta(days=30))
        session.add(req)
        session.flush()
        yield session, req, dpo.id


def test_a_note_keeps_author_and_the_services_time_and_lists_newest_first(setting: Any) -> None:
    session, req, dpo = setting
    notes.add_note(session, req, "  Kundin rief an:\r\nAusweis kommt per Post.  ",
                   author_id=dpo, actor=f"user:{dpo}")
    CLOCK.advance(timedelta(days=3))
    notes.add_note(session, req, "Ausweis eingegangen.", author_id=dpo, actor=f"user:{dpo}")
    shown = notes.notes_of(session, req.id)
    assert [n.body for n in shown] == ["Ausweis eingegangen.",
                                       "Kundin rief an:\nAusweis kommt per Post."]
    assert {n.author for n in shown} == {"dpo"}
    assert shown[0].created_at.date() == (START + timedelta(days=3)).date()
    assert shown[1].created_at.date() == START.date()


def test_adding_a_note_is_audited_by_its_id_never_its_text(setting: Any) -> None:
    session, req, dpo = setting
    note = notes.add_note(session, req, "Vertraulich: Anwalt der Gegenseite",
                          author_id=dpo, actor=f"user:{dpo}")
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == req.id)))
    assert [(e.action, e.actor, e.details) for e in events] == [
        ("note_added", f"user:{dpo}", {"note": note.id})]
    assert "Vertraulich" not in repr([e.details for e in events])


@pytest.mark.parametrize(("body", "msgid"), [("", "err_note_empty"), ("  \n ", "err_note_empty"),
                                             ("x" * (notes.MAX_LENGTH + 1), "err_note_long")])
def test_an_empty_or_too_long_note_is_refused_and_nothing_is_written(
        setting: Any, body: str, msgid: str) -> None:
    session, req, dpo = setting
    with pytest.raises(notes.NoteError) as caught:
        notes.add_note(session, req, body, author_id=dpo, actor=f"user:{dpo}")
    assert caught.value.msgid == msgid
    assert session.scalars(select(RequestNote)).all() == []
    assert session.scalars(select(AuditEvent).where(AuditEvent.request_id == req.id)).all() == []


def test_a_note_of_a_removed_user_stays_without_a_name(setting: Any) -> None:
    session, req, dpo = setting
    notes.add_note(session, req, "Rückruf erledigt.", author_id=dpo, actor=f"user:{dpo}")
    session.execute(RequestNote.__table__.update().values(author_id=None))
    assert [(n.body, n.author) for n in notes.notes_of(session, req.id)] == [
        ("Rückruf erledigt.", None)]
