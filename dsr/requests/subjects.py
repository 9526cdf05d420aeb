"""The request's subject as each system knows it: the identity its claims make, the match
table's verdicts, the confirmed subject per connector (derived through another where the system
knows the subject only through it), and the request a task belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from connectors.base import Discovery, Identity, Subject
from connectors.capabilities import DerivesSubject, FindsOnItsOwn, capable
from dsr.requests.contracts import MatchEntry, SubjectKeys
from dsr.requests.models import Request
from workflows.models import Task

if TYPE_CHECKING:
    from dsr.context import Services


def load_request(session: Session, task: Task) -> Request:
    request = session.get(Request, task.request_id)
    if request is None:
        raise LookupError(f"task {task.id}: request {task.request_id} is gone")
    return request


def identity_of(request: Request) -> Identity:
    return Identity(email=request.claim("email"), customer_number=request.claim("customer_number"),
                    name=request.claim("name"), postal_address=request.claim("postal_address"))


def match_summary(found: Discovery, identity: Identity) -> MatchEntry:
    """The coordinator's match table for one system: per claim, match / mismatch / not found.

    Only verdicts and counts, no values: the claims themselves are on the request.
    """
    claims: dict[str, str] = {}
    if found.conflict:
        claims = dict.fromkeys(identity.claims(), "conflict")
    elif len(found.matches) == 1:
        checks = found.matches[0].checks
        claims = {kind: ("not_found" if checks.get(kind) == "not_on_file" else checks.get(kind, "not_found"))
                  for kind in identity.claims()}
    else:
        claims = {kind: ("proposed" if found.proposals and kind in ("name", "postal_address")
                         else "not_found") for kind in identity.claims()}
    return MatchEntry(claims=claims, subjects=len(found.matches), proposals=len(found.proposals),
                      conflict=found.conflict, searched=tuple(found.searched))


def subject_for(request: Request, connector: str) -> Subject:
    """The confirmed subject in one system (no keys: nothing found, the answer says so)."""
    stored = SubjectKeys.of(request).get(connector)
    return Subject(keys=stored.keys, identifiers=dict(stored.identifiers))


def subject_in(services: Services, request: Request, name: str) -> Subject:
    """The confirmed subject as connector ``name`` knows it (derived from its source's)."""
    derived = capable(services.connectors[name], DerivesSubject)
    source = derived.subject_from if derived is not None else ""
    if derived is not None and source and source in services.connectors:
        subject = derived.derive_subject(services.connectors[source],
                                         subject_for(request, source))
        if not subject.keys and capable(services.connectors[name], FindsOnItsOwn) is not None:
            # nobody in the shop: the subject this system found by the claims itself, if any
            # (keys, or an address alone: a subscriber without a shop account)
            own = subject_for(request, name)
            return own if own.keys or any(own.identifiers.values()) else subject
        return subject
    return subject_for(request, name)
