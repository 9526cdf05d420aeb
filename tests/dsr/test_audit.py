"""The audit chain: appended events verify; edits, deletions, reorderings and a truncated tail
made directly in SQL are found. Every action is a member of one enum, stored and hashed as its
string, with a label in German and English for the request page's audit trail."""

from __future__ import annotations

from sqlalchemy import select, text

from dsr.audit import AuditAction, AuditEvent, append_event, canonical_json, head, verify_chain
from dsr.catalogs import builtin
from dsr.context import Services
from tests.support.clock import CLOCK


def _append(services: Services, n: int) -> None:
    with services.db.session() as session:
        for i in range(n):
            append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                         details={"i": i})


def _verify(services: Services, published: str | None = None):  # type: ignore[no-untyped-def]
    with services.db.session() as session:
        return verify_chain(session, published)


def test_appended_chain_verifies_and_head_moves(services: Services) -> None:
    _append(services, 5)
    result = _verify(services)
    assert result.ok, result.problems
    assert result.events == 5
    with services.db.session() as session:
        assert head(session) == (5, result.head_hash)


def test_edited_event_is_found(services: Services) -> None:
    _append(services, 4)
    with services.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET actor = 'user:99' WHERE seq = 2"))
    result = _verify(services)
    assert not result.ok
    assert any("seq 2" in p and "edited" in p for p in result.problems)


def test_deleted_event_is_found(services: Services) -> None:
    _append(services, 4)
    with services.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq = 2"))
    result = _verify(services)
    assert not result.ok
    assert any("missing" in p for p in result.problems)


def test_reordered_events_are_found(services: Services) -> None:
    _append(services, 3)
    with services.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_events SET seq = 100 WHERE seq = 1"))
        conn.execute(text("UPDATE audit_events SET seq = 1 WHERE seq = 2"))
        conn.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 100"))
    assert not _verify(services).ok


def test_truncated_tail_is_found_only_against_a_published_head(services: Services) -> None:
    _append(services, 5)
    published = _verify(services).head_hash
    with services.db.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_events WHERE seq > 3"))
        last = conn.execute(text("SELECT hash FROM audit_events WHERE seq = 3")).scalar_one()
        conn.execute(text("UPDATE audit_head SET seq = 3, hash = :h"), {"h": last})
    assert _verify(services).ok  # a careful truncation fools a check without a published head
    result = _verify(services, published)
    assert not result.ok
    assert any("published head" in p for p in result.problems)


def test_events_carry_no_personal_data(services: Services) -> None:
    from dsr.requests.intake import Submission, submit
    from dsr.requests.models import Channel

    with services.db.session() as session:
        submit(session, Submission(types=["access"], name="Erika Mustermann",
                                   email="erika@example.org", channel=Channel.FORM.value,
                                   received_at=CLOCK.now(), postal_address="Hauptstr. 1"),
               calendar=services.calendar, connectors=["shop"])
    with services.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, details FROM audit_events")).all()
    dump = repr(rows)
    for secret in ("Erika", "Mustermann", "erika@example.org", "Hauptstr"):
        assert secret not in dump


def test_an_action_is_stored_and_hashed_as_its_string(services: Services) -> None:
    # events written while the actions were plain strings must still verify
    assert canonical_json({"action": AuditAction.SIGNED_IN}) == canonical_json(
        {"action": "signed_in"})
    with services.db.session() as session:
        append_event(session, actor="user:1", action=AuditAction.SIGNED_IN)
        assert verify_chain(session).ok
    with services.db.engine.connect() as conn:
        assert conn.execute(text("SELECT action FROM audit_events")).scalar_one() == "signed_in"


def test_every_action_is_named_as_its_stored_string() -> None:
    assert [a.name for a in AuditAction if a.value != a.name.lower()] == []


def test_every_action_has_a_label_in_both_languages() -> None:
    missing = [f"{lang}:event_{action.value}" for lang in ("de", "en") for action in AuditAction
               if f"event_{action.value}" not in builtin().entries(lang)]
    assert missing == []


def test_no_german_label_merely_repeats_the_english() -> None:
    de, en = builtin().entries("de"), builtin().entries("en")
    assert [a.value for a in AuditAction
            if de.get(f"event_{a.value}") == en.get(f"event_{a.value}")] == []


def test_events_around_savepoints_and_transactions_of_one_session_verify(
        services: Services) -> None:
    """Further events of a transaction set the head they know; a savepoint rolled back after
    an event, one released, and a second transaction of the same session keep the chain whole."""
    with services.db.session() as session:
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": 1})
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": 2})
        savepoint = session.begin_nested()
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": "gone"})
        savepoint.rollback()
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": 3})
        with session.begin_nested():
            append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                         details={"i": 4})
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": 5})
        session.commit()
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": 6})
        session.rollback()
        append_event(session, actor="system", action=AuditAction.CONNECTOR_DRY_RUN,
                     details={"i": 7})
        session.commit()
    result = _verify(services)
    assert result.ok, result.problems
    with services.db.session() as session:
        rows = session.execute(select(AuditEvent.seq, AuditEvent.details)
                               .order_by(AuditEvent.seq)).all()
        assert [seq for seq, _ in rows] == [1, 2, 3, 4, 5, 6]
        assert head(session) == (6, result.head_hash)
    assert [details for _, details in rows] == [{"i": i} for i in (1, 2, 3, 4, 5, 7)]
