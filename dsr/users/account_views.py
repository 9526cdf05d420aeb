"""A signed-in user's own account (the second factor), and the password reset link an admin
issued. Both need no permission: the first only a session, the second its one-time token."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from dsr.extensions import limiter
from dsr.users import second_factor
from dsr.users.models import User
from dsr.users.operations import UserError, reset_for, use_reset
from dsr.users.views import enrolment_context
from dsr.web.context import db_session
from dsr.web.i18n import _

bp = Blueprint("account", __name__)


def _services() -> Any:
    return current_app.extensions["dsr"]


def _me() -> User:
    user = db_session().get(User, current_user.id)
    assert user is not None
    return user


@bp.route("/account/second-factor", methods=["GET", "POST"])
@login_required
def second_factor_page() -> Any:
    user, cipher = _me(), _services().cipher
    required = (user.role or "") in _services().config.users["second_factor_required"]
    if request.method == "POST":
        action = request.form.get("action", "")
        try:
            if action == "start":
                second_factor.start_enrolment(db_session(), cipher, user)
            elif action == "confirm":
                if second_factor.confirm_enrolment(db_session(), cipher, user,
                                                   request.form.get("code", "")):
                    flash(_("second_factor_enrolled"), "ok")
                else:
                    flash(_("login_code_wrong"), "error")
            elif action == "remove" and not required:
                second_factor.remove_second_factor(db_session(), user, by=user.id)
                flash(_("second_factor_removed"), "ok")
            else:
                flash(_("users_error_invalid"), "error")
        except UserError as exc:
            flash(_(exc.key), "error")
        return redirect(url_for("account.second_factor_page"))
    secret = second_factor.pending_secret(cipher, user)
    context = enrolment_context(user, secret) if secret else {}
    return render_template("account.html", user=user, required=required, **context,
                           action=url_for("account.second_factor_page"))


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def reset_password(token: str) -> Any:
    if reset_for(db_session(), token) is None:
        return render_template("reset.html", usable=False), 410
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("password_again", ""):
            flash(_("reset_passwords_differ"), "error")
            return render_template("reset.html", usable=True), 400
        try:
            user = use_reset(db_session(), token, password)
        except UserError as exc:
            flash(_(exc.key), "error")
            if exc.key == "users_error_password":
                flash(str(exc), "error")
            return render_template("reset.html", usable=True), 400
        flash(_("reset_done"), "ok")
        if user.role is None:
            flash(_("reset_done_awaits_confirmation"), "ok")
        return redirect(url_for("auth.login"))
    return render_template("reset.html", usable=True)
