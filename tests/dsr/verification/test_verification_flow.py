"""Verification beyond the code: the shop's signed token, representatives, heirs, a B2B
contact, channels as claims, and the negative answer when nothing is found."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import no_data
from dsr.requests.models import Decision, Request
from dsr.verification import steps
from dsr.verification.codes import TokenError, make_shop_token, read_shop_token
from dsr.verification.models import VerificationStep
from tests.support.clock import CLOCK
from tests.support.verification import code_mails, mails, new_request
from workflows.runner import run_pending
from workflows.states import State

SECRET = "shop-shared-secret-" + "y" * 20


def _with_token(services: Services, number: str, issued_ago: int = 10) -> int:
    services.config.verification = {**services.config.verification, "shop_token_secret": SECRET}
    request_id = new_request(services, run=False)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        steps.accept_shop_token(session, req, make_shop_token(
            SECRET, number, CLOCK.now() - timedelta(seconds=issued_ago)),
            secret=services.config.secret_key, settings=services.config.verification)
    run_pending(services)
    return request_id


def _request(services: Services, request_id: int) -> Request:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        session.expunge(req)
        return req


def _kinds(services: Services, request_id: int) -> list[tuple[str, str]]:
    with services.db.session() as session:
        return [(s.kind, s.outcome) for s in session.scalars(select(VerificationStep).where(
            VerificationStep.request_id == request_id).order_by(VerificationStep.id))]


def test_signed_shop_token_of_the_matched_customer_verifies_without_a_code(
        demo_services: Services) -> None:
    request_id = _with_token(demo_services, "K-100001")
    assert _request(demo_services, request_id).status == State.VERIFIED
    assert code_mails(demo_services) == []
    with demo_services.db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.to_state == "verified")).one()
        assert event.actor == "customer" and event.details["method"] == "signed_in"


def test_shop_token_for_another_customer_counts_for_nothing(demo_services: Services) -> None:
    request_id = _with_token(demo_services, "K-100002")
    assert _request(demo_services, request_id).status == State.AWAITING_VERIFICATION
    assert ("signed_in", "refused") in _kinds(demo_services, request_id)
    assert len(code_mails(demo_services)) == 1


def test_forged_or_stale_tokens_are_refused() -> None:
    now = CLOCK.now()
    good = make_shop_token(SECRET, "K-100001", now)
    assert read_shop_token(SECRET, good, max_age=900, now=now) == "K-100001"
    forged = make_shop_token("another-secret", "K-100001", now)
    payload, signature = good.split(".")[1], forged.split(".")[2]
    for token, why in ((forged, "bad signature"), (f"v1.{payload}.{signature}", "bad signature"),
                       ("v1.e30.xyz", "bad signature"), ("nonsense", "malformed"),
                       (make_shop_token(SECRET, "K-100001", now - timedelta(hours=1)), "expired")):
        with pytest.raises(TokenError, match=why):
            read_shop_token(SECRET, token, max_age=900, now=now)
    with pytest.raises(TokenError, match="no shop token secret"):
        read_shop_token("", good, max_age=900, now=now)


def test_representative_informs_the_subject_and_needs_the_coordinator(
        demo_services: Services) -> None:
    request_id = new_request(demo_services, name="Kanzlei Huber & Partner",
                             email_address="kanzlei@huber-partner.example.net",
                             customer_number="K-100001", acting_as="lawyer")
    sent = code_mails(demo_services)
    assert [m["to"] for m in sent] == ["juergen.weiss@example.org"]
    assert "in Ihrem Namen" in sent[0]["body"]
    assert ("subject_informed", "info") in _kinds(demo_services, request_id)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        found = steps.assessment(session, req, demo_services.config.verification)
        assert "representative:lawyer" in found.flags and not found.automatic
        assert steps.answer_recipient(session, req) == "on_file"
        office = {"office_email": "post@huber-partner.example.net",
                  "verified_how": "Kanzleiadresse im Bundesrechtsanwaltsverzeichnis geprüft"}
        with pytest.raises(steps.VerificationError, match="power of attorney first"):
            steps.answer_to_representative(session, req, actor="user:1", **office)
        steps.record_postal_evidence(session, req, actor="user:3",
                                     evidence=["power_of_attorney_enclosed"])
        steps.check_power_of_attorney(session, req, actor="user:1", valid=True,
                                      name_check="match")
        with pytest.raises(steps.VerificationError, match="e-mail address"):
            steps.answer_to_representative(session, req, actor="user:1",
                                           office_email="kanzlei", verified_how="geprüft im Register")
        with pytest.raises(steps.VerificationError, match="how"):
            steps.answer_to_representative(session, req, actor="user:1",
                                           office_email=office["office_email"], verified_how=" ")
        assert steps.answer_address(session, req) is None
        steps.answer_to_representative(session, req, actor="user:1", **office)
        assert steps.answer_recipient(session, req) == "representative_office"
        assert steps.answer_address(session, req) == "post@huber-partner.example.net"
        actions = [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id))]
        assert "power_of_attorney" in actions and "answer_recipient" in actions


def test_delivery_elsewhere_is_flagged_and_never_followed(demo_services: Services) -> None:
    request_id = new_request(demo_services, deliver_to="drop@elsewhere.example.net")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        found = steps.assessment(session, req, demo_services.config.verification)
        assert "deliver_elsewhere" in found.flags and not found.accepts
        assert steps.answer_recipient(session, req) == "on_file"
    assert [m["to"] for m in code_mails(demo_services)] == ["juergen.weiss@example.org"]


def test_heirs_stop_advertising_at_once(demo_services: Services) -> None:
    request_id = new_request(demo_services, types=("erasure",), name="Anna Weiß",
                             email_address="anna.erbin@example.net", customer_number="K-100001",
                             acting_as="heir")
    req = _request(demo_services, request_id)
    assert "objection" in req.types and req.status == State.AWAITING_VERIFICATION
    assert ("advertising_stopped", "ok") in _kinds(demo_services, request_id)
    assert code_mails(demo_services) == []  # nobody to send a code to: the coordinator decides
    with demo_services.db.session() as session:
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.action == "advertising_stopped")).one().details == {"why": "heir"}


def test_b2b_contact_is_matched_as_the_person(demo_services: Services) -> None:
    request_id = new_request(demo_services, name="Martina Sommer",
                             email_address="m.sommer@alpenblick-it.example.com")
    req = _request(demo_services, request_id)
    keys = req.subject_keys["shop"]
    assert len(keys["keys"]) == 1 and keys["identifiers"]["email"] == [
        "m.sommer@alpenblick-it.example.com"]
    assert [m["to"] for m in code_mails(demo_services)] == ["m.sommer@alpenblick-it.example.com"]


def test_unauthenticated_mail_channel_raises_the_level(demo_services: Services) -> None:
    request_id = new_request(demo_services, types=("objection",), channel="email",
                             channel_authenticated=False)
    with demo_services.db.session() as session:
        found = steps.assessment(session, session.get(Request, request_id),
                                 demo_services.config.verification)
        assert found.level.name == "STANDARD" and "channel_unauthenticated" in found.flags


def test_authenticated_unsubscribe_needs_no_code(demo_services: Services) -> None:
    request_id = new_request(demo_services, types=("consent_withdrawal",), channel="email",
                             channel_authenticated=True)
    assert _request(demo_services, request_id).status == State.VERIFIED
    assert code_mails(demo_services) == []


def _answers(services: Services) -> list[dict[str, str]]:
    return [m for m in mails(services) if "no data found" in m["subject"].lower()
            or "keine daten" in m["subject"].lower()]


def test_no_data_found_goes_to_the_address_searched_and_completes(demo_services: Services) -> None:
    request_id = new_request(demo_services, name="Niemand Bekannt",
                             email_address="nobody-here@example.net", customer_number="K-999999")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert no_data.nothing_found(req)
        no_data.answer_no_data(session, req, actor="user:1")
    run_pending(demo_services)
    req = _request(demo_services, request_id)
    assert req.status == State.COMPLETED and req.released_at is not None
    answer = _answers(demo_services)
    assert [m["to"] for m in answer] == ["nobody-here@example.net"]
    assert "nobody-here@example.net" in answer[0]["body"] and "K-999999" in answer[0]["body"]
    assert "Shop-Datenbank" in answer[0]["body"]
    with demo_services.db.session() as session:
        decisions = session.scalars(select(Decision).where(Decision.request_id == request_id)).all()
        assert [(d.right, d.outcome) for d in decisions] == [("access", "granted")]


def test_no_data_answer_is_refused_when_something_was_found(demo_services: Services) -> None:
    request_id = new_request(demo_services)
    with demo_services.db.session() as session, pytest.raises(steps.VerificationError,
                                                              match="possible match"):
        no_data.answer_no_data(session, session.get(Request, request_id), actor="user:1")


def test_unmatched_requests_never_stall_past_the_deadline(demo_services: Services) -> None:
    from dsr.verification.jobs import answer_unmatched

    waiting = new_request(demo_services, name="Niemand Bekannt", email_address="nobody@example.net")
    customer = new_request(demo_services)
    assert answer_unmatched(demo_services) == {"answered": 0}  # a month left: the coordinator's
    with demo_services.db.session() as session:
        session.execute(update(Request).values(due_on=CLOCK.now().date() + timedelta(days=2)))
    assert answer_unmatched(demo_services) == {"answered": 1}
    run_pending(demo_services)
    assert _request(demo_services, waiting).status == State.COMPLETED
    assert _request(demo_services, customer).status == State.AWAITING_VERIFICATION


def test_postal_evidence_is_recorded_for_the_coordinator(demo_services: Services) -> None:
    request_id = new_request(demo_services, channel="letter")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        with pytest.raises(steps.VerificationError):
            steps.record_postal_evidence(session, req, actor="user:3", evidence=["telepathy"])
        steps.record_postal_evidence(session, req, actor="user:3",
                                     evidence=["signature", "id_copy_enclosed"])
        found = steps.assessment(session, req, demo_services.config.verification)
        assert "postal" in found.flags and not found.automatic


