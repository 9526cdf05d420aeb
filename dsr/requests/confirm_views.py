"""The irreversible steps of the queue, each behind a summary page: approve (carry out the
plan), release (send the answer), reject. A post without ``digest`` shows the summary and
changes nothing; the confirming post carries the summary's digest (dsr.requests.safe_actions).
Open four-eyes approvals are shown and confirmed on their own page."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import ValidationError

from connectors.changes import CHANGE_TYPES
from dsr.changes.views import _field_labels, _target_label
from dsr.errors import ServiceError
from dsr.permissions import Permission
from dsr.requests import approvals, safe_actions
from dsr.requests import operations as actions
from dsr.requests.models import ApprovalRequest, Request
from dsr.requests.schemas import RejectSchema, first_error
from dsr.requests.views import (
    ACTIONS,
    _decisions_again,
    _decisions_from_form,
    bp,
    decision_categories,
)
from dsr.security import overrides
from dsr.users.models import User
from dsr.users.views import actor
from dsr.web.context import db_session, request_or_404
from dsr.web.i18n import _, error_text, service_error
from dsr.web.permissions import require
from workflows.states import TransitionError

STEPS = {"approve": safe_actions.Step.EXECUTE, "release": safe_actions.Step.RELEASE,
         "reject": safe_actions.Step.REJECT}


def _services() -> Any:
    return current_app.extensions["dsr"]


def _four_eyes() -> list[str]:
    return list(_services().config.workflow["four_eyes"])


@bp.post("/requests/<int:request_id>/<any(approve, release, reject):action>")
@require(ACTIONS)
def safe_step(request_id: int, action: str) -> Any:
    """Show the summary (no digest posted) or carry out the confirmed step."""
    req = request_or_404(request_id)
    step = STEPS[action]
    session = db_session()
    # back to the tab of the step's button: the draft (approve, release), the overview (reject)
    tab = None if step == safe_actions.Step.REJECT else "draft"
    back = redirect(url_for("queue.detail", request_id=request_id, tab=tab))
    try:
        inputs = _inputs(req, step)
        digest = request.form.get("digest", "")
        if not digest:
            safe_actions.check_possible(session, req, step, **inputs)
            return _summary_page(req, step, inputs)
        outcome = safe_actions.confirm(session, req, step, digest=digest, actor=actor(),
                                       user_id=current_user.id, four_eyes=_four_eyes(), **inputs)
    except ValidationError as exc:
        field, message = first_error(exc.normalized_messages())
        row = None
        if step == safe_actions.Step.EXECUTE and field.isdigit():  # one decision row of many
            row = int(field)
            field, message = first_error(exc.messages[row])  # type: ignore[arg-type]
        flash(f"{_('field_' + field)}: {error_text(message)}", "error")
        session.rollback()
        return _decisions_again(req, row) if step == safe_actions.Step.EXECUTE else back
    except safe_actions.SummaryChanged as exc:
        session.rollback()
        flash(service_error(exc), "error")
        return _summary_page(req, step, inputs, status=409)
    except approvals.SecondPersonNeeded as exc:
        session.rollback()
        flash(service_error(exc), "error")
        return back
    except (TransitionError, actions.ActionError) as exc:
        flash(service_error(exc), "error")
        session.rollback()
        if step == safe_actions.Step.EXECUTE and isinstance(exc, actions.ActionError):
            return _decisions_again(req, None)
        return back
    if outcome == approvals.Outcome.PENDING:
        flash(_("safe_pending_second"), "ok")
    else:
        done = "decide" if _wording(req, step) == "decide" else action
        flash(_(f"done_{done}"), "ok")
    return back


def _inputs(req: Request, step: safe_actions.Step) -> dict[str, Any]:
    """What the step's form carries: the decisions, or norm and reason of a rejection."""
    if step == safe_actions.Step.EXECUTE:
        return {"decisions": _decisions_from_form(req)}
    if step == safe_actions.Step.REJECT:
        data = RejectSchema().load({"norm": request.form.get("norm", ""),
                                    "reason": request.form.get("reason", "")})
        return {"norm": data["norm"], "reason": data["reason"]}
    return {}


def _summary_page(req: Request, step: safe_actions.Step, inputs: dict[str, Any], *,
                  status: int = 200, approval: ApprovalRequest | None = None) -> Any:
    session = db_session()
    summary = safe_actions.summarize(session, req, step, **inputs)
    required = approvals.needs_four_eyes(step.value, req.types, _four_eyes())
    open_one = approval or (approvals.waiting(session, req.id, step.value) if required else None)
    return render_template(
        "confirm_step.html", req=req, summary=summary, step=step.value,
        wording=_wording(req, step),
        action={v: k for k, v in STEPS.items()}[step], four_eyes=required, approval=open_one,
        mine=open_one is not None and open_one.requested_by == actor(),
        first_by=_user_name(open_one.requested_by) if open_one is not None else "",
        same_summary=open_one is not None and open_one.digest == summary.digest(),
        labels=_labels(summary), categories=decision_categories()), status


