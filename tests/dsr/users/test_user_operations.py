"""User administration as services, without the web: coordinator grants that wait for a
coordinator, deactivation that ends sessions, one-time reset links, OpenID Connect claims
matched to existing users only, and an audit event for every change."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dsr.audit import AuditEvent, verify_chain
from dsr.context import Services
from dsr.permissions import Permission, permissions_of
from dsr.security.sessions import Limits, check_session, open_session
from dsr.users import operations as ops
from dsr.users.models import PasswordReset, User
from dsr.users.operations import UserError
from tests.support.clock import CLOCK

PASSWORD = "correct horse battery"
NEW_PASSWORD = "Kaffeemaschine-Zuckerdose-17"
LIMITS = Limits(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _events(session: Any, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                .order_by(AuditEvent.seq)))


@pytest.fixture
def people(services: Services) -> dict[str, int]:
    """An admin, a coordinator and a staff member made on the server's command line."""
    with services.db.session() as session:
        made = {role: ops.create_user(session, f"{role}-1", PASSWORD, role).id
                for role in ("admin", "coordinator", "staff")}
    return made


def test_an_admins_new_coordinator_holds_no_role_until_a_coordinator_confirms(
        services: Services, people: dict[str, int]) -> None:
    with services.db.session() as session:
        new = ops.create_user(session, "neu", PASSWORD, "coordinator", granted_by=people["admin"])
        assert new.role is None and new.pending_role == "coordinator"
        assert not new.is_active  # Flask-Login and the user loader refuse it
        assert permissions_of(new.role) == frozenset()
        assert ops.authenticate(session, "neu", PASSWORD) is not None  # the password is right
        assert ops.user_for_token(session, ops.create_token(session, new)) is None
        admin = session.get(User, people["admin"])
        with pytest.raises(UserError) as refused:  # an admin is no coordinator
            ops.confirm_role(session, new, admin)
        assert refused.value.key == "users_error_confirmer"
        with pytest.raises(UserError):  # nor does the new account confirm itself
            ops.confirm_role(session, new, new)
        assert [u.id for u in ops.pending_confirmations(session)] == [new.id]
        ops.confirm_role(session, new, session.get(User, people["coordinator"]))
        assert new.role == "coordinator" and new.pending_role is None and new.is_active
        assert Permission.REQUESTS_VIEW_CONTENTS in permissions_of(new.role)
        created, confirmed = _events(session, "user_created")[-1], _events(
            session, "coordinator_confirmed")[-1]
        assert created.details == {"user_id": new.id, "role": None, "pending_role": "coordinator"}
        assert created.actor == f"user:{people['admin']}"
        assert confirmed.actor == f"user:{people['coordinator']}"
        assert confirmed.details["granted_by"] == people["admin"]


def test_a_role_change_to_coordinator_waits_and_the_old_role_stays(
        services: Services, people: dict[str, int]) -> None:
    with services.db.session() as session:
        staff = session.get(User, people["staff"])
        ops.change_role(session, staff, "coordinator", by=people["admin"])
        assert staff.role == "staff" and staff.pending_role == "coordinator"
        with pytest.raises(UserError):  # an admin cannot promote itself either
            ops.change_role(session, session.get(User, people["admin"]), "coordinator",
                            by=people["admin"])
        ops.change_role(session, staff, "admin", by=people["admin"])  # no contents: at once
        assert staff.role == "admin" and staff.pending_role is None
        changes = _events(session, "user_role_changed")
        assert [(e.details["from"], e.details["to"], e.details["pending_role"])
                for e in changes] == [("staff", "staff", "coordinator"), ("staff", "admin", None)]


def test_deactivation_ends_sessions_and_sign_in_until_reactivated(
        services: Services, people: dict[str, int]) -> None:
    with services.db.session() as session:
        user = session.get(User, people["coordinator"])
        token = open_session(session, user.id, CLOCK.now())
        api = ops.create_token(session, user)
        assert ops.deactivate(session, user, by=people["admin"]) == 1
        assert not check_session(session, token, user.id, CLOCK.now(), LIMITS)
        assert ops.authenticate(session, "coordinator-1", PASSWORD) is None
        assert ops.user_for_token(session, api) is None
        with pytest.raises(UserError):
            ops.deactivate(session, session.get(User, people["admin"]), by=people["admin"])
        ops.reactivate(session, user, by=people["admin"])
        assert ops.authenticate(session, "coordinator-1", PASSWORD) is not None
        assert [e.details for e in _events(session, "user_deactivated")] == [
            {"user_id": user.id, "sessions_ended": 1}]
        assert len(_events(session, "user_reactivated")) == 1


