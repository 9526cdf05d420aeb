"""The customer's side of verification: the status page after reference + code (status,
deadline, enter the e-mailed code, ask for a new one, upload an ID copy, withdraw), and the
page the code e-mail links to. No login; every answer is the same whether or not the
requester is a customer. The queue's verification routes live in :mod:`dsr.verification.queue_views`.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select

from dsr.answers.whereabouts import whereabouts
from dsr.crypto import keyed_hash
from dsr.extensions import limiter
from dsr.requests import operations as actions
from dsr.requests.models import Request
from dsr.verification import codes, steps
from dsr.web.context import clock, db_session
from dsr.web.i18n import _
from workflows import outbox
from workflows.deadlines import days_left
from workflows.models import TaskKind
from workflows.states import State, TransitionError, allowed


def _id_copies() -> Any:
    """The ID-copy pipeline, loaded on first use (it brings PIL, pypdf and reportlab)."""
    from dsr.verification import id_copies

    return id_copies

bp = Blueprint("verify", __name__)
GRANT = "status_ref"
#: Statuses in which the customer is asked to prove who they are.
CONFIRMING = frozenset({State.RECEIVED, State.AWAITING_VERIFICATION})
#: Statuses after which the page says what was done and where the answer is.
DECIDED = frozenset({State.COMPLETED, State.REJECTED})
#: The steps the customer sees, in order (the status page marks the current one).
STEPS = ("received", "identity", "working", "done")
_STEP_OF = {State.RECEIVED: 0, State.AWAITING_VERIFICATION: 1, State.VERIFIED: 2,
            State.PROCESSING: 2, State.REVIEW: 2, State.EXECUTING: 2, State.COMPLETED: 3,
            State.REJECTED: 3, State.WITHDRAWN: 3, State.MERGED: 3}


def progress(status: str) -> int:
    """The index in :data:`STEPS` of the step the request is at."""
    return _STEP_OF.get(State(status), 0)


def confirm_as_status_code(req: Request, code: str) -> bool:
    """The status lookup also takes the identity code from the e-mail to the address on file
    (it proves more than the acknowledgement's status code): True when it was right."""
    if req.status != State.AWAITING_VERIFICATION or len(codes.normalise_code(code)) != \
            codes.CODE_LENGTH:
        return False
    return _confirm(req, code)


def _services() -> Any:
    return current_app.extensions["dsr"]


def grant(reference: str) -> None:
    """Remember in the (signed) session that this browser showed reference + status code."""
    session[GRANT] = reference


def _granted() -> Request | None:
    reference = session.get(GRANT)
    if not reference:
        return None
    return db_session().scalars(select(Request).where(Request.reference == reference)).first()


def _back() -> Any:
    return redirect(url_for("verify.view"))


def _gone() -> Any:
    flash(_("v_session_gone"), "error")
    return redirect(url_for("public.status"))


@bp.get("/status/request")
def view() -> Any:
    req = _granted()
    if req is None:
        return _gone()
    decided = req.status in DECIDED
    return render_template("status.html", req=req, confirming=req.status in CONFIRMING,
                           can_withdraw=allowed(req.status, State.WITHDRAWN),
                           days_left=days_left(req.deadline, clock().today()),
                           progress=progress(req.status), steps=STEPS,
                           done=whereabouts(db_session(), req) if decided else None)


def _confirm(req: Request | None, code: str) -> bool:
    """Try the code; a refusal is committed too, so wrong tries always count."""
    services = _services()
    db = db_session()
    if req is None or not code.strip():
        return False
    outcome = steps.confirm_code(db, req, code, secret=services.config.secret_key,
                                 settings=services.config.verification,
                                 source=keyed_hash(services.config.secret_key, "code-source",
                                                   request.remote_addr or ""))
    db.commit()
    return outcome == codes.CodeOutcome.OK


@bp.post("/status/request/code")
@limiter.limit("20/hour")
def code() -> Any:
    req = _granted()
    if req is None:
        return _gone()
    if _confirm(req, request.form.get("code", "")):
        flash(_("v_code_ok"), "ok")
    else:
        flash(_("v_code_refused"), "error")
    return _back()


@bp.post("/status/request/new-code")
@limiter.limit("5/hour")
def new_code() -> Any:
    req = _granted()
    if req is None:
        return _gone()
    if req.status == State.AWAITING_VERIFICATION:
        db = db_session()
        outbox.add_task(db, kind=TaskKind.VERIFY_IDENTITY, request_id=req.id, queue=outbox.QUEUE_MAIL,
                        round_=codes.issued_count(db, req.id))
    flash(_("v_new_code_sent"), "ok")  # the same words whether or not an address is on file
    return _back()


@bp.post("/status/request/id-copy")
@limiter.limit("10/hour")
def id_copy() -> Any:
    req = _granted()
    if req is None:
        return _gone()
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not upload or not upload.filename:
        flash(_("v_id_missing"), "error")
        return _back()
    if req.status not in CONFIRMING:
        return _back()
    services = _services()
    db = db_session()
    try:
        _id_copies().store(db, services.documents, req, data, settings=services.config.verification,
                        actor=steps.CUSTOMER, uploaded_by_id=None)
    except _id_copies().IdCopyRefused as exc:
        db.commit()  # the refusal stays in the history
        flash(_(f"id_refused_{exc.code}"), "error")
    else:
        flash(_("v_id_ok"), "ok")
    return _back()


@bp.post("/status/request/withdraw")
def withdraw() -> Any:
    req = _granted()
    if req is None:
        return _gone()
    if request.form.get("confirm") != "yes":
        flash(_("v_withdraw_needs_confirm"), "error")
        return _back()
    try:
        actions.withdraw(db_session(), req, actor=steps.CUSTOMER)
    except TransitionError:
        flash(_("v_withdraw_not_now"), "error")
    else:
        flash(_("v_withdrawn"), "ok")
    return _back()


@bp.route("/verify/<reference>", methods=["GET", "POST"])
@limiter.limit("20/hour", methods=["POST"])
def by_link(reference: str) -> Any:
    """The page the code e-mail links to: enter the code, nothing else is shown."""
    reference = reference.strip().upper()[:20]
    if request.method == "GET":
        return render_template("verify_code.html", reference=reference, done=False)
    req = db_session().scalars(select(Request).where(Request.reference == reference)).first()
    code_given = request.form.get("code", "")
    if not code_given.strip():
        flash(_("v_code_empty"), "error")
    elif _confirm(req, code_given) and req is not None:
        grant(req.reference)  # the identity code opens the status page too: no second code
        return render_template("verify_code.html", reference=reference, done=True)
    else:
        flash(_("v_code_refused"), "error")
    return redirect(url_for("verify.by_link", reference=reference))
