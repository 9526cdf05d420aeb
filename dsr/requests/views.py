"""The queue: open requests with their deadlines, one request's page, and the coordinator's
actions. Handlers parse the form, call one service, and redirect; roles are checked here."""

from __future__ import annotations

from typing import Any

from babel import Locale
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from marshmallow import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from dsr.answers.operations import found_categories, latest_document
from dsr.audit import AuditEvent
from dsr.changes.confirmations import OBJECTION_PURPOSES
from dsr.changes.models import RecipientNotice
from dsr.documents import Document
from dsr.permissions import Permission
from dsr.requests import assignment, notes, page, queue, saved_views
from dsr.requests import operations as actions
from dsr.requests.contracts import MatchTable
from dsr.requests.models import STATUS_VALUES, Channel, Request, RequestType
from dsr.requests.schemas import DecisionSchema, ExtendSchema, first_error
from dsr.users.models import User
from dsr.users.views import actor
from dsr.verification import reminders
from dsr.web.context import clock, db_session, request_or_404
from dsr.web.i18n import _, error_text, has_message, service_error
from dsr.web.permissions import ByArgument, current_actor, require
from dsr.web.task_summary import task_details, task_summary
from workflows import outbox
from workflows.deadlines import days_left
from workflows.models import Task, TaskStatus
from workflows.results import TaskResult
from workflows.states import TRANSITIONS, State, TransitionError

bp = Blueprint("queue", __name__, url_prefix="/queue")

#: The section of the request page each action comes back to: where its button is.
_BACK_TO = {"verify": page.Section.IDENTITY, "process": page.Section.SYSTEMS,
            "approve": page.Section.DRAFT, "release": page.Section.DRAFT}

#: What each action of the queue's action route needs.
ACTIONS = ByArgument("action", {
    "verify": Permission.REQUESTS_VERIFY, "process": Permission.REQUESTS_DECIDE,
    "approve": Permission.REQUESTS_APPROVE, "release": Permission.REQUESTS_RELEASE,
    "reject": Permission.REQUESTS_DECIDE, "extend": Permission.REQUESTS_DECIDE,
    "withdraw": Permission.REQUESTS_DECIDE})


def _services() -> Any:
    return current_app.extensions["dsr"]


@bp.app_context_processor
def _task_helpers() -> dict[str, Any]:
    return {"task_summary": task_summary, "task_details": task_details,
            "task_result": TaskResult.of}


def _code_label(prefix: str, code: str) -> str:
    """The catalog's text for ``prefix + code``; the code itself where there is none."""
    return _(prefix + code) if has_message(prefix + code) else code


@bp.app_context_processor
def _label_helpers() -> dict[str, Any]:
    def system_label(connector: str) -> str:
        """A system's name as the configuration gives it in the page's language."""
        label = _services().config.connectors.get(connector, {}).get("label", {})
        return str(label.get(g.get("lang", "de"), connector)) if label else connector
    return {"system_label": system_label,
            # the coordinator's word for a claim (the form's "Ihre Nachricht" is the customer's)
            "claim_label": lambda kind: _code_label("claim_", kind) if has_message(
                "claim_" + kind) else _code_label("field_", kind),
            "mail_label": lambda template: _code_label("mail_kind_", template),
            "code_label": _code_label}


@bp.get("/")
@require(Permission.REQUESTS_VIEW)
def index() -> Any:
    user_id = current_user.id
    try:
        query = queue.parse_args(request.args, user_id)
    except ValidationError as exc:
        field, message = first_error(exc.normalized_messages())
        flash(_bad_filter(field, message), "error")
        query = queue.QueueQuery()
    contents = current_actor().may(Permission.REQUESTS_VIEW_CONTENTS)
    today = clock().today()
    page = queue.fetch_page(db_session(), query, today=today, contents=contents)
    return render_template(
        "queue.html", page=page, query=query, today=today, days_left=days_left,
        contents=contents, buckets=queue.deadline_buckets(db_session(), today),
        users=assignment.assignable_users(db_session()), me=user_id,
        saved=saved_views.saved_views(db_session(), user_id),
        args=_queue_args(), views=list(queue.View), sorts=list(queue.Sort),
        waitings=list(queue.Waiting), statuses=STATUS_VALUES, types=list(RequestType),
        channels=list(Channel))


