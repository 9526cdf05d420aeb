"""Jobs of the answers work; registered with ``@job`` from ``workflows.jobs``: handing the
released answer out (portal, e-mail on request, or a letter), confirming carried-out changes,
and the periodic expiry of portal links and sealed copies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from dsr.answers import delivery, portability, postal
from dsr.changes import confirmations
from dsr.requests.models import Request
from workflows.jobs import job
from workflows.models import Task, TaskKind

if TYPE_CHECKING:
    from dsr.context import Services


@job(TaskKind.DELIVER)
def deliver(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """Hand the released answer to the subject: portal link and one-time code to the address
    on file (or plain e-mail where the subject expressly asked for it); sealed first. A postal
    request gets a DIN 5008 letter with the report enclosed, for staff to print (never fax).
    A portability copy goes on to the controller the subject named where it has an interface."""
    request = session.get(Request, task.request_id)
    if request is None:
        raise LookupError(f"task {task.id}: request {task.request_id} is gone")
    if postal.is_postal(request):
        result = postal.deliver_letter(services, session, request)
    else:
        result = delivery.deliver(services, session, request)
    # Art. 20(2): after the subject has their copy, the one to the controller they named
    # (once; a receiver's error fails the job, which is retried and delivers nothing twice)
    return {**result, "transmission": portability.transmit(services, session, request)}


@job(TaskKind.CONFIRM_CHANGES)
def confirm_changes(services: Services, session: Session, task: Task) -> dict[str, Any]:
    """After every execute task has finished: confirm each change type carried out (what was
    done, kept and why and until when, recipients told) by e-mail to the address on file, or
    as a letter for a postal request."""
    request = session.get(Request, task.request_id)
    if request is None:
        raise LookupError(f"task {task.id}: request {task.request_id} is gone")
    return confirmations.send_confirmations(services, session, request)


def expire_answers(services: Services) -> dict[str, int]:
    """Periodic: delete the portal files of expired links, and sealed copies past the
    accountability period (their hashes stay)."""
    with services.db.session() as session:
        links = delivery.expire(services, session)
        sealed = delivery.reduce_sealed(services, session)
    return {"links_expired": links, "sealed_reduced": sealed}
