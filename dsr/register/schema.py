"""The processing register (Art. 30 record): loaded from TOML and validated with its schema.

Purposes, legal bases, categories, recipients, retention rules, automated decisions and
third-country transfers, each with a name the data map and the answers refer to. A mistake
stops the start with one line naming the key (:class:`RegisterError`).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from connectors.datamap_schema import RECTIFIABLE_FIELDS
from dsr.config import flatten_error


class RegisterError(ValueError):
    """The register cannot be used; the message names the key at fault."""


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class Label(_Strict):
    de = fields.String(required=True, validate=validate.Length(min=1))
    en = fields.String(required=True, validate=validate.Length(min=1))


class TextOrLabel(fields.Field):
    """A text the answers quote in the reader's language: ``{de = "...", en = "..."}``, or
    one text for both (older registers; a citation that reads the same in both)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, str) and value.strip():
            return value
        if isinstance(value, dict):
            return Label().load(value)
        raise ValidationError("give a text or a table with 'de' and 'en'")


class DataProtectionOfficer(_Strict):
    """The DPO's contact (Art. 37(7), 13(1)(b) GDPR): named in answers and letters when given."""

    name = fields.String(required=True, validate=validate.Length(min=1))
    email = fields.Email()
    address = fields.List(fields.String(validate=validate.Length(min=1)))

    @validates_schema
    def _reachable(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("email") and not data.get("address"):
            raise ValidationError("give an e-mail address or a postal address (or both)",
                                  "email")


class Controller(_Strict):
    name = fields.String(required=True)
    address = fields.List(fields.String(), required=True)
    email = fields.Email(required=True)
    #: Optional: a shop without a data protection officer leaves it out.
    dpo = fields.Nested(DataProtectionOfficer)


class Authority(_Strict):
    name = fields.String(required=True)
    address = fields.String(required=True)


def _owner() -> fields.String:
    """Who answers for an entry (a person or a team), set in the register editor."""
    return fields.String(validate=validate.Length(min=1, max=120))


class Category(_Strict):
    label = fields.Nested(Label, required=True)
    owner = _owner()
    #: Data the subject provided (Art. 20): goes into the portability answer and export. As
    #: WP242 rev.01 reads Art. 20, that includes data observed while the subject used the
    #: service (sessions, searches, consents, reviews), not only what they typed in.
    provided = fields.Boolean(load_default=False)


class Retention(_Strict):
    label = fields.Nested(Label, required=True)
    years = fields.Integer(validate=validate.Range(min=0, max=30))
    days = fields.Integer(validate=validate.Range(min=1, max=3650))
    starts = fields.String(required=True,
                           validate=validate.OneOf(["end_of_year", "creation", "event"]))
    #: The norm, in each language of the answers (or one citation, rendered per language).
    norm = TextOrLabel(required=True)
    #: A storage limit, not a duty to keep: the period is the longest the data may be kept.
    #: The retention run erases it when the period ends; an erasure request erases it at
    #: once (it is never blocked for this rule). Not given: a duty to keep (blocked until).
    storage_limit = fields.Boolean()
    owner = _owner()

    @validates_schema
    def _one_period(self, data: dict[str, Any], **_: Any) -> None:
        if ("years" in data) == ("days" in data):
            raise ValidationError("give exactly one of 'years' and 'days'", "years")


class Evidence(_Strict):
    """Where a subject's records show that this recipient received their data (C-154/21):
    rows of ``table`` whose ``column`` holds ``value`` (any value when not given), dated by
    the ``date`` column."""

    table = fields.String(required=True, validate=validate.Length(min=1))
    column = fields.String(required=True, validate=validate.Length(min=1))
    value = fields.String()
    date = fields.String()


class Recipient(_Strict):
    #: The name as the answers give it, in each language (or one name for both).
    name = TextOrLabel(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["processor", "controller"]))
    role = fields.Nested(Label, required=True)
    country = fields.String(required=True, validate=validate.Length(equal=2))
    evidence = fields.List(fields.Nested(Evidence), load_default=list)
    # Art. 19: the form's fields (first_name, street, birth_date, ...) this recipient received
    # from us; a rectification tells it only those. Not given: every corrected field is named.
    receives = fields.List(fields.String(validate=validate.OneOf(RECTIFIABLE_FIELDS)))
    # How many days after its last disclosure (the evidence's date) it still processes the
    # data; after that no Art. 19 notice goes, and the plan records why. Not given: always.
    processes_days = fields.Integer(validate=validate.Range(min=0))
    # ``table.column`` names whose values it knows the subject by: columns of its evidence
    # rows (its reference, a tracking number) or of the subject's row (name, date of birth).
    identified_by = fields.List(fields.String(validate=validate.Regexp(
        r"^[A-Za-z0-9_]+\.[A-Za-z0-9_]+$", error="must be table.column")))
    owner = _owner()


