"""The answer's payload (``report.json``) as schemas: every section and field the answer
builds, so that the payload is dumped through them and the API documents its real shape.

The payload is dumped through :class:`PayloadSchema` before anything renders it: a key the
answer builds but no schema names would be left out of every file, so each section here is
exactly what :mod:`dsr.answers.operations`, :mod:`dsr.answers.article15`,
:mod:`dsr.answers.past_period`, :mod:`dsr.answers.redaction` and
:mod:`dsr.answers.portability` put into it. Texts are in the request's language.
"""

from __future__ import annotations

from marshmallow import Schema, fields


def _texts() -> fields.List:
    return fields.List(fields.String())


class ColumnSchema(Schema):
    """One column of a table: its name, its label, and how its stored values read."""

    name = fields.String()
    label = fields.String()
    # Not "values": a dict's method of that name would be dumped when the key is missing.
    value_labels = fields.Dict(keys=fields.String(), values=fields.String(),
                               metadata={"description": "stored code -> its label"})
    unit = fields.String(metadata={"description": "cents or percent"})
    currency = fields.String(metadata={"description": "ISO 4217 code of a money column"})


class TableSchema(Schema):
    """The subject's rows of one table of one system, values as stored."""

    system = fields.String()
    system_label = fields.String()
    table = fields.String()
    label = fields.String()
    columns = fields.List(fields.Nested(ColumnSchema))
    rows = fields.List(fields.List(fields.Raw(allow_none=True)),
                       metadata={"description": "one list per row, in the columns' order"})
    note = fields.String(allow_none=True)


class SectionSchema(Schema):
    """The tables of one data category of the register."""

    category = fields.String()
    label = fields.String()
    provided = fields.Boolean(metadata={"description": "data the subject provided (Art. 20)"})
    tables = fields.List(fields.Nested(TableSchema))


class DecisionOutSchema(Schema):
    """The coordinator's decision on one right and data category."""

    right = fields.String()
    category = fields.String()
    category_label = fields.String()
    outcome = fields.String(metadata={"description": "granted, partly_granted or refused"})
    norm = fields.String()
    reason = fields.String()


class ReportDpoSchema(Schema):
    """The data protection officer's contact (Art. 37(7) GDPR), when the shop has one."""

    name = fields.String()
    email = fields.String()
    address = _texts()


class ReportControllerSchema(Schema):
    """The controller (Art. 13(1)(a) GDPR) as the register names it."""

    name = fields.String()
    address = _texts()
    email = fields.String()
    dpo = fields.Nested(ReportDpoSchema)


class ReportSubjectSchema(Schema):
    """Whom the answer is for, as the request named them."""

    name = fields.String()
    email = fields.String()


class ReportRequestSchema(Schema):
    """The request answered."""

    received_at = fields.String()
    due = fields.String()
    types = _texts()
    postal = fields.Boolean()


class RegisterVersionSchema(Schema):
    """The register version the answer quotes: its number (none for the TOML file) and day."""

    number = fields.Integer(allow_none=True)
    date = fields.String(allow_none=True)


class PurposeSchema(Schema):
    label = fields.String()
    legal_basis = fields.String()
    categories = _texts()


class CategoryCountSchema(Schema):
    label = fields.String()
    records = fields.Integer()
    purposes = _texts()


class SeenSchema(Schema):
    """How often and when the subject's data went to a recipient."""

    count = fields.Integer()
    first = fields.String()
    last = fields.String()


class RecipientSchema(Schema):
    """An actual recipient of this subject's data (C-154/21)."""

    name = fields.String()
    kind = fields.String()
    role = fields.String()
    country = fields.String()
    occasion = fields.String()
    seen = fields.Nested(SeenSchema, allow_none=True)


class RecipientGroupSchema(Schema):
    """A recipient the register names without evidence in the subject's records."""

    name = fields.String()
    kind = fields.String()
    role = fields.String()
    country = fields.String()


class RetentionSchema(Schema):
    label = fields.String()
    period = fields.String()
    norm = fields.String()


class PurposeTextSchema(Schema):
    purpose = fields.String()
    text = fields.String()


class ExternalSourceSchema(Schema):
    """Data obtained from a third party (a credit bureau's score, Art. 15(1)(g))."""

    score = fields.String()
    source = fields.String()
    date = fields.String(allow_none=True)


class BandSchema(Schema):
    min_score = fields.String()
    label = fields.String()
    options = _texts()


