"""The contest part of a request's page (Art. 22(3) GDPR): the contested decisions with their
inputs, result and the register's procedure; the form that records the human review; the
outcome message as the subject will read it, editable before it goes. Coordinators only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, g, redirect, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from dsr.contest import operations as contest
from dsr.contest.models import REVIEW_OUTCOMES
from dsr.correspondence import drafts as correspondence
from dsr.permissions import Permission
from dsr.requests.models import Request
from dsr.requests.schemas import first_error
from dsr.requests.views import render_detail
from dsr.users.views import actor
from dsr.web.context import db_session, request_or_404
from dsr.web.i18n import _, error_text, service_error
from dsr.web.permissions import require

bp = Blueprint("contest", __name__, url_prefix="/queue/requests")
SHOWN_STATES = ("processing", "review", "executing", "completed")


class ContestReviewSchema(Schema):
    """The coordinator's record of the human review (checked further by the service)."""

    check = fields.String(required=True, validate=validate.Length(min=1, max=200))
    outcome = fields.String(required=True, validate=validate.OneOf(REVIEW_OUTCOMES))
    reasons = fields.String(required=True,
                            validate=validate.Length(min=1, max=contest.MAX_REASONS))
    options = fields.List(fields.String(validate=validate.Length(max=60)), load_default=list)
    reviewer_role = fields.String(required=True,
                                  validate=validate.OneOf(list(contest.REVIEWER_ROLES)))


def _services() -> Any:
    return current_app.extensions["dsr"]


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"contest_review": contest_review}


def contest_review(req: Request) -> dict[str, Any]:
    """What the section shows: the decisions, the recorded review, the outcome message."""
    if contest.CONTEST not in req.types or req.status not in SHOWN_STATES:
        return {"shown": False}
    services, session, lang = _services(), db_session(), g.get("lang", "de")
    decisions = contest.contested(services, session, req, lang)
    review = contest.review_of(session, req.id)
    return {"shown": True, "decisions": decisions, "review": review,
            "checks": sum(len(d["checks"]) for d in decisions),
            "editable": req.status in contest.EDITABLE_STATES,
            "roles": {code: _(f"ct_role_{code}") for code in contest.REVIEWER_ROLES},
            "message": (contest.outcome_preview(services, session, req)
                        if review is not None else None)}


def _back(request_id: int) -> Any:
    return redirect(url_for("queue.detail", request_id=request_id, tab="draft", _anchor="contest"))


@bp.post("/<int:request_id>/contest-review")
@require(Permission.REQUESTS_DECIDE)
def record(request_id: int) -> Any:
    """Record (or change, until approval) the outcome of the human review."""
    req = request_or_404(request_id)
    session = db_session()
    form = request.form
    try:
        data = ContestReviewSchema().load({
            "check": form.get("check", ""), "outcome": form.get("outcome", ""),
            "reasons": form.get("reasons", ""), "options": form.getlist("options"),
            "reviewer_role": form.get("reviewer_role", "")})
    except ValidationError as exc:
        field, message = first_error(exc.normalized_messages())
        flash(f"{_('ct_field_' + field)}: {error_text(message)}", "error")
        return _again(req, field)
    try:
        contest.record_review(_services(), session, req, check_key=data["check"],
                              outcome=data["outcome"], reasons=data["reasons"],
                              options=data["options"], reviewer_role=data["reviewer_role"],
                              actor=actor(), user_id=current_user.id)
    except contest.ReviewError as exc:
        session.rollback()
        flash(f"{_('ct_title')}: {service_error(exc)}", "error")
        return _again(req, None)
    flash(_("ct_recorded"), "ok")
    return _back(request_id)


def _again(req: Request, field: str | None) -> Any:
    """The page again with the review form as the coordinator filled it in (status 422)."""
    form = request.form
    return render_detail(req, contest_form={
        "check": form.get("check", ""), "outcome": form.get("outcome", ""),
        "reasons": form.get("reasons", ""), "options": form.getlist("options"),
        "reviewer_role": form.get("reviewer_role", ""), "error": field}, status=422)


@bp.post("/<int:request_id>/contest-message")
@require(Permission.REQUESTS_DECIDE)
def edit_message(request_id: int) -> Any:
    """Store the coordinator's edit of the outcome e-mail (before it is sent)."""
    req = request_or_404(request_id)
    session = db_session()
    if contest.CONTEST not in req.types or contest.review_of(session, req.id) is None:
        flash(f"{_('ct_title')}: {_('ct_message_needs_review')}", "error")
        return _back(request_id)
    try:
        correspondence.save_draft(session, req, contest.TEMPLATE,
                                  subject=request.form.get("subject", ""),
                                  body=request.form.get("body", ""), actor=actor(),
                                  user_id=current_user.id)
    except correspondence.DraftError as exc:
        session.rollback()
        flash(f"{_('ct_message')}: {exc}", "error")
    else:
        flash(_("message_saved"), "ok")
    return _back(request_id)