class Purpose(_Strict):
    name = fields.String(required=True)
    label = fields.Nested(Label, required=True)
    #: The legal basis in each language of the answers (or one citation, rendered per language).
    legal_basis = TextOrLabel(required=True)
    categories = fields.List(fields.String(), required=True)
    recipients = fields.List(fields.String(), load_default=list)
    retention = fields.List(fields.String(), load_default=list)
    source = fields.Nested(Label, required=True)
    deletion = fields.Nested(Label)
    owner = _owner()


class Band(_Strict):
    min_score = fields.Float(required=True)
    decision = fields.String(required=True)
    options = fields.List(fields.String(), required=True)
    label = fields.Nested(Label)


class DecisionEvidence(_Strict):
    """The columns of the subject's records that hold each automated decision taken."""

    table = fields.String(required=True)
    date = fields.String(required=True)
    score = fields.String(required=True)
    result = fields.String(required=True)
    options = fields.String(required=True)
    requested = fields.String()
    #: The row's key, the bureau asked and its reference (the human review names them).
    key = fields.String()
    bureau = fields.String()
    bureau_reference = fields.String()


class AutomatedDecision(_Strict):
    label = fields.Nested(Label, required=True)
    bureau = fields.String(required=True)
    logic = fields.Nested(Label, required=True)
    consequences = fields.Nested(Label, required=True)
    bands = fields.List(fields.Nested(Band), load_default=list)
    evidence = fields.Nested(DecisionEvidence)
    option_labels = fields.Dict(keys=fields.String(), values=fields.Nested(Label),
                                load_default=dict)


class Transfer(_Strict):
    recipient = fields.String(required=True)
    country = fields.String(required=True, validate=validate.Length(equal=2))
    #: The safeguard (Art. 46 GDPR or an adequacy decision), in each language of the answers.
    safeguard = TextOrLabel(required=True)


class RegisterSchema(_Strict):
    version = fields.Integer(required=True, validate=validate.Equal(1))
    controller = fields.Nested(Controller, required=True)
    supervisory_authority = fields.Nested(Authority, required=True)
    categories = fields.Dict(keys=fields.String(), values=fields.Nested(Category), required=True)
    retention = fields.Dict(keys=fields.String(), values=fields.Nested(Retention), required=True)
    recipients = fields.Dict(keys=fields.String(), values=fields.Nested(Recipient), required=True)
    purposes = fields.List(fields.Nested(Purpose), required=True)
    automated_decisions = fields.Dict(keys=fields.String(), values=fields.Nested(AutomatedDecision),
                                      load_default=dict)
    transfers = fields.List(fields.Nested(Transfer), load_default=list)

    @validates_schema
    def _names_exist(self, data: dict[str, Any], **_: Any) -> None:
        for i, purpose in enumerate(data.get("purposes", [])):
            for key, what in (("categories", "category"), ("recipients", "recipient"),
                              ("retention", "retention rule")):
                for name in purpose.get(key, []):
                    if name not in data.get(key, {}):
                        raise ValidationError(f"unknown {what} {name!r}", f"purposes[{i}].{key}")
        for i, transfer in enumerate(data.get("transfers", [])):
            if transfer["recipient"] not in data.get("recipients", {}):
                raise ValidationError(f"unknown recipient {transfer['recipient']!r}",
                                      f"transfers[{i}].recipient")
        for name, decision in data.get("automated_decisions", {}).items():
            if decision["bureau"] not in data.get("recipients", {}):
                raise ValidationError(f"unknown recipient {decision['bureau']!r}",
                                      f"automated_decisions.{name}.bureau")
            for option in {o for band in decision.get("bands", []) for o in band["options"]}:
                if decision.get("option_labels") and option not in decision["option_labels"]:
                    raise ValidationError(f"no label for payment option {option!r}",
                                          f"automated_decisions.{name}.option_labels")


def load_register(path: Path) -> dict[str, Any]:
    """Read and validate the register; raises :class:`RegisterError` naming the key."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegisterError(f"{path}: register file not found") from None
    return parse_register(text, str(path), short=path.name)


def parse_register(text: str, source: str = "register", short: str | None = None) -> dict[str, Any]:
    """Validate a register given as TOML text (a file, an upload, the coordinator's edit)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegisterError(f"{source}: not valid TOML ({exc})") from None
    try:
        return RegisterSchema().load(raw)
    except ValidationError as exc:
        raise RegisterError(f"{short or source}: {flatten_error(exc.messages)}") from None
