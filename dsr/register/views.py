"""The processing register in the queue: the coordinator edits it entry by entry (a form per
purpose, category, recipient and retention rule) or as TOML, exports and imports it, and
compares two versions. Every save is a new version (validated, audited); answers quote the
version in force."""

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
from dsr.register import editor
from dsr.register import store as register_store
from dsr.register.schema import RegisterError
from dsr.users.views import actor
from dsr.web.context import db_session
from dsr.web.i18n import _, error_text
from dsr.web.permissions import require

bp = Blueprint("register", __name__, url_prefix="/queue/register")


def _path() -> Any:
    return current_app.extensions["dsr"].config.register_path


def _page(text: str | None = None, note: str = "", status: int = 200) -> Any:
    session = db_session()
    current = register_store.in_force(session, _path())
    versions = register_store.versions(session)
    return render_template("register.html", current=current, versions=versions,
                           sections=list(editor.Section),
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


def _section(name: str) -> editor.Section:
    try:
        return editor.Section(name)
    except ValueError:
        abort(404)


def _entry_page(section: editor.Section, key: str | None, values: dict[str, Any], *,
                errors: dict[str, list[str]] | None = None, note: str = "",
                status: int = 200) -> Any:
    current = register_store.in_force(db_session(), _path())
    return render_template("register_entry.html", section=section, key=key, values=values,
                           errors=errors or {}, register=current.data, note=note), status


@bp.get("/<section>/new")
@require(Permission.REGISTER_EDIT)
def new_entry(section: str) -> Any:
    found = _section(section)
    return _entry_page(found, None, editor.form_values(found, "", {}))


@bp.get("/<section>/<key>")
@require(Permission.REGISTER_VIEW)
def entry(section: str, key: str) -> Any:
    found = _section(section)
    current = register_store.in_force(db_session(), _path())
    data = editor.entry_of(current.data, found, key)
    if data is None:
        abort(404)
    return _entry_page(found, key, editor.form_values(found, key, data))


def _form() -> dict[str, Any]:
    form: dict[str, Any] = {k: v for k, v in request.form.items() if k not in editor.LISTS}
    for name in editor.LISTS:
        form[name] = request.form.getlist(name)
    form["provided"] = "provided" in request.form
    return form


def _save_entry(section: editor.Section, original: str | None) -> Any:
    form, note = _form(), request.form.get("note", "")
    try:
        version = editor.save_entry(db_session(), _path(), section, form, original=original,
                                    actor=actor(), user_id=current_user.id, note=note)
    except editor.EntryError as exc:
        db_session().rollback()
        # the page's summary says it once (no flash beside it), each field its own message
        errors = {name: [error_text(m) for m in messages] for name, messages in exc.errors.items()}
        return _entry_page(section, original, form, errors=errors, note=note, status=422)
    except RegisterError as exc:
        db_session().rollback()
        flash(str(exc), "error")
        return _entry_page(section, original, form, note=note, status=422)
    flash(_("register_saved", n=version.number), "ok")
    return redirect(url_for("register.diff", to=version.number))


@bp.post("/<section>/new")
@require(Permission.REGISTER_EDIT)
def create_entry(section: str) -> Any:
    return _save_entry(_section(section), None)


@bp.post("/<section>/<key>")
@require(Permission.REGISTER_EDIT)
def save_entry(section: str, key: str) -> Any:
    found = _section(section)
    if editor.entry_of(register_store.in_force(db_session(), _path()).data, found, key) is None:
        abort(404)
    return _save_entry(found, key)


@bp.get("/diff")
@require(Permission.REGISTER_VIEW)
def diff() -> Any:
    versions = {v.number: v for v in register_store.versions(db_session())}
    if not versions:
        flash(_("register_no_versions"), "error")
        return redirect(url_for("register.show"))
    newest = max(versions)
    to = request.args.get("to", type=int) or newest
    since = request.args.get("from", type=int) or max(to - 1, 1)
    if to not in versions or since not in versions:
        abort(404)
    lines = editor.diff(versions[since], versions[to])
    return render_template("register_diff.html", versions=sorted(versions.values(),
                           key=lambda v: v.number), old=versions[since], new=versions[to],
                           lines=lines)
