"""The admin's pages: users, roles, deactivation, reset links, lost second factors; and the
coordinators' confirmation of a coordinator role an admin granted. Admins see no request
contents, and no admin gives anyone access to them alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from dsr.permissions import Permission
from dsr.users import operations, second_factor
from dsr.users.models import Role, User
from dsr.users.operations import UserError, create_user
from dsr.web.context import db_session
from dsr.web.i18n import _
from dsr.web.permissions import require

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.app_template_global("confirmations_waiting")
def confirmations_waiting() -> int:
    """How many role grants wait for a coordinator (the navigation shows it to coordinators)."""
    return len(operations.pending_confirmations(db_session()))


def _services() -> Any:
    return current_app.extensions["dsr"]


def _page(status: int = 200, **extra: Any) -> Any:
    rows = list(db_session().scalars(select(User).order_by(User.username)))
    return render_template("users.html", rows=rows, roles=list(Role), me=current_user.id,
                           required=_services().config.users["second_factor_required"],
                           reset_hours=_services().config.users["reset_link_hours"],
                           **extra), status


def _flash_error(exc: UserError) -> None:
    flash(_(exc.key), "error")
    if exc.key == "users_error_password":
        flash(str(exc), "error")  # the policy's reason (zxcvbn's words, English)


@bp.route("/users", methods=["GET", "POST"])
@require(Permission.USERS_MANAGE)
def users() -> Any:
    if request.method == "POST":
        try:
            user = create_user(db_session(), request.form.get("username", ""),
                               request.form.get("password", ""), request.form.get("role", ""),
                               request.form.get("email", ""), granted_by=current_user.id)
        except UserError as exc:
            _flash_error(exc)
            db_session().rollback()
        else:
            flash(_("user_created_pending") if user.pending_role else _("user_created"), "ok")
        return redirect(url_for("admin.users"))
    return _page()


def _change_role(user: User) -> None:
    operations.change_role(db_session(), user, request.form.get("role", ""), by=current_user.id)
    flash(_("role_change_pending") if user.pending_role else _("role_changed"), "ok")


def _deactivate(user: User) -> None:
    operations.deactivate(db_session(), user, by=current_user.id)
    flash(_("user_deactivated"), "ok")


def _reactivate(user: User) -> None:
    operations.reactivate(db_session(), user, by=current_user.id)
    flash(_("user_reactivated"), "ok")


def _remove_second_factor(user: User) -> None:
    second_factor.remove_second_factor(db_session(), user, by=current_user.id)
    flash(_("second_factor_removed"), "ok")


#: What the admin can do to one user; each calls one service.
ACTIONS: dict[str, Callable[[User], None]] = {
    "role": _change_role, "deactivate": _deactivate, "reactivate": _reactivate,
    "remove_second_factor": _remove_second_factor,
}


@bp.post("/users/<int:user_id>")
@require(Permission.USERS_MANAGE)
def user_action(user_id: int) -> Any:
    user = db_session().get(User, user_id)
    action = request.form.get("action", "")
    if user is None or (action not in ACTIONS and action != "reset"):
        flash(_("users_error_invalid"), "error")
        return _page(400)
    try:
        if action == "reset":
            token = operations.issue_reset(db_session(), user, by=current_user.id,
                                           hours=_services().config.users["reset_link_hours"])
            # Shown once, on this answer only (never kept in a cookie or a log).
            link = url_for("account.reset_password", token=token, _external=True)
            return _page(reset_link=link, reset_for=user.username)
        ACTIONS[action](user)
    except UserError as exc:
        db_session().rollback()
        _flash_error(exc)
    return redirect(url_for("admin.users"))


@bp.get("/confirmations")
@require(Permission.USERS_CONFIRM)
def confirmations() -> Any:
    pending = operations.pending_confirmations(db_session())
    granted_by = {u.id: u.username for u in db_session().scalars(select(User).where(
        User.id.in_([p.pending_role_by for p in pending if p.pending_role_by])))}
    return render_template("confirmations.html", pending=pending, granted_by=granted_by,
                           me=current_user.id)


@bp.post("/confirmations/<int:user_id>")
@require(Permission.USERS_CONFIRM)
def confirm(user_id: int) -> Any:
    user, me = db_session().get(User, user_id), db_session().get(User, current_user.id)
    try:
        if user is None or me is None:
            raise UserError("no such user", "users_error_invalid")
        if request.form.get("decision") == "decline":
            operations.decline_role(db_session(), user, me)
            flash(_("coordinator_declined"), "ok")
        else:
            operations.confirm_role(db_session(), user, me)
            flash(_("coordinator_confirmed"), "ok")
    except UserError as exc:
        db_session().rollback()
        flash(_(exc.key), "error")
    return redirect(url_for("admin.confirmations"))
