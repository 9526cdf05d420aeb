"""TOTP as a service: the secret encrypted at rest, an enrolment confirmed by a code, a code
good once, the step sign-in needs after the password, removal audited."""

from __future__ import annotations

from datetime import timedelta

import pyotp
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.users import second_factor as sf
from dsr.users.operations import create_user
from dsr.users.second_factor import Step
from tests.support.clock import CLOCK

PASSWORD = "correct horse battery"


def test_enrolment_then_codes_good_once(services: Services) -> None:
    cipher = services.cipher
    with services.db.session() as session:
        user = create_user(session, "koordination", PASSWORD, "coordinator")
        assert sf.step_after_password(user, ["coordinator"]) is Step.ENROL
        assert sf.step_after_password(user, []) is Step.NONE
        secret = sf.start_enrolment(session, cipher, user)
        assert user.totp_secret and secret not in user.totp_secret  # encrypted at rest
        assert sf.pending_secret(cipher, user) == secret
        totp = pyotp.TOTP(secret)
        assert not sf.confirm_enrolment(session, cipher, user, "000000" if totp.at(
            CLOCK.now()) != "000000" else "111111")
        assert sf.confirm_enrolment(session, cipher, user, totp.at(CLOCK.now()))
        assert user.second_factor and sf.step_after_password(user, []) is Step.CODE
        # The code that finished the enrolment cannot sign in again.
        assert not sf.check_code(session, cipher, user, totp.at(CLOCK.now()))
        CLOCK.advance(timedelta(seconds=30))
        assert sf.check_code(session, cipher, user, totp.at(CLOCK.now()))
        assert not sf.check_code(session, cipher, user, totp.at(CLOCK.now()))
        CLOCK.advance(timedelta(minutes=5))
        assert not sf.check_code(session, cipher, user, totp.at(CLOCK.now() - timedelta(minutes=2)))
        assert sf.check_code(session, cipher, user, " ".join(
            [totp.at(CLOCK.now())[:3], totp.at(CLOCK.now())[3:]]))  # spaces typed are fine
        sf.remove_second_factor(session, user, by=user.id)
        assert not user.second_factor and user.totp_secret is None
        actions = [e.action for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.like("second_factor%"))
            .order_by(AuditEvent.seq))]
        assert actions == ["second_factor_enrolled", "second_factor_removed"]


def test_the_qr_code_is_an_image_of_the_provisioning_uri() -> None:
    uri = sf.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "koordination", "PSO dsr")
    assert uri.startswith("otpauth://totp/PSO%20dsr:koordination?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert sf.qr_svg_data_uri(uri).startswith("data:image/svg+xml")
