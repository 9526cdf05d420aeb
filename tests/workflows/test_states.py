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
            transition(session, req, target, actor="user:1", details={"method": "manual"},
                       inputs={"decisions": [Decided("granted")], "plan_changed": None,
                               "contest_review_missing": None})
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
            transition(session, req, step, actor="system", details={"method": "manual"})
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


# --- every edge of the table, its guards and the tasks it starts ----------------------------

from dataclasses import dataclass  # noqa: E402
from datetime import timedelta  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import update  # noqa: E402

from dsr.requests.models import Outcome  # noqa: E402
from workflows import states  # noqa: E402
from workflows.kinds import TaskKind  # noqa: E402
from workflows.models import Task  # noqa: E402

#: Types for which every task an edge names is needed (disclosing, changing, contesting).
ALL_TYPES = ["access", "erasure", "contest_decision"]
NOTHING = {"shop": {"subjects": [], "proposals": [], "conflict": False}}


@dataclass
class Case:
    """One move being prepared: the request's columns, the reason, details and inputs."""

    columns: dict[str, Any]
    reason: str | None
    details: dict[str, Any]
    inputs: dict[str, Any]


@dataclass(frozen=True)
class Decided:
    outcome: str
    reason: str = ""


def _good(edge: states.Edge) -> Case:
    """What makes every guard of ``edge`` hold."""
    case = Case(columns={}, reason=None, details={}, inputs={
        "connectors": ["shop"], "plans": [("shop", 0)], "decisions": [Decided("granted")],
        "plan_changed": None, "contest_review_missing": None, "why": "abusive"})
    names = {g.name for g in edge.guards}
    if "method_named" in names:
        case.details["method"] = "manual"
    if edge.reason:
        case.reason = edge.reason
    if "nothing_found" in names:
        case.columns["match_table"] = NOTHING
    if "released" in names:
        case.columns["released_at"] = CLOCK.now()
    if "norm_and_reason" in names:
        case.reason = "Art. 12(5)"
    return case


#: For every guard: how to make it fail, and the reason it must give.
BREAKS: dict[str, tuple[Any, str]] = {
    "method_named": (lambda c: c.details.update(method="guess"),
                     "method: one of manual, email_code, signed_in, id_document, "
                     "power_of_attorney"),
    "nothing_found": (lambda c: c.columns.update(match_table={"shop": {"subjects": [1]}}),
                      "no data found: a system holds a possible match"),
    "released": (lambda c: c.columns.update(released_at=None), "the answer is not released"),
    "decisions_given": (lambda c: c.inputs.update(decisions=[]),
                        "decisions: at least one decision is needed to approve"),
    "outcomes_known": (lambda c: c.inputs.update(decisions=[Decided("maybe")]),
                       "decisions: unknown outcome 'maybe'"),
    "refusals_reasoned": (lambda c: c.inputs.update(decisions=[Decided("refused")]),
                          "decisions: a partly granted or refused right needs a reason"),
    "plan_current": (lambda c: c.inputs.update(plan_changed="make the plan again"),
                     "make the plan again"),
    "contest_reviewed": (lambda c: c.inputs.pop("contest_review_missing"),
                         "approve: whether the contest was reviewed was not checked"),
    "tasks_finished": (lambda c: c.columns.update(_pending_task=True),
                       "a task of the request is unfinished"),
    "norm_and_reason": (lambda c: c.inputs.update(why="  "),
                        "norm and reason are both needed to reject a request"),
    "merged_target": (lambda c: c.columns.update(merged_into_id=None),
                      "merged: the request to keep is not named"),
    "not_extended": (lambda c: c.columns.update(extended_due_on=CLOCK.today()),
                     "the deadline has been extended already"),
}


