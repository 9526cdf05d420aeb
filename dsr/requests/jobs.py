"""The request's own jobs: acknowledge, discover, collect, compile, finalise, and the
notices of refusal and extension."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from connectors.base import (
    AccessResult,
    NotYetAvailable,
    Subject,
)
from connectors.capabilities import (
    AnswersLater,
    FindsOnItsOwn,
    ReadsWithOverdue,
    capable,
    subject_source,
)
from connectors.changes import ChangeRequest, Plan
from dsr.answers import operations as reports
from dsr.answers import postal, redaction
from dsr.changes import overdue
from dsr.clock import BERLIN
from dsr.contest import operations as contest
from dsr.correspondence import notices
from dsr.correspondence.models import OutgoingMail
from dsr.requests.contracts import MatchTable, StoredSubject, SubjectKeys
from dsr.requests.intake import status_code
from dsr.requests.models import Decision, Request
from dsr.requests.subjects import identity_of, load_request, match_summary, subject_in
from dsr.security import overrides
from workflows import outbox
from workflows.models import Phase, Task, TaskKind
from workflows.results import NOT_NEEDED
from workflows.states import State, Step, transition

if TYPE_CHECKING:
    from dsr.context import Services
from workflows.jobs import SYSTEM, NotReady, job


@job(TaskKind.ACKNOWLEDGE)
def acknowledge(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """The acknowledgement with reference, deadline and status code; a few per address an hour."""
    request = load_request(session, task)
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






@job(TaskKind.DISCOVER)
def discover(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Match the request's claims against one system; the coordinator sees the match table.

    A subject is taken only when exactly one was found without conflict; proposals (name and
    address only) and conflicts wait for the coordinator.
    """
    request = load_request(session, task)
    connector = services.connectors[task.connector]
    source = subject_source(connector)
    own = capable(connector, FindsOnItsOwn) if source else None
    if source and own is None:  # it knows the subject only through ``source``'s match
        return {"derived_from": source}
    identity = identity_of(request)
    # A system that can search by the claims itself does, though its subject is the shop's:
    # a newsletter subscriber without a shop account is found there.
    found = own.discover_own(identity) if own is not None else connector.discover(identity)
    summary = match_summary(found, identity)
    MatchTable.of(request).with_entry(task.connector, summary).store_on(request)
    subjects = SubjectKeys.of(request)
    if len(found.matches) == 1 and not found.conflict:
        subject = Subject.from_matches(found.matches)
        subjects = subjects.with_subject(task.connector, StoredSubject(
            keys=subject.keys, identifiers=dict(subject.identifiers)))
    else:
        subjects = subjects.without(task.connector)
    subjects.store_on(request)
    if request.status == State.RECEIVED:
        # Once every system is matched: the policy, and the code to the address on file only.
        transition(session, request, Step.DISCOVERED, actor=SYSTEM).start(
            session, TaskKind.VERIFY_IDENTITY, queue=outbox.QUEUE_MAIL, phase=Phase.COLLECT)
    return {"subjects": summary.subjects, "proposals": summary.proposals,
            "conflict": summary.conflict}




@job(TaskKind.COLLECT)
def collect(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Read the subject's data from one system and store it encrypted for the draft answer."""
    request = load_request(session, task)
    connector = services.connectors[task.connector]
    if not contest.collects_from(services, request, task.connector):
        return {"tables": 0, "rows": 0, "why": NOT_NEEDED}  # a contest reads one table's system
    subject = subject_in(services, request, task.connector)
    wanted = subject.keys or any(subject.identifiers.values())
    past: ChangeRequest | None = None
    found_past: Plan | None = None  # read with the data, by a system that can
    try:
        if not wanted:
            result = AccessResult(tables=())
        elif (later := capable(connector, AnswersLater)) is not None:
            result = later.access_for(subject, request.reference, tuple(request.types),
                                      services.clock.now())
        elif ((both := capable(connector, ReadsWithOverdue)) is not None
              and (past := overdue.overdue_request(services, request, task.connector,
                                                   subject)) is not None):
            result, found_past = both.access_and_overdue(subject, past)
        else:
            result = connector.access(subject)
    except NotYetAvailable as exc:
        raise NotReady(str(exc), exc.retry_after) from None
    data = reports.serialise_access(
        task.connector, services.config.connectors[task.connector]["label"], result)
    services.documents.put(session, request_id=request.id, kind="access_data",
                           filename=f"{task.connector}.json", content_type="application/json",
                           data=json.dumps(data, ensure_ascii=False).encode(), flush=False)
    if found_past is not None:
        overdue.store_overdue(services, session, request, task.connector, found_past)
    elif wanted:
        overdue.find_overdue(services, session, request, task.connector, subject)
    return {"tables": sum(1 for t in result.tables if t.rows), "rows": result.row_count}


def _compile(services: Services, session: Session, request: Request) -> dict[str, Any]:
    # A redaction recorded while the answer is being built waits, then builds it again itself.
    redaction.lock_request(session, request)
    payload = reports.compile_answer(services, session, request)
    return {"categories": [s["category"] for s in payload["sections"]],
            "rows": sum(len(t["rows"]) for s in payload["sections"] for t in s["tables"])}


@job(TaskKind.COMPILE)
def compile_draft(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Build the draft answer from everything collected and hand the request to review."""
    request = load_request(session, task)
    result = _compile(services, session, request)
    if request.status == State.PROCESSING:
        transition(session, request, Step.DRAFTED, actor=SYSTEM)
    return result


@job(TaskKind.FINALISE)
def finalise(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Render the approved answer with its decisions (completion follows once released)."""
    return _compile(services, session, load_request(session, task))


@job(TaskKind.NOTIFY_REFUSAL)
def notify_refusal(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Tell the requester that and why the request is refused, with their remedies."""
    request = load_request(session, task)
    decisions = list(session.scalars(select(Decision).where(Decision.request_id == request.id)))
    authority = services.register.get("supervisory_authority", {})
    to = request.claim("email")
    if postal.is_postal(request) or not to:
        doc = postal.store_letter(services, session, request, "refusal", decisions=decisions,
                                  authority=authority)
        return {"letter": doc.id}
    return notices.send_once(services, session, request, "refusal", to, decisions=decisions,
                             authority=authority)


@job(TaskKind.NOTIFY_EXTENSION)
def notify_extension(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Tell the requester, within the first month, that and why the deadline is extended."""
    request = load_request(session, task)
    to = request.claim("email")
    if postal.is_postal(request) or not to:
        return {"letter": postal.store_letter(services, session, request, "extension").id}
    return notices.send_once(services, session, request, "extension", to)



@job(TaskKind.NOTIFY_OVERRIDE)
def notify_override(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Tell the address on file that the identity check was overridden and when that takes
    effect, so that the subject can object before anything is erased or disclosed."""
    request = load_request(session, task)
    record = overrides.pending(session, request.id)
    when = overrides.effective_at(session, record) if record is not None else None
    to = SubjectKeys.of(request).first("email")
    if when is None or not to:
        return {"sent": False}
    return notices.send_once(services, session, request, "override_waiting", to,
                             effective=when.astimezone(BERLIN))
