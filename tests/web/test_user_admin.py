"""The user administration pages: an admin's coordinator waits for a coordinator, deactivation
ends a live session, a reset link works once, a required second factor is enrolled right after
the password and asked for at every sign-in; in German and English."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pyotp
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from tests.support.clock import CLOCK

PASSWORD = "correct horse battery"
NEW_PASSWORD = "Kaffeemaschine-Zuckerdose-17"
QUEUE = "/queue/"


def _csrf(client: Any, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def _sign_in(client: Any, username: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"csrf_token": _csrf(client, "/login"),
                                       "username": username, "password": password})


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    assert _sign_in(client, username).status_code == 302, username
    return client


def _user_id(page: str, username: str) -> int:
    match = re.search(rf"<td>{re.escape(username)}</td>.*?/admin/users/(\d+)", page, re.S)
    assert match, username
    return int(match.group(1))


def _act(client: Any, user_id: int, action: str, **extra: str) -> Any:
    return client.post(f"/admin/users/{user_id}", data={
        "csrf_token": _csrf(client, "/admin/users"), "action": action, **extra})


def _actions(services: Services) -> list[str]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_an_admins_new_coordinator_signs_in_only_after_a_coordinator_confirms(
        app: Any, make_user: Any, demo_services: Services) -> None:
    make_user("admin", "admin")
    make_user("koordination", "coordinator")
    admin = _signed_in(app, "admin")
    created = admin.post("/admin/users", data={
        "csrf_token": _csrf(admin, "/admin/users"), "username": "neu", "role": "coordinator",
        "email": "", "password": PASSWORD}, follow_redirects=True)
    page = created.get_data(as_text=True)
    assert "wartet auf Bestätigung durch eine Koordination" in page
    refused = _sign_in(app.test_client(), "neu")
    assert refused.status_code == 403
    assert "wartet auf die Bestätigung durch eine Datenschutzkoordination" in refused.get_data(
        as_text=True)
    assert admin.get("/admin/confirmations").status_code == 403  # an admin cannot confirm
    coordinator = _signed_in(app, "koordination")
    queue = coordinator.get(QUEUE).get_data(as_text=True)
    assert "Zu bestätigen (1)" in queue
    listed = coordinator.get("/admin/confirmations").get_data(as_text=True)
    assert "neu" in listed and "admin" in listed  # who granted it
    user_id = int(re.search(r'/admin/confirmations/(\d+)', listed).group(1))
    confirmed = coordinator.post(f"/admin/confirmations/{user_id}", data={
        "csrf_token": _csrf(coordinator, "/admin/confirmations")}, follow_redirects=True)
    assert "Bestätigt" in confirmed.get_data(as_text=True)
    newcomer = _signed_in(app, "neu")
    assert newcomer.get(QUEUE).status_code == 200
    assert {"user_created", "coordinator_confirmed"} <= set(_actions(demo_services))


def test_deactivation_ends_the_live_session_and_the_sign_in(app: Any, make_user: Any,
                                                            demo_services: Services) -> None:
    make_user("admin", "admin")
    make_user("servicedesk", "staff")
    admin, desk = _signed_in(app, "admin"), _signed_in(app, "servicedesk")
    assert desk.get(QUEUE).status_code == 200
    user_id = _user_id(admin.get("/admin/users").get_data(as_text=True), "servicedesk")
    assert _act(admin, user_id, "deactivate").status_code == 302
    assert desk.get(QUEUE).status_code == 302  # back to the sign-in page
    assert _sign_in(app.test_client(), "servicedesk").status_code == 401
    assert _act(admin, user_id, "reactivate").status_code == 302
    assert _sign_in(app.test_client(), "servicedesk").status_code == 302
    assert [
        a for a in _actions(demo_services) if a.startswith("user_") and "activated" in a] == ["user_deactivated", "user_reactivated"]


def test_a_reset_link_works_once_and_checks_the_password_policy(app: Any, make_user: Any,
                                                                 demo_services: Services) -> None:
    make_user("admin", "admin")
    make_user("servicedesk", "staff")
    admin = _signed_in(app, "admin")
    user_id = _user_id(admin.get("/admin/users").get_data(as_text=True), "servicedesk")
    shown = _act(admin, user_id, "reset")
    assert shown.status_code == 200
    link = re.search(r"<code>(http[^<]+/reset/[^<]+)</code>", shown.get_data(as_text=True)).group(1)
    path = urlsplit(link).path
    assert admin.get("/admin/users").get_data(as_text=True).count("/reset/") == 0  # shown once
    visitor = app.test_client()
    assert "Neues Passwort setzen" in visitor.get(path).get_data(as_text=True)
    weak = visitor.post(path, data={"csrf_token": _csrf(visitor, path), "password": "password1",
                                    "password_again": "password1"})
    assert weak.status_code == 400 and "erfüllt die Regeln nicht" in weak.get_data(as_text=True)
    differ = visitor.post(path, data={"csrf_token": _csrf(visitor, path),
                                      "password": NEW_PASSWORD, "password_again": "x"})
    assert differ.status_code == 400
    done = visitor.post(path, data={"csrf_token": _csrf(visitor, path), "password": NEW_PASSWORD,
                                    "password_again": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert visitor.get(path).status_code == 410
    again = app.test_client().get(path + "?lang=en")
    assert again.status_code == 410 and "was used already" in again.get_data(as_text=True)
    assert _sign_in(app.test_client(), "servicedesk", NEW_PASSWORD).status_code == 302
    assert _sign_in(app.test_client(), "servicedesk", PASSWORD).status_code == 401
    assert {"password_reset_issued", "password_reset_used"} <= set(_actions(demo_services))


def test_a_required_second_factor_is_enrolled_after_the_password_then_always_asked(
        app: Any, make_user: Any, demo_services: Services) -> None:
    demo_services.config.users["second_factor_required"] = ["coordinator"]
    make_user("koordination", "coordinator")
    client = app.test_client()
    first = _sign_in(client, "koordination")
    assert first.status_code == 302 and first.headers["Location"].endswith("/login/enrol")
    assert client.get(QUEUE).status_code == 302  # not signed in yet
    enrol = client.get("/login/enrol?lang=en").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in enrol and "Your role requires a second factor" in enrol
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', enrol).group(1)
    totp = pyotp.TOTP(secret)
    done = client.post("/login/enrol", data={"csrf_token": _csrf(client, "/login/enrol"),
                                             "code": totp.at(CLOCK.now())})
    assert done.status_code == 302 and client.get(QUEUE).status_code == 200

    CLOCK.advance(timedelta(seconds=30))
    later = app.test_client()
    asked = _sign_in(later, "koordination")
    assert asked.headers["Location"].endswith("/login/code")
    wrong = later.post("/login/code", data={"csrf_token": _csrf(later, "/login/code"),
                                            "code": "12345"})
    assert wrong.status_code == 401 and later.get(QUEUE).status_code == 302
    right = later.post("/login/code", data={"csrf_token": _csrf(later, "/login/code"),
                                            "code": totp.at(CLOCK.now())})
    assert right.status_code == 302 and later.get(QUEUE).status_code == 200
    # Skipping the code page does not sign in: a fresh browser with only the password.
    skipper = app.test_client()
    _sign_in(skipper, "koordination")
    assert skipper.get(QUEUE).status_code == 302
    assert "second_factor_enrolled" in _actions(demo_services)


def test_the_admin_removes_a_lost_second_factor_and_the_user_enrols_again(
        app: Any, make_user: Any, demo_services: Services) -> None:
    make_user("admin", "admin")
    make_user("servicedesk", "staff")
    desk = _signed_in(app, "servicedesk")
    desk.post("/account/second-factor", data={"csrf_token": _csrf(desk, "/account/second-factor"),
                                              "action": "start"})
    page = desk.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', page).group(1)
    desk.post("/account/second-factor", data={
        "csrf_token": _csrf(desk, "/account/second-factor"), "action": "confirm",
        "code": pyotp.TOTP(secret).at(CLOCK.now())})
    assert _sign_in(app.test_client(), "servicedesk").headers["Location"].endswith("/login/code")
    admin = _signed_in(app, "admin")
    listing = admin.get("/admin/users?lang=en").get_data(as_text=True)
    assert "set up" in listing and "Remove second factor" in listing
    _act(admin, _user_id(listing, "servicedesk"), "remove_second_factor")
    assert _sign_in(app.test_client(), "servicedesk").headers["Location"].endswith(QUEUE)
    assert "second_factor_removed" in _actions(demo_services)


def test_bad_input_gives_a_clear_answer_and_changes_nothing(app: Any, make_user: Any,
                                                           demo_services: Services) -> None:
    me = make_user("admin", "admin")
    admin = _signed_in(app, "admin")
    before = _actions(demo_services)
    assert _act(admin, 999, "deactivate").status_code == 400
    assert _act(admin, me.id, "launch").status_code == 400
    refused = _act(admin, me.id, "deactivate")  # not oneself
    assert refused.status_code == 302
    assert "eigene Konto" in admin.get("/admin/users").get_data(as_text=True)
    assert _act(admin, me.id, "role", role="owner").status_code == 302
    assert admin.get("/admin/users").status_code == 200  # still signed in, still admin
    assert _actions(demo_services) == before
    assert app.test_client().get("/reset/not-a-token").status_code == 410
    assert app.test_client().get("/login/code").status_code == 302


def test_a_coordinator_declines_a_grant_on_the_page(app: Any, make_user: Any,
                                                    demo_services: Services) -> None:
    make_user("admin", "admin")
    make_user("koordination", "coordinator")
    desk = make_user("servicedesk", "staff")
    admin = _signed_in(app, "admin")
    _act(admin, desk.id, "role", role="coordinator")
    coordinator = _signed_in(app, "koordination")
    declined = coordinator.post(f"/admin/confirmations/{desk.id}?lang=en", data={
        "csrf_token": _csrf(coordinator, "/admin/confirmations"), "decision": "decline"},
        follow_redirects=True).get_data(as_text=True)
    assert "Declined: the account keeps the role it held." in declined
    assert "No role waits for confirmation." in declined
    staff = _signed_in(app, "servicedesk")
    assert staff.get(QUEUE).status_code == 200  # still staff
    assert staff.get("/queue/statistics").status_code == 403  # and no coordinator
    assert "coordinator_declined" in _actions(demo_services)
