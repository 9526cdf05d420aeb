"""Marshmallow schemas for the sections of the data map (see docs/datamap.md).

The schemas check each section's shape and values and return plain dicts; turning them into
typed values and the checks across sections live in :mod:`connectors.datamap`. Tables and their
columns are loaded one by one so that every error can name its exact key path.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from connectors.datamap_conditions import ConditionError, parse_condition

IDENTIFIER_KINDS = ("email", "customer_number", "name_address")
NORMALISATIONS = ("casefold", "strip", "none")
ERASURE_ACTIONS = ("keep", "delete", "null", "anonymise")
NAME_ADDRESS_PARTS = ("first_name", "last_name", "street", "postcode", "city")
RECTIFIABLE_FIELDS = ("first_name", "last_name", "street", "postcode", "city", "country", "phone",
                      "email", "birth_date")
"""The fields a customer can correct on the public form (Art. 16); a column names the one it
holds with ``rectify_as``."""
UNITS = ("cents", "percent", "money")
"""How a number is shown to people: ``cents`` as money ("129,00 €"), ``percent`` with "%",
``money`` a decimal amount in the column's ``currency`` ("129,00 €")."""
TRANSFORMS = ("ip",)
"""How a stored value becomes readable: ``ip`` turns an integer or binary address into text."""


def _names(**kwargs: Any) -> fields.List:
    """A non-empty list of non-empty column names."""
    return fields.List(
        fields.String(validate=validate.Length(min=1)), validate=validate.Length(min=1), **kwargs
    )


def _name(**kwargs: Any) -> fields.String:
    """A non-empty name."""
    return fields.String(validate=validate.Length(min=1), **kwargs)


class LabelSchema(Schema):
    """``{ de = "...", en = "..." }``."""

    de = _name(required=True)
    en = _name(required=True)


class CodeLabels(fields.Field):
    """``{ code = { de = "...", en = "..." }, ... }``: how each stored code reads to people."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        shape = 'must be a table of code = { de = "...", en = "..." }'
        if not isinstance(value, Mapping) or not value:
            raise ValidationError(shape)
        labels: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for code, label in value.items():
            if not isinstance(label, Mapping):
                errors[code] = ['must be { de = "...", en = "..." }']
                continue
            try:
                labels[code] = LabelSchema().load(label)
            except ValidationError as exc:
                errors[code] = exc.messages
        if errors:
            raise ValidationError(errors)
        return labels


class ConditionField(fields.Field):
    """A row condition in the data map's condition syntax (connectors.datamap_conditions)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, str) or not value.strip():
            raise ValidationError("must be a condition such as \"status = 'open'\"")
        try:
            return parse_condition(value)
        except ConditionError as exc:
            raise ValidationError(f"condition {value!r}: {exc}") from None


class RectifyAsField(fields.Field):
    """``rectify_as``: the form's field the column holds, or false (it holds such a value but
    is a record of what was sent, never corrected: ``dsr datamap check`` stays quiet)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if value is False:
            return False
        if not isinstance(value, str) or value not in RECTIFIABLE_FIELDS:
            raise ValidationError(f"must be false or one of: {', '.join(RECTIFIABLE_FIELDS)}")
        return value


class DiscloseField(fields.Field):
    """``disclose``: true, false, or a condition naming the rows whose value is disclosed."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, bool):
            return value
        return ConditionField().deserialize(value)


