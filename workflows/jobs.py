"""The jobs: one function per task kind. Each takes the services, a session and its task row,
calls connectors and services, and returns a small JSON-safe result (no personal data).

``dsr.worker.run_task`` claims the row, runs the job, commits, and retries on failure; a job
must be idempotent: running it twice leaves the same state.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import (
    AccessResult,
    Discovery,
    Identity,
    NotYetAvailable,
    RequestAccessConnector,
    Subject,
)
from dsr.models import Decision, OutgoingMail, Request, Task
from dsr.services import contest, notices, outbox, postal, redaction, reports
from dsr.services.intake import status_code
from workflows.states import State, transition

if TYPE_CHECKING:
    from dsr.context import Services

Job = Callable[["Services", Session, Task], dict[str, Any] | None]
JOBS: dict[str, Job] = {}
SYSTEM = "system"


class NotReady(Exception):  # noqa: N818 - a state, not an error
    """Raised by a job whose outside system has not finished yet (a processor still working on
    an OpenGDPR request): the task goes back to pending and runs again after ``seconds``,
    without using up an attempt. ``why`` is shown in the queue (no personal data)."""

    def __init__(self, why: str, seconds: int) -> None:
        super().__init__(why)
        self.why = why
        self.seconds = seconds


def job(kind: str) -> Callable[[Job], Job]:
    def register(fn: Job) -> Job:
        JOBS[kind] = fn
        return fn

    return register


def _request(session: Session, task: Task) -> Request:
    request = session.get(Request, task.request_id)
    if request is None:
        raise LookupError(f"task {task.id}: request {task.request_id} is gone")
    return request


@job("acknowledge")
def acknowledge(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """The acknowledgement with reference, deadline and status code; a few per address an hour."""
    request = _request(session, task)
    to = request.claim("email")
    if not to:
        return {"sent": False, "why": "no e-mail address given"}
    recent = session.scalar(select(func.count(OutgoingMail.id)).where(
        OutgoingMail.recipient_hash == notices.recipient_hash(services, to),
        OutgoingMail.template == "acknowledgement",
        OutgoingMail.created_at > services.clock.now() - timedelta(hours=1)))
    if (recent or 0) >= services.config.mail["acknowledgements_per_hour"]:
        return {"sent": False, "why": "rate limited"}
    return notices.send_once(services, session, request, "acknowledgement", to,
                 code=status_code(services.config.secret_key, request.reference),
                 status_url=f"{services.config.base_url}/status")


def identity_of(request: Request) -> Identity:
    return Identity(email=request.claim("email"), customer_number=request.claim("customer_number"),
                    name=request.claim("name"), postal_address=request.claim("postal_address"))


def match_summary(found: Discovery, identity: Identity) -> dict[str, Any]:
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
    return {"claims": claims, "subjects": len(found.matches), "proposals": len(found.proposals),
            "conflict": found.conflict, "searched": list(found.searched)}


@job("discover")
def discover(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Match the request's claims against one system; the coordinator sees the match table.

    A subject is taken only when exactly one was found without conflict; proposals (name and
    address only) and conflicts wait for the coordinator.
    """
    request = _request(session, task)
    source = getattr(services.connectors[task.connector], "subject_from", "")
    if source:  # it knows the subject only through ``source``'s match (access logs, ...)
        return {"derived_from": source}
    identity = identity_of(request)
    found = services.connectors[task.connector].discover(identity)
    summary = match_summary(found, identity)
    request.match_table = {**(request.match_table or {}), task.connector: summary}
    subjects = dict(request.subject_keys or {})
    if len(found.matches) == 1 and not found.conflict:
        subject = Subject.from_matches(found.matches)
        subjects[task.connector] = {"keys": [list(k) for k in subject.keys],
                                    "identifiers": {k: list(v) for k, v in subject.identifiers.items()}}
    else:
        subjects.pop(task.connector, None)
    request.subject_keys = subjects
    if request.status == State.RECEIVED:
        transition(session, request, State.AWAITING_VERIFICATION, actor=SYSTEM)
    # Once every system is matched: the policy, and the code to the address on file only.
    outbox.add_task(session, kind="verify_identity", request_id=request.id,
                    queue=outbox.QUEUE_MAIL, phase=1)
    return {"subjects": summary["subjects"], "proposals": summary["proposals"],
            "conflict": summary["conflict"]}


