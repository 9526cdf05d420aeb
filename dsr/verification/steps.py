"""The verification history and what moves it: codes confirmed, shop tokens, representatives,
heirs, postal evidence, and the automatic move to ``verified`` when the policy is satisfied.

Every step is a :class:`VerificationStep` (no personal data); the ones that decide something
are audit events as well. Services flush; the edge commits.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.clock import clock_of
from dsr.crypto import keyed_hash
from dsr.errors import ServiceError
from dsr.requests.contracts import SubjectKeys
from dsr.requests.models import Request
from dsr.verification import codes
from dsr.verification.models import VerificationStep
from dsr.verification.policy import AUTOMATIC_METHODS, Assessment, assess, facts_for
from workflows.states import Facts, State, Step, transition

CUSTOMER = "customer"
#: What staff may record as enclosed with a postal request (a coordinator decides on it).
POSTAL_EVIDENCE = ("signature", "sender_address_on_file", "customer_number_given",
                   "id_copy_enclosed", "power_of_attorney_enclosed", "letterhead")


class VerificationError(ServiceError):
    """The step cannot be taken on this request now; the message (and its id) says why."""


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def record(session: Session, request: Request, kind: str, outcome: str, actor: str,
           **details: Any) -> VerificationStep:
    """Append one step to the request's verification history; flushes."""
    step = VerificationStep(request_id=request.id, kind=kind, outcome=outcome, actor=actor,
                            details=details)
    session.add(step)
    session.flush()
    return step


def history(session: Session, request_id: int) -> list[VerificationStep]:
    return list(session.scalars(select(VerificationStep).where(
        VerificationStep.request_id == request_id).order_by(VerificationStep.id)))


def _latest(session: Session, request: Request, kind: str) -> VerificationStep | None:
    return session.scalars(select(VerificationStep).where(
        VerificationStep.request_id == request.id, VerificationStep.kind == kind)
        .order_by(VerificationStep.id.desc()).limit(1)).first()


def assessment(session: Session, request: Request, settings: dict[str, Any]) -> Assessment:
    """The policy's view of ``request`` now: level needed, flags, and what has passed."""
    passed = {s.kind for s in history(session, request.id)
              if s.outcome == "ok" and s.kind in AUTOMATIC_METHODS}
    return assess(facts_for(request, passed), settings)


def verify_if_satisfied(session: Session, request: Request, settings: dict[str, Any]) -> bool:
    """Move the request to ``verified`` (actor ``customer``) when a passed method meets the
    level needed without a coordinator; False otherwise."""
    if request.status != State.AWAITING_VERIFICATION:
        return False
    found = assessment(session, request, settings)
    if not found.automatic:
        return False
    transition(session, request, Step.VERIFY, actor=CUSTOMER, facts=Facts(method=found.satisfied_by or ""),
               details={"method": found.satisfied_by, "level": found.level.name.lower()})
    return True


def on_file_email(request: Request) -> str | None:
    """The e-mail address the matched subject has on file (first system holding one); codes
    and answers go only there, never to an address that only the request names."""
    return SubjectKeys.of(request).first("email")


def confirm_code(session: Session, request: Request, code: str, *, secret: str,
                 settings: dict[str, Any], source: str = "") -> codes.CodeOutcome:
    """The customer enters the e-mailed code: recorded either way, verified when enough.
    ``source`` (a keyed hash of the client address) keeps a stranger's wrong tries their own."""
    outcome = codes.check_code(session, request, code, secret=secret, source=source)
    record(session, request, "email_code", "ok" if outcome == codes.CodeOutcome.OK
           else "refused", CUSTOMER, result=outcome.value)
    if outcome == codes.CodeOutcome.OK:
        verify_if_satisfied(session, request, settings)
    return outcome


def accept_shop_token(session: Session, request: Request, token: str, *, secret: str,
                      settings: dict[str, Any]) -> bool:
    """Check a signed shop token handed in with the request (no shop lookup: the signature
    alone); the customer number it vouches for is kept as a keyed hash for the later match."""
    try:
        number = codes.read_shop_token(settings["shop_token_secret"], token,
                                       max_age=settings["shop_token_max_age_seconds"],
                                       now=clock_of(session).now())
    except codes.TokenError as exc:
        record(session, request, "shop_token", "refused", CUSTOMER, why=str(exc))
        return False
    record(session, request, "shop_token", "ok", CUSTOMER,
           customer=keyed_hash(secret, "shop-token-customer", number.upper()))
    return True


