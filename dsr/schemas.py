"""Schemas in, schemas out: the marshmallow schemas of forms and API bodies."""

from __future__ import annotations

import re

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from dsr.models import RequestType

TYPE_VALUES = [t.value for t in RequestType]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POLICY_CLAIMS = ("new_email", "deliver_to", "acting_as")


def policy_claims(data: dict[str, object]) -> dict[str, str]:
    """Take the identity-policy claims out of a loaded submission (those that were given)."""
    return {k: str(v).strip() for k in POLICY_CLAIMS if (v := data.pop(k, "")) and str(v).strip()}


class SubmissionSchema(Schema):
    """A request as the public form and the API take it."""

    class Meta:
        unknown = EXCLUDE

    types = fields.List(fields.String(validate=validate.OneOf(TYPE_VALUES)), required=True,
                        validate=validate.Length(min=1, max=len(TYPE_VALUES)))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    customer_number = fields.String(load_default="", validate=validate.Length(max=40))
    postal_address = fields.String(load_default="", validate=validate.Length(max=500))
    message = fields.String(load_default="", validate=validate.Length(max=10000))
    language = fields.String(load_default="de", validate=validate.OneOf(["de", "en"]))
    #: A signed token from the shop for a signed-in customer (verified by signature only).
    shop_token = fields.String(load_default="", validate=validate.Length(max=500))
    #: Claims the identity policy weighs: a changed address (confirmed through the old one
    #: first), an answer to another address (flagged, never followed automatically), and a
    #: representative acting for the subject (power of attorney checked by a coordinator).
    new_email = fields.String(load_default="", validate=validate.Length(max=254))
    deliver_to = fields.String(load_default="", validate=validate.Length(max=500))
    acting_as = fields.String(load_default="", validate=validate.OneOf(
        ["", "lawyer", "relative", "heir", "other"]))

    @validates("new_email")
    def _new_email(self, value: str, **_: object) -> None:
        if value and not _EMAIL.match(value):
            raise ValidationError("Not a valid email address.")

    @validates("name")
    def _printable(self, value: str, **_: object) -> None:
        if any(ord(ch) < 32 for ch in value):
            raise ValidationError("contains control characters")


class DecisionSchema(Schema):
    right = fields.String(required=True, validate=validate.OneOf(TYPE_VALUES))
    category = fields.String(load_default="*", validate=validate.Length(min=1, max=60))
    outcome = fields.String(required=True,
                            validate=validate.OneOf(["granted", "partly_granted", "refused"]))
    norm = fields.String(required=True, validate=validate.Length(min=3, max=200))
    reason = fields.String(load_default="", validate=validate.Length(max=2000))


class RejectSchema(Schema):
    norm = fields.String(required=True, validate=validate.Length(min=3, max=200))
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


def first_error(messages: dict[str, object]) -> tuple[str, str]:
    """The first (field, message) of a marshmallow error dict, for one clear line."""
    key, value = next(iter(messages.items()))
    while isinstance(value, dict):
        value = next(iter(value.values()))
    text = value[0] if isinstance(value, list) and value else str(value)
    return str(key), str(text)


class ExtendSchema(Schema):
    """An extension of the deadline by one or two months, with the reason the requester reads."""

    months = fields.Integer(required=True, validate=validate.Range(min=1, max=2))
    reason = fields.String(required=True, validate=validate.Length(min=10, max=2000))
