"""The web side of dsr.security: trusted proxies, security headers, origin
checks on state-changing requests, staff sessions held on the server, the sign-in throttle.

Bound by ``create_app`` through :func:`install`; the sign-in view calls :func:`sign_in`,
the sign-out view :func:`sign_out`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

from dsr.security import sessions, throttle
from dsr.security.ids import valid_id

log = logging.getLogger(__name__)

SESSION_KEY = "dsr_sid"
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: No inline script and no inline style anywhere (no <script>/<style> element, no style or
#: on* attribute): scripts and styles are files under templates/web/static/.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def _services() -> Any:
    return current_app.extensions["dsr"]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def install(app: Flask, web: dict[str, Any], base_url: str) -> None:
    """Bind the proxy setting, the headers and the origin check to ``app``."""
    hops = int(web.get("trusted_proxies", 0))
    if hops:
        # X-Forwarded-For/-Proto/-Host from exactly that many proxies; the rate limiter's
        # get_remote_address then sees the client, not the proxy.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops,  # type: ignore[method-assign]
                                x_host=hops)
    allowed = {_origin(base_url), *(_origin(o) for o in web.get("allowed_origins", []))}

    @app.before_request
    def _check_origin() -> None:
        if request.method not in STATE_CHANGING:
            return
        origin = request.headers.get("Origin")
        if origin is None:
            return  # not a browser's cross-site form (API clients, callbacks); CSRF still holds
        if origin.lower() not in allowed | {_origin(request.host_url)}:
            abort(403, description="This form was sent from another site and was refused. "
                                   "Open the page again and send it from there.")

    @app.url_value_preprocessor
    def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
        # An id no database column can hold names nothing: 404 before the database overflows.
        for name, value in (values or {}).items():
            if isinstance(value, int) and not isinstance(value, bool) and not valid_id(value):
                abort(404, description=f"There is nothing with {name} {str(value)[:40]}.")

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response


def limits(web: dict[str, Any]) -> sessions.Limits:
    return sessions.Limits(idle=timedelta(minutes=web["session_idle_minutes"]),
                           absolute=timedelta(hours=web["session_absolute_hours"]))


def session_is_live(db: Any, user_id: int) -> bool:
    """For the user loader: the cookie's server-side session is live (else signed out)."""
    token = session.get(SESSION_KEY)
    if not isinstance(token, str):
        return False
    services = _services()
    live = sessions.check_session(db, token, user_id, services.clock.now(),
                                  limits(services.config.web))
    if not live:
        session.pop(SESSION_KEY, None)
    return live


def throttle_policy(web: dict[str, Any]) -> throttle.Policy:
    return throttle.Policy(threshold=web["login_failures_before_wait"],
                           maximum=timedelta(minutes=web["login_max_wait_minutes"]))


class SignInRefused(Exception):
    """The sign-in failed; ``wait`` seconds until the account may be tried again (0: now)."""

    def __init__(self, wait: int) -> None:
        super().__init__(wait)
        self.wait = wait


def sign_in(db: Any, username: str, password: str) -> tuple[Any, str]:
    """Check the throttle and the password, open the server-side session; return the user and
    the device cookie's value (see :func:`check_password_step`)."""
    user, device = check_password_step(db, username, password)
    open_staff_session(db, user.id)
    return user, device


def open_staff_session(db: Any, user_id: int) -> None:
    """Open this browser's server-side session for ``user_id`` (after every step of sign-in)."""
    session[SESSION_KEY] = sessions.open_session(db, user_id, _services().clock.now())


def check_password_step(db: Any, username: str, password: str) -> tuple[Any, str]:
    """Check the throttle and the password; return the user and the device cookie's value,
    without signing in yet (a second factor may follow).

    A failure is counted, audited (the account's user id if the name exists, never the typed
    name) and raised as :class:`SignInRefused`.
    """
    from sqlalchemy import select

    from dsr.users.models import User
    from dsr.users.operations import authenticate, record_failed_sign_in

    services = _services()
    secret, now = services.config.secret_key, services.clock.now()
    key = throttle.account_key(secret, username)
    trusted = throttle.known_device(secret, key, request.cookies.get(throttle.DEVICE_COOKIE))
    wait = 0 if trusted else throttle.wait_seconds(db, key, now)
    user = None if wait else authenticate(db, username, password)
    if user is None:
        known = db.scalar(select(User.id).where(User.username == username.strip()))
        if not wait:
            wait = throttle.record_failure(db, key, now, throttle_policy(services.config.web))
        record_failed_sign_in(db, known, throttled=bool(wait), known_device=trusted)
        db.commit()  # the count and the audit event stay although the answer is an error
        raise SignInRefused(0 if trusted else wait)
    throttle.record_success(db, key)
    return user, throttle.device_cookie(secret, key)


def sign_out(db: Any) -> None:
    """Revoke this browser's server-side session."""
    token = session.pop(SESSION_KEY, None)
    if isinstance(token, str):
        sessions.revoke_session(db, token, _services().clock.now())
