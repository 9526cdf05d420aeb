"""Verifying despite a failed identity policy: a recorded reason always, and for a request that
erases or discloses a second, different coordinator's confirmation (the first one's override is
stored as pending until then)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.security.models import PolicyOverride
from dsr.users.operations import create_token
from tests.support.clock import CLOCK
from workflows.runner import run_pending

STRANGER = "niemand.bekannt@example.org"  # matches nobody: the policy flags "not_matched"


def _request(services: Services, types: list[str]) -> int:
    with services.db.session() as session:
        request_id = submit(session, Submission(types=types, name="Jürgen Weiß", email=STRANGER,
                                                channel=Channel.FORM.value, received_at=CLOCK.now()),
                            calendar=services.calendar, connectors=["shop"]).id
    run_pending(services)
    return request_id


def _verify(services: Services, request_id: int, actor: str, reason: str = "") -> str:
    with services.db.session() as session:
        return actions.verify(session, session.get(Request, request_id), actor=actor,
                              method="manual", settings=services.config.verification,
                              reason=reason)


def _status(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return str(session.get(Request, request_id).status)


def test_an_erasure_override_needs_a_reason_and_a_second_coordinator(
        demo_services: Services) -> None:
    request_id = _request(demo_services, ["erasure"])
    assert _status(demo_services, request_id) == "awaiting_verification"
    with pytest.raises(actions.ActionError, match="reason"):
        _verify(demo_services, request_id, "user:1")
    assert _verify(demo_services, request_id, "user:1", "Telefonisch bestätigt") == "pending"
    assert _status(demo_services, request_id) == "awaiting_verification"
    with pytest.raises(actions.ActionError, match="second, different coordinator"):
        _verify(demo_services, request_id, "user:1", "noch einmal")
    assert _status(demo_services, request_id) == "awaiting_verification"
    assert _verify(demo_services, request_id, "user:2") == "verified"
    assert _status(demo_services, request_id) == "verified"
    with demo_services.db.session() as session:
        override = session.scalars(select(PolicyOverride)).one()
        assert (override.requested_by, override.confirmed_by) == ("user:1", "user:2")
        assert override.reason == "Telefonisch bestätigt"
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "transition",
                                                         AuditEvent.to_state == "verified")).one()
        assert event.details["override"] == override.id and event.details["policy_met"] is False


def test_an_objection_override_needs_only_the_reason(demo_services: Services) -> None:
    request_id = _request(demo_services, ["objection"])
    with pytest.raises(actions.ActionError, match="reason"):
        _verify(demo_services, request_id, "user:1")
    assert _verify(demo_services, request_id, "user:1", "Brief mit Unterschrift") == "verified"


def test_the_api_refuses_the_one_click_override(app: Any, demo_services: Services,
                                               make_user: Any) -> None:
    tokens = []
    for name in ("koord-a", "koord-b"):
        user = make_user(name, "coordinator")
        with demo_services.db.session() as session:
            tokens.append({"Authorization": f"Bearer {create_token(session, user)}"})
    request_id = _request(demo_services, ["access"])
    client = app.test_client()
    url = f"/api/v1/requests/{request_id}/verify"
    refused = client.post(url, headers=tokens[0], json={"method": "manual"})
    assert refused.status_code == 409 and "reason" in refused.get_json()["message"]
    first = client.post(url, headers=tokens[0], json={"method": "manual", "reason": "Rückruf"})
    assert first.status_code == 200 and first.get_json()["status"] == "awaiting_verification"
    assert client.post(url, headers=tokens[0], json={"method": "manual"}).status_code == 409
    second = client.post(url, headers=tokens[1], json={"method": "manual"})
    assert second.status_code == 200 and second.get_json()["status"] == "verified"


def _mismatched(services: Services, email: str, types: list[str]) -> int:
    """A request from an address on file under a name the shop does not hold: the policy
    flags the mismatch, and the address on file can be told."""
    with services.db.session() as session:
        request_id = submit(session, Submission(types=types, name="Zacharias Unbekannt",
                                                email=email, channel=Channel.EMAIL.value,
                                                received_at=CLOCK.now()),
                            calendar=services.calendar, connectors=["shop"]).id
    run_pending(services)
    return request_id


def test_a_single_coordinator_waits_out_the_period_after_a_notice(
        demo_services: Services, demo_shop: dict[str, Any], make_user: Any) -> None:
    from datetime import timedelta

    from dsr.requests.periodic import apply_waited_overrides

    make_user("einzige", "coordinator")
    email = demo_shop["summary"].sample_customer_email
    request_id = _mismatched(demo_services, email, ["erasure"])
    assert _status(demo_services, request_id) == "awaiting_verification"
    with pytest.raises(actions.ActionError, match="reason"):
        _verify(demo_services, request_id, "user:1")
    assert _verify(demo_services, request_id, "user:1", "Anruf, Kundennummer genannt") \
        == "waiting"
    run_pending(demo_services)
    notice = [p.read_text() for p in demo_services.config.mail_out_dir.glob("*.eml")
              if "ohne vollst" in p.read_text() or "Identit" in p.read_text()]
    assert notice and email in notice[-1]
    with pytest.raises(actions.ActionError, match="waiting period"):
        _verify(demo_services, request_id, "user:1", "schneller bitte")
    CLOCK.advance(timedelta(hours=71))
    assert apply_waited_overrides(demo_services) == {"verified": 0}
    assert _status(demo_services, request_id) == "awaiting_verification"
    CLOCK.advance(timedelta(hours=2))
    assert apply_waited_overrides(demo_services) == {"verified": 1}
    assert _status(demo_services, request_id) == "verified"
    with demo_services.db.session() as session:
        actions_seen = [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id).order_by(AuditEvent.seq))]
    assert actions_seen.index("policy_override_waiting") < actions_seen.index(
        "policy_override_effective")


def test_a_cancelled_waiting_override_never_takes_effect(
        demo_services: Services, demo_shop: dict[str, Any], make_user: Any) -> None:
    from datetime import timedelta

    from dsr.requests.periodic import apply_waited_overrides

    make_user("einzige", "coordinator")
    request_id = _mismatched(demo_services, demo_shop["summary"].sample_customer_email,
                             ["access"])
    assert _verify(demo_services, request_id, "user:1", "Anruf") == "waiting"
    with demo_services.db.session() as session:
        actions.cancel_override(session, session.get(Request, request_id), actor="user:1")
    CLOCK.advance(timedelta(hours=80))
    assert apply_waited_overrides(demo_services) == {"verified": 0}
    assert _status(demo_services, request_id) == "awaiting_verification"


def test_a_single_coordinator_without_an_address_on_file_cannot_override(
        demo_services: Services, make_user: Any) -> None:
    make_user("einzige", "coordinator")
    request_id = _request(demo_services, ["erasure"])  # matches nobody: no address on file
    with pytest.raises(actions.ActionError, match="address on file"):
        _verify(demo_services, request_id, "user:1", "Anruf")
    assert _status(demo_services, request_id) == "awaiting_verification"
