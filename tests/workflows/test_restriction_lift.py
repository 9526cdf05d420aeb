"""Lifting a restriction (Art. 18(3) GDPR) on the demo shop: refused, with nothing changed,
while the notice has not gone out and before the day it names (the notice period, "today"
injected); from that day on (the notice captured by a real SMTP server) the lift is planned,
stored, executed in the shop and audited — once, however often it is asked for."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.changes.models import ChangePlan, ChangeReceipt
from dsr.changes.restriction_lift import (
    LiftRefused,
    earliest_lift,
    lift_restriction,
    send_lift_notice,
)
from dsr.context import Services
from dsr.correspondence.drafts import DraftError, save_draft
from dsr.correspondence.models import OutgoingMail
from dsr.requests.models import Request
from tests.support.clock import CLOCK
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import (
    NAME,
    Sink,
    approve_and_release,
    in_review,
    rows,
)
from workflows.states import State

FLAG = "SELECT processing_restricted FROM customers WHERE email = :e"

services = base.services  # the fixture, shared
shop = base.shop  # the fixture, shared
smtp = base.smtp  # the fixture, shared


def actions_of(services: Services, request_id: int) -> list[str]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.request_id == request_id).order_by(AuditEvent.seq)))


def test_the_lift_is_refused_before_the_notice_and_works_after(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:
    address = shop["summary"].sample_customer_email
    request_id = in_review(services, address, NAME, ["restriction"])
    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
    assert bool(rows(shop["url"], FLAG, e=address)[0][0]) is True
    plans_before = len(rows_of(services, ChangePlan))

    with pytest.raises(LiftRefused, match="notice"):
        lift_restriction(services, request_id, actor="user:1")
    assert bool(rows(shop["url"], FLAG, e=address)[0][0]) is True
    assert len(rows_of(services, ChangePlan)) == plans_before
    with services.db.session() as session, pytest.raises(LiftRefused, match="reason"):
        send_lift_notice(services, session, session.get(Request, request_id),
                         reason=" ", actor="user:1")

    sent_on = date(2026, 3, 2)  # "today" when the notice goes out
    lift_on = sent_on + timedelta(days=14)  # the default notice period
    with services.db.session() as session, pytest.raises(LiftRefused, match="2026-03-16"):
        send_lift_notice(services, session, session.get(Request, request_id), today=sent_on,
                         lift_on=lift_on - timedelta(days=1), reason="zu früh", actor="user:1")
    with services.db.session() as session:
        assert session.scalar(select(OutgoingMail.id).where(
            OutgoingMail.template == "restriction_lift_notice")) is None
    with services.db.session() as session:
        req = session.get(Request, request_id)
        reference = req.reference
        sent = send_lift_notice(services, session, req, today=sent_on,
                                reason="Die Richtigkeit ist geklärt.", actor="user:1")
        assert sent["sent"] and sent["lift_on"] == lift_on
    with services.db.session() as session:  # a second send does not send again
        again = send_lift_notice(services, session, session.get(Request, request_id),
                                 today=sent_on + timedelta(days=3), reason="again",
                                 actor="user:1")
        assert not again["sent"] and again["lift_on"] == lift_on
        assert session.get(Request, request_id).restriction_lift_on == lift_on
        [logged] = session.scalars(select(OutgoingMail).where(
            OutgoingMail.template == "restriction_lift_notice")).all()
    [notice] = [m for m in smtp[0].messages if m["Message-ID"] == logged.message_id]
    assert reference in str(notice["Subject"]) and notice["To"] == address
    text = notice.get_body(("plain",)).get_content()
    assert "Art. 18" in text and "ab dem 16.03.2026 aufheben" in text

    with pytest.raises(LiftRefused, match="names 2026-03-16 .* not before that day"):
        lift_restriction(services, request_id, actor="user:1", today=lift_on - timedelta(days=1))
    assert bool(rows(shop["url"], FLAG, e=address)[0][0]) is True
    assert len(rows_of(services, ChangePlan)) == plans_before
    assert lift_restriction(services, request_id, actor="user:1",
                            today=lift_on) == {"lifted": ["shop"]}
    assert bool(rows(shop["url"], FLAG, e=address)[0][0]) is False
    assert lift_restriction(services, request_id, actor="user:1",
                            today=lift_on) == {"lifted": []}
    with services.db.session() as session:
        lifts = [p for p in session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id))
                 if any(c["action"] == "flag" and c["value"] is False
                        for c in p.body["changes"])]
        assert len(lifts) == 1 and lifts[0].status == "executed"
        receipts = session.scalars(select(ChangeReceipt).where(
            ChangeReceipt.plan_id == lifts[0].id)).all()
        assert len(receipts) == 1 and receipts[0].verified
    audited = actions_of(services, request_id)
    assert audited.index("restriction_lift_notice_sent") < audited.index(
        "restriction_lift_planned") < audited.index("restriction_lifted")
    assert audited.count("restriction_lifted") == 1


def test_no_notice_for_a_request_that_restricted_nothing(
        services: Services, shop: dict[str, Any]) -> None:
    request_id = in_review(services, shop["summary"].sample_customer_email, NAME, ["access"])
    with services.db.session() as session, pytest.raises(LiftRefused, match="no restriction"):
        send_lift_notice(services, session, session.get(Request, request_id),
                         lift_on=CLOCK.today(), reason="geklärt", actor="user:1")


def rows_of(services: Services, model: Any) -> list[Any]:
    with services.db.session() as session:
        return list(session.scalars(select(model.id)))


def test_the_notice_period_sets_the_earliest_day_and_an_edit_keeps_the_day() -> None:
    assert earliest_lift(date(2026, 12, 24), 14) == date(2027, 1, 7)
    assert earliest_lift(date(2026, 12, 24), 0) == date(2026, 12, 24)  # 0: the same day
    with pytest.raises(DraftError, match=r"\[LIFT_ON\]"):
        save_draft(None, Request(id=1), "restriction_lift_notice",  # type: ignore[arg-type]
                   subject="Aufhebung", body="Wir heben die Einschränkung bald auf.",
                   actor="user:1", user_id=None)
