"""A verified OpenGDPR callback confirms the notice it answers (by the request id it was sent
with); other statuses are audited only; an unknown request id is a clear error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.changes.models import RecipientNotice
from dsr.changes.operations import ChangeInputError
from dsr.context import Services
from dsr.recipients.opengdpr import record_callback
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel
from tests.support.clock import CLOCK


def test_a_completed_callback_confirms_its_notice(services: Services) -> None:
    with services.db.session() as session:
        req = submit(session, Submission(types=["erasure"], name="Jürgen Weiß",
                                         email="juergen.weiss@example.org",
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        session.add(RecipientNotice(request_id=req.id, connector="processors",
                                    recipient="mailer", channel="api", status="waiting",
                                    external_id=f"{req.reference}-erasure", sent_at=CLOCK.now()))
        session.flush()
        external = f"{req.reference}-erasure"
        assert record_callback(session, {"subject_request_id": external,
                                          "request_status": "in_progress"},
                               connector="processors") == "waiting"
        assert record_callback(session, {"subject_request_id": external,
                                          "request_status": "completed"},
                               connector="processors") == "confirmed"
        notice = session.scalars(select(RecipientNotice)).one()
        assert notice.confirmed_by == "opengdpr:processors" and notice.confirmed_at
        actions = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.request_id == req.id).order_by(AuditEvent.seq)))
        assert actions[-2:] == ["recipient_status", "recipient_confirmed"]
        with pytest.raises(ChangeInputError, match="no question"):
            record_callback(session, {"subject_request_id": "DSR-nope",
                                      "request_status": "completed"}, connector="processors")
