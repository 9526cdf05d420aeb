"""The operations take the lifecycle's steps: each starts the tasks its edge names, and the
"no data found" answer is one step with one audit event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import operations as ops
from dsr.requests.models import Request
from dsr.requests.no_data import answer_no_data
from tests.support.verification import new_request
from workflows.models import Task, TaskKind
from workflows.runner import run_pending
from workflows.states import State, Step, edge


@contextmanager
def started(session: Session, request_id: int) -> Iterator[set[TaskKind]]:
    """The kinds of the tasks the block adds to the request."""
    def kinds() -> set[int]:
        return set(session.scalars(select(Task.id).where(Task.request_id == request_id)))

    before, found = kinds(), set[TaskKind]()
    yield found
    session.flush()
    found |= {TaskKind(t.kind) for t in session.scalars(
        select(Task).where(Task.id.in_(kinds() - before)))}


def _steps(session: Session, request_id: int) -> list[tuple[str, str, str]]:
    return [(e.from_state, e.to_state, e.details.get("step", "")) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == request_id,
                                 AuditEvent.action == "transition").order_by(AuditEvent.seq))]


def _names(state: State, step: Step) -> frozenset[TaskKind]:
    found = edge(state, step)
    assert found is not None
    return found.starts


def test_the_main_path_starts_the_tasks_each_edge_names(demo_services: Services) -> None:
    services = demo_services
    request_id = new_request(services, types=("access", "erasure"))
    systems = list(services.config.connectors)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req is not None and req.status == State.AWAITING_VERIFICATION
        assert session.scalar(select(Task.kind).where(
            Task.request_id == request_id, Task.kind == TaskKind.VERIFY_IDENTITY.value))
        ops.verify(session, req, actor="user:1", method="manual")
        with started(session, request_id) as kinds:
            ops.process(session, req, actor="user:1", connectors=systems)
        assert kinds == _names(State.VERIFIED, Step.PROCESS) == {
            TaskKind.COLLECT, TaskKind.PLAN, TaskKind.COMPILE}
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req is not None and req.status == State.REVIEW
        with started(session, request_id) as kinds:
            ops.approve(session, req, actor="user:1", user_id=None,
                        decisions=ops.default_decisions(req, ["master_data"]))
        assert kinds <= _names(State.REVIEW, Step.APPROVE)
        assert TaskKind.FINALISE in kinds
    with services.db.session() as session:
        assert [step for *_, step in _steps(session, request_id)] == [
            "discovered", "verify", "process", "drafted", "approve"]


def test_a_refusal_starts_the_refusal_letter_only(demo_services: Services) -> None:
    request_id = new_request(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert req is not None
        with started(session, request_id) as kinds:
            ops.reject(session, req, actor="user:1", user_id=None, norm="Art. 12(5)",
                       reason="offenkundig unbegründet")
        assert kinds == _names(State.AWAITING_VERIFICATION, Step.REJECT) == {
            TaskKind.NOTIFY_REFUSAL}


def test_no_data_found_is_one_step_and_starts_the_negative_answer(demo_services: Services) -> None:
    request_id = new_request(demo_services, name="Niemand Unbekannt",
                             email_address="niemand@example.net")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert req is not None and req.status == State.AWAITING_VERIFICATION
        with started(session, request_id) as kinds:
            answer_no_data(session, req, actor="user:1")
        assert kinds == _names(State.AWAITING_VERIFICATION, Step.NO_DATA_FOUND)
        assert req.status == State.EXECUTING and req.released_at is not None
        # Nothing was verified, processed or reviewed: the chain says so.
        assert _steps(session, request_id) == [
            ("received", "awaiting_verification", "discovered"),
            ("awaiting_verification", "executing", "no_data_found")]
