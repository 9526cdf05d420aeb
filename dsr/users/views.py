"""Sign-in and sign-out, and the role check every queue handler uses (on the server)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from dsr.app import db_session
from dsr.audit import AuditAction, append_event
from dsr.extensions import limiter
from dsr.users.operations import authenticate
from dsr.web.i18n import t

bp = Blueprint("auth", __name__)


def require_role(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow only signed-in users with one of ``roles``; others get 403."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def actor() -> str:
    return f"user:{current_user.id}"


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login() -> Any:
    if request.method == "POST":
        user = authenticate(db_session(), request.form.get("username", ""),
                            request.form.get("password", ""))
        if user is None:
            flash(t("login_failed"), "error")
            return render_template("login.html"), 401
        login_user(user)
        append_event(db_session(), actor=f"user:{user.id}", action=AuditAction.SIGNED_IN)
        target = request.args.get("next", "")
        if not target.startswith("/") or urlsplit(target).netloc or target.startswith("//"):
            target = url_for("admin.users" if user.role == "admin" else "queue.index")
        return redirect(target)
    return render_template("login.html")


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    return redirect(url_for("auth.login"))
