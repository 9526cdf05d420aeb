"""The API's own marshmallow schemas: action bodies, the request as the API shows it, errors.

The submission, decision and rejection bodies are the forms' schemas (``dsr.schemas``).
"""

from __future__ import annotations

from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from dsr.requests.models import Outcome
from dsr.requests.operations import VERIFY_METHODS
from dsr.requests.schemas import DecisionSchema
from workflows.states import State

COORDINATORS_ONLY = "Coordinators only; absent for staff."
#: How an identity was checked. A fixed list: the value goes into the audit chain, which
#: must hold no free text about a person.


class ErrorSchema(Schema):
    """Every error the API answers: a name, one clear line, and the fields at fault (422)."""

    error = fields.String(required=True, metadata={"description": "HTTP status name"})
    message = fields.String(required=True, metadata={"description": "What went wrong"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw(),
                         metadata={"description": "Messages by field (validation errors)"})


class ReceiptSchema(Schema):
    """The public answer to a submission: the same for every address, customer or not."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True, metadata={"example": "DSR-7KQ2M9X"})
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in State]))
    due = fields.Date(required=True, attribute="due_on",
                      metadata={"description": "Answer due by (Art. 12(3) GDPR)"})


class VerifySchema(Schema):
    """Body of ``verify``: how the identity was checked (``manual`` when not sent)."""

    class Meta:
        unknown = RAISE

    method = fields.String(load_default="manual", validate=validate.OneOf(VERIFY_METHODS))


class ApproveDecisionSchema(DecisionSchema):
    """A decision as the API takes it: a partly granted or refused right needs its reason."""

    @validates_schema
    def _reason_for_refusals(self, data: dict[str, Any], **_: object) -> None:
        refused = data.get("outcome", Outcome.GRANTED) != Outcome.GRANTED
        if refused and not data.get("reason", "").strip():
            raise ValidationError("a partly granted or refused right needs a reason", "reason")


class ApproveSchema(Schema):
    """Body of ``approve``: decisions per right and category; without them every requested
    right is granted for every category the draft found."""

    class Meta:
        unknown = RAISE

    decisions = fields.List(fields.Nested(ApproveDecisionSchema), load_default=None,
                            validate=validate.Length(min=1, max=500))


class TaskViewSchema(Schema):
    kind = fields.String()
    connector = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)


class DecisionViewSchema(Schema):
    right = fields.String()
    category = fields.String()
    outcome = fields.String()
    norm = fields.String()
    reason = fields.String()
    decided_at = fields.DateTime()


class RequestViewSchema(Schema):
    """A request as the API shows it. Staff see its status; coordinators also its claims, the
    match table, the decisions and the tasks."""

    id = fields.Integer(required=True)
    reference = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf([s.value for s in State]))
    types = fields.List(fields.String(), required=True)
    channel = fields.String(required=True)
    received_at = fields.DateTime(required=True)
    due = fields.Date(required=True, metadata={"description": "Due by (Art. 12(3) GDPR)"})
    extended_due = fields.Date(allow_none=True, metadata={"description": "Extended deadline"})
    days_left = fields.Integer(required=True,
                               metadata={"description": "Days to the deadline; negative: overdue"})
    released_at = fields.DateTime(allow_none=True)
    claims = fields.Dict(keys=fields.String(), values=fields.String(),
                         metadata={"description": "Kind → value. " + COORDINATORS_ONLY})
    match_table = fields.Dict(allow_none=True, metadata={
        "description": "Claims matched per system. " + COORDINATORS_ONLY})
    decisions = fields.List(fields.Nested(DecisionViewSchema),
                            metadata={"description": COORDINATORS_ONLY})
    tasks = fields.List(fields.Nested(TaskViewSchema), metadata={"description": COORDINATORS_ONLY})
