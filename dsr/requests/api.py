"""The API's handlers: submit a request (public), read one, act on it, download its answer.

Each handler parses its body with a schema, calls one service and dumps the request with a
schema; ``require`` checks the permission before any body is read or any request loaded.
The app commits at the end of a successful call; nothing here commits.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Response, current_app
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from dsr.answers.operations import found_categories, latest_document
from dsr.answers.payload_schema import PayloadSchema
from dsr.extensions import submissions_limit
from dsr.permissions import Permission
from dsr.requests import approvals, safe_actions
from dsr.requests import operations as actions
from dsr.requests.contracts import MatchTable
from dsr.requests.models import Channel, CorrectionSource, Decision, Request
from dsr.requests.schemas import RejectSchema, SubmissionSchema
from dsr.requests.submission_views import submit_public
from dsr.security.ids import load_request
from dsr.users.api import api_actor, api_user
from dsr.web.api import URL_PREFIX, ApiBlueprint
from dsr.web.api.schemas import ApproveSchema, ReceiptSchema, RequestViewSchema, VerifySchema
from dsr.web.context import clock, db_session
from dsr.web.permissions import current_actor, require
from workflows.deadlines import days_left
from workflows.models import Task

if TYPE_CHECKING:
    from dsr.context import Services

blp = ApiBlueprint("api", __name__, url_prefix=URL_PREFIX,
                   description="Data-subject requests: submit, follow, decide, download.")
REPORTS = {"pdf": "report_pdf", "json": "report_json", "html": "report_html",
           "zip": "report_zip"}
BINARY = {"type": "string", "format": "binary"}


def _services() -> Services:
    services: Services = current_app.extensions["dsr"]
    return services


def _load(request_id: str) -> Request:
    """The request named in the path by its public reference (``DSR-…``, the opaque id the
    public receipt gives) or, for staff tools, its internal number."""
    found = load_request(db_session(), request_id)
    if found is None:
        raise NotFound(f"There is no request with id {request_id[:40]}.")
    return found


def shown_beside_claims(req: Request) -> dict[str, str]:
    """Representation and corrections under ``claims``, as the API showed them while they
    were claims (before migration 0032): corrections as JSON text."""
    shown = {kind: value for kind, value in (("deliver_to", req.deliver_to),
                                             ("acting_as", req.acting_as)) if value}
    requested, recorded = (req.correction(CorrectionSource.REQUESTED),
                           req.correction(CorrectionSource.RECORDED))
    if requested is not None:
        shown["requested_corrections"] = json.dumps(
            {"fields": requested.fields, "note": requested.note}, ensure_ascii=False,
            sort_keys=True)
    if recorded is not None:
        shown["corrections"] = json.dumps(recorded.fields, ensure_ascii=False, sort_keys=True)
    return shown


def represent(req: Request) -> dict[str, Any]:
    """The request as the caller may see it: its status, and its contents for a caller who
    holds ``requests.view_contents``."""
    view: dict[str, Any] = {
        "id": req.id, "reference": req.reference, "status": req.status, "types": req.types,
        "channel": req.channel, "received_at": req.received_at, "due": req.due_on,
        "extended_due": req.extended_due_on, "released_at": req.released_at,
        "days_left": days_left(req.deadline, clock().today()),
    }
    if current_actor().may(Permission.REQUESTS_VIEW_CONTENTS):
        session = db_session()
        claims: dict[str, str] = {}
        for claim in req.claims:
            claims.setdefault(claim.kind, claim.value)
        claims.update(shown_beside_claims(req))
        view.update(
            claims=claims,
            match_table=None if req.match_table is None else MatchTable.of(req).to_json(),
            decisions=session.scalars(select(Decision).where(Decision.request_id == req.id)
                                      .order_by(Decision.id)).all(),
            tasks=session.scalars(select(Task).where(Task.request_id == req.id)
                                  .order_by(Task.id)).all())
    return view


@blp.post("/requests")
@submissions_limit
@blp.arguments(SubmissionSchema)
@blp.response(201, ReceiptSchema)
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.doc(security=[])
def submit(data: dict[str, Any]) -> Request:
    """Submit a request (public, no token)

    The answer is the same whether or not the address belongs to a customer: nothing is
    looked up before it goes out.
    """
    return submit_public(data, Channel.API.value)


@blp.get("/requests/<request_id>")
@require(Permission.REQUESTS_VIEW)
@blp.response(200, RequestViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
def read(request_id: str) -> dict[str, Any]:
    """Read a request (staff: status; coordinator: also claims, matches, decisions, tasks)"""
    return represent(_load(request_id))


@blp.post("/requests/<request_id>/verify")
@require(Permission.REQUESTS_VERIFY)
@blp.arguments(VerifySchema, required=False)
@blp.response(200, RequestViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def verify(body: dict[str, Any], request_id: str) -> dict[str, Any]:
    """Record the identity check as passed"""
    req = _load(request_id)
    actions.verify(db_session(), req, actor=api_actor(), method=body["method"],
                   settings=_services().config.verification, reason=body.get("reason", ""),
                   wait_hours=_services().config.workflow["single_coordinator_wait_hours"])
    return represent(req)


@blp.post("/requests/<request_id>/process")
@require(Permission.REQUESTS_DECIDE)
@blp.response(200, RequestViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def process(request_id: str) -> dict[str, Any]:
    """Find the subject's data in every system and plan; the draft follows as tasks finish"""
    req = _load(request_id)
    actions.process(db_session(), req, actor=api_actor(),
                    connectors=list(_services().config.connectors))
    return represent(req)