def _placed(services: Services, session, state: State, case: Case) -> Request:  # type: ignore[no-untyped-def]
    """A request of ALL_TYPES in ``state`` (set directly: this is the test's setup), its
    intake tasks done, with ``case.columns``."""
    req = submit(session, Submission(types=ALL_TYPES, name="Max Muster", email="max@example.org",
                                     channel=Channel.FORM.value, received_at=CLOCK.now()),
                 calendar=services.calendar, connectors=[])
    session.execute(update(Task).where(Task.request_id == req.id).values(status="done"))
    columns = dict(case.columns)
    if columns.pop("_pending_task", False):
        session.add(Task(dedupe_key=f"{req.id}:x", request_id=req.id, kind="collect",
                         connector="shop", queue="connectors", phase=1, max_attempts=5,
                         status="pending", run_after=CLOCK.now()))
    if state == State.MERGED or "merged_into_id" in columns or state in _MERGEABLE:
        other = submit(session, Submission(types=["access"], name="Max Muster",
                                           email="max@example.org", channel=Channel.EMAIL.value,
                                           received_at=CLOCK.now()),
                       calendar=services.calendar, connectors=[])
        columns.setdefault("merged_into_id", other.id)
    values = {"status": state.value, **columns}
    session.execute(update(Request).where(Request.id == req.id).values(**values))
    session.refresh(req)
    return req


_MERGEABLE = {s for s in State if State.MERGED in TRANSITIONS[s]}


def _edge_id(edge: states.Edge) -> str:
    return f"{edge.name}:{edge.source}->{edge.target}"


def test_every_guard_has_a_case() -> None:
    guards = {g.name for e in states.EDGES for g in e.guards} | {
        g.name for s in states.STEPS for g in s.guards if g.name != "state"}
    assert guards == set(BREAKS)


@pytest.mark.parametrize("edge", states.EDGES, ids=_edge_id)
def test_each_guard_refuses_with_its_reason(services: Services, edge: states.Edge) -> None:
    for guard in edge.guards:
        case = _good(edge)
        breaks, reason = BREAKS[guard.name]
        breaks(case)
        with services.db.session() as session:
            req = _placed(services, session, edge.source, case)
            with pytest.raises(states.Refused) as refused:
                transition(session, req, edge.target, actor="user:1", reason=case.reason,
                           details=case.details, inputs=case.inputs)
            assert (refused.value.guard, refused.value.reason) == (guard.name, reason)
            assert req.status == edge.source.value
            session.rollback()


@pytest.mark.parametrize("edge", states.EDGES, ids=_edge_id)
def test_taking_an_edge_starts_its_tasks_and_writes_one_event(services: Services,
                                                              edge: states.Edge) -> None:
    case = _good(edge)
    with services.db.session() as session:
        req = _placed(services, session, edge.source, case)
        pending_before = session.scalars(select(Task).where(
            Task.request_id == req.id, Task.status == "pending")).all()
        seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        added = transition(session, req, edge.target, actor="user:1", reason=case.reason,
                           details=case.details, inputs=case.inputs)
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq > seq)).all()
        assert req.status == edge.target.value
        assert [(e.action, e.from_state, e.to_state) for e in events] == [
            ("transition", edge.source.value, edge.target.value)]
        assert sorted(t.kind for t in added) == sorted(k.value for k in edge.starts)
        for task in added:
            spec = states.TASKS[TaskKind(task.kind)]
            assert (task.queue, task.phase, task.status) == (spec.queue, spec.phase, "pending")
        if edge.waives:
            assert all(t.status == "waived" for t in pending_before)


def test_every_state_pair_outside_the_table_is_refused(services: Services) -> None:
    with services.db.session() as session:
        for source in State:
            for target in State:
                if (source, target) in states.EDGE_FOR:
                    continue
                req = Request(reference="DSR-TEST", status=source.value)
                with pytest.raises(TransitionError) as refused:
                    transition(session, req, target, actor="system")
                assert not isinstance(refused.value, states.Refused)
                assert "is not allowed" in str(refused.value)
        # An edge kept for one reason is no edge for any other move.
        for edge in (e for e in states.EDGES if e.reason):
            req = Request(reference="DSR-TEST", status=edge.source.value)
            with pytest.raises(TransitionError, match="is not allowed"):
                transition(session, req, edge.target, actor="system", reason="other")


