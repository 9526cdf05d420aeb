"""Staff sign-in: sessions held on the server (a copied cookie is refused after sign-out and
after a password change; idle and absolute expiry by the service clock), per-account throttling
that many addresses cannot get round and that cannot shut the real user out, failed sign-ins
audited without the typed name, and a password policy against common passwords."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dsr.app import create_app
from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.security.accounts import change_password
from dsr.security.passwords import PasswordRejected, check_password
from dsr.users.models import User
from dsr.users.operations import UserError, create_user

PASSWORD = "correct horse battery"
QUEUE = "/queue/"


@pytest.fixture
def limited_app(demo_services: Services) -> Any:
    """The app with its rate limits on (the per-address limit of /login is part of the story)."""
    return create_app(services=demo_services, flask_config={"TESTING": True, "RATELIMIT_ENABLED": True})


def _csrf(client: Any, path: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def sign_in(client: Any, username: str, password: str, address: str = "203.0.113.1") -> Any:
    return client.post("/login", data={"csrf_token": _csrf(client), "username": username,
                                       "password": password},
                       environ_base={"REMOTE_ADDR": address})


def cookie_of(client: Any) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return str(cookie.value)


def replay(app: Any, cookie: str) -> int:
    """The status of the queue for a browser that only has a copy of ``cookie``."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    return int(other.get(QUEUE).status_code)


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app: Any, make_user: Any) -> None:
    make_user("koordination", "coordinator", PASSWORD)
    client = app.test_client()
    assert sign_in(client, "koordination", PASSWORD).status_code == 302
    copied = cookie_of(client)
    assert replay(app, copied) == 200
    client.post("/logout", data={"csrf_token": _csrf(client, QUEUE)})
    assert replay(app, copied) == 302  # back to the sign-in page


def test_a_password_change_ends_every_session(app: Any, demo_services: Services,
                                              make_user: Any) -> None:
    user = make_user("koordination", "coordinator", PASSWORD)
    first, second = app.test_client(), app.test_client()
    sign_in(first, "koordination", PASSWORD)
    sign_in(second, "koordination", PASSWORD)
    with demo_services.db.session() as session:
        ended = change_password(session, session.get(User, user.id), "Kaffeemaschine-Zuckerdose-17",
                                demo_services.clock.now(), actor=f"user:{user.id}")
    assert ended == 2
    assert first.get(QUEUE).status_code == 302 and second.get(QUEUE).status_code == 302
    assert sign_in(app.test_client(), "koordination", "Kaffeemaschine-Zuckerdose-17").status_code == 302


def test_idle_and_absolute_expiry_follow_the_service_clock(app: Any, demo_services: Services,
                                                          make_user: Any) -> None:
    make_user("koordination", "coordinator", PASSWORD)
    idle = demo_services.config.web["session_idle_minutes"]
    client = app.test_client()
    sign_in(client, "koordination", PASSWORD)
    demo_services.clock.advance(timedelta(minutes=idle - 1))
    assert client.get(QUEUE).status_code == 200  # used in time: still signed in
    demo_services.clock.advance(timedelta(minutes=idle + 1))
    assert client.get(QUEUE).status_code == 302  # idle too long

    client = app.test_client()
    sign_in(client, "koordination", PASSWORD)
    hours = demo_services.config.web["session_absolute_hours"]
    for _ in range(hours * 60 // max(1, idle - 1) + 2):  # busy all the time ...
        demo_services.clock.advance(timedelta(minutes=idle - 1))
        if client.get(QUEUE).status_code != 200:
            break
    # ... and still signed out once the absolute limit is reached
    assert client.get(QUEUE).status_code == 302


def test_guessing_from_many_addresses_is_throttled_per_account(limited_app: Any,
                                                               demo_services: Services,
                                                               make_user: Any) -> None:
    make_user("koordination", "coordinator", PASSWORD)
    for number in range(40):  # 40 wrong passwords from 4 addresses
        client = limited_app.test_client()
        assert sign_in(client, "koordination", f"wrong-{number}",
                       address=f"198.51.100.{number % 4}").status_code == 401
    # ... then the right one, from a fifth address and a new browser: still refused
    attacker = limited_app.test_client()
    refused = sign_in(attacker, "koordination", PASSWORD, address="198.51.100.9")
    assert refused.status_code == 401 and "Sekunden" in refused.get_data(as_text=True)
    # The wait ends: the back-off is capped, so the account opens again.
    demo_services.clock.advance(timedelta(minutes=demo_services.config.web["login_max_wait_minutes"]))
    assert sign_in(limited_app.test_client(), "koordination", PASSWORD,
                   address="198.51.100.9").status_code == 302


def test_the_lock_does_not_shut_out_a_browser_that_signed_in_before(limited_app: Any,
                                                                    make_user: Any) -> None:
    make_user("koordination", "coordinator", PASSWORD)
    own = limited_app.test_client()
    assert sign_in(own, "koordination", PASSWORD, address="192.0.2.7").status_code == 302
    own.post("/logout", data={"csrf_token": _csrf(own, QUEUE)})
    for number in range(12):  # someone keeps the account shut for strangers
        sign_in(limited_app.test_client(), "koordination", f"wrong-{number}",
                address=f"198.51.100.{number}")
    assert sign_in(limited_app.test_client(), "koordination", PASSWORD,
                   address="198.51.100.50").status_code == 401
    # The real user's browser carries its device cookie and gets in.
    assert sign_in(own, "koordination", PASSWORD, address="192.0.2.7").status_code == 302


def test_failed_sign_ins_are_audited_with_the_user_id_not_the_typed_name(
        app: Any, demo_services: Services, make_user: Any) -> None:
    user = make_user("koordination", "coordinator", PASSWORD)
    sign_in(app.test_client(), "koordination", "wrong-password")
    sign_in(app.test_client(), "erika.mustermann@example.org", "wrong-password")
    with demo_services.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")
                                 .order_by(AuditEvent.seq)).all()
        assert [e.details["user_id"] for e in events] == [user.id, None]
        for event in events:
            assert "koordination" not in str(event.details) and "erika" not in str(event.details)
            assert event.actor == "anonymous"


@pytest.mark.parametrize("password", ["aaaaaaaaaaaa", "password1234", "qwertzuiop12",
                                      "hunter2hunter2", "koordination1"])
def test_common_and_guessable_passwords_are_refused(demo_services: Services, password: str) -> None:
    with pytest.raises(PasswordRejected):
        check_password(password, user_inputs=("koordination",))
    with demo_services.db.session() as session, pytest.raises(UserError, match="password"):
        create_user(session, "koordination", password, "coordinator")


def test_a_long_unrelated_phrase_is_accepted() -> None:
    check_password("Kaffeemaschine-Zuckerdose-17")
    check_password(PASSWORD)
