"""Legal holds in the queue (coordinators only): the holds on a request's confirmed subject
with a form to place one and a button to lift each, and the list of every active hold.

Handlers parse the form with a schema, call one service of ``dsr.changes.holds`` and redirect;
the web request's end commits. A hold placed while an erasure request of the subject is in
review makes that request's plan stale: the page says so and offers the existing re-plan.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from marshmallow import Schema, ValidationError, fields, pre_load, validate
from sqlalchemy import select

from dsr.changes import holds
from dsr.changes.models import LegalHold
from dsr.changes.views import _target_label
from dsr.permissions import Permission
from dsr.requests.models import Request
from dsr.requests.schemas import first_error
from dsr.users.models import User
from dsr.users.views import actor
from dsr.web.context import db_session, request_or_404
from dsr.web.i18n import _, error_text, service_error
from dsr.web.permissions import require
from workflows.states import OPEN_STATES

bp = Blueprint("holds", __name__, url_prefix="/queue")
FIELD_LABELS = {"target": "hold_system", "kind": "hold_kind", "reason": "hold_reason",
                "reference": "hold_reference"}


class HoldFormSchema(Schema):
    """The request page's form: which of the subject's keys, the kind, why, the file number."""

    target = fields.String(required=True, validate=validate.Length(min=1, max=80))
    kind = fields.String(required=True, validate=validate.OneOf(holds.KINDS))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=holds.REASON_MAX))
    reference = fields.String(load_default="", validate=validate.Length(max=holds.REFERENCE_MAX))

    @pre_load
    def _strip(self, data: dict[str, Any], **_: object) -> dict[str, Any]:
        return {key: value.strip() if isinstance(value, str) else value
                for key, value in data.items() if key in self.fields}


def _services() -> Any:
    return current_app.extensions["dsr"]


def _label(connector: str) -> str:
    label = _services().config.connectors.get(connector, {}).get("label", {})
    return str(label.get(g.get("lang", "de"), connector))


def key_text(key: list[Any]) -> str:
    """A subject key as the page shows it (``6``; composite keys joined)."""
    return " · ".join(str(part) for part in key)


def _names(rows: list[LegalHold]) -> dict[str, str]:
    ids = {int(who.split(":")[1]) for row in rows for who in (row.created_by, row.lifted_by or "")
           if who.startswith("user:") and who.split(":")[1].isdigit()}
    if not ids:
        return {}
    return {f"user:{u.id}": u.username
            for u in db_session().scalars(select(User).where(User.id.in_(ids)))}


def _who(actor: str, names: dict[str, str]) -> str:
    """Who placed or lifted a hold, in words: a user's name, or the data map's rule (an
    actor ``system:<rule>``), never the actor's code."""
    if actor in names:
        return names[actor]
    return _("hold_by_rule") if actor.startswith("system:") else actor


def _derived(row: LegalHold) -> dict[str, str]:
    """Reason, reference and rule of a hold as the page shows them. A hold the data map's
    ``hold_when`` placed stores its rule (``table: condition``) as its reference and a reason
    in both languages: the page names the claim in the reader's language and keeps the rule
    as a detail."""
    if row.created_by != holds.DERIVED_BY:
        return {"reason": row.reason, "reference": row.reference or "", "rule": ""}
    table = (row.reference or "").partition(":")[0].strip()
    what = _target_label(_services().connectors.get(row.connector), table, g.get("lang", "de"))
    return {"reason": _("hold_reason_derived"),
            "reference": _("hold_reference_derived", what=what) if table else "",
            "rule": row.reference or ""}


def _view(rows: list[LegalHold]) -> list[dict[str, Any]]:
    names = _names(rows)
    return [{"id": row.id, "system": _label(row.connector), "key": key_text(row.subject_key),
             "kind": row.kind, **_derived(row),
             "created_at": row.created_at, "created_by": _who(row.created_by, names),
             "lifted_at": row.lifted_at,
             "lifted_by": _who(row.lifted_by or "", names),
             "lift_reason": row.lift_reason,
             "active": row.lifted_at is None} for row in rows]


@bp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"hold_review": hold_review}


