"""The redaction viewer: a request's correspondence and other free text as the customer will
read it, with suggested third-party data to accept or dismiss and a selection (or, without a
script, a typed text) to black out. Handlers parse the form, call one service, redirect."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from dsr.answers import rebuild, redaction, suggestion_ops
from dsr.answers.models import REDACTION_REASONS
from dsr.answers.viewer import FieldRef, mark_reason, places, runs
from dsr.permissions import Permission
from dsr.users.views import actor
from dsr.web.context import db_session, request_or_404
from dsr.web.i18n import _, service_error
from dsr.web.permissions import require

bp = Blueprint("redaction_viewer", __name__, url_prefix="/queue/requests")


@bp.app_context_processor
def _redaction_helpers() -> dict[str, Any]:
    """What ``_redaction.html`` needs on every page that shows a redacted text."""
    return {"redaction_runs": runs, "mark_reason": mark_reason}


def _services() -> Any:
    return current_app.extensions["dsr"]


@bp.get("/<int:request_id>/redaction")
@require(Permission.ANSWERS_DOWNLOAD)
def show(request_id: int) -> Any:
    req = request_or_404(request_id)
    view = suggestion_ops.load_view(_services(), db_session(), req)
    return render_template("redaction_viewer.html", req=req, view=view, reasons=REDACTION_REASONS,
                           places=places(view.documents))


def _back(request_id: int, anchor: str = "") -> Any:
    return redirect(url_for("redaction_viewer.show", request_id=request_id) + anchor)


def _done(request_id: int, call: Any, ok: str) -> Any:
    session = db_session()
    try:
        call()
    except redaction.RedactionError as exc:
        session.rollback()
        flash(service_error(exc), "error")
    else:
        flash(_(ok), "ok")
    return _back(request_id)


def _reason() -> str:
    return request.form.get("reason", "third_party")


@bp.post("/<int:request_id>/redaction/suggestions/<suggestion_id>/accept")
@require(Permission.ANSWERS_PREPARE)
def accept(request_id: int, suggestion_id: str) -> Any:
    req = request_or_404(request_id)
    return _done(request_id, lambda: suggestion_ops.accept(
        _services(), db_session(), req, suggestion_id, reason=_reason(), actor=actor(),
        user_id=current_user.id), "suggestion_accepted")


@bp.post("/<int:request_id>/redaction/suggestions/<suggestion_id>/dismiss")
@require(Permission.ANSWERS_PREPARE)
def dismiss(request_id: int, suggestion_id: str) -> Any:
    req = request_or_404(request_id)
    return _done(request_id, lambda: suggestion_ops.dismiss(
        _services(), db_session(), req, suggestion_id, actor=actor(), user_id=current_user.id),
        "suggestion_dismissed")


def _offset(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() else None


@bp.post("/<int:request_id>/redaction/selection")
@require(Permission.ANSWERS_PREPARE)
def select(request_id: int) -> Any:
    req = request_or_404(request_id)
    form = request.form
    ref = FieldRef(form.get("system", ""), form.get("table", ""), form.get("key", ""),
                   form.get("column", ""))
    return _done(request_id, lambda: suggestion_ops.redact_selection(
        _services(), db_session(), req, ref, start=_offset("start"), end=_offset("end"),
        term=form.get("term", ""), reason=_reason(), actor=actor(), user_id=current_user.id),
        "redaction_added")


@bp.post("/<int:request_id>/redaction/<int:redaction_id>/delete")
@require(Permission.ANSWERS_PREPARE)
def remove(request_id: int, redaction_id: int) -> Any:
    req = request_or_404(request_id)
    return _done(request_id, lambda: rebuild.undo(_services(), db_session(), req, redaction_id,
                                                  actor=actor()), "redaction_removed")