def _confirm(req: Request, step: safe_actions.Step, **inputs: Any) -> Any:
    """Carry out ``step`` as the summary page would after its confirmation, four-eyes
    included: a request type in ``[workflow] four_eyes`` answers 202 to the first
    coordinator (the step waits) and is carried out by a second, different one."""
    session = db_session()
    safe_actions.check_possible(session, req, step, **inputs)
    digest = safe_actions.summarize(session, req, step, **inputs).digest()
    outcome = safe_actions.confirm(session, req, step, digest=digest, actor=api_actor(),
                                   user_id=api_user().id,
                                   four_eyes=list(_services().config.workflow["four_eyes"]),
                                   **inputs)
    if outcome == approvals.Outcome.PENDING:
        return represent(req), 202
    return represent(req)


@blp.post("/requests/<request_id>/approve")
@require(Permission.REQUESTS_APPROVE)
@blp.arguments(ApproveSchema, required=False)
@blp.response(200, RequestViewSchema)
@blp.alt_response(202, schema=RequestViewSchema,
                  description="Recorded as the first of two confirmations (four-eyes); a "
                              "second, different coordinator's call carries it out")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def approve(body: dict[str, Any], request_id: str) -> Any:
    """Approve the plan with decisions per right and category

    Without `decisions`, every requested right is granted for every category found. For a
    request type under four-eyes (`[workflow] four_eyes`) the first coordinator's call is
    recorded (202) and a second, different coordinator's call carries the plan out; the same
    coordinator twice is refused (409).
    """
    req = _load(request_id)
    session = db_session()
    decisions = ([actions.DecisionInput(**item) for item in body["decisions"]]
                 if body["decisions"] is not None
                 else actions.default_decisions(req, found_categories(session, req.id)))
    return _confirm(req, safe_actions.Step.EXECUTE, decisions=decisions)


@blp.post("/requests/<request_id>/release")
@require(Permission.REQUESTS_RELEASE)
@blp.response(200, RequestViewSchema)
@blp.alt_response(202, schema=RequestViewSchema,
                  description="Recorded as the first of two confirmations (four-eyes)")
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def release(request_id: str) -> Any:
    """Release the answer; the request completes once every execute task is done

    For access and portability under four-eyes, a second, different coordinator's call sends it.
    """
    return _confirm(_load(request_id), safe_actions.Step.RELEASE)


@blp.post("/requests/<request_id>/reject")
@require(Permission.REQUESTS_DECIDE)
@blp.arguments(RejectSchema)
@blp.response(200, RequestViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def reject(body: dict[str, Any], request_id: str) -> Any:
    """Refuse the whole request with its legal norm and reason"""
    return _confirm(_load(request_id), safe_actions.Step.REJECT, **body)


@blp.post("/requests/<request_id>/withdraw")
@require(Permission.REQUESTS_DECIDE)
@blp.response(200, RequestViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def withdraw(request_id: str) -> dict[str, Any]:
    """Record that the subject withdrew the request; open tasks are waived"""
    req = _load(request_id)
    actions.withdraw(db_session(), req, actor=api_actor())
    return represent(req)


def _report(request_id: str, fmt: str) -> Response:
    req = _load(request_id)
    doc = latest_document(db_session(), req.id, REPORTS[fmt])
    if doc is None:
        raise NotFound(f"The {fmt.upper()} report of {req.reference} is not built yet.")
    return Response(_services().documents.read(doc), mimetype=doc.content_type, headers={
        "Content-Disposition": f'attachment; filename="{doc.filename}"',
        "Cache-Control": "no-store"})


@blp.get("/requests/<request_id>/report.pdf")
@require(Permission.ANSWERS_DOWNLOAD)
@blp.alt_response(200, success=True, content_type="application/pdf", schema=BINARY,
                  description="The newest access report (PDF)")
@blp.alt_response(404, response="NOT_FOUND")
def report_pdf(request_id: str) -> Response:
    """Download the newest access report as PDF"""
    return _report(request_id, "pdf")


@blp.get("/requests/<request_id>/report.json")
@require(Permission.ANSWERS_DOWNLOAD)
@blp.alt_response(200, success=True, content_type="application/json",
                  schema=PayloadSchema, description="The newest access report (JSON)")
@blp.alt_response(404, response="NOT_FOUND")
def report_json(request_id: str) -> Response:
    """Download the newest access report as JSON"""
    return _report(request_id, "json")


@blp.get("/requests/<request_id>/report.html")
@require(Permission.ANSWERS_DOWNLOAD)
@blp.alt_response(200, success=True, content_type="text/html", schema={"type": "string"},
                  description="The newest access report as an accessible web page (headings, "
                              "tables with their headers, the language marked), as the portal "
                              "hands it out")
@blp.alt_response(404, response="NOT_FOUND")
def report_html(request_id: str) -> Response:
    """Download the newest access report as accessible HTML"""
    return _report(request_id, "html")


@blp.get("/requests/<request_id>/export.zip")
@require(Permission.ANSWERS_DOWNLOAD)
@blp.alt_response(200, success=True, content_type="application/zip", schema=BINARY,
                  description="The copy of the data (Art. 15(3), Art. 20 GDPR): JSON with its "
                              "JSON Schema and a CSV file per category, as the portal hands it "
                              "out")
@blp.alt_response(404, response="NOT_FOUND")
def report_zip(request_id: str) -> Response:
    """Download the newest export of the subject's data (ZIP of JSON, JSON Schema and CSV)"""
    return _report(request_id, "zip")
