"""Sign-in and sign-out (the permission check of every queue page: ``dsr.web.permissions``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dsr.extensions import limiter
from dsr.permissions import Permission, permissions_of
from dsr.security.throttle import DEVICE_COOKIE
from dsr.users.operations import record_sign_in
from dsr.web.context import db_session
from dsr.web.i18n import _
from dsr.web.permissions import may
from dsr.web.security import SignInRefused, sign_in, sign_out

bp = Blueprint("auth", __name__)
# Templates ask ``may("holds.manage")`` rather than comparing roles.
bp.add_app_template_global(may, "may")


def actor() -> str:
    return f"user:{current_user.id}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login() -> Any:
    if request.method == "POST":
        try:
            user, device = sign_in(db_session(), request.form.get("username", ""),
                                   request.form.get("password", ""))
        except SignInRefused as refused:
            flash(_("login_failed"), "error")
            if refused.wait:
                flash(_("login_wait", seconds=refused.wait), "error")
            return render_template("login.html"), 401
        login_user(user)
        record_sign_in(db_session(), user)
        target = request.args.get("next", "")
        if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
            home = ("queue.index" if Permission.REQUESTS_VIEW in permissions_of(user.role)
                    else "admin.users")
            target = url_for(home)
        response = redirect(target)
        response.set_cookie(DEVICE_COOKIE, device, max_age=180 * 86400, httponly=True,
                            samesite="Lax", secure=request.is_secure)
        return response
    return render_template("login.html")


@bp.post("/logout")
@login_required
def logout() -> Any:
    sign_out(db_session())  # the server forgets the session: a copied cookie is refused
    logout_user()
    return redirect(url_for("auth.login"))