def _wording(req: Request, step: safe_actions.Step) -> str:
    """Which texts the summary page uses: a request that changes no data (access,
    portability) only records its decisions on "execute" — nothing is deleted, no recipient
    is told — and says so (``decide``)."""
    if step == safe_actions.Step.EXECUTE and not set(req.types) & set(CHANGE_TYPES):
        return "decide"
    return step.value



def _user_name(who: str) -> str:
    """The username behind an actor (``user:3``), else the actor as written."""
    kind, _sep, number = who.partition(":")
    user = db_session().get(User, int(number)) if kind == "user" and number.isdigit() else None
    return user.username if user is not None else who


def _labels(summary: safe_actions.Summary) -> dict[str, Any]:
    """Systems, targets and fields as the coordinator reads them (no internal names)."""
    services = _services()
    lang = g.get("lang", "de")
    systems = {name: services.config.connectors.get(name, {}).get("label", {}).get(lang, name)
               for name in summary.systems}
    targets: dict[tuple[str, str], str] = {}
    fields: dict[tuple[str, str], list[str]] = {}
    rows: list[safe_actions.Change | safe_actions.Kept] = [*summary.changes, *summary.kept]
    for row in rows:
        connector = services.connectors.get(row.connector)
        targets[(row.connector, row.target)] = _target_label(connector, row.target, lang)
        fields[(row.connector, row.target)] = _field_labels(connector, row.target,
                                                            list(row.fields), lang)
    return {"systems": systems, "targets": targets, "fields": fields}


@bp.get("/requests/<int:request_id>/approvals/<int:approval_id>")
@require(Permission.REQUESTS_APPROVE)
def approval(request_id: int, approval_id: int) -> Any:
    """An open four-eyes approval: the summary its first coordinator confirmed, as it stands
    now, to be confirmed by a second coordinator."""
    req = request_or_404(request_id)
    found = db_session().get(ApprovalRequest, approval_id)
    if found is None or found.request_id != req.id:
        abort(404)
    step = safe_actions.Step(found.step)
    inputs: dict[str, Any] = {}
    if step == safe_actions.Step.EXECUTE:
        inputs["decisions"] = safe_actions.stored_decisions(found.payload)
    elif step == safe_actions.Step.REJECT:
        inputs.update(norm=found.payload.get("norm", ""), reason=found.payload.get("reason", ""))
    return _summary_page(req, step, inputs, approval=found)


@bp.post("/requests/<int:request_id>/approvals/<int:approval_id>/withdraw")
@require(Permission.REQUESTS_APPROVE)
def withdraw_approval(request_id: int, approval_id: int) -> Any:
    req = request_or_404(request_id)
    found = db_session().get(ApprovalRequest, approval_id)
    if found is None or found.request_id != req.id:
        abort(404)
    try:
        approvals.withdraw(db_session(), found, actor=actor())
    except ServiceError as exc:
        db_session().rollback()
        flash(service_error(exc), "error")
    else:
        flash(_("safe_approval_withdrawn"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id))


@bp.post("/requests/<int:request_id>/override/cancel")
@require(Permission.REQUESTS_VERIFY)
def cancel_override(request_id: int) -> Any:
    """Stop a pending or waiting identity-policy override (e.g. the subject objected)."""
    req = request_or_404(request_id)
    try:
        actions.cancel_override(db_session(), req, actor=actor())
    except (ServiceError, overrides.OverrideRefused) as exc:
        db_session().rollback()
        flash(service_error(exc), "error")
    else:
        flash(_("safe_override_cancelled"), "ok")
    return redirect(url_for("queue.detail", request_id=request_id))


@bp.app_context_processor
def _approval_helpers() -> dict[str, Any]:
    def open_approvals(req: Request) -> list[ApprovalRequest]:
        """The request's approvals waiting for a second coordinator (for its page)."""
        found = approvals.waiting(db_session(), req.id)
        return [found] if found is not None else []

    def pending_override(req: Request) -> dict[str, Any] | None:
        """The request's identity-policy override waiting for a second person or its period."""
        record = overrides.pending(db_session(), req.id)
        if record is None:
            return None
        return {"record": record, "effective_at": overrides.effective_at(db_session(), record)}

    return {"open_approvals": open_approvals, "pending_override": pending_override,
            "actor_name": _user_name}
