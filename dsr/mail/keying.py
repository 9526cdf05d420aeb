"""Staff keying: a letter, fax or phone call becomes a request through intake.

The date stamp on the letter is the receipt (the deadline runs from it, Europe/Berlin). The
scan and an enclosed ID copy are stored encrypted; the person who keyed them cannot open them
again (only coordinators can, through the identity verification). Enclosed identity evidence is
recorded for a coordinator to decide on: staff make no identity decisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.mail.models import TriageEntry
from dsr.mail.triage import merge_candidates
from dsr.rendering import correspondence_languages
from dsr.requests import intake
from dsr.requests.models import Request, RequestType
from dsr.requests.schemas import load_today
from workflows.deadlines import BERLIN

if TYPE_CHECKING:
    from dsr.context import Services

CHANNELS = ("letter", "fax", "phone")
EVIDENCE = ("none", "id_copy", "power_of_attorney", "other")
SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/tiff")
MAX_AGE_DAYS = 366


class KeyingSchema(Schema):
    """What staff type in from a letter, fax or phone call."""

    channel = fields.String(required=True, validate=validate.OneOf(CHANNELS))
    date_stamp = fields.Date(required=True)
    types = fields.List(fields.String(validate=validate.OneOf([t.value for t in RequestType])),
                        required=True, validate=validate.Length(min=1, error="key_types_none"),
                        error_messages={"required": "key_types_none"})
    language = fields.String(load_default="de",
                              validate=validate.OneOf(correspondence_languages()))
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    postal_address = fields.String(load_default="", validate=validate.Length(max=500))
    email = fields.String(load_default="", validate=validate.Length(max=254))
    customer_number = fields.String(load_default="", validate=validate.Length(max=40))
    message = fields.String(load_default="", validate=validate.Length(max=10000))
    evidence = fields.String(load_default="none", validate=validate.OneOf(EVIDENCE))

    @validates("date_stamp")
    def _stamp(self, value: date, **_: object) -> None:
        today = load_today()
        if value > today:
            raise ValidationError("key_stamp_future")
        if value < today - timedelta(days=MAX_AGE_DAYS):
            raise ValidationError("key_stamp_too_old")

    @validates("email")
    def _email(self, value: str, **_: object) -> None:
        if value and fields.Email().deserialize(value) != value:
            raise ValidationError("key_email_invalid")

    @validates_schema
    def _reachable(self, data: dict[str, Any], **_: object) -> None:
        if data["channel"] in ("letter", "fax") and not data.get("postal_address", "").strip():
            raise ValidationError("key_postal_needs_address",
                                  field_name="postal_address")


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


class KeyingError(ValueError):
    """An upload cannot be accepted; ``field`` says which, ``msgid`` why (a catalog entry)."""

    def __init__(self, field: str, msgid: str) -> None:
        super().__init__(f"{field}: {msgid}")
        self.field = field
        self.msgid = msgid


def stamp_time(stamp: date) -> datetime:
    """The receipt moment of a date stamp: the start of that day in Europe/Berlin."""
    return datetime.combine(stamp, time(0, 0), tzinfo=BERLIN)


def _detect(data: bytes) -> str:
    import magic

    return str(magic.from_buffer(data[:65536], mime=True))


def key_in(services: Services, session: Session, data: dict[str, Any], *, user_id: int,
           scan: Upload | None = None, id_copy: Upload | None = None) -> Request:
    """Create the request from loaded :class:`KeyingSchema` data; flushes. Uploads are checked
    before anything is created, so a refused file loses nothing and creates nothing."""
    if scan is not None and _detect(scan.data) not in SCAN_TYPES:
        raise KeyingError("scan", "key_scan_type")
    if id_copy is not None:
        from dsr.verification import id_copies

        try:
            id_copies.clean(id_copy.data, max_bytes=services.config.verification["id_copy_max_bytes"],
                            max_pixels=services.config.verification["id_copy_max_pixels"])
        except id_copies.IdCopyRefused as exc:
            raise KeyingError("id_copy", f"id_refused_{exc.code}") from None
    actor = f"user:{user_id}"
    request = intake.submit(session, intake.Submission(
        types=data["types"], name=data["name"], email=data["email"], channel=data["channel"],
        received_at=stamp_time(data["date_stamp"]), language=data["language"],
        customer_number=data["customer_number"], postal_address=data["postal_address"],
        message=data["message"]), calendar=services.calendar,
        connectors=list(services.config.connectors), actor=actor)
    if scan is not None:
        services.documents.put(session, request_id=request.id, kind="letter_scan",
                               filename=f"{request.reference}-scan", content_type=_detect(scan.data),
                               data=scan.data, created_by_id=user_id)
    evidence = data["evidence"]
    if id_copy is not None:
        from dsr.verification import id_copies

        id_copies.store(session, services.documents, request, id_copy.data,
                        settings=services.config.verification, actor=actor, uploaded_by_id=user_id)
        evidence = "id_copy"
    if evidence != "none":
        append_event(session, actor=actor, action=AuditAction.IDENTITY_EVIDENCE_ENCLOSED,
                     request_id=request.id, details={"kind": evidence})
        session.add(TriageEntry(request_id=request.id, reason=f"evidence_{evidence}"))
    if merge_candidates(session, request):
        session.add(TriageEntry(request_id=request.id, reason="merge_offer"))
    session.flush()
    return request
