"""The queue: open requests with their deadlines, one request's page, and the coordinator's
actions. Handlers parse the form, call one service, and redirect; roles are checked here."""

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
from marshmallow import ValidationError
from sqlalchemy import select

from dsr.answers.operations import found_categories, latest_document
from dsr.app import clock, db_session, request_or_404
from dsr.audit import AuditAction, AuditEvent, append_event
from dsr.documents import Document
from dsr.mail.triage import reminded_request_ids
from dsr.requests import operations as actions
from dsr.requests.models import Request
from dsr.requests.schemas import DecisionSchema, ExtendSchema, RejectSchema, first_error
from dsr.users.models import User
from dsr.users.views import actor, require_role
from dsr.web.i18n import error_text, t
from dsr.web.service_errors import service_error
from dsr.web.task_summary import task_summary
from workflows import outbox
from workflows.deadlines import days_left
from workflows.models import Task, TaskStatus
from workflows.states import OPEN_STATES, TRANSITIONS, State, TransitionError

bp = Blueprint("queue", __name__, url_prefix="/queue")
STAFF_AND_UP = ("staff", "coordinator")


def _services() -> Any:
    return current_app.extensions["dsr"]


@bp.app_context_processor
def _task_helpers() -> dict[str, Any]:
    return {"task_summary": task_summary}


@bp.get("/")
@require_role(*STAFF_AND_UP)
def index() -> Any:
    show = request.args.get("show", "open")
    stmt = select(Request).order_by(Request.due_on, Request.id)
    if show == "open":
        stmt = stmt.where(Request.status.in_([s.value for s in OPEN_STATES]))
    rows = list(db_session().scalars(stmt.limit(500)))
    reminded = reminded_request_ids(db_session(), [r.id for r in rows])
    rows.sort(key=lambda r: r.id not in reminded)  # a requester's reminder raises the request
    today = clock().today()
    return render_template("queue.html", rows=rows, today=today, days_left=days_left, show=show,
                           reminded=reminded)


@bp.get("/requests/<int:request_id>")
@require_role(*STAFF_AND_UP)
def detail(request_id: int) -> Any:
    return render_detail(request_or_404(request_id))


