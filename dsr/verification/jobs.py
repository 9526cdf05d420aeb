"""Jobs of the identity verification: after matching, check the shop token, stop advertising
for heirs, verify when the policy is already met, and send the one-time code to the address
on file; tell the subject about a representative; send the negative answer; and the periodic
"no data found" answer and ID-copy expiry."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.answers import postal
from dsr.answers.article15 import request_retention
from dsr.audit import AuditAction, append_event
from dsr.correspondence import notices
from dsr.documents import Document
from dsr.requests import no_data
from dsr.requests.models import Request
from dsr.requests.subjects import load_request
from dsr.verification import codes, id_copies, steps
from dsr.verification.models import VerificationStep
from workflows.deadlines import days_left
from workflows.jobs import SYSTEM, job
from workflows.models import Task, TaskKind
from workflows.states import State

if TYPE_CHECKING:
    from dsr.context import Services


def _sent_by(session: Session, task: Task) -> bool:
    """Whether this task sent its code already (a task may run twice)."""
    return any(step.details.get("task") == task.id for step in session.scalars(
        select(VerificationStep).where(VerificationStep.request_id == task.request_id,
                                       VerificationStep.kind == "code_sent")))


@job(TaskKind.VERIFY_IDENTITY)
def verify_identity(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """After matching (or when the customer asks for a new code): apply the policy, and send a
    one-time code to the e-mail address on file, never to one only the request names."""
    request = load_request(session, task)
    if request.status != State.AWAITING_VERIFICATION:
        return {"skipped": request.status}
    settings, secret = services.config.verification, services.config.secret_key
    steps.check_signed_in(session, request, secret=secret)
    steps.stop_advertising_for_heir(session, request, actor=SYSTEM)
    if steps.verify_if_satisfied(session, request, settings):
        return {"verified": True}
    if _sent_by(session, task):
        return {"sent": False, "why": "already sent"}
    address = steps.on_file_email(request)
    if address is None or request.acting_as == "heir":
        why = "heir" if address else "no_address_on_file"
        steps.record(session, request, "code_not_sent", "info", SYSTEM, why=why)
        return {"sent": False, "why": why}
    code = codes.issue_code(session, request, secret=secret, settings=settings,
                            recipient_hash=notices.recipient_hash(services, address))
    if code is None:
        steps.record(session, request, "code_not_sent", "info", SYSTEM, why="limit_reached")
        return {"sent": False, "why": "code limit reached"}
    notices.send(services, session, template="verification_code", language=request.language,
                 to=address, request=request, code=code, hours=settings["code_minutes"] // 60,
                 verify_url=f"{services.config.base_url}/verify/{request.reference}",
                 representative=bool(request.acting_as))
    steps.record(session, request, "code_sent", "info", SYSTEM, task=task.id,
                 minutes=settings["code_minutes"])
    if request.acting_as:  # the code mail tells the subject who asked for them
        steps.record(session, request, "subject_informed", "info", SYSTEM)
    return {"sent": True}


@job(TaskKind.SEND_NO_DATA)
def send_no_data(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """The negative answer to the address searched, listing identifiers and systems checked:
    a DIN 5008 letter for a postal request (or one that gives no e-mail address)."""
    request = load_request(session, task)
    to = request.claim("email")
    labels = {name: c["label"] for name, c in services.config.connectors.items()}
    # the answer says how long the request itself is kept (the register's period)
    context = {**no_data.checked(request, labels),
               "kept_for": request_retention(services.register, request.language)}
    if (postal.is_postal(request) or not to) and request.claim("postal_address"):
        letter = postal.store_letter(services, session, request, "no_data_found", **context)
        return {"sent": True, "method": "letter", "letter": letter.id}
    if not to:
        return {"sent": False, "why": "no e-mail or postal address"}
    return notices.send_once(services, session, request, "no_data_found", to, **context)


def answer_unmatched(services: Services) -> dict[str, int]:
    """Periodic: a request still waiting for identity with nothing found in any system gets
    the negative answer before its deadline, so it never stalls past it."""
    today = services.clock.today()
    margin = services.config.verification["no_data_answer_days_before_deadline"]
    answered = 0
    with services.db.session() as session:
        for request in session.scalars(select(Request).where(
                Request.status == State.AWAITING_VERIFICATION.value)):
            if no_data.address_unmatched(request) and days_left(request.deadline, today) <= margin:
                no_data.answer_no_data(session, request, actor=SYSTEM)
                answered += 1
    return {"answered": answered}


def expire_id_copies(services: Services) -> dict[str, int]:
    """Periodic: ID copies whose check was decided longer ago than configured are deleted."""
    days = services.config.verification["id_copy_delete_after_days"]
    cutoff = services.clock.now() - timedelta(days=days)
    deleted = 0
    with services.db.session() as session:
        decided = session.scalars(select(VerificationStep.request_id).where(
            VerificationStep.kind == "id_copy_decision", VerificationStep.created_at <= cutoff))
        for request_id in set(decided):
            for doc in session.scalars(select(Document).where(
                    Document.request_id == request_id, Document.kind == id_copies.KIND,
                    Document.deleted_at.is_(None))):
                services.documents.delete(doc)
                append_event(session, actor=SYSTEM, action=AuditAction.DOCUMENT_DELETED,
                             request_id=request_id, details={"kind": doc.kind, "document": doc.id})
                deleted += 1
    return {"deleted": deleted}