def test_a_request_is_never_moved_out_of_a_terminal_state() -> None:
    assert {State.COMPLETED, State.REJECTED, State.WITHDRAWN,
                                      State.MERGED} == states.TERMINAL_STATES
    assert not [e for e in states.EDGES if e.source in states.TERMINAL_STATES]


@pytest.mark.parametrize("step", states.STEPS, ids=lambda s: s.name)
def test_each_step_refuses_in_the_wrong_state_and_starts_its_tasks(services: Services,
                                                                   step: states.Step) -> None:
    inside = State.EXECUTING
    outside = State.COMPLETED if step is states.RELEASE else State.REJECTED
    with services.db.session() as session:
        req = _placed(services, session, outside, Case({"released_at": CLOCK.now()}, None, {}, {}))
        with pytest.raises(states.Refused) as refused:
            states.take(session, req, step, actor="user:1")
        assert refused.value.guard == "state"
        assert req.status in str(refused.value)
        for guard in step.guards:
            if guard.name == "state":
                continue
            case = Case({}, None, {}, {})
            BREAKS[guard.name][0](case)
            req = _placed(services, session, inside, case)
            with pytest.raises(states.Refused) as refused:
                states.take(session, req, step, actor="user:1")
            assert refused.value.reason == BREAKS[guard.name][1]
        req = _placed(services, session, inside, Case({}, None, {}, {}))
        added = states.take(session, req, step, actor="user:1", details={"n": 1})
        assert sorted(t.kind for t in added) == sorted(k.value for k in step.starts)
        event = session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
        assert (event.action, event.request_id, event.details) == (step.audit.value, req.id,
                                                                   {"n": 1})
        assert req.status == inside.value


def test_the_status_constraint_is_built_from_the_states() -> None:
    from sqlalchemy import CheckConstraint

    constraint = next(c for c in Request.__table__.constraints
                      if isinstance(c, CheckConstraint) and "status IN" in str(c.sqltext))
    assert str(constraint.sqltext) == states.status_check()
    assert states.status_check() == ("status IN ('received', 'awaiting_verification', "
                                     "'verified', 'processing', 'review', 'executing', "
                                     "'completed', 'rejected', 'withdrawn', 'merged')")


def test_the_engine_knows_the_outcomes_and_methods_the_domains_use() -> None:
    from dsr.verification.policy import AUTOMATIC_METHODS

    assert set(states.OUTCOMES) == {o.value for o in Outcome}
    assert set(AUTOMATIC_METHODS) <= set(states.AUTOMATIC_METHODS)


def test_every_task_kind_has_its_job() -> None:
    import dsr.app  # noqa: F401  (registers every job)
    from workflows.jobs import JOBS

    assert {TaskKind(k) for k in JOBS if k in TaskKind.__members__.values()} == set(TaskKind)
    assert len(TaskKind) == 14


def test_no_data_found_is_one_edge_with_one_event(services: Services) -> None:
    from dsr.requests import operations
    from dsr.requests.no_data import answer_no_data

    with services.db.session() as session:
        req = _placed(services, session, State.AWAITING_VERIFICATION,
                      Case({"match_table": NOTHING}, None, {}, {}))
        seq = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
        answer_no_data(session, req, actor="user:1")
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq > seq)).all()
        assert [(e.action, e.from_state, e.to_state, e.details["reason"]) for e in events] == [
            ("transition", "awaiting_verification", "executing", "no_data")]
        tasks = session.scalars(select(Task).where(Task.request_id == req.id,
                                                   Task.status == "pending")).all()
        assert [t.kind for t in tasks] == ["send_no_data"]
        assert req.released_at is not None
        # The request completes once the letter has gone, along the ordinary edge.
        assert not operations.complete_if_done(session, req, actor="system")
        tasks[0].status = "done"
        CLOCK.advance(timedelta(seconds=1))
        assert operations.complete_if_done(session, req, actor="system")
        assert req.status == State.COMPLETED
