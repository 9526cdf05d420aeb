"""Sign-in and sign-out (the permission check of every queue page: ``dsr.web.permissions``).

Sign-in is password first, then, where the user has one or the role requires it, the second
factor: a TOTP code, or an enrolment for a user whose role requires one but who has none. Until
the last step the browser holds only a short-lived note of who passed the password; the
server-side session is opened at the end.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from dsr.extensions import limiter
from dsr.permissions import Permission, permissions_of
from dsr.security import throttle
from dsr.security.throttle import DEVICE_COOKIE
from dsr.users import second_factor
from dsr.users.models import User
from dsr.users.operations import record_sign_in
from dsr.users.second_factor import Step
from dsr.web.context import clock, db_session
from dsr.web.i18n import _
from dsr.web.permissions import may
from dsr.web.security import SignInRefused, check_password_step, open_staff_session, sign_out

bp = Blueprint("auth", __name__)
# Templates ask ``may("holds.manage")`` rather than comparing roles.
bp.add_app_template_global(may, "may")

#: The browser's note that the password was right and a second step is due.
PENDING_KEY = "dsr_sign_in"
#: How long the second step may take after the password.
PENDING_FOR = timedelta(minutes=5)


def actor() -> str:
    return f"user:{current_user.id}"


def _services() -> Any:
    return current_app.extensions["dsr"]


def _target() -> str:
    target = request.args.get("next", "")
    if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
        return ""
    return target


def finish_sign_in(user: User, device: str, target: str, method: str = "password") -> Any:
    """Open the server-side session, sign the user in and go to ``target`` (else home)."""
    session.pop(PENDING_KEY, None)
    open_staff_session(db_session(), user.id)
    login_user(user)
    record_sign_in(db_session(), user, method)
    if not target:
        home = ("queue.index" if Permission.REQUESTS_VIEW in permissions_of(user.role)
                else "admin.users")
        target = url_for(home)
    response = redirect(target)
    if device:
        response.set_cookie(DEVICE_COOKIE, device, max_age=180 * 86400, httponly=True,
                            samesite="Lax", secure=request.is_secure)
    return response


def refuse_unconfirmed() -> Any:
    """The page for a correct password of an account whose role still waits for a coordinator."""
    flash(_("login_awaits_confirmation"), "error")
    return render_template("login.html", oidc=_services().config.oidc), 403


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login() -> Any:
    oidc = _services().config.oidc
    if request.method == "POST":
        try:
            user, device = check_password_step(db_session(), request.form.get("username", ""),
                                               request.form.get("password", ""))
        except SignInRefused as refused:
            flash(_("login_failed"), "error")
            if refused.wait:
                flash(_("login_wait", seconds=refused.wait), "error")
            return render_template("login.html", oidc=oidc), 401
        if user.role is None:
            return refuse_unconfirmed()
        return after_first_factor(user, device, _target())
    return render_template("login.html", oidc=oidc)


def after_first_factor(user: User, device: str, target: str, method: str = "password") -> Any:
    """Sign in at once, or note who passed the first factor (password, single sign-on) and
    ask for the second one (a code, or an enrolment where the role requires it)."""
    step = second_factor.step_after_password(
        user, _services().config.users["second_factor_required"])
    if step is Step.NONE:
        return finish_sign_in(user, device, target, method)
    session[PENDING_KEY] = {"user_id": user.id, "device": device, "target": target,
                            "at": clock().now().isoformat(), "step": step.value,
                            "method": method}
    return redirect(url_for("auth.login_code" if step is Step.CODE else "auth.login_enrol"))


def _pending(step: Step) -> tuple[User, dict[str, Any]] | None:
    """The user who passed the password in this browser for ``step``, if still in time."""
    note = session.get(PENDING_KEY)
    if not isinstance(note, dict) or note.get("step") != step.value:
        return None
    try:
        at = datetime.fromisoformat(str(note.get("at")))
    except ValueError:
        return None
    if clock().now() - at > PENDING_FOR:
        session.pop(PENDING_KEY, None)
        return None
    user = db_session().get(User, int(note.get("user_id", 0)))
    if user is None or not user.active or user.role is None:
        return None
    return user, note


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login_code() -> Any:
    found = _pending(Step.CODE)
    if found is None:
        flash(_("login_again"), "error")
        return redirect(url_for("auth.login"))
    user, note = found
    if request.method == "POST":
        db, services = db_session(), _services()
        key = second_factor.throttle_key(services.config.secret_key, user.id)
        wait = throttle.wait_seconds(db, key, clock().now())
        if not wait and second_factor.check_code(db, services.cipher, user,
                                                 request.form.get("code", "")):
            throttle.record_success(db, key)
            return finish_sign_in(user, str(note.get("device", "")), str(note.get("target", "")),
                                  f"{note.get('method', 'password')}+totp")
        if not wait:
            wait = throttle.record_failure(db, key, clock().now())
        db.commit()  # the count stays although the answer is an error
        flash(_("login_code_wrong"), "error")
        if wait:
            flash(_("login_wait", seconds=wait), "error")
        return render_template("login_code.html"), 401
    return render_template("login_code.html")


@bp.route("/login/enrol", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login_enrol() -> Any:
    found = _pending(Step.ENROL)
    if found is None:
        flash(_("login_again"), "error")
        return redirect(url_for("auth.login"))
    user, note = found
    services = _services()
    if request.method == "POST":
        if second_factor.confirm_enrolment(db_session(), services.cipher, user,
                                           request.form.get("code", "")):
            flash(_("second_factor_enrolled"), "ok")
            return finish_sign_in(user, str(note.get("device", "")),
                                  str(note.get("target", "")),
                                  f"{note.get('method', 'password')}+totp")
        flash(_("login_code_wrong"), "error")
    secret = (second_factor.pending_secret(services.cipher, user)
              or second_factor.start_enrolment(db_session(), services.cipher, user))
    return render_template("enrol.html", **enrolment_context(user, secret),
                           action=url_for("auth.login_enrol"), required=True)


def enrolment_context(user: User, secret: str) -> dict[str, Any]:
    """What the enrolment page shows: the QR code and the secret to type in by hand."""
    uri = second_factor.provisioning_uri(secret, user.username,
                                         _services().config.users["totp_issuer"])
    return {"secret": secret, "qr": second_factor.qr_svg_data_uri(uri)}


@bp.post("/logout")
@login_required
def logout() -> Any:
    sign_out(db_session())  # the server forgets the session: a copied cookie is refused
    logout_user()
    return redirect(url_for("auth.login"))
