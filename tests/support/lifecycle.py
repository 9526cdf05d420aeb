"""Test set-up: move a request along the lifecycle's main path as the operations would, each
step through ``transition()`` with the facts its guards ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from dsr.requests.contracts import MatchEntry, MatchTable
from dsr.requests.models import Request
from workflows.states import Facts, State, Step, transition

if TYPE_CHECKING:
    from dsr.context import Services

#: The main path: the step that reaches each state.
MAIN_PATH = {State.AWAITING_VERIFICATION: Step.DISCOVERED, State.VERIFIED: Step.VERIFY,
             State.PROCESSING: Step.PROCESS, State.REVIEW: Step.DRAFTED,
             State.EXECUTING: Step.APPROVE}
FACTS = Facts(method="manual", decisions=1, norm="Art. 12(5)")


def walk_to(session: Session, request: Request, target: State, *, actor: str = "system") -> None:
    """Take the main path's steps from the request's state up to ``target``. A request no
    system has searched yet gets a match table naming the shop as found (one subject)."""
    if not request.match_table:
        MatchTable({"shop": MatchEntry(subjects=1, claims={"email": "match"},
                                       searched=("email",))}).store_on(request)
    states = list(MAIN_PATH)
    start = states.index(State(request.status)) + 1 if request.status in MAIN_PATH else 0
    for state in states[start:states.index(target) + 1]:
        transition(session, request, MAIN_PATH[state], actor=actor, facts=FACTS)


def approve_defaults_and_release(services: Services, request_id: int) -> None:
    """A request in review approved with the default decisions for what was found, its answer
    released; every task run in between (the embedded runner)."""
    from dsr.answers import operations as reports
    from dsr.requests import operations as actions
    from workflows.runner import run_pending

    with services.db.session() as session:
        req = session.get(Request, request_id)
        assert req is not None
        actions.approve(session, req, actor="user:0", user_id=None,
                        decisions=actions.default_decisions(
                            req, reports.found_categories(session, request_id)))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:0")
    run_pending(services)
