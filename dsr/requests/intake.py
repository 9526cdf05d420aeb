"""Intake: every channel (form, API, mail, staff) creates a request here, the same way.

The public answer is produced from what the requester typed alone: no shop lookup happens on
this path, so the answer cannot tell whether an address belongs to a customer. Matching runs
afterwards as a task.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.crypto import keyed_hash
from dsr.rendering import correspondence_languages
from dsr.requests.contracts import RequestedCorrections
from dsr.requests.models import (
    Channel,
    CorrectionSource,
    IdentityClaim,
    Representation,
    Request,
    RequestCorrection,
    RequestType,
)
from workflows import outbox
from workflows.deadlines import Calendar, due_date
from workflows.models import TaskKind

_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CLAIM_KINDS = ("name", "email", "customer_number", "postal_address", "message")
#: What was once kept as a claim and has a table of its own now.
OWN_TABLE_KINDS = frozenset({"acting_as", "deliver_to", "requested_corrections", "corrections"})


class IntakeError(ValueError):
    """The submission cannot become a request; the message says which field and why."""


@dataclass(frozen=True)
class Submission:
    """What a channel hands to intake, already validated by its schema."""

    types: list[str]
    name: str
    email: str
    channel: str
    received_at: datetime
    language: str = "de"
    customer_number: str = ""
    postal_address: str = ""
    message: str = ""
    extra_claims: dict[str, str] = field(default_factory=dict)
    channel_authenticated: bool | None = None
    requested_corrections: RequestedCorrections = field(default_factory=RequestedCorrections)
    acting_as: str = ""
    deliver_to: str = ""
    #: The consents a withdrawal names (kinds of the shop's consents); empty: every consent.
    consents: tuple[str, ...] = ()
    #: The ground of a restriction, Art. 18(1) lit. a-d; empty when the requester gave none.
    restriction_ground: str = ""


RESTRICTION_GROUNDS = ("a", "b", "c", "d")


def new_reference() -> str:
    return "DSR-" + "".join(secrets.choice(_ALPHABET) for _ in range(7))


def status_code(secret: str, reference: str) -> str:
    """The code printed in the acknowledgement that opens the status page (derived, not stored)."""
    digest = keyed_hash(secret, "status-code", reference)
    return "".join(_ALPHABET[int(digest[i:i + 2], 16) % len(_ALPHABET)] for i in range(0, 16, 2))


def submit(session: Session, submission: Submission, *, calendar: Calendar,
           connectors: list[str], actor: str = "customer") -> Request:
    """Create the request, its claims, the audit event and its first tasks; flushes."""
    types = list(dict.fromkeys(submission.types))
    unknown = [t for t in types if t not in RequestType.__members__.values()]
    if not types or unknown:
        raise IntakeError(f"types: unknown request type {unknown[0]!r}" if unknown
                          else "types: choose at least one request type")
    if submission.channel not in Channel.__members__.values():
        raise IntakeError(f"channel: unknown channel {submission.channel!r}")
    if submission.received_at.tzinfo is None:
        raise IntakeError("received_at: needs a time zone")
    consents = tuple(dict.fromkeys(submission.consents))
    if consents and RequestType.CONSENT_WITHDRAWAL not in types:
        raise IntakeError("consents: only with a withdrawal of consent (consent_withdrawal)")
    ground = submission.restriction_ground.strip().lower()
    if ground and ground not in RESTRICTION_GROUNDS:
        raise IntakeError("restriction_ground: one of a, b, c, d (Art. 18(1) GDPR)")
    if ground and RequestType.RESTRICTION not in types:
        raise IntakeError("restriction_ground: only with a request for restriction")
    reference = new_reference()
    while session.scalar(select(Request.id).where(Request.reference == reference)):
        reference = new_reference()
    request = Request(reference=reference, types=types, channel=submission.channel,
                      language=(submission.language if submission.language in correspondence_languages()
                                else "de"),
                      received_at=submission.received_at,
                      channel_authenticated=submission.channel_authenticated,
                      due_on=due_date(submission.received_at, calendar),
                      withdrawn_consents=list(consents) or None,
                      restriction_ground=ground or None)
    values = {"name": submission.name, "email": submission.email.strip(),
              "customer_number": submission.customer_number,
              "postal_address": submission.postal_address, "message": submission.message,
              **submission.extra_claims}
    own_tables = OWN_TABLE_KINDS & set(submission.extra_claims)
    if own_tables:  # a programming error: these are not claims since migration 0032
        raise ValueError(f"not a claim: {sorted(own_tables)[0]}")
    request.claims = [IdentityClaim(kind=k, value=v.strip()) for k, v in values.items() if v and v.strip()]
    requested = submission.requested_corrections
    if requested:
        request.corrections = [RequestCorrection(source=CorrectionSource.REQUESTED,
                                                 values=dict(requested.fields),
                                                 note=requested.note)]
    acting_as, deliver_to = submission.acting_as.strip(), submission.deliver_to.strip()
    if acting_as or deliver_to:
        request.representation = Representation(acting_as=acting_as or None,
                                                deliver_to=deliver_to or None)
    session.add(request)
    session.flush()
    # An objection or a withdrawal stops advertising to the address given at once, before
    # any lookup or verification (dsr.changes.suppression: the one exception to "nothing
    # before approval"); its task comes first.
    stops = bool({RequestType.OBJECTION, RequestType.CONSENT_WITHDRAWAL} & set(types))
    outbox.add_first_tasks(session, request.id, [
        *(((TaskKind.SUPPRESS, "", outbox.QUEUE_CONNECTORS),) if stops else ()),
        (TaskKind.ACKNOWLEDGE, "", outbox.QUEUE_MAIL),
        *((TaskKind.DISCOVER, name, outbox.QUEUE_CONNECTORS) for name in connectors)])
    # Last: appending to the audit chain locks its head row until the commit, and every
    # other submission waits for that lock; nothing else of the submission runs under it.
    append_event(session, actor=actor, action=AuditAction.RECEIVED, request_id=request.id,
                 to_state="received", details={"channel": request.channel, "types": types})
    return request