def test_a_reset_link_is_stored_hashed_expires_and_works_once(
        services: Services, people: dict[str, int]) -> None:
    with services.db.session() as session:
        staff = session.get(User, people["staff"])
        token = ops.issue_reset(session, staff, by=people["admin"], hours=24)
        stored = session.scalars(select(PasswordReset)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
        with pytest.raises(UserError) as weak:  # the password policy applies
            ops.use_reset(session, token, "password1")
        assert weak.value.key == "users_error_password"
        session_token = open_session(session, staff.id, CLOCK.now())
        ops.use_reset(session, token, NEW_PASSWORD)
        assert ops.authenticate(session, "staff-1", NEW_PASSWORD) is not None
        assert not check_session(session, session_token, staff.id, CLOCK.now(), LIMITS)
        with pytest.raises(UserError) as spent:
            ops.use_reset(session, token, "Another-long-passphrase-42")
        assert spent.value.key == "users_error_reset_link"
        late = ops.issue_reset(session, staff, by=people["admin"], hours=1)
        CLOCK.advance(timedelta(hours=1, seconds=1))
        assert ops.reset_for(session, late) is None
        first, second = (ops.issue_reset(session, staff, by=people["admin"], hours=24)
                         for _ in range(2))
        assert ops.reset_for(session, first) is None and ops.reset_for(session, second)
        assert [e.action for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action.like("password_reset%")).order_by(AuditEvent.seq))] == [
            "password_reset_issued", "password_reset_used", "password_reset_issued",
            "password_reset_issued", "password_reset_issued"]
        assert verify_chain(session).ok


def test_a_reset_coordinator_needs_a_new_confirmation(services: Services,
                                                      people: dict[str, int]) -> None:
    """The admin who issued the link could have used it: the contents stay closed to it."""
    with services.db.session() as session:
        other = ops.create_user(session, "coordinator-2", PASSWORD, "coordinator")
        coordinator = session.get(User, people["coordinator"])
        token = ops.issue_reset(session, coordinator, by=people["admin"], hours=24)
        ops.use_reset(session, token, NEW_PASSWORD)
        assert coordinator.role is None and coordinator.pending_role == "coordinator"
        ops.confirm_role(session, coordinator, other)
        assert coordinator.role == "coordinator"
        assert _events(session, "password_reset_used")[0].details["role_needs_confirmation"]


def test_openid_claims_name_an_existing_user_only(services: Services,
                                                  people: dict[str, int]) -> None:
    with services.db.session() as session:
        ops.create_user(session, "lena", PASSWORD, "staff", "Lena@Example.org")
        verified = {"email": "lena@example.org", "email_verified": True}
        assert ops.user_for_claims(session, verified, claim="email", match="email").username == "lena"
        assert ops.user_for_claims(session, {"email": "lena@example.org"}, claim="email",
                                   match="email") is None  # not verified by the provider
        assert ops.user_for_claims(session, {"email": "new@example.org", "email_verified": True},
                                   claim="email", match="email") is None
        assert ops.user_for_claims(session, {"preferred_username": "staff-1"},
                                   claim="preferred_username", match="username").id == people["staff"]
        assert session.scalar(select(func.count(User.id))) == 4  # nobody was created
        ops.deactivate(session, session.get(User, people["staff"]), by=people["admin"])
        assert ops.user_for_claims(session, {"preferred_username": "staff-1"},
                                   claim="preferred_username", match="username") is None


def test_a_coordinator_declines_a_grant_and_the_old_role_stays(services: Services,
                                                              people: dict[str, int]) -> None:
    with services.db.session() as session:
        staff = session.get(User, people["staff"])
        ops.change_role(session, staff, "coordinator", by=people["admin"])
        with pytest.raises(UserError):
            ops.decline_role(session, staff, session.get(User, people["admin"]))
        ops.decline_role(session, staff, session.get(User, people["coordinator"]))
        assert staff.role == "staff" and staff.pending_role is None
        assert ops.pending_confirmations(session) == []
        assert _events(session, "coordinator_declined")[0].details == {
            "user_id": staff.id, "role": "coordinator", "granted_by": people["admin"]}
