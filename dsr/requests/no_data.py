"""The negative answer: nothing about the requester was found in any system.

It goes to the address that was searched and lists the identifiers and systems checked; it
needs no match on file, since it discloses nothing. The request is answered (each requested
right granted with "no data found"), released, and completes once the letter has gone, so a
request never stalls past its deadline because a non-customer cannot be matched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dsr.clock import clock_of
from dsr.requests.models import Decision, Outcome, Request
from dsr.requests.operations import NORMS
from dsr.verification.steps import VerificationError, record
from workflows import states
from workflows.states import State, transition

REASON = "Keine Daten gefunden / no data found"
#: Identifier kinds the answer lists (with the values the requester gave).
LISTED = ("email", "customer_number", "name", "postal_address")


#: True when every system was checked and none holds a subject or a proposal (the guard of
#: the ``no_data`` edge).
nothing_found = states.nothing_found


def checked(request: Request, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What the answer lists: the identifiers searched (as the requester gave them) and the
    systems searched, by label in the request's language."""
    kinds = {kind for found in (request.match_table or {}).values()
             for kind in found.get("searched", [])}
    identifiers = [(kind, request.claim(kind)) for kind in LISTED
                   if kind in kinds and request.claim(kind)]
    systems = [labels.get(name, {}).get(request.language, name)
               for name in (request.match_table or {})]
    return {"identifiers": identifiers, "systems": systems}


def answer_no_data(session: Session, request: Request, *, actor: str) -> None:
    """Answer "no data found" along its own edge (awaiting verification -> executing, one
    audit event): decisions recorded, the answer released, the letter queued; the request
    completes once the letter has gone."""
    if request.status != State.AWAITING_VERIFICATION:
        raise VerificationError(f"no data found: the request is {request.status}")
    if not nothing_found(request):
        raise VerificationError("no data found: a system holds a possible match")
    for right in request.types:
        session.add(Decision(request_id=request.id, right=right, category="*",
                             outcome=Outcome.GRANTED.value, norm=NORMS[right], reason=REASON))
    request.released_at = clock_of(session).now()
    record(session, request, "no_data_found", "ok", actor)
    try:
        transition(session, request, State.EXECUTING, actor=actor, reason=states.NO_DATA,
                   details={"method": "not_required", "decisions": len(request.types),
                            "answer": "no_data_found"})
    except states.Refused as exc:
        raise VerificationError(exc.reason) from None
