"""The admin's pages: users and their roles. Admins see no request contents."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from dsr.permissions import Permission
from dsr.users.models import Role, User
from dsr.users.operations import UserError, create_user
from dsr.web.context import db_session
from dsr.web.permissions import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/users", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def users() -> Any:
    if request.method == "POST":
        try:
            create_user(db_session(), request.form.get("username", ""),
                        request.form.get("password", ""), request.form.get("role", ""),
                        request.form.get("email", ""))
        except UserError as exc:
            flash(str(exc), "error")
            db_session().rollback()
        else:
            flash("ok", "ok")
        return redirect(url_for("admin.users"))
    rows = list(db_session().scalars(select(User).order_by(User.username)))
    return render_template("users.html", rows=rows, roles=list(Role))
