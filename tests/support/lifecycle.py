"""Test set-up: move a request along the lifecycle's main path as the operations would, each
step through ``transition()`` with the facts its guards ask for."""

from __future__ import annotations

from sqlalchemy.orm import Session

from dsr.requests.contracts import MatchEntry, MatchTable
from dsr.requests.models import Request
from workflows.states import Facts, State, Step, transition

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
