"""The negative answer: nothing about the requester was found in any system.

It goes to the address that was searched and lists the identifiers and systems checked; it
needs no match on file, since it discloses nothing. The request is answered (each requested
right granted with "no data found"), released, and completes once the letter has gone, so a
request never stalls past its deadline because a non-customer cannot be matched.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.requests.contracts import MatchTable
from dsr.requests.models import Decision, Outcome, Request
from dsr.requests.operations import NORMS
from dsr.verification.steps import VerificationError, record
from workflows import outbox
from workflows.models import TaskKind
from workflows.states import Facts, State, Step, transition

REASON = "Keine Daten gefunden / no data found"
#: Identifier kinds the answer lists (with the values the requester gave).
LISTED = ("email", "customer_number", "name", "postal_address")


def nothing_found(request: Request) -> bool:
    """True when every system was checked and none holds a subject or a proposal."""
    table = MatchTable.of(request)
    return bool(table) and not any(found.found_anything for _, found in table.items())


def address_unmatched(request: Request) -> bool:
    """True when every system was checked and none holds the address the answer goes to (the
    e-mail address, else the postal address). What the other claims (name, customer number)
    match plays no part, so the automatic answer, or its absence, tells a requester nothing
    about whether they belong to someone else."""
    table = request.match_table or {}
    kind = "email" if request.claim("email") else "postal_address"
    return bool(table) and all(
        not found.get("conflict") and (found.get("claims") or {}).get(kind) != "match"
        for found in table.values())


def checked(request: Request, labels: dict[str, dict[str, str]]) -> dict[str, Any]:
    """What the answer lists: the identifiers searched (as the requester gave them) and the
    systems searched, by label in the request's language."""
    table = MatchTable.of(request)
    kinds = table.searched_kinds()
    listed: tuple[str, ...] = LISTED
    if not nothing_found(request):  # answered for the address alone: list only the address
        listed = ("email",) if request.claim("email") else ("postal_address",)
    identifiers = [(kind, request.claim(kind)) for kind in listed
                   if kind in kinds and request.claim(kind)]
    systems = [labels.get(name, {}).get(request.language, name)
               for name in table]
    return {"identifiers": identifiers, "systems": systems}


def answer_no_data(session: Session, request: Request, *, actor: str) -> None:
    """Answer "no data found": decisions recorded, the answer released, the letter queued."""
    if request.status != State.AWAITING_VERIFICATION:
        raise VerificationError(f"no data found: the request is {request.status}")
    nothing = nothing_found(request) or address_unmatched(request)
    if not nothing:
        raise VerificationError("no data found: a system holds a possible match")
    # One step of its own: nothing was verified, processed or reviewed, and the audit chain
    # says so (awaiting_verification -> executing, step no_data_found).
    move = transition(session, request, Step.NO_DATA_FOUND, actor=actor,
                      facts=Facts(nothing_to_disclose=nothing),
                      details={"method": "not_required", "decisions": len(request.types)})
    for right in request.types:
        session.add(Decision(request_id=request.id, right=right, category="*",
                             outcome=Outcome.GRANTED.value, norm=NORMS[right], reason=REASON))
    request.released_at = clock_of(session).now()
    record(session, request, "no_data_found", "ok", actor)
    append_event(session, actor=actor, action=AuditAction.RELEASED, request_id=request.id,
                 details={"answer": "no_data_found"})
    move.start(session, TaskKind.SEND_NO_DATA, queue=outbox.QUEUE_MAIL)
