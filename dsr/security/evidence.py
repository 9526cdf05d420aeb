"""What a coordinator's identity decision must rest on: a power of attorney found valid needs
the document on file, and accepting a power of attorney or an ID copy needs the name check
recorded (the name on the document is the subject's)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.documents import Document
from dsr.errors import ServiceError
from dsr.mail.models import InboundMessage
from dsr.requests.models import Request
from dsr.verification.models import VerificationStep

NAME_MATCHES = "match"


class EvidenceMissing(ServiceError):
    """The decision lacks the evidence it must rest on; the message (and its id) says which."""


def power_of_attorney_on_file(session: Session, request: Request) -> bool:
    """A letter recorded as enclosing a power of attorney, a scanned letter, or mail for this
    request that came with an attachment kept as evidence."""
    for step in session.scalars(select(VerificationStep).where(
            VerificationStep.request_id == request.id,
            VerificationStep.kind == "postal_evidence")):
        if "power_of_attorney_enclosed" in (step.details or {}).get("evidence", []):
            return True
    if session.scalar(select(Document.id).where(Document.request_id == request.id,
                                                Document.kind == "letter_scan",
                                                Document.deleted_at.is_(None))):
        return True
    return any(a.get("kind") == "kept" for inbound in session.scalars(
        select(InboundMessage).where(InboundMessage.request_id == request.id))
        for a in (inbound.attachments or []))


def require_name_check(name_check: str) -> None:
    """Raise unless the coordinator recorded that the document's name is the subject's."""
    if name_check != NAME_MATCHES:
        raise EvidenceMissing("record the name check: the name on the document must be the "
                              "subject's", msgid="err_evidence_name_check")


def require_power_of_attorney(session: Session, request: Request, name_check: str) -> None:
    if not power_of_attorney_on_file(session, request):
        raise EvidenceMissing("there is no power of attorney on file (a scanned letter, mail "
                              "with the document, or a letter recorded as enclosing it)",
                              msgid="err_evidence_no_poa")
    require_name_check(name_check)