#: The queue's arguments by the label of their control on the page.
FILTER_LABELS = {"q": "queue_search", "view": "queue_saved_views", "status": "status",
                 "type": "request_types", "channel": "channel", "overdue": "queue_filter_overdue",
                 "actionable": "queue_filter_actionable", "due_within": "queue_filter_due_within",
                 "assignee": "queue_col_assignee", "waiting": "queue_filter_waiting",
                 "sort": "queue_sort", "order": "queue_order", "after": "queue_field_page",
                 "limit": "queue_field_limit"}


def _bad_filter(field: str, message: str) -> str:
    """A filter the queue could not read, in the page's language: the control's label and what
    is wrong with it — a value that is no choice is named, not the list of the codes."""
    label = _(FILTER_LABELS[field]) if field in FILTER_LABELS else field
    if message.startswith("Must be one of:") or message.startswith("String does not match"):
        given = request.args.get(field, "")
        detail = _("queue_bad_value", value=given[:40] + ("…" if len(given) > 40 else ""))
    else:
        detail = error_text(message)
    return f"{_('queue_bad_filter')} – {label}: {detail}"


def _queue_args() -> dict[str, str]:
    """The queue's own arguments of this page (for the links to other pages and back)."""
    known = queue.QueueArgsSchema().fields
    return {k: v for k, v in request.values.items() if k in known and k != "after" and v != ""}


@bp.post("/views")
@require(Permission.REQUESTS_VIEW)
def save_view() -> Any:
    """Save the queue's current filter under a name for the signed-in user."""
    form = request.form
    known = queue.QueueArgsSchema().fields
    args: dict[str, Any] = {k[5:]: v for k, v in form.items()
                            if k.startswith("back_") and k[5:] in known and v}
    try:
        saved_views.save_view(db_session(), current_user.id, form.get("name", ""), args)
    except saved_views.SavedViewError as exc:
        db_session().rollback()
        flash(service_error(exc), "error")
    else:
        flash(_("queue_view_saved"), "ok")
    return redirect(url_for("queue.index", **args))


@bp.post("/views/<int:view_id>/delete")
@require(Permission.REQUESTS_VIEW)
def delete_view(view_id: int) -> Any:
    if not saved_views.delete_view(db_session(), current_user.id, view_id):
        abort(404)
    flash(_("queue_view_deleted"), "ok")
    return redirect(url_for("queue.index"))


@bp.post("/bulk")
@require(Permission.REQUESTS_DECIDE)
def bulk() -> Any:
    """Assign, unassign or remind the requests checked in the queue."""
    form = request.form
    ids = [int(i) for i in form.getlist("ids") if i.isdigit()]
    action = form.get("action", "")
    known = queue.QueueArgsSchema().fields
    back_args: dict[str, Any] = {k[5:]: v for k, v in form.items()
                                 if k.startswith("back_") and k[5:] in known and v}
    back = redirect(url_for("queue.index", **back_args))
    if not ids:
        flash(_("queue_none_selected"), "error")
        return back
    session = db_session()
    try:
        if action == "assign":
            changed = assignment.assign_many(session, ids, _user_id(form.get("assignee", "")),
                                             actor=actor())
            flash(_("queue_done_assign", n=changed), "ok")
        elif action == "unassign":
            changed = assignment.assign_many(session, ids, None, actor=actor())
            flash(_("queue_done_unassign", n=changed), "ok")
        elif action == "remind":
            done = reminders.remind_customers(session, ids, actor=actor())
            flash(_("queue_done_remind", n=done.reminded, skipped=done.skipped), "ok")
        else:
            abort(404)
    except assignment.AssignmentError as exc:
        session.rollback()
        flash(service_error(exc), "error")
    return back


def _user_id(value: str) -> int | None:
    """The user a form names: ``me``, a user id, or nobody (empty)."""
    if value == "me":
        return int(current_user.id)
    return int(value) if value.isdigit() else None


@bp.post("/requests/<int:request_id>/assign")
@require(Permission.REQUESTS_DECIDE)
def assign(request_id: int) -> Any:
    req = request_or_404(request_id)
    try:
        assignment.assign(db_session(), req, _user_id(request.form.get("assignee", "")),
                          actor=actor())
    except assignment.AssignmentError as exc:
        db_session().rollback()
        flash(service_error(exc), "error")
    else:
        flash(_("assignee_done"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id))


