"""The API's legal holds on a request's confirmed subject: list, place, lift (coordinators).

Each handler loads its body with a schema, calls one service of ``dsr.changes.holds`` and
dumps the hold with a schema; the app commits at the end of a successful call.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.typing import ResponseReturnValue
from marshmallow import RAISE, Schema, fields, validate
from werkzeug.exceptions import Conflict, NotFound

from dsr.changes import holds
from dsr.changes.models import LegalHold
from dsr.permissions import Permission
from dsr.requests.models import Request
from dsr.users.api import api_actor
from dsr.web.api import URL_PREFIX, ApiBlueprint
from dsr.web.context import db_session
from dsr.web.permissions import require

blp = ApiBlueprint("api_holds", __name__, url_prefix=URL_PREFIX,
                   description="Legal holds (open claim, collection, tax audit) on a request's "
                               "confirmed subject: erasure is suspended until they are lifted.")


class HoldBodySchema(Schema):
    """Body of placing a hold. ``connector`` and ``key`` may be left out when the subject was
    found in one system (the first key is taken)."""

    class Meta:
        unknown = RAISE

    kind = fields.String(required=True, validate=validate.OneOf(holds.KINDS))
    reason = fields.String(required=True,
                           validate=validate.Length(min=1, max=holds.REASON_MAX),
                           metadata={"description": "Why (the claim, the audit); no personal data"})
    reference = fields.String(load_default="", validate=validate.Length(max=holds.REFERENCE_MAX),
                              metadata={"description": "The case's file number"})
    connector = fields.String(load_default=None, metadata={
        "description": "The system whose subject key is held (one the subject was found in)"})
    key = fields.List(fields.Raw(), load_default=None, metadata={
        "description": "One of the subject's keys in that system; default its first"})


class HoldViewSchema(Schema):
    id = fields.Integer(required=True)
    connector = fields.String(required=True)
    key = fields.List(fields.Raw(), required=True, attribute="subject_key")
    kind = fields.String(required=True, validate=validate.OneOf(holds.KINDS))
    reason = fields.String(required=True)
    reference = fields.String(allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    created_by = fields.String(required=True)
    lifted_at = fields.DateTime(allow_none=True)
    lifted_by = fields.String(allow_none=True)


class HoldListSchema(Schema):
    holds = fields.List(fields.Nested(HoldViewSchema), required=True)
    replan = fields.Boolean(required=True, metadata={
        "description": "The request is an erasure in review whose plan predates a hold change: "
                       "process it again (POST .../process) before approving"})


class PlacedHoldSchema(HoldViewSchema):
    replan = fields.List(fields.String(), required=True, metadata={
        "description": "References of erasure requests in review whose plan must be made again"})


def _conflict(exc: Exception) -> ResponseReturnValue:
    return {"error": "Conflict", "message": str(exc)}, 409


def _unprocessable(exc: Exception) -> ResponseReturnValue:
    return {"error": "Unprocessable Entity", "message": str(exc)}, 422


def _not_found(exc: Exception) -> ResponseReturnValue:
    return {"error": "Not Found", "message": str(exc)}, 404


blp.register_error_handler(holds.HoldNotFound, _not_found)
blp.register_error_handler(holds.HoldLifted, _conflict)
blp.register_error_handler(holds.HoldError, _unprocessable)


def _subject(request_id: int) -> tuple[Request, dict[str, list[list[Any]]]]:
    req = db_session().get(Request, request_id)
    if req is None:
        raise NotFound(f"There is no request with id {request_id}.")
    keys = holds.subject_keys(req)
    if not keys:
        raise Conflict(f"The subject of {req.reference} is not confirmed yet (status "
                       f"{req.status}): holds only after the identity check.")
    return req, keys


def _view(row: LegalHold) -> dict[str, Any]:
    return {**{name: getattr(row, name) for name in (
        "id", "connector", "subject_key", "kind", "reason", "reference", "created_at",
        "created_by", "lifted_at", "lifted_by")}, "active": row.lifted_at is None}


@blp.get("/requests/<int:request_id>/holds")
@require(Permission.HOLDS_MANAGE)
@blp.response(200, HoldListSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def list_holds(request_id: int) -> dict[str, Any]:
    """List the holds on the request's subject (active first)"""
    req, keys = _subject(request_id)
    session = db_session()
    return {"holds": [_view(row) for row in holds.holds_for_subject(session, keys)],
            "replan": holds.needs_replan(session, req)}


@blp.post("/requests/<int:request_id>/holds")
@require(Permission.HOLDS_MANAGE)
@blp.arguments(HoldBodySchema)
@blp.response(201, PlacedHoldSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def place(body: dict[str, Any], request_id: int) -> dict[str, Any]:
    """Place a hold on the request's subject: erasure is suspended until it is lifted"""
    req, _ = _subject(request_id)
    services = current_app.extensions["dsr"]
    keys = holds.hold_targets(req, services.connectors)
    connector = body["connector"] or (next(iter(keys)) if len(keys) == 1 else None)
    if connector is None:
        raise holds.HoldError(f"connector: the subject was found in {', '.join(sorted(keys))}; "
                              f"name one")
    if connector not in keys:
        raise holds.HoldError(f"connector: the subject was not found in {connector!r}")
    key = body["key"] if body["key"] is not None else keys[connector][0]
    if list(key) not in keys[connector]:
        raise holds.HoldError(f"key: not one of the subject's keys in {connector!r}")
    session = db_session()
    row = holds.place_hold(session, connectors=services.config.connectors, connector=connector,
                           subject_key=key, kind=body["kind"], reason=body["reason"],
                           reference=body["reference"], actor=api_actor(), request_id=req.id)
    stale = holds.requests_to_replan(session, row.connector, row.subject_key)
    return {**_view(row), "replan": [other.reference for other in stale]}


@blp.post("/requests/<int:request_id>/holds/<int:hold_id>/lift")
@require(Permission.HOLDS_MANAGE)
@blp.response(200, HoldViewSchema)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def lift(request_id: int, hold_id: int) -> dict[str, Any]:
    """Lift a hold on the request's subject; the next retention run erases what it kept"""
    req, keys = _subject(request_id)
    session = db_session()
    holds.hold_of_subject(session, hold_id, keys)
    return _view(holds.lift_hold(session, hold_id, actor=api_actor(), request_id=req.id))
