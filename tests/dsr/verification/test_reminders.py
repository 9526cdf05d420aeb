"""Reminding customers from the queue: a request waiting on its customer's identity gets a new
code through the verification job (audited); others are skipped."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests.models import Request
from dsr.verification.reminders import Reminded, remind_customers
from tests.support.clock import CLOCK
from workflows.models import Task


def test_only_requests_waiting_on_the_customer_are_reminded(services: Services) -> None:
    with services.db.session() as session:
        waiting, moving = (Request(reference=f"DSR-REMIND{i}", status=status, types=["access"],
                                   channel="form", received_at=CLOCK.now(),
                                   due_on=CLOCK.today() + timedelta(days=30))
                           for i, status in enumerate(("awaiting_verification", "review")))
        session.add_all([waiting, moving])
        session.flush()
        assert remind_customers(session, [waiting.id, moving.id], actor="user:1") == \
            Reminded(reminded=1, skipped=1)
        # twice before the worker ran: the same task, no second code, no second event
        assert remind_customers(session, [waiting.id], actor="user:1") == \
            Reminded(reminded=0, skipped=1)
        tasks = session.scalars(select(Task).where(Task.kind == "verify_identity")).all()
        assert [t.request_id for t in tasks] == [waiting.id]
        events = session.scalars(select(AuditEvent.request_id).where(
            AuditEvent.action == "customer_reminded")).all()
        assert events == [waiting.id]