@bp.app_context_processor
def _assignment_helpers() -> dict[str, Any]:
    def assignment_of(req: Request) -> dict[str, Any]:
        """What the request page's assignee block shows: who has it and to whom it may go."""
        session = db_session()
        current = session.get(User, req.assignee_id) if req.assignee_id else None
        return {"assignee": current, "choices": assignment.assignable_users(session)}
    return {"assignment_of": assignment_of}


@bp.get("/requests/<int:request_id>")
@require(Permission.REQUESTS_VIEW)
def detail(request_id: int) -> Any:
    req = request_or_404(request_id)
    try:
        tab = page.Section(request.args.get("tab", page.Section.OVERVIEW.value))
    except ValueError:
        abort(404, description=_("tab_unknown"))
    return render_detail(req, tab=tab)


@bp.post("/requests/<int:request_id>/notes")
@require(Permission.REQUESTS_NOTES)
def add_note(request_id: int) -> Any:
    req = request_or_404(request_id)
    body = request.form.get("body", "")
    try:
        notes.add_note(db_session(), req, body, author_id=current_user.id, actor=actor())
    except notes.NoteError as exc:
        db_session().rollback()
        flash(service_error(exc), "error")
        return render_detail(req, tab=page.Section.OVERVIEW, note_text=body[:notes.MAX_LENGTH],
                             status=422)
    flash(_("notes_done"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id, _anchor="notes"))