def hold_review(req: Request) -> dict[str, Any]:
    """The holds on the request's confirmed subject, the keys a hold can be placed on, and
    whether the request's plan must be made again."""
    session = db_session()
    keys = holds.subject_keys(req)
    offered = holds.hold_targets(req, _services().connectors)
    targets = [{"value": f"{name}:{index}", "label": f"{_label(name)} · {key_text(key)}"}
               for name, found in offered.items() for index, key in enumerate(found)]
    return {"confirmed": bool(keys), "targets": targets, "kinds": holds.KINDS,
            "holds": _view(holds.holds_for_subject(session, keys)),
            "replan": holds.needs_replan(session, req)}


@bp.get("/holds")
@require(Permission.HOLDS_MANAGE)
def index() -> Any:
    """Every active legal hold (``?show=all``: lifted ones too), with the open requests of
    each hold's subject."""
    show_all = request.args.get("show") == "all"
    session = db_session()
    rows = holds.list_holds(session, active_only=not show_all)
    open_requests = list(session.scalars(select(Request).where(
        Request.status.in_([s.value for s in OPEN_STATES])).order_by(Request.id).limit(1000)))
    subjects = [(req, holds.subject_keys(req)) for req in open_requests]
    related = {row.id: [req for req, keys in subjects
                        if list(row.subject_key) in keys.get(row.connector, [])]
               for row in rows}
    return render_template("holds.html", holds=_view(rows), related=related, show_all=show_all)


@bp.post("/requests/<int:request_id>/holds")
@require(Permission.HOLDS_MANAGE)
def place(request_id: int) -> Any:
    """Place a hold on one of the confirmed subject's keys."""
    req = request_or_404(request_id)
    session = db_session()
    back = redirect(url_for("queue.detail", request_id=request_id, tab="changes", _anchor="holds"))
    keys = holds.hold_targets(req, _services().connectors)
    if not keys:
        flash(f"{_('hold_title')}: {_('hold_no_subject')}", "error")
        return back
    try:
        data = HoldFormSchema().load(request.form.to_dict())
    except ValidationError as exc:
        field, message = first_error(exc.normalized_messages())
        flash(f"{_(FIELD_LABELS.get(field, field))}: {error_text(message)}", "error")
        return back
    name, _sep, index = data["target"].rpartition(":")
    found = keys.get(name, [])
    if not index.isdigit() or int(index) >= len(found):
        flash(_("hold_bad_target"), "error")
        return back
    try:
        row = holds.place_hold(session, connectors=_services().config.connectors, connector=name,
                               subject_key=found[int(index)], kind=data["kind"],
                               reason=data["reason"], reference=data["reference"],
                               actor=actor(), request_id=req.id)
    except holds.HoldError as exc:
        session.rollback()
        flash(f"{_('hold_title')}: {service_error(exc)}", "error")
        return back
    flash(_("hold_placed"), "ok")
    stale = holds.requests_to_replan(session, row.connector, row.subject_key)
    if any(other.id == req.id for other in stale):
        flash(_("hold_replan"), "error")
    others = [other.reference for other in stale if other.id != req.id]
    if others:
        flash(f"{_('hold_replan_others')}: {', '.join(others)}", "error")
    return back


@bp.post("/holds/<int:hold_id>/lift")
@require(Permission.HOLDS_MANAGE)
def lift(hold_id: int) -> Any:
    """Lift a hold (from a request's page, or from the list of holds)."""
    session = db_session()
    raw = request.form.get("request_id", "")
    req = session.get(Request, int(raw)) if raw.isdigit() else None
    back = (redirect(url_for("queue.detail", request_id=req.id, tab="changes", _anchor="holds")) if req
            else redirect(url_for("holds.index")))
    try:
        if req is not None:
            holds.hold_of_subject(session, hold_id, holds.subject_keys(req))
        row = holds.lift_hold(session, hold_id, actor=actor(),
                              request_id=req.id if req is not None else None,
                              reason=request.form.get("reason", ""))
    except holds.HoldNotFound:
        session.rollback()
        abort(404)
    except holds.HoldError as exc:
        session.rollback()
        flash(f"{_('hold_title')}: {service_error(exc)}", "error")
        return back
    flash(_("hold_lifted_done"), "ok")
    stale = [other.reference for other in
             holds.requests_to_replan(session, row.connector, row.subject_key)]
    if stale:
        flash(f"{_('hold_replan_others')}: {', '.join(stale)}", "error")
    return back