class PerLanguage(fields.Field):
    """One value for both languages, or ``{ de = ..., en = ... }``; loaded as a de/en dict."""

    def __init__(self, inner: fields.Field, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.inner = inner

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if isinstance(value, Mapping):
            if set(value) != {"de", "en"}:
                raise ValidationError("must name both languages: { de = ..., en = ... }")
            return {lang: self.inner.deserialize(value[lang]) for lang in ("de", "en")}
        loaded = self.inner.deserialize(value)
        return {"de": loaded, "en": loaded}


class LookupSchema(Schema):
    """``lookup = { table, key, label, where }``: a column's codes labelled by a lookup table."""

    table = _name(required=True)
    key = _name(required=True)
    label = PerLanguage(_name(), required=True)
    where = PerLanguage(ConditionField(), load_default=None)


class HopSchema(Schema):
    """One step of a link: this table's ``columns`` reference ``table``'s ``ref`` columns;
    ``where`` limits the rows of the table the hop leaves (``object_type = 'Customer'``)."""

    columns = _names(required=True)
    table = _name(required=True)
    ref = _names(required=True)
    where = ConditionField(load_default=None)

    @validates_schema
    def _same_length(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if len(data.get("columns", ())) != len(data.get("ref", ())):
            raise ValidationError("must have as many columns as 'columns'", field_name="ref")


class SubjectSchema(Schema):
    """``[subject]``: the table with one row per data subject."""

    table = _name(required=True)
    key = _names(required=True)
    restriction_flag = _name(load_default=None)


class NameAddressColumnsSchema(Schema):
    """The columns a ``name_address`` identifier is read from."""

    first_name = _name(required=True)
    last_name = _name(required=True)
    street = _name(required=True)
    postcode = _name(required=True)
    city = _name(load_default=None)


class IdentifierSchema(Schema):
    """One ``[[identifiers]]`` entry."""

    kind = fields.String(required=True, validate=validate.OneOf(IDENTIFIER_KINDS))
    table = _name(required=True)
    column = _name(load_default=None)
    columns = fields.Nested(NameAddressColumnsSchema, load_default=None)
    normalise = fields.String(load_default=None, validate=validate.OneOf(NORMALISATIONS))

    @validates_schema
    def _columns_fit_kind(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if data.get("kind") == "name_address":
            if data.get("columns") is None:
                raise ValidationError("a name_address identifier needs 'columns'", "columns")
            if data.get("column") is not None:
                raise ValidationError("a name_address identifier takes 'columns'", "column")
        elif "kind" in data:
            if data.get("column") is None:
                raise ValidationError(f"a {data['kind']} identifier needs 'column'", "column")
            if data.get("columns") is not None:
                raise ValidationError(f"a {data['kind']} identifier takes 'column'", "columns")


class RecipientSchema(Schema):
    """``[tables.<name>.recipient]``: rows where the subject only receives someone's order."""

    identifier = fields.String(required=True, validate=validate.OneOf(("email", "customer_number")))
    column = _name(required=True)
    recipient_fields = _names(required=True, data_key="fields")


class ColumnSchema(Schema):
    """``[tables.<name>.columns.<column>]``."""

    label = fields.Nested(LabelSchema, required=True)
    category = _name(load_default=None)
    erasure = fields.String(required=True, validate=validate.OneOf(ERASURE_ACTIONS))
    retention = _name(load_default=None)
    # The column names who the row's data went to (a carrier, a bureau): Art. 15 and Art. 19.
    discloses_to = fields.Boolean(load_default=False)
    # The form's field a customer corrects this column with (Art. 16): the coordinator's
    # corrections are pre-filled from it. Several columns may name the same field; false:
    # the column holds such a value but is never corrected (where an invoice was sent).
    rectify_as = RectifyAsField(load_default=None)
    # How a stored code reads to people (the PDF answer): ``{ delivered = { de, en } }``.
    values = CodeLabels(load_default=None)
    # How a number is shown to people: money in cents, a percentage.
    unit = fields.String(load_default=None, validate=validate.OneOf(UNITS))
    currency = fields.String(load_default=None, validate=validate.Regexp(r"^[A-Z]{3}$"))
    transform = fields.String(load_default=None, validate=validate.OneOf(TRANSFORMS))
    timezone = _name(load_default=None)
    # A technical column (shop id, rounding mode): erased like the others, never shown.
    export = fields.Boolean(load_default=True)
    # A secret (password hash, API key): the answer says it is stored, never its value.
    disclose = DiscloseField(load_default=True)
    lookup = fields.Nested(LookupSchema, load_default=None)
    retention_when = ConditionField(load_default=None)

    @validates_schema
    def _values_or_unit(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        if data.get("values") is not None and data.get("unit") is not None:
            raise ValidationError("a column with 'values' (codes) takes no 'unit'", "unit")
        if data.get("lookup") is not None and data.get("values") is not None:
            raise ValidationError("labels come from 'values' or from 'lookup', not both",
                                  "lookup")
        if data.get("currency") is not None and data.get("unit") != "money":
            raise ValidationError("'currency' belongs to unit = \"money\"", "currency")
        if data.get("timezone") is not None:
            try:
                ZoneInfo(data["timezone"])
            except (ValueError, KeyError, OSError):
                raise ValidationError("not a time zone name (e.g. Europe/Berlin)",
                                      "timezone") from None


class TableSchema(Schema):
    """``[tables.<name>]`` without its columns, which are loaded one by one."""

    connector = _name(required=True)
    key = _names(required=True)
    label = fields.Nested(LabelSchema, required=True)
    category = _name(required=True)
    retention = _name(load_default=None)
    link = fields.List(fields.Nested(HopSchema), load_default=list)
    # Further link paths; a row is the subject's when any path reaches the subject.
    alternative_links = fields.List(
        fields.List(fields.Nested(HopSchema), validate=validate.Length(min=1)),
        load_default=list)
    document_date = _name(load_default=None)
    retention_when = ConditionField(load_default=None)
    # An open claim (Art. 17(3)(e)): a subject's row meeting it places a legal hold.
    hold_when = ConditionField(load_default=None)
    columns = fields.Dict(keys=fields.String(), required=True, validate=validate.Length(min=1))
    recipient = fields.Nested(RecipientSchema, load_default=None)


class IpWindowSchema(Schema):
    """One ``[[ip_windows]]`` entry: a table recording when the subject used which address."""

    table = _name(required=True)
    ip = _name(required=True)
    start = _name(required=True)
    end = _name(load_default=None)
    margin_minutes = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1440))


class DataMapSchema(Schema):
    """The top level; its sections are loaded (and their types checked) by their own schemas."""

    version = fields.Integer(required=True, strict=True, validate=validate.Equal(1))
    subject = fields.Raw(required=True)
    identifiers = fields.Raw(load_default=list)
    tables = fields.Raw(required=True)
    ip_windows = fields.Raw(load_default=list)


def load_section(schema: Schema, data: Any, where: str, errors: list[str]) -> dict[str, Any] | None:
    """Load one section; on failure add its errors, each prefixed by its key path, to ``errors``."""
    if not isinstance(data, Mapping):
        errors.append(f"{where}: must be a table")
        return None
    try:
        return schema.load(data)
    except ValidationError as exc:
        errors.extend(flatten_errors(exc.messages, where))
        return None


def flatten_errors(messages: Any, where: str) -> Iterator[str]:
    """Marshmallow's nested error dict as ``key.path[0].name: message`` lines."""
    if isinstance(messages, Mapping):
        for key, sub in messages.items():
            if key == "_schema":
                path = where
            elif isinstance(key, int):
                path = f"{where}[{key}]"
            else:
                path = f"{where}.{key}" if where else str(key)
            yield from flatten_errors(sub, path)
    elif isinstance(messages, list):
        for message in messages:
            yield from flatten_errors(message, where)
    else:
        yield f"{where}: {messages}"