def render_detail(req: Request, *, tab: page.Section | None = None,
                  decisions: list[dict[str, str]] | None = None,
                  decisions_error: int | None = None, contest_form: dict[str, Any] | None = None,
                  note_text: str | None = None, status: int = 200) -> Any:
    """One section (``tab``) of the request's page; after a refused form, with what the
    coordinator chose and typed (``decisions`` for the approval, ``contest_form`` for the
    human review, ``note_text`` for a note) and status 422."""
    if tab is None:
        tab = page.Section.DRAFT if decisions is not None or contest_form is not None \
            else page.Section.OVERVIEW
    contents = current_actor().may(Permission.REQUESTS_VIEW_CONTENTS)
    shown = page.sections(contents)
    if tab not in shown:
        abort(404, description=_("tab_unknown"))
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
    labels = decision_categories()
    user_ids = {int(e.actor.split(":")[1]) for e in events
                if e.actor.startswith("user:") and e.actor.split(":")[1].isdigit()}
    actor_names = {f"user:{u.id}": u.username for u in session.scalars(
        select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    actor_names.update({e.actor: system_actor(e.actor) for e in events
                        if e.actor.startswith("system:")})
    notices = change_review_notices(session, req.id)
    approve_button = page.approve_button(req.types)
    step = page.next_step(State(req.status), released=req.released_at is not None,
                          failed_tasks=sum(t.status == TaskStatus.FAILED.value for t in tasks),
                          waiting_notices=notices, changes=approve_button == page.EXECUTE)
    may_notes = current_actor().may(Permission.REQUESTS_NOTES)
    return render_template("request.html", req=req, tasks=tasks, events=events, docs=docs,
                           tab=tab, tabs=shown, step=step, approve_button=approve_button,
                           notes=notes.notes_of(session, req.id) if may_notes else [],
                           note_max=notes.MAX_LENGTH, note_text=note_text,
                           correspondence=page.correspondence(session, req.id)
                           if tab == page.Section.CORRESPONDENCE else [],
                           edited=page.edited_messages(session, req.id)
                           if tab == page.Section.CORRESPONDENCE and contents else [],
                           language_label=Locale.parse(req.language).get_display_name(
                               g.get("lang", "de")) or req.language,
                           matches=MatchTable.of(req),
                           proposed=proposed, category_labels=labels, actor_names=actor_names,
                           days_left=days_left(req.deadline, today),
                           can=TRANSITIONS[State(req.status)], State=State,
                           # the coordinator's sections: the request's contents and what to do with them
                           is_coordinator=contents,
                           waivable=outbox.WAIVABLE,
                           letters=[d for d in docs if d.kind == "letter"],
                           decisions_error=decisions_error,
                           contest_form=contest_form), status


def system_actor(who: str) -> str:
    """The label of an automatic actor (``system:<rule>``): the rule's own label, else the
    system's; never the code."""
    msgid = "actor_system_" + who.partition(":")[2]
    return _(msgid) if has_message(msgid) else _("actor_system")


def decision_categories() -> dict[str, Any]:
    """The categories a decision may name, each with its label per language: the register's
    categories and the Art. 21(1) purposes an objection is decided on."""
    categories: dict[str, Any] = dict(_services().register.get("categories", {}))
    for code, label in OBJECTION_PURPOSES.items():
        categories.setdefault(code, {"label": label})
    return categories


def change_review_notices(session: Session, request_id: int) -> int:
    """How many recipients' notices of the request still wait for their confirmation."""
    return int(session.scalar(select(func.count()).select_from(RecipientNotice).where(
        RecipientNotice.request_id == request_id, RecipientNotice.status == "waiting")) or 0)


def _act(request_id: int, action: str) -> Any:
    req = request_or_404(request_id)
    services = _services()
    session = db_session()
    form = request.form
    try:
        if action == "verify":
            outcome = actions.verify(
                session, req, actor=actor(), method=form.get("method", "manual"),
                settings=services.config.verification, reason=form.get("reason", ""),
                wait_hours=services.config.workflow["single_coordinator_wait_hours"])
            if outcome in ("pending", "waiting"):
                flash(_("v_override_pending") if outcome == "pending"
                      else _("safe_override_waiting"), "ok")
                return _to_section(request_id, page.Section.IDENTITY)
        elif action == "process":
            actions.process(session, req, actor=actor(), connectors=list(services.config.connectors))
        elif action == "extend":
            data = ExtendSchema().load({"months": form.get("months", ""),
                                        "reason": form.get("reason", "")})
            actions.extend(session, req, actor=actor(), calendar=services.calendar, **data)
        elif action == "withdraw":
            actions.withdraw(session, req, actor=actor())
        else:
            abort(404)
    except ValidationError as exc:
        field, message = first_error(exc.normalized_messages())
        flash(f"{_('field_' + field)}: {error_text(message)}", "error")
        session.rollback()
    except (TransitionError, actions.ActionError) as exc:
        flash(service_error(exc), "error")
        session.rollback()
    else:
        flash(_(f"done_{action}"), "ok")
    return _to_section(request_id, _BACK_TO.get(action, page.Section.OVERVIEW))


def _to_section(request_id: int, section: page.Section) -> Any:
    """Back to one section of the request's page (the overview is the page without one)."""
    if section == page.Section.OVERVIEW:
        return redirect(url_for("queue.detail", request_id=request_id))
    return redirect(url_for("queue.detail", request_id=request_id, tab=section.value))


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


# approve, release and reject are confirmed on a summary page first (confirm_views).
@bp.post("/requests/<int:request_id>/<any(verify, process, extend, withdraw):action>")
@require(ACTIONS)
def act(request_id: int, action: str) -> Any:
    return _act(request_id, action)


@bp.post("/tasks/<int:task_id>/retry")
@require(Permission.REQUESTS_DECIDE)
def retry_task(task_id: int) -> Any:
    task = db_session().get(Task, task_id)
    if task is None or task.request_id is None:
        abort(404)
    if task.status == TaskStatus.FAILED.value:
        outbox.retry(db_session(), task)
        flash(_("done_retry"), "ok")
    return _to_section(task.request_id, page.Section.SYSTEMS)


@bp.post("/tasks/<int:task_id>/waive")
@require(Permission.REQUESTS_DECIDE)
def waive_task(task_id: int) -> Any:
    task = db_session().get(Task, task_id)
    if task is None or task.request_id is None:
        abort(404)
    try:
        actions.waive_task(db_session(), task, request.form.get("reason", ""), actor=actor())
    except outbox.WaiveRefused:
        flash(_("waive_refused"), "error")
        return _to_section(task.request_id, page.Section.SYSTEMS)
    flash(_("done_waive"), "ok")
    return _to_section(task.request_id, page.Section.SYSTEMS)


@bp.get("/requests/<int:request_id>/report.<any(pdf, json):fmt>")
@require(Permission.ANSWERS_DOWNLOAD)
def report(request_id: int, fmt: str) -> Any:
    req = request_or_404(request_id)
    doc = latest_document(db_session(), req.id, "report_pdf" if fmt == "pdf" else "report_json")
    if doc is None:
        abort(404, description=_("report_not_ready"))
    data = _services().documents.read(doc)
    return Response(data, mimetype=doc.content_type, headers={
        "Content-Disposition": f'attachment; filename="{doc.filename}"',
        "Cache-Control": "no-store"})
