"""The automatic "no data found" answer near the deadline is the same whether or not the
name, postal address or customer number a requester typed match someone: it depends only on
the address the answer goes to, so it cannot be used to learn whether a stranger is a customer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.verification.jobs import answer_unmatched
from tests.support.clock import CLOCK
from workflows.runner import run_pending


def _late_request(services: Services, number: int, **claims: str) -> int:
    with services.db.session() as session:
        return int(submit(session, Submission(
            types=["access"], email=f"fremd.{number}@example.net", channel=Channel.FORM.value,
            received_at=CLOCK.now() - timedelta(days=31), **claims),
            calendar=services.calendar, connectors=list(services.config.connectors)).id)


def test_the_no_data_answer_does_not_tell_whether_the_claims_match(
        demo_services: Services, demo_shop: dict[str, Any]) -> None:
    summary = demo_shop["summary"]
    victim = _late_request(demo_services, 1, name=summary.sample_customer_name,
                           customer_number=summary.sample_customer_no)
    nobody = _late_request(demo_services, 2, name="Niemand Unbekannt", customer_number="K-999999")
    run_pending(demo_services)
    answer_unmatched(demo_services)
    run_pending(demo_services)
    with demo_services.db.session() as session:
        rows = {r.id: r for r in session.scalars(select(Request))}
        assert rows[nobody].released_at is not None  # answered "no data found"
        # The same for the request naming a real customer: the answer goes to an address
        # that matched nobody, and says nothing about the customer.
        assert rows[victim].status == rows[nobody].status
        assert rows[victim].released_at is not None