def check_signed_in(session: Session, request: Request, *, secret: str) -> bool:
    """After matching: a valid shop token counts as ``signed_in`` only when the customer it
    vouches for is the subject the match found."""
    token = _latest(session, request, "shop_token")
    if token is None or token.outcome != "ok" or _latest(session, request, "signed_in"):
        return False
    on_file = {keyed_hash(secret, "shop-token-customer", number.upper())
               for number in SubjectKeys.of(request).identifiers("customer_number")}
    ok = token.details.get("customer") in on_file
    record(session, request, "signed_in", "ok" if ok else "refused", CUSTOMER,
           why=None if ok else "token for another customer")
    return ok


def check_power_of_attorney(session: Session, request: Request, *, actor: str,
                            valid: bool, name_check: str = "") -> None:
    """The coordinator's check of a representative's power of attorney; audited. Found valid
    only with the document on file and the name check recorded (dsr.security.evidence)."""
    from dsr.security.evidence import EvidenceMissing, require_power_of_attorney

    if not request.acting_as:
        raise VerificationError("this request names no representative", msgid="err_v_no_representative")
    if valid:
        try:
            require_power_of_attorney(session, request, name_check)
        except EvidenceMissing as exc:
            raise VerificationError(exc.text, msgid=exc.msgid, **exc.params) from None
    record(session, request, "power_of_attorney", "ok" if valid else "refused", actor,
           **({"name_check": name_check} if valid else {}))
    append_event(session, actor=actor, action=AuditAction.POWER_OF_ATTORNEY, request_id=request.id,
                 details={"valid": valid})


def answer_to_representative(session: Session, request: Request, *, actor: str,
                             office_email: str, verified_how: str) -> None:
    """The coordinator decides, on the record, to answer the representative's verified office
    rather than the address on file: needs a power of attorney found valid, the office's
    e-mail address as the coordinator verified it (not merely as the requester typed it) and
    how it was verified (e.g. the bar's public register). The answer's link and code then go
    there (:func:`answer_address`)."""
    poa = _latest(session, request, "power_of_attorney")
    if poa is None or poa.outcome != "ok":
        raise VerificationError("check the power of attorney first", msgid="err_v_poa_first")
    office = office_email.strip()
    if not _EMAIL.fullmatch(office) or len(office) > 254:
        raise VerificationError("give the office's e-mail address as you verified it",
                                msgid="err_v_office_email")
    how = " ".join(verified_how.split())
    if len(how) < 5:
        raise VerificationError("say how the office's address was verified",
                                msgid="err_v_office_how")
    record(session, request, "answer_recipient", "ok", actor, to="representative_office",
           office_email=office, verified_how=how[:300])
    append_event(session, actor=actor, action=AuditAction.ANSWER_RECIPIENT, request_id=request.id,
                 details={"to": "representative_office"})


def answer_address(session: Session, request: Request) -> str | None:
    """The e-mail address the answer goes to when the coordinator decided on the record that
    it goes to the representative's verified office; None: the address on file."""
    step = _latest(session, request, "answer_recipient")
    if step is None or step.details.get("to") != "representative_office":
        return None
    return str(step.details.get("office_email") or "") or None


def answer_recipient(session: Session, request: Request) -> str:
    """Where the answer goes: ``on_file`` unless the coordinator decided otherwise on the
    record. A ``deliver_to`` wish is never followed automatically."""
    step = _latest(session, request, "answer_recipient")
    return str(step.details.get("to")) if step is not None else "on_file"


def stop_advertising_for_heir(session: Session, request: Request, *, actor: str) -> bool:
    """Heirs: advertising to the deceased stops at once (an objection is added to the request
    and recorded); the rest is the coordinator's call. Idempotent."""
    if request.acting_as != "heir" or _latest(session, request, "advertising_stopped"):
        return False
    if "objection" not in request.types:
        request.types = [*request.types, "objection"]
    record(session, request, "advertising_stopped", "ok", actor)
    append_event(session, actor=actor, action=AuditAction.ADVERTISING_STOPPED,
                 request_id=request.id, details={"why": "heir"})
    return True


def record_postal_evidence(session: Session, request: Request, *, actor: str,
                           evidence: list[str]) -> None:
    """Staff record what a letter enclosed; a coordinator decides on it."""
    unknown = [e for e in evidence if e not in POSTAL_EVIDENCE]
    if unknown or not evidence:
        raise VerificationError("evidence: choose from the list", msgid="err_v_evidence_list")
    record(session, request, "postal_evidence", "info", actor, evidence=sorted(set(evidence)))