def subject_for(request: Request, connector: str) -> Subject:
    """The confirmed subject in one system (no keys: nothing found, the answer says so)."""
    stored = (request.subject_keys or {}).get(connector) or {}
    return Subject(keys=tuple(tuple(k) for k in stored.get("keys", [])),
                   identifiers={k: tuple(v) for k, v in stored.get("identifiers", {}).items()})


@job("collect")
def collect(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Read the subject's data from one system and store it encrypted for the draft answer."""
    request = _request(session, task)
    connector = services.connectors[task.connector]
    if not contest.collects_from(services, request, task.connector):
        return {"tables": 0, "rows": 0, "why": "not_needed"}  # a contest reads one table's system
    subject = jobs_changes.subject_in(services, request, task.connector)
    wanted = subject.keys or any(subject.identifiers.values())
    try:
        if not wanted:
            result = AccessResult(tables=())
        elif isinstance(connector, RequestAccessConnector):
            result = connector.access_for(subject, request.reference, tuple(request.types),
                                          services.clock.now())
        else:
            result = connector.access(subject)
    except NotYetAvailable as exc:
        raise NotReady(str(exc), exc.retry_after) from None
    data = reports.serialise_access(
        task.connector, services.config.connectors[task.connector]["label"], result)
    services.documents.put(session, request_id=request.id, kind="access_data",
                           filename=f"{task.connector}.json", content_type="application/json",
                           data=json.dumps(data, ensure_ascii=False).encode())
    return {"tables": sum(1 for t in result.tables if t.rows), "rows": result.row_count}


def _compile(services: Services, session: Session, request: Request) -> dict[str, Any]:
    # A redaction recorded while the answer is being built waits, then builds it again itself.
    redaction.lock_request(session, request)
    payload = reports.compile_answer(services, session, request)
    return {"categories": [s["category"] for s in payload["sections"]],
            "rows": sum(len(t["rows"]) for s in payload["sections"] for t in s["tables"])}


@job("compile")
def compile_draft(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Build the draft answer from everything collected and hand the request to review."""
    request = _request(session, task)
    result = _compile(services, session, request)
    if request.status == State.PROCESSING:
        transition(session, request, State.REVIEW, actor=SYSTEM)
    return result


@job("finalise")
def finalise(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Render the approved answer with its decisions (completion follows once released)."""
    return _compile(services, session, _request(session, task))


@job("notify_refusal")
def notify_refusal(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Tell the requester that and why the request is refused, with their remedies."""
    request = _request(session, task)
    decisions = list(session.scalars(select(Decision).where(Decision.request_id == request.id)))
    authority = services.register.get("supervisory_authority", {})
    to = request.claim("email")
    if postal.is_postal(request) or not to:
        doc = postal.store_letter(services, session, request, "refusal", decisions=decisions,
                                  authority=authority)
        return {"letter": doc.id}
    return notices.send_once(services, session, request, "refusal", to, decisions=decisions,
                             authority=authority)


@job("notify_extension")
def notify_extension(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Tell the requester, within the first month, that and why the deadline is extended."""
    request = _request(session, task)
    to = request.claim("email")
    if postal.is_postal(request) or not to:
        return {"letter": postal.store_letter(services, session, request, "extension").id}
    return notices.send_once(services, session, request, "extension", to)


# Job modules of the other areas register themselves on import (append one line per module).
from workflows import jobs_answers, jobs_changes, jobs_contest, jobs_mail, jobs_verification  # noqa: E402,F401
