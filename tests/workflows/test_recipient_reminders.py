"""Recipients that have not confirmed an Art. 19 e-mail are reminded once after
``[workflow] recipient_reminder_days``: the same notice marked as a reminder, threaded to the
first; confirmed notices and notices already reminded are left alone (aiosmtpd captures)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.changes import operations as changes
from dsr.changes.jobs import remind_recipients
from dsr.changes.models import RecipientNotice
from dsr.context import Services
from tests.support.clock import CLOCK
from tests.support.shops import fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import NAME, approve_and_release, in_review

ADDRESS = "juergen.weiss@example.org"
services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


def test_unconfirmed_recipients_are_reminded_once(services: Services, smtp: Any) -> None:
    request_id = in_review(services, ADDRESS, NAME, ["erasure"])
    approve_and_release(services, request_id)
    with services.db.session() as session:
        notices = list(session.scalars(select(RecipientNotice).where(
            RecipientNotice.request_id == request_id)))
        assert len(notices) >= 2
        confirmed = notices[0]
        changes.confirm_notice(session, confirmed, actor="user:1")
        confirmed_to = confirmed.recipient
        waiting = sorted(n.recipient for n in notices[1:])
    assert remind_recipients(services) == 0  # not yet due
    with services.db.session() as session:
        for notice in session.scalars(select(RecipientNotice)):
            notice.sent_at = CLOCK.now() - timedelta(days=15)
    sent_before = len(smtp[0].messages)
    assert remind_recipients(services) == len(waiting)
    assert remind_recipients(services) == 0  # once only
    reminders = smtp[0].messages[sent_before:]
    assert sorted(str(m["To"]).split("@")[1].split(".")[0] for m in reminders) == sorted(
        key.replace("_", "-") for key in waiting)
    for message in reminders:
        assert str(message["Subject"]).startswith("Erinnerung: ")
        assert message["In-Reply-To"] and message["In-Reply-To"] != message["Message-ID"]
        assert message["Message-ID"].endswith(message["In-Reply-To"].split("@")[1])
    assert confirmed_to.replace("_", "-") not in {str(m["To"]).split("@")[1].split(".")[0]
                                                  for m in reminders}
    with services.db.session() as session:
        events = list(session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "recipient_reminded")))
        assert sorted(e["recipient"] for e in events) == waiting
        assert all(n.reminded_at for n in session.scalars(select(RecipientNotice)).all()
                   if n.recipient != confirmed_to)