def render_detail(req: Request, *, decisions: list[dict[str, str]] | None = None,
                  decisions_error: int | None = None, contest_form: dict[str, Any] | None = None,
                  status: int = 200) -> Any:
    """The request's page; after a refused form, with what the coordinator chose and typed
    (``decisions`` for the approval, ``contest_form`` for the human review) and status 422."""
    session = db_session()
    tasks = list(session.scalars(select(Task).where(Task.request_id == req.id).order_by(Task.id)))
    events = list(session.scalars(select(AuditEvent).where(AuditEvent.request_id == req.id)
                                  .order_by(AuditEvent.seq)))
    docs = list(session.scalars(select(Document).where(Document.request_id == req.id,
                                                       Document.deleted_at.is_(None))
                                .order_by(Document.id)))
    today = clock().today()
    proposed: list[Any] = decisions if decisions is not None else (
        actions.default_decisions(req, found_categories(session, req.id))
        if req.status == State.REVIEW else [])
    labels = _services().register.get("categories", {})
    user_ids = {int(e.actor.split(":")[1]) for e in events
                if e.actor.startswith("user:") and e.actor.split(":")[1].isdigit()}
    actor_names = {f"user:{u.id}": u.username for u in session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    return render_template("request.html", req=req, tasks=tasks, events=events, docs=docs,
                           proposed=proposed, category_labels=labels, actor_names=actor_names,
                           days_left=days_left(req.deadline, today),
                           can=TRANSITIONS[State(req.status)], State=State,
                           is_coordinator=current_user.role == "coordinator",
                           waivable=outbox.WAIVABLE,
                           letters=[d for d in docs if d.kind == "letter"],
                           decisions_error=decisions_error,
                           contest_form=contest_form), status


def _act(request_id: int, action: str) -> Any:
    req = request_or_404(request_id)
    services = _services()
    session = db_session()
    form = request.form
    try:
        if action == "verify":
            actions.verify(session, req, actor=actor(), method=form.get("method", "manual"),
                           settings=services.config.verification)
        elif action == "process":
            actions.process(session, req, actor=actor(), connectors=list(services.config.connectors))
        elif action == "approve":
            actions.approve(session, req, actor=actor(), user_id=current_user.id,
                            decisions=_decisions_from_form(req))
        elif action == "release":
            actions.release(session, req, actor=actor())
        elif action == "reject":
            data = RejectSchema().load({"norm": form.get("norm", ""),
                                        "reason": form.get("reason", "")})
            actions.reject(session, req, actor=actor(), user_id=current_user.id, **data)
        elif action == "extend":
            data = ExtendSchema().load({"months": form.get("months", ""),
                                        "reason": form.get("reason", "")})
            actions.extend(session, req, actor=actor(), calendar=services.calendar, **data)
        elif action == "withdraw":
            actions.withdraw(session, req, actor=actor())
        else:
            abort(404)
    except ValidationError as exc:
        field, message = first_error(exc.messages)
        row = None
        if action == "approve" and field.isdigit():  # one decision row of many
            row = int(field)
            field, message = first_error(exc.messages[row])  # type: ignore[arg-type]
        flash(f"{t('field_' + field)}: {error_text(message)}", "error")
        session.rollback()
        if action == "approve":
            return _decisions_again(req, row)
    except (TransitionError, actions.ActionError) as exc:
        flash(service_error(exc), "error")
        session.rollback()
        if action == "approve" and isinstance(exc, actions.ActionError):
            return _decisions_again(req, None)
    else:
        flash(t(f"done_{action}"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id))


def _decisions_again(req: Request, row: int | None) -> Any:
    """The page again with the decisions as the coordinator set them; the first row that
    needs a reason (or the row the schema refused) is marked."""
    posted = [{"right": r, "category": c, "outcome": o, "norm": n, "reason": why}
              for r, c, o, n, why in zip(
                  request.form.getlist("d_right"), request.form.getlist("d_category"),
                  request.form.getlist("d_outcome"), request.form.getlist("d_norm"),
                  request.form.getlist("d_reason"), strict=False)]
    if not posted:
        return redirect(url_for("queue.detail", request_id=req.id))
    if row is None:
        row = next((i for i, d in enumerate(posted)
                    if d["outcome"] != "granted" and not d["reason"].strip()), None)
    return render_detail(req, decisions=posted, decisions_error=row, status=422)


def _decisions_from_form(req: Request) -> list[actions.DecisionInput]:
    """One decision per row of the review form; the defaults when the form sends none."""
    form = request.form
    rows = list(zip(form.getlist("d_right"), form.getlist("d_category"),
                    form.getlist("d_outcome"), form.getlist("d_norm"), form.getlist("d_reason"),
                    strict=False))
    if not rows:
        return actions.default_decisions(req, found_categories(db_session(), req.id))
    loaded = DecisionSchema(many=True).load(
        [{"right": r, "category": c, "outcome": o, "norm": n, "reason": why}
         for r, c, o, n, why in rows])
    return [actions.DecisionInput(**item) for item in loaded]


@bp.post("/requests/<int:request_id>/<any(verify, process, approve, release, reject, extend, withdraw):action>")
@require_role("coordinator")
def act(request_id: int, action: str) -> Any:
    return _act(request_id, action)


@bp.post("/tasks/<int:task_id>/retry")
@require_role("coordinator")
def retry_task(task_id: int) -> Any:
    task = db_session().get(Task, task_id)
    if task is None or task.request_id is None:
        abort(404)
    if task.status == TaskStatus.FAILED.value:
        outbox.retry(db_session(), task)
        flash(t("done_retry"), "ok")
    return redirect(url_for("queue.detail", request_id=task.request_id))


@bp.post("/tasks/<int:task_id>/waive")
@require_role("coordinator")
def waive_task(task_id: int) -> Any:
    task = db_session().get(Task, task_id)
    if task is None or task.request_id is None:
        abort(404)
    try:
        outbox.waive(db_session(), task, request.form.get("reason", ""))
    except outbox.WaiveRefused:
        flash(t("waive_refused"), "error")
        return redirect(url_for("queue.detail", request_id=task.request_id))
    append_event(db_session(), actor=actor(), action=AuditAction.TASK_WAIVED, request_id=task.request_id,
                 details={"task": task.id, "kind": task.kind, "connector": task.connector})
    req = db_session().get(Request, task.request_id)
    if req is not None:
        actions.complete_if_done(db_session(), req, actor=actor())
    flash(t("done_waive"), "ok")
    return redirect(url_for("queue.detail", request_id=task.request_id))


@bp.get("/requests/<int:request_id>/report.<any(pdf, json):fmt>")
@require_role("coordinator")
def report(request_id: int, fmt: str) -> Any:
    req = request_or_404(request_id)
    doc = latest_document(db_session(), req.id, "report_pdf" if fmt == "pdf" else "report_json")
    if doc is None:
        abort(404, description=t("report_not_ready"))
    data = _services().documents.read(doc)
    return Response(data, mimetype=doc.content_type, headers={
        "Content-Disposition": f'attachment; filename="{doc.filename}"',
        "Cache-Control": "no-store"})
