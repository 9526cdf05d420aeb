"""The lifecycle table: every edge moves and is audited when its guards hold, refuses when
one does not, starts only the tasks it names; steps that start nowhere are refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.lifecycle import MAIN_PATH
from workflows import outbox
from workflows.models import Task, TaskKind, TaskStatus
from workflows.states import (
    EDGES,
    TERMINAL_STATES,
    TRANSITIONS,
    Facts,
    State,
    Step,
    TransitionError,
    edge,
    transition,
)

#: Facts under which every guard that reads facts holds.
HOLDING = Facts(method="manual", nothing_to_disclose=True, decisions=1, norm="Art. 12(5)")
#: Each guard that reads facts, and the facts under which it does not hold.
BROKEN_FACTS = {"method": replace(HOLDING, method=""),
                "nothing_to_disclose": replace(HOLDING, nothing_to_disclose=False),
                "decided": replace(HOLDING, decisions=0),
                "norm": replace(HOLDING, norm="  ")}


def _request(services: Services, session: Session) -> Request:
    return submit(session, Submission(types=["access"], name="Max Muster", email="max@example.org",
                                      channel=Channel.FORM.value, received_at=CLOCK.now()),
                  calendar=services.calendar, connectors=[])


def _at(session: Session, request: Request, source: State, other: Request, *,
        breaking: str | None = None) -> Facts:
    """Put ``request`` in ``source`` with every guard holding but ``breaking``; the facts."""
    session.execute(update(Task).where(Task.request_id == request.id)
                    .values(status=TaskStatus.DONE.value))
    request.status = source.value
    request.match_table = None if breaking == "searched" else {
        "shop": {"claims": {"email": "match"}, "subjects": 1, "searched": ["email"]}}
    request.released_at = None if breaking == "released" else CLOCK.now()
    request.merged_into_id = None if breaking == "merged_into" else other.id
    if breaking in ("gathered", "finished"):
        outbox.add_task(session, kind=TaskKind.COLLECT, request_id=request.id, connector="shop")
    session.flush()
    return BROKEN_FACTS.get(breaking or "", HOLDING)


def _last_event(session: Session, request: Request) -> AuditEvent | None:
    return session.scalars(select(AuditEvent).where(AuditEvent.request_id == request.id)
                           .order_by(AuditEvent.seq.desc())).first()


def test_every_edge_moves_audits_and_starts_only_its_tasks_when_its_guards_hold(
        services: Services) -> None:
    with services.db.session() as session:
        for e in EDGES:
            other, req = _request(services, session), _request(services, session)
            move = transition(session, req, e.step, actor="user:1",
                              facts=_at(session, req, e.source, other))
            event = _last_event(session, req)
            assert event is not None and req.status == e.target, e
            assert (event.action, event.from_state, event.to_state, event.actor) == (
                "transition", e.source.value, e.target.value, "user:1"), e
            assert event.details["step"] == e.step.value
            assert move.edge == e
            for kind in TaskKind:
                if kind in e.starts:
                    task = move.start(session, kind, connector="shop")
                    assert (task.kind, task.request_id) == (kind.value, req.id)
                else:
                    with pytest.raises(ValueError, match="does not start"):
                        move.start(session, kind, connector="shop")


def test_every_guard_refuses_its_step_when_it_does_not_hold(services: Services) -> None:
    guarded = [(e, g) for e in EDGES for g in e.guards]
    assert {g.name for _, g in guarded} == {
        "searched", "method", "nothing_to_disclose", "gathered", "decided", "released",
        "finished", "norm", "merged_into"}
    with services.db.session() as session:
        for e, guard in guarded:
            other, req = _request(services, session), _request(services, session)
            facts = _at(session, req, e.source, other, breaking=guard.name)
            before = _last_event(session, req)
            with pytest.raises(TransitionError) as refused:
                transition(session, req, e.step, actor="user:1", facts=facts)
            assert refused.value.msgid == guard.msgid, (e, guard.name)
            assert req.status == e.source
            assert _last_event(session, req) == before


def test_a_step_from_a_state_it_does_not_leave_is_refused(services: Services) -> None:
    with services.db.session() as session:
        other = _request(services, session)
        for source in State:
            for step in Step:
                if edge(source, step) is not None:
                    continue
                req = _request(services, session)
                _at(session, req, source, other)
                with pytest.raises(TransitionError) as refused:
                    transition(session, req, step, actor="system", facts=HOLDING)
                assert refused.value.msgid == "err_transition_not_now"
                assert req.status == source


def test_no_data_found_is_one_step_of_its_own() -> None:
    """Nothing is verified, processed or reviewed on the way: one edge, one audit event."""
    found = edge(State.AWAITING_VERIFICATION, Step.NO_DATA_FOUND)
    assert found is not None and found.target == State.EXECUTING
    assert found.starts == frozenset({TaskKind.SEND_NO_DATA})
    assert {g.name for g in found.guards} == {"searched", "nothing_to_disclose"}


def test_the_table_is_read_from_the_edges() -> None:
    assert {(s, t) for s, targets in TRANSITIONS.items() for t in targets} == {
        (e.source, e.target) for e in EDGES}
    assert {State.COMPLETED, State.REJECTED, State.WITHDRAWN, State.MERGED} == TERMINAL_STATES
    assert len({(e.source, e.step) for e in EDGES}) == len(EDGES)  # one edge per state and step
    every_state_reached = {e.target for e in EDGES} | {State.RECEIVED}
    assert every_state_reached == set(State)
    assert set(MAIN_PATH.values()) <= {e.step for e in EDGES}


def test_every_guard_has_a_german_and_an_english_message() -> None:
    from babel.messages.pofile import read_po

    from dsr.catalogs import CATALOG_ROOT

    for language in ("de", "en"):
        ids = set()
        for path in (CATALOG_ROOT / language / "LC_MESSAGES").glob("*.po"):
            with path.open("rb") as handle:
                ids |= {m.id for m in read_po(handle) if m.string}
        assert {g.msgid for e in EDGES for g in e.guards} <= ids, language


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
