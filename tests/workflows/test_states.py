"""The workflow table: allowed moves pass and are audited, others are refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from workflows.states import TRANSITIONS, State, TransitionError, transition


def _request(services: Services, session) -> Request:  # type: ignore[no-untyped-def]
    return submit(session, Submission(types=["access"], name="Max Muster", email="max@example.org",
                                      channel=Channel.FORM.value, received_at=CLOCK.now()),
                  calendar=services.calendar, connectors=[])


def test_happy_path_is_allowed_and_audited(services: Services) -> None:
    path = [State.AWAITING_VERIFICATION, State.VERIFIED, State.PROCESSING, State.REVIEW,
            State.EXECUTING]
    with services.db.session() as session:
        req = _request(services, session)
        for target in path:
            transition(session, req, target, actor="user:1")
        events = session.scalars(select(AuditEvent).where(AuditEvent.request_id == req.id)
                                 .order_by(AuditEvent.seq)).all()
    assert [e.to_state for e in events] == ["received"] + [s.value for s in path]
    assert all(e.actor for e in events)


@pytest.mark.parametrize("start,target", [
    (State.RECEIVED, State.PROCESSING),
    (State.AWAITING_VERIFICATION, State.EXECUTING),
    (State.VERIFIED, State.COMPLETED),
    (State.REVIEW, State.COMPLETED),
])
def test_skipping_a_step_is_refused(services: Services, start: State, target: State) -> None:
    with services.db.session() as session:
        req = _request(services, session)
        walk = [State.AWAITING_VERIFICATION, State.VERIFIED, State.PROCESSING, State.REVIEW]
        for step in walk[: walk.index(start) + 1] if start != State.RECEIVED else []:
            transition(session, req, step, actor="system")
        with pytest.raises(TransitionError):
            transition(session, req, target, actor="system")


def test_terminal_states_have_no_exit() -> None:
    for state in (State.COMPLETED, State.REJECTED, State.WITHDRAWN, State.MERGED):
        assert TRANSITIONS[state] == frozenset()


def test_completed_needs_a_released_answer_in_the_database(services: Services) -> None:
    from sqlalchemy.exc import IntegrityError

    with services.db.session() as session:
        req = _request(services, session)
        req_id = req.id
    with pytest.raises(IntegrityError), services.db.engine.begin() as conn:
        conn.execute(text("UPDATE requests SET status = 'completed' WHERE id = :i"), {"i": req_id})


def test_the_status_constraint_is_built_from_the_one_state_enum(services: Services) -> None:
    """A state added to the enum is a state the database accepts; anything else it refuses."""
    from sqlalchemy.exc import IntegrityError

    with services.db.session() as session:
        req = _request(services, session)
        for state in State:
            session.execute(text("UPDATE requests SET status = :s, merged_into_id = :m, "
                                 "released_at = CURRENT_TIMESTAMP WHERE id = :id"),
                            {"s": state.value, "m": req.id, "id": req.id})
        with pytest.raises(IntegrityError):
            session.execute(text("UPDATE requests SET status = 'lost' WHERE id = :id"),
                            {"id": req.id})
