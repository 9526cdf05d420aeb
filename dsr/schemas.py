"""Schemas in, schemas out: the marshmallow schemas of forms and API bodies."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates

from dsr.models import RequestType

TYPE_VALUES = [t.value for t in RequestType]


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