class DecisionTakenSchema(Schema):
    """One automated decision taken about the subject: its inputs and result."""

    date = fields.String(allow_none=True)
    score = fields.String()
    result = fields.String()
    options = _texts()
    requested = fields.String(allow_none=True)


class AutomatedSchema(Schema):
    """An automated decision (Art. 15(1)(h), C-634/21, C-203/22): procedure and principles,
    the bands, what follows, and each decision taken about the subject."""

    label = fields.String()
    bureau = fields.String()
    logic = fields.String()
    consequences = fields.String()
    bands = fields.List(fields.Nested(BandSchema))
    decisions = fields.List(fields.Nested(DecisionTakenSchema))


class TransferSchema(Schema):
    recipient = fields.String()
    country = fields.String()
    safeguard = fields.String()


class AuthoritySchema(Schema):
    name = fields.String()
    address = fields.String()


class RegisterSectionSchema(Schema):
    """Art. 15(1)(a)-(h) and (2) for the categories found."""

    version = fields.String()
    as_of = fields.Nested(RegisterVersionSchema)
    purposes = fields.List(fields.Nested(PurposeSchema))
    categories = fields.List(fields.Nested(CategoryCountSchema))
    recipients = fields.List(fields.Nested(RecipientSchema))
    recipient_groups = fields.List(fields.Nested(RecipientGroupSchema))
    retention = fields.List(fields.Nested(RetentionSchema))
    deletion = fields.List(fields.Nested(PurposeTextSchema))
    sources = fields.List(fields.Nested(PurposeTextSchema))
    external = fields.List(fields.Nested(ExternalSourceSchema))
    automated = fields.List(fields.Nested(AutomatedSchema))
    transfers = fields.List(fields.Nested(TransferSchema))
    rights = _texts()
    complaint = fields.Nested(AuthoritySchema)


class OwnRequestSchema(Schema):
    """One request the service holds under the subject's identifiers (this one included)."""

    reference = fields.String()
    received_at = fields.String()
    types = _texts()
    status = fields.String()
    current = fields.Boolean()
    closed_at = fields.String(allow_none=True)


class OwnRecordsSchema(Schema):
    """The service's own records about the subject: requests, suppression, blocked data."""

    requests = fields.List(fields.Nested(OwnRequestSchema))
    tables = fields.List(fields.Nested(TableSchema))


class RedactionLegendSchema(Schema):
    """One reason for blacking out third parties' data (Art. 15(4)) and how often."""

    reason = fields.String()
    mark = fields.String()
    count = fields.Integer()


class SystemsSchema(Schema):
    """The systems searched, and those whose search was waived (their data follows)."""

    searched = _texts()
    not_searched = _texts()


class PastPeriodSchema(Schema):
    """Records kept past their retention period, and when they will be erased."""

    system = fields.String()
    table = fields.String()
    label = fields.String()
    rows = fields.Integer()
    keys = fields.List(fields.List(fields.Raw()))
    fields_ = fields.List(fields.String(), attribute="fields", data_key="fields")
    action = fields.String()
    rule = fields.String()
    norm = fields.String()
    ended = fields.String()
    text = fields.String()


class TransmissionSchema(Schema):
    """Art. 20(2): the direct transmission made, why it is not feasible, or where it can go."""

    requested = fields.String(allow_none=True)
    offered = fields.Boolean()
    available = _texts()
    text = fields.String()


class PayloadSchema(Schema):
    """The access answer as data: what the PDF, the HTML page, the JSON export and the API
    all show."""

    reference = fields.String()
    language = fields.String()
    generated_at = fields.String()
    controller = fields.Nested(ReportControllerSchema)
    subject = fields.Nested(ReportSubjectSchema)
    request = fields.Nested(ReportRequestSchema)
    decisions = fields.List(fields.Nested(DecisionOutSchema))
    sections = fields.List(fields.Nested(SectionSchema))
    register = fields.Nested(RegisterSectionSchema, allow_none=True)
    own_records = fields.Nested(OwnRecordsSchema)
    redactions = fields.List(fields.Nested(RedactionLegendSchema))
    systems = fields.Nested(SystemsSchema)
    overdue = fields.List(fields.Nested(PastPeriodSchema))
    #: "access" (Art. 15) or "portability" (Art. 20: provided data only, and Art. 20(2)).
    answer = fields.String()
    transmission = fields.Nested(TransmissionSchema, allow_none=True)
