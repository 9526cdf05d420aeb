"""The periodic jobs: reminders and escalation, working copies deleted, closed requests reduced
after the accountability period, the audit head sent to the coordinators."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.documents import Document
from dsr.requests import periodic
from dsr.requests.contracts import RequestedCorrections
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, IdentityClaim, Representation, Request, RequestCorrection
from dsr.users.operations import create_user
from tests.support.clock import CLOCK
from tests.support.lifecycle import walk_to
from workflows.schedule import SCHEDULE
from workflows.states import Facts, State, Step, transition


def _request(services: Services, received_days_ago: int = 0, **extra: Any) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=["access"], name="Max Muster", email="max@example.org",
                                         channel=Channel.FORM.value,
                                         received_at=CLOCK.now() - timedelta(days=received_days_ago),
                                         **extra),
                     calendar=services.calendar, connectors=[])
        walk_to(session, req, State.AWAITING_VERIFICATION)
        return req.id


def _coordinator(services: Services) -> None:
    with services.db.session() as session:
        user = create_user(session, "koord", "correct horse battery", "coordinator",
                           email="koord@pso.example.org")
        user.language = "de"


def _mails(services: Services) -> list[str]:
    return [p.read_text() for p in Path(services.config.mail_out_dir).glob("*.eml")]


def test_overdue_request_waiting_on_the_subject_is_escalated_once(services: Services) -> None:
    _coordinator(services)
    late = _request(services, received_days_ago=40)
    _request(services, received_days_ago=1)
    assert periodic.deadline_reminders(services) == {"due_soon_or_overdue": 1, "escalated": 1}
    assert periodic.deadline_reminders(services)["escalated"] == 0
    with services.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "escalated")).all()
        assert [e.request_id for e in events] == [late]
    digest = [m for m in _mails(services) if "Fristen" in m]
    assert len(digest) == 2 and "max@example.org" not in digest[0]


def test_working_copies_of_closed_requests_are_deleted(services: Services) -> None:
    request_id = _request(services)
    with services.db.session() as session:
        doc = services.documents.put(session, request_id=request_id, kind="access_data",
                                     filename="shop.json", content_type="application/json",
                                     data=b"{}")
        doc_id = doc.id
    assert periodic.expire_working_copies(services) == {"deleted": 0}  # still open
    with services.db.session() as session:
        transition(session, session.get(Request, request_id), Step.WITHDRAW, actor="customer")
    assert periodic.expire_working_copies(services) == {"deleted": 1}
    with services.db.session() as session:
        assert session.get(Document, doc_id).deleted_at is not None
    assert not [p for p in services.config.documents_dir.rglob("*") if p.is_file()]


def test_closed_requests_are_reduced_after_the_accountability_period(services: Services) -> None:
    request_id = _request(services, acting_as="lawyer", deliver_to="Kanzlei, Postfach 1",
                          requested_corrections=RequestedCorrections({"city": "Ulm"}, "umgezogen"))
    with services.db.session() as session:
        transition(session, session.get(Request, request_id), Step.REJECT, actor="user:1",
                   facts=Facts(norm="Art. 12(5)"))
    assert periodic.reduce_closed_requests(services) == {"reduced": 0}
    with services.db.session() as session:
        session.execute(update(Request).values(updated_at=CLOCK.now() - timedelta(days=4 * 365)))
    assert periodic.reduce_closed_requests(services) == {"reduced": 1}
    with services.db.session() as session:
        assert session.scalar(select(IdentityClaim.id)) is None
        assert session.scalar(select(RequestCorrection.id)) is None
        assert session.scalar(select(Representation.id)) is None
        req = session.get(Request, request_id)
        assert req.reference.startswith("DSR-") and req.status == "rejected"
    assert periodic.reduce_closed_requests(services) == {"reduced": 0}


def test_audit_digest_mails_the_head_to_coordinators(services: Services) -> None:
    _coordinator(services)
    _request(services)
    result = periodic.audit_digest(services)
    assert result["sent"] == 1 and result["seq"] >= 2
    with services.db.session() as session:
        from dsr.audit import head

        assert head(session)[1] in "".join(_mails(services))


def test_every_scheduled_job_resolves_and_has_one_timing() -> None:
    for entry in SCHEDULE:
        assert callable(entry.resolve())
        assert (entry.every is None) != (entry.cron is None)
