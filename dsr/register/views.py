"""The processing register in the queue: the coordinator reads, edits, exports and imports it
as TOML. Every save is a new version (validated, audited); answers quote the version in
force."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from dsr.answers.models import RegisterVersion
from dsr.permissions import Permission
from dsr.register import store as register_store
from dsr.register.schema import RegisterError
from dsr.users.views import actor
from dsr.web.context import db_session
from dsr.web.i18n import _
from dsr.web.permissions import require

bp = Blueprint("register", __name__, url_prefix="/queue/register")


def _path() -> Any:
    return current_app.extensions["dsr"].config.register_path


def _page(text: str | None = None, note: str = "", status: int = 200) -> Any:
    session = db_session()
    current = register_store.in_force(session, _path())
    return render_template("register.html", current=current,
                           versions=register_store.versions(session),
                           text=current.toml if text is None else text, note=note), status


@bp.get("/")
@require(Permission.REGISTER_VIEW)
def show() -> Any:
    return _page()


def _save(text: str, note: str) -> Any:
    try:
        version = register_store.save_version(db_session(), text, path=_path(), actor=actor(),
                                              user_id=current_user.id, note=note)
    except RegisterError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return _page(text, note, 422)
    flash(_("register_saved", n=version.number), "ok")
    return redirect(url_for("register.show"))


@bp.post("/")
@require(Permission.REGISTER_EDIT)
def save() -> Any:
    return _save(request.form.get("toml", ""), request.form.get("note", ""))


@bp.post("/import")
@require(Permission.REGISTER_EDIT)
def import_toml() -> Any:
    upload = request.files.get("file")
    raw = upload.read(register_store.MAX_REGISTER_BYTES + 1) if upload else b""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        flash(_("register_not_utf8"), "error")
        return _page(status=422)
    if not text.strip():
        flash(_("register_no_file"), "error")
        return _page(status=422)
    return _save(text, request.form.get("note", "") or (upload.filename or "" if upload else ""))


def _toml(text: str, name: str) -> Response:
    return Response(text, mimetype="application/toml", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/register.toml")
@require(Permission.REGISTER_VIEW)
def export() -> Any:
    current = register_store.in_force(db_session(), _path())
    suffix = f"-v{current.number}" if current.number else ""
    return _toml(current.toml, f"register{suffix}.toml")


@bp.get("/versions/<int:number>.toml")
@require(Permission.REGISTER_VIEW)
def version(number: int) -> Any:
    found = db_session().query(RegisterVersion).filter_by(number=number).first()
    if found is None:
        abort(404)
    return _toml(found.toml, f"register-v{number}.toml")
