"""The one-time code to the address on file: sent only there, expiring, single use, limited
tries, bound to its request; the request moves to verified by itself when the policy allows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests.models import Request
from dsr.verification import steps
from dsr.verification.codes import CodeOutcome
from dsr.verification.models import VerificationCode, VerificationStep
from tests.support.clock import CLOCK
from tests.support.verification import code_mails, new_request, sent_code
from workflows.states import State

JUERGEN = "juergen.weiss@example.org"


def _confirm(services: Services, request_id: int, code: str) -> CodeOutcome:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        return steps.confirm_code(session, req, code, secret=services.config.secret_key,
                                  settings=services.config.verification)


def _status(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return session.get(Request, request_id).status


def test_code_goes_to_the_address_on_file_and_verifies_once(demo_services: Services) -> None:
    request_id = new_request(demo_services)
    sent = code_mails(demo_services)
    assert [m["to"] for m in sent] == [JUERGEN]
    assert _status(demo_services, request_id) == State.AWAITING_VERIFICATION
    code = sent_code(sent[0])
    with demo_services.db.session() as session:
        stored = session.scalars(select(VerificationCode)).one()
        assert code not in stored.code_hash and JUERGEN not in stored.recipient_hash
    assert _confirm(demo_services, request_id, code.lower()[:4] + "-" + code[4:]) == CodeOutcome.OK
    assert _status(demo_services, request_id) == State.VERIFIED
    with demo_services.db.session() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.to_state == "verified")).one()
        assert event.actor == "customer" and event.details["method"] == "email_code"
    # Replayed: refused, and nothing changes.
    assert _confirm(demo_services, request_id, code) == CodeOutcome.USED


def test_code_never_goes_to_an_address_only_the_request_names(demo_services: Services) -> None:
    """Found by customer number, the e-mail given differs: the code goes to the address on
    file, and the mismatch raises the level so that even the right code does not verify."""
    request_id = new_request(demo_services, email_address="impostor@example.net",
                             customer_number="K-100001")
    sent = code_mails(demo_services)
    assert [m["to"] for m in sent] == [JUERGEN]
    assert _confirm(demo_services, request_id, sent_code(sent[0])) == CodeOutcome.OK
    assert _status(demo_services, request_id) == State.AWAITING_VERIFICATION
    with demo_services.db.session() as session:
        found = steps.assessment(session, session.get(Request, request_id),
                                 demo_services.config.verification)
        assert "mismatch:email" in found.flags and found.level.name == "ELEVATED"


def test_expired_code_is_refused(demo_services: Services) -> None:
    request_id = new_request(demo_services)
    code = sent_code(code_mails(demo_services)[0])
    with demo_services.db.session() as session:
        session.execute(update(VerificationCode).values(expires_at=CLOCK.now() - timedelta(seconds=1)))
    assert _confirm(demo_services, request_id, code) == CodeOutcome.EXPIRED
    assert _status(demo_services, request_id) == State.AWAITING_VERIFICATION


def test_brute_force_locks_the_code_even_for_the_right_one(demo_services: Services) -> None:
    request_id = new_request(demo_services)
    code = sent_code(code_mails(demo_services)[0])
    wrong = "22222222" if code != "22222222" else "33333333"
    outcomes = [_confirm(demo_services, request_id, wrong) for _ in range(5)]
    assert outcomes == [CodeOutcome.WRONG] * 5
    assert _confirm(demo_services, request_id, code) == CodeOutcome.LOCKED
    assert _status(demo_services, request_id) == State.AWAITING_VERIFICATION
    with demo_services.db.session() as session:
        refused = session.scalars(select(VerificationStep).where(
            VerificationStep.kind == "email_code", VerificationStep.outcome == "refused")).all()
        assert len(refused) == 6 and refused[-1].details["result"] == "locked"


def test_a_code_works_only_for_its_own_request(demo_services: Services,
                                               demo_shop: dict[str, Any]) -> None:
    first = new_request(demo_services)
    second = new_request(demo_services, name="Renate Köhler",
                         email_address=demo_shop["summary"].recipient_customer_email)
    by_address = {m["to"]: sent_code(m) for m in code_mails(demo_services)}
    assert _confirm(demo_services, second, by_address[JUERGEN]) == CodeOutcome.WRONG
    assert _status(demo_services, second) == State.AWAITING_VERIFICATION
    assert _confirm(demo_services, first, by_address[JUERGEN]) == CodeOutcome.OK


def test_a_new_code_revokes_the_old_one_and_codes_are_limited(demo_services: Services) -> None:
    from workflows import outbox
    from workflows.runner import run_pending

    request_id = new_request(demo_services)
    for round_ in (1, 2, 3):
        with demo_services.db.session() as session:
            outbox.add_task(session, kind="verify_identity", request_id=request_id,
                            queue=outbox.QUEUE_MAIL, round_=round_)
        run_pending(demo_services)
    sent = code_mails(demo_services)
    assert len(sent) == 3  # codes_per_request = 3: the fourth task sends none
    codes = [sent_code(m) for m in sent]
    with demo_services.db.session() as session:
        rows = session.scalars(select(VerificationCode).order_by(VerificationCode.id)).all()
        assert [r.revoked_at is not None for r in rows] == [True, True, False]
        assert session.scalars(select(VerificationStep).where(
            VerificationStep.kind == "code_not_sent")).one().details["why"] == "limit_reached"
    assert [_confirm(demo_services, request_id, c) for c in codes] == [
        CodeOutcome.WRONG, CodeOutcome.WRONG, CodeOutcome.OK]


def test_unknown_address_gets_no_code_and_no_error(demo_services: Services) -> None:
    request_id = new_request(demo_services, name="Niemand Bekannt",
                             email_address="nobody-here@example.net")
    assert code_mails(demo_services) == []
    assert _confirm(demo_services, request_id, "ABCDEFGH") == CodeOutcome.NONE
    with demo_services.db.session() as session:
        why = session.scalars(select(VerificationStep).where(
            VerificationStep.kind == "code_not_sent")).one().details["why"]
        assert why == "no_address_on_file"
