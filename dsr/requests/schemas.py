"""Schemas in, schemas out: the marshmallow schemas of forms and API bodies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from marshmallow import (
    EXCLUDE,
    Schema,
    ValidationError,
    fields,
    pre_load,
    validate,
    validates,
    validates_schema,
)
from marshmallow.experimental.context import Context

from dsr.rendering import correspondence_languages
from dsr.requests import postcodes
from dsr.requests.models import RequestType
from dsr.security.text import name_problem, nfc

TYPE_VALUES = [t.value for t in RequestType]
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
POLICY_CLAIMS = ("new_email", "deliver_to", "acting_as")


def policy_claims(data: dict[str, object]) -> dict[str, str]:
    """Take the identity-policy claims out of a loaded submission (those that were given)."""
    return {k: str(v).strip() for k in POLICY_CLAIMS if (v := data.pop(k, "")) and str(v).strip()}


EMAIL_CONFLICT = "Differs from new_email: give one new e-mail address."
_PHONE = re.compile(r"^[0-9 +()/.-]{5,32}$")
_POSTCODE = re.compile(r"^[0-9A-Za-z -]{2,10}$")
POSTCODE_FORM = "Not a valid postcode."
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: The date of birth's messages (the form tells them apart).
NOT_A_DATE = "Not a valid date (DD.MM.YYYY or YYYY-MM-DD)."
NO_SUCH_DAY = "No such day in the calendar."
NOT_PLAUSIBLE = "Not a plausible date of birth."


@dataclass(frozen=True)
class LoadContext:
    """What loading a form or API body needs from the service: today's date by its clock.
    The web edge sets it for every request (``marshmallow``'s ``Context``)."""

    today: date


def load_today() -> date:
    """Today by the service clock, as the loading edge set it (LookupError when none did)."""
    return Context[LoadContext].get().today


def _printable(value: str) -> None:
    if any(ord(ch) < 32 for ch in value):
        raise ValidationError("contains control characters")


class BirthDate(fields.String):
    """A date of birth as DD.MM.YYYY or YYYY-MM-DD, loaded as ISO text (what a date column
    takes); a day in the future or before 1900 is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        dotted = _DOTTED_DATE.match(text)
        written = dotted or _ISO_DATE.match(text)
        try:
            day = (date(int(dotted[3]), int(dotted[2]), int(dotted[1])) if dotted
                   else date.fromisoformat(text))
        except ValueError:
            # In the right form but no day of the calendar (31.02.) is another mistake.
            raise ValidationError(NO_SUCH_DAY if written else NOT_A_DATE) from None
        if not date(1900, 1, 1) <= day <= load_today():
            raise ValidationError(NOT_PLAUSIBLE)
        return day.isoformat()


class CorrectionValuesSchema(Schema):
    """The corrected values a customer gives with a request for rectification, by the form's
    field names (the data map's ``rectify_as``); a field left empty is not changed."""

    first_name = fields.String(validate=[validate.Length(min=1, max=100), _printable])
    last_name = fields.String(validate=[validate.Length(min=1, max=100), _printable])
    street = fields.String(validate=[validate.Length(min=1, max=120), _printable])
    # Checked with the country in ``_postcode_of_country`` (a country's own form of it).
    postcode = fields.String(validate=[validate.Regexp(_POSTCODE, error=POSTCODE_FORM),
                                       validate.Length(max=10)],
                             metadata={"description": "as the post of `country` writes it (DE "
                                       "five digits, AT/CH four, NL `1234 AB`, PL `00-950`, ...); "
                                       "without `country`, a postcode of one of the EU/EEA "
                                       "countries, CH or GB"})
    city = fields.String(validate=[validate.Length(min=1, max=80), _printable])
    country = fields.String(validate=validate.Regexp(
        r"^[A-Z]{2}$", error="Not a country code (two letters, ISO 3166, e.g. DE)."))
    phone = fields.String(validate=[validate.Regexp(_PHONE, error="Not a valid phone number."),
                                    validate.Length(max=32)])
    email = fields.Email(validate=validate.Length(max=254))
    birth_date = BirthDate(validate=validate.Length(max=10))

    @pre_load
    def _drop_empty(self, data: Any, **_: object) -> Any:
        """Strip text; an empty field means "no change", not an empty value."""
        if not isinstance(data, dict):
            return data
        cleaned = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        if isinstance(cleaned.get("country"), str):
            cleaned["country"] = cleaned["country"].upper()
        return {k: v for k, v in cleaned.items() if v != ""}

    @validates_schema
    def _postcode_of_country(self, data: dict[str, Any], **_: object) -> None:
        """The postcode in the form its country's post prints (DE five digits, NL "1234 AB")."""
        postcode = data.get("postcode")
        if isinstance(postcode, str) and not postcodes.valid(postcode, data.get("country")):
            raise ValidationError(POSTCODE_FORM, field_name="postcode")



class SubmissionSchema(Schema):
    """A request as the public form and the API take it."""

    class Meta:
        unknown = EXCLUDE

    types = fields.List(fields.String(validate=validate.OneOf(TYPE_VALUES)), required=True,
                        validate=validate.Length(min=1, max=len(TYPE_VALUES)))
    # Two validators, so that too short and too long are told apart.
    name = fields.String(required=True, validate=[validate.Length(min=2), validate.Length(max=200)],
                         metadata={"description": "2 to 200 characters, stored in NFC; control, "
                                   "zero-width and bidi characters are refused"})
    email = fields.Email(required=True, validate=validate.Length(max=254))
    customer_number = fields.String(load_default="", validate=validate.Length(max=40))
    postal_address = fields.String(load_default="", validate=validate.Length(max=500))
    message = fields.String(load_default="", validate=validate.Length(max=10000))
    language = fields.String(load_default="de",
                              validate=validate.OneOf(correspondence_languages()))
    #: A signed token from the shop for a signed-in customer (verified by signature only).
    shop_token = fields.String(load_default="", validate=validate.Length(max=500))
    #: Claims the identity policy weighs: a changed address (confirmed through the old one
    #: first), an answer to another address (flagged, never followed automatically), and a
    #: representative acting for the subject (power of attorney checked by a coordinator).
    new_email = fields.String(load_default="", validate=validate.Length(max=254))
    deliver_to = fields.String(load_default="", validate=validate.Length(max=500))
    acting_as = fields.String(load_default="", validate=validate.OneOf(
        ["", "lawyer", "relative", "heir", "other"]))
    #: Rectification (Art. 16): the corrected values by field, and what is wrong. Only with
    #: "rectification" among the types; the fields offered are those the data map names.
    corrections = fields.Nested(CorrectionValuesSchema, load_default=dict)
    correction_note = fields.String(load_default="", validate=validate.Length(max=2000))
    #: Withdrawal of consent (Art. 7(3)): the consents withdrawn, by kind (``newsletter``,
    #: ``sweepstakes``, ``analytics``, ...: the shop's consent kinds; an unknown one is refused
    #: with the list of known ones); none: every consent.
    consents = fields.List(fields.String(validate=validate.Length(min=1, max=40)),
                           load_default=list, validate=validate.Length(max=20), metadata={
                               "description": "With consent_withdrawal: the consents withdrawn "
                               "(newsletter, analytics, postal_advertising, sweepstakes, ...); "
                               "none: every consent"})
    #: Restriction (Art. 18(1)): the ground, lit. a (accuracy contested), b (unlawful, no
    #: erasure wanted), c (needed for legal claims), d (objection pending verification).
    restriction_ground = fields.String(load_default="", validate=validate.OneOf(
        ["", "a", "b", "c", "d"]), metadata={"description": "With restriction: the ground, "
                                             "Art. 18(1)(a)-(d) GDPR"})

    @pre_load
    def _normalise(self, data: Any, **_: object) -> Any:
        """Text in NFC (one value for "é" however it was typed)."""
        return nfc(data) if isinstance(data, dict) else data

    @validates("name")
    def _plain_name(self, value: str, **_: object) -> None:
        problem = name_problem(value)
        if problem:
            raise ValidationError(problem)

    @validates_schema
    def _corrections_need_rectification(self, data: dict[str, Any], **_: object) -> None:
        corrections = data.get("corrections") or {}
        if (corrections or data.get("correction_note", "").strip()) \
                and "rectification" not in (data.get("types") or []):
            raise ValidationError("Corrections are only taken with a request for rectification "
                                  "(add \"rectification\" to types).", "corrections")
        if data.get("consents") and "consent_withdrawal" not in (data.get("types") or []):
            raise ValidationError("Consents are only taken with a withdrawal of consent (add "
                                  "\"consent_withdrawal\" to types).", "consents")
        if data.get("restriction_ground") and "restriction" not in (data.get("types") or []):
            raise ValidationError("A ground is only taken with a request for restriction (add "
                                  "\"restriction\" to types).", "restriction_ground")
        new_email, corrected = data.get("new_email", ""), corrections.get("email", "")
        if new_email and corrected and new_email.strip().casefold() != corrected.casefold():
            raise ValidationError({"email": [EMAIL_CONFLICT]}, "corrections")

    @validates("new_email")
    def _new_email(self, value: str, **_: object) -> None:
        if value and not _EMAIL.match(value):
            raise ValidationError("Not a valid email address.")

    @validates("name")
    def _printable_name(self, value: str, **_: object) -> None:
        _printable(value)


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
