"""Plans and their proof in the service database: what each connector will change for a
request, the steps done so far, the receipt, the erasure journal, blocked records, the
suppression list and the notices to recipients.

Services take a session and flush; the job or command around them commits. The exception is
:class:`DbStepLog`: a finished step of a plan is committed at once in a session of its own,
because the system it changed has committed already (unless the system's steps check their
own state, see there).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from connectors.base import Connector
from connectors.capabilities import DataMapped, KeepsSuppressionList, capable
from connectors.changes import (
    ChangeRequest,
    LegalHold,
    Plan,
    PlannedChange,
    Receipt,
    RetentionRule,
    RowCorrection,
)
from connectors.shop_sql_execute import NOW
from dsr.audit import AuditAction, append_event
from dsr.changes.models import (
    ChangePlan,
    ChangeReceipt,
    CorrectionRows,
    ErasureJournalEntry,
    PlanStatus,
    RecipientNotice,
    RetainedRecord,
    SuppressionEntry,
)
from dsr.changes.models import LegalHold as LegalHoldRow
from dsr.clock import clock_of
from dsr.crypto import Cipher, keyed_hash
from dsr.errors import ServiceError
from dsr.norms import german
from dsr.requests.models import CorrectionSource, Request, RequestCorrection
from workflows.deadlines import BERLIN

if TYPE_CHECKING:
    from dsr.context import Services

ERASING_ACTIONS = ("delete", "null", "anonymise")
"""Journaled with their row keys; so is the end of a subscription or consent (``set`` to NOW,
no data), so that a replay after a restore ends it again."""
RECTIFICATION_REASON = "rectification"
"""The reason of a planned ``set`` that writes a rectification's new value: journaled with the
value sealed (encrypted), so that a replay after a restore writes it again."""


def retention_rules(register: Mapping[str, Any]) -> dict[str, RetentionRule]:
    """The register's retention rules as values the connectors compute dates with."""
    return {name: RetentionRule.from_register(name, raw)
            for name, raw in register.get("retention", {}).items()}


def corrections_of(request: Request) -> dict[str, str]:
    """The rectification values the coordinator recorded (``table.column -> value``)."""
    stored = request.correction(CorrectionSource.RECORDED)
    return stored.fields if stored is not None else {}


def active_holds(session: Session, connector: str, keys: list[list[Any]]) -> tuple[LegalHold, ...]:
    """The legal holds on any of the subject's keys in ``connector`` that are not lifted."""
    rows = session.scalars(select(LegalHoldRow).where(LegalHoldRow.connector == connector,
                                                      LegalHoldRow.lifted_at.is_(None)))
    wanted = [list(key) for key in keys]
    return tuple(LegalHold(row.id, row.kind) for row in rows if list(row.subject_key) in wanted)


def change_request(services: Services, session: Session, request: Request, connector: str,
                   keys: list[list[Any]], today: date) -> ChangeRequest:
    """What a connector's plan is for: types, retention rules, holds and corrections."""
    return ChangeRequest(reference=request.reference, types=tuple(request.types), today=today,
                         rules=retention_rules(services.register),
                         holds=active_holds(session, connector, keys),
                         corrections=corrections_of(request),
                         # the notices to recipients are written in German
                         recipient_names={key: german(raw.get("name", key)) for key, raw in
                                          services.register.get("recipients", {}).items()},
                         recipient_values=recipient_values(services.register),
                         correction_labels=correction_labels(services.connectors,
                                                             corrections_of(request)),
                         row_corrections=row_corrections_of(session, request),
                         consents=tuple(request.withdrawn_consents or ()))


def row_corrections_of(session: Session, request: Request) -> tuple[RowCorrection, ...]:
    """The rows and fields the coordinator picked in the rectification editor (empty: none;
    a recorded correction then applies to every row of the subject)."""
    stored = session.scalars(select(CorrectionRows).where(
        CorrectionRows.request_id == request.id)).first() if request.id is not None else None
    rows = stored.rows if stored is not None else None
    if not isinstance(rows, list):
        return ()
    return tuple(RowCorrection(str(item["column"]), tuple(item["key"]), str(item["value"]))
                 for item in rows if isinstance(item, dict)
                 and {"column", "key", "value"} <= set(item))


def correction_labels(connectors: Mapping[str, Connector],
                      corrections: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Labels (and the form field) of each corrected ``table.column``, from the data maps."""
    found: dict[str, dict[str, str]] = {}
    if not corrections:  # every plan asks; only a rectification has corrections
        return found
    for connector in connectors.values():
        mapped = capable(connector, DataMapped)
        for table in mapped.tables if mapped is not None else ():
            for column in table.columns:
                name = f"{table.name}.{column.name}"
                if name in corrections:
                    found[name] = {"de": str(column.label.get("de", column.name)),
                                   "en": str(column.label.get("en", column.name)),
                                   "field": column.rectify_as or ""}
    return found


def recipient_values(register: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Per recipient of the register, the values its evidence names in the shop's rows."""
    return {key: tuple(str(item["value"]) for item in raw.get("evidence", ()) if "value" in item)
            for key, raw in register.get("recipients", {}).items()}


def current_plan(session: Session, request_id: int, connector: str) -> ChangePlan | None:
    """The newest plan of the request for ``connector`` that is not superseded."""
    return session.scalars(select(ChangePlan).where(
        ChangePlan.request_id == request_id, ChangePlan.connector == connector,
        ChangePlan.status != PlanStatus.SUPERSEDED.value).order_by(ChangePlan.round.desc())
    ).first()


def current_plans(session: Session, request_id: int) -> list[ChangePlan]:
    """The request's newest plan per connector that has changes and is not superseded."""
    return [row for row in newest_plans(session, request_id) if row.summary]


def newest_plans(session: Session, request_id: int) -> list[ChangePlan]:
    """The request's newest plan per connector that is not superseded (with or without
    changes: a recipient plan may only record the notices it leaves out)."""
    newest: dict[str, ChangePlan] = {}
    for row in session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id,
            ChangePlan.status != PlanStatus.SUPERSEDED.value).order_by(ChangePlan.round)):
        newest[row.connector] = row
    return list(newest.values())


def store_plan(session: Session, *, request_id: int | None, connector: str, round_: int,
               plan: Plan, purpose: str = "request") -> ChangePlan:
    """Store the plan (earlier rounds of the same request are superseded); flushes."""
    if request_id is not None:
        for older in session.scalars(select(ChangePlan).where(
                ChangePlan.request_id == request_id, ChangePlan.connector == connector,
                ChangePlan.round < round_, ChangePlan.status == PlanStatus.PLANNED.value)):
            older.status = PlanStatus.SUPERSEDED.value
    row = ChangePlan(request_id=request_id, connector=connector, round=round_, purpose=purpose,
                     status=PlanStatus.PLANNED.value, body=plan.to_json(),
                     summary=plan.summary(), steps_done={})
    session.add(row)
    session.flush()
    return row


class DbStepLog:
    """Records each finished step of a plan in the service database, committed at once.

    With ``defer`` (for a connector whose steps check the system's state themselves,
    :class:`~connectors.capabilities.RechecksSteps`) the finished steps are kept here instead:
    the job stores them with the receipt, and :meth:`flush` commits them when the run fails.
    A worker killed in between leaves them unrecorded, and the steps run again change
    nothing twice."""

    def __init__(self, services: Services, plan_id: int,
                 done: Mapping[str, Any] | None = None, *, defer: bool = False) -> None:
        """``done``: the plan's ``steps_done`` when the caller has just read the plan row
        (spares a transaction); else read here."""
        self.services = services
        self.plan_id = plan_id
        self.defer = defer
        self.unsaved = False
        if done is not None:
            self.done: dict[str, Any] = dict(done)
            return
        with services.db.session() as session:
            plan = session.get(ChangePlan, plan_id)
            self.done = dict(plan.steps_done or {}) if plan else {}

    def is_done(self, index: int) -> bool:
        """True when an earlier run finished step ``index``."""
        return str(index) in self.done

    def now(self) -> datetime:
        """The moment of this run by the service clock."""
        return self.services.clock.now()

    def mark_done(self, index: int, touched: int) -> None:
        """Commit step ``index`` as finished (the changed system has committed already); with
        ``defer``, keep it for the receipt's commit."""
        self.done[str(index)] = touched
        if self.defer:
            self.unsaved = True
            return
        self.flush(force=True)

    def flush(self, *, force: bool = False) -> None:
        """Commit the finished steps kept so far (one statement, in a session of its own)."""
        if not (self.unsaved or force):
            return
        with self.services.db.session() as session:
            session.execute(update(ChangePlan).where(ChangePlan.id == self.plan_id)
                            .values(steps_done=dict(self.done))
                            .execution_options(synchronize_session=False))
        self.unsaved = False


def subject_hash(secret: str, connector: str, keys: list[list[Any]]) -> str:
    """A keyed hash naming the subject of a journal entry without its data."""
    return keyed_hash(secret, "erasure-journal", json.dumps([connector, keys], default=str))


def record_receipt(services: Services, session: Session, plan_row: ChangePlan, plan: Plan,
                   receipt: Receipt) -> ChangeReceipt:
    """Store the receipt once, with the journal entries, blocked records and suppressions it
    implies; marks the plan executed. A second call returns the stored receipt."""
    stored = session.scalars(select(ChangeReceipt).where(
        ChangeReceipt.plan_id == plan_row.id)).first()
    if stored is not None:
        return stored
    keys = plan.subject.get("keys", [])
    digest = subject_hash(services.config.secret_key, plan.system, keys)
    _forget_rectified(session, plan.system,
                      [c for c in plan.changes if c.action in ERASING_ACTIONS])
    for change in plan.changes:
        if change.action in ERASING_ACTIONS or (change.action == "set" and change.value == NOW):
            session.add(ErasureJournalEntry(
                plan_id=plan_row.id, connector=plan.system, target=change.target,
                row_key=list(change.key), fields=list(change.fields), action=change.action,
                subject_hash=digest))
        elif change.action == "set" and change.reason == RECTIFICATION_REASON:
            session.add(ErasureJournalEntry(
                plan_id=plan_row.id, connector=plan.system, target=change.target,
                row_key=list(change.key), fields=list(change.fields), action=change.action,
                subject_hash=digest, sealed_value=seal(services.cipher, change.value)))
        elif change.action == "block" and isinstance(change.value, dict) \
                and not change.reason.startswith("rectification"):
            hold = int(change.reason.split(":")[1]) if change.reason.startswith("hold:") else None
            session.add(RetainedRecord(
                plan_id=plan_row.id, connector=plan.system, target=change.target,
                row_key=list(change.key), then=dict(change.value), rule=change.reason,
                norm=change.norm, retained_until=change.retained_until, hold_id=hold))
        elif change.action == "suppress" and isinstance(change.value, dict):
            add_suppression(session, str(change.value["hash"]), str(change.value["kind"]),
                            change.target, plan_row.request_id)
    row = ChangeReceipt(plan_id=plan_row.id, verified=receipt.verified, body=receipt.to_json())
    session.add(row)
    plan_row.status = PlanStatus.EXECUTED.value
    plan_row.executed_at = services.clock.now()
    session.flush()
    return row


def seal(cipher: Cipher, value: Any) -> str:
    """A journaled value, encrypted with the service's keys (Fernet token as text)."""
    return cipher.encrypt(json.dumps(value, ensure_ascii=False).encode()).decode("ascii")


def unseal(cipher: Cipher, sealed: str) -> Any:
    """The value :func:`seal` encrypted (raises DecryptionError without its key)."""
    return json.loads(cipher.decrypt(sealed.encode("ascii")))


def _forget_rectified(session: Session, connector: str, erased: list[PlannedChange]) -> None:
    """Drop the sealed values of earlier rectifications that these erasures overwrite: a
    replay erases them again anyway, and an erased subject's corrected name should not
    outlive the erasure, even encrypted, in the journal."""
    if not erased:
        return
    fields: dict[tuple[str, str], set[str] | None] = {}
    for change in erased:
        where = (change.target, json.dumps(list(change.key), default=str))
        known = fields.get(where, set())
        fields[where] = None if change.action == "delete" or known is None \
            else known | set(change.fields)
    for entry in session.scalars(select(ErasureJournalEntry).where(
            ErasureJournalEntry.connector == connector,
            ErasureJournalEntry.target.in_({target for target, _ in fields}),
            ErasureJournalEntry.sealed_value.is_not(None))):
        where = (entry.target, json.dumps(list(entry.row_key), default=str))
        if where in fields and (fields[where] is None or set(entry.fields) & (fields[where] or set())):
            session.delete(entry)


def add_suppression(session: Session, digest: str, kind: str, channel: str,
                    request_id: int | None) -> int:
    """Add a keyed hash to the suppression list unless it is there for the channel; returns
    the number of entries added (0 or 1)."""
    exists = session.scalar(select(SuppressionEntry.id).where(
        SuppressionEntry.hash == digest, SuppressionEntry.channel == channel))
    if exists is not None:
        return 0
    session.add(SuppressionEntry(hash=digest, kind=kind, channel=channel,
                                 request_id=request_id))
    session.flush()
    return 1


def suppressed(session: Session, digests: list[str], channel: str) -> bool:
    """True when any of the keyed hashes is on the list for ``channel`` (or for all)."""
    return session.scalar(select(SuppressionEntry.id).where(
        SuppressionEntry.hash.in_(digests),
        SuppressionEntry.channel.in_([channel, "all"])).limit(1)) is not None


class ChangeInputError(ServiceError):
    """Input for a change (a correction, a confirmation) cannot be used; the message says why."""


CONFIRMATION_NOTE_MAX = 200


def confirm_notice(session: Session, notice: RecipientNotice, *, actor: str,
                   received_on: date | None = None, note: str = "",
                   today: date | None = None) -> None:
    """Record that the recipient confirmed the notice (staff or coordinator); flushes.

    Staff give the day the confirmation arrived (not in the future, not before the notice
    went out) and optionally its reference, e.g. the recipient's ticket number."""
    if notice.status == "confirmed":
        return
    note = note.strip()
    if received_on is not None:
        if today is not None and received_on > today:
            raise ChangeInputError("received on: not in the future", msgid="err_received_future")
        if notice.sent_at is not None and received_on < notice.sent_at.astimezone(BERLIN).date():
            raise ChangeInputError("received on: not before the notice was sent",
                                   msgid="err_received_before_notice")
    if len(note) > CONFIRMATION_NOTE_MAX:
        raise ChangeInputError("note: at most {max} characters", msgid="err_note_too_long",
                               max=CONFIRMATION_NOTE_MAX)
    notice.status, notice.confirmed_at, notice.confirmed_by = "confirmed", clock_of(session).now(), actor
    notice.confirmation_received_on, notice.confirmation_note = received_on, note or None
    append_event(session, actor=actor, action=AuditAction.RECIPIENT_CONFIRMED,
                 request_id=notice.request_id,
                 details={"recipient": notice.recipient, "notice": notice.id,
                          "received_on": received_on.isoformat() if received_on else None,
                          "note_given": bool(note)})
    session.flush()


def undo_confirmation(session: Session, notice: RecipientNotice, *, actor: str) -> None:
    """Take back a confirmation recorded by mistake: the notice waits again; audited."""
    if notice.status != "confirmed":
        raise ChangeInputError("the notice is not confirmed", msgid="err_notice_not_confirmed")
    notice.status, notice.confirmed_at, notice.confirmed_by = "waiting", None, None
    notice.confirmation_received_on = notice.confirmation_note = None
    append_event(session, actor=actor, action=AuditAction.RECIPIENT_CONFIRMATION_UNDONE,
                 request_id=notice.request_id,
                 details={"recipient": notice.recipient, "notice": notice.id})
    session.flush()


def parse_corrections(text: str, known: set[str]) -> dict[str, str]:
    """``table.column = new value`` per line; every field must be one the map knows."""
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ChangeInputError("line {line}: write table.column = new value",
                                   msgid="err_correction_format", line=number)
        if name not in known:
            raise ChangeInputError("line {line}: {name!r} is not a field of the data map",
                                   msgid="err_correction_field", line=number, name=name)
        found[name] = value
    if not found:
        raise ChangeInputError("no correction given", msgid="err_no_correction")
    return found


def record_corrections(session: Session, request: Request, corrections: dict[str, str], *,
                       actor: str) -> None:
    """Store the rectification's new values on the request (replacing earlier ones); the next
    plan uses them. The audit event names the fields, never the values."""
    if "rectification" not in request.types:
        raise ChangeInputError("the request does not ask for rectification",
                               msgid="err_not_rectification")
    if request.status not in ("verified", "review", "awaiting_verification", "received"):
        raise ChangeInputError("corrections cannot change while the request is {status}",
                               msgid="err_corrections_locked", status=request.status)
    stored = request.correction(CorrectionSource.RECORDED)
    if stored is None:
        request.corrections.append(RequestCorrection(source=CorrectionSource.RECORDED,
                                                     values=dict(corrections)))
    else:
        stored.values = dict(corrections)
    for picked in session.scalars(select(CorrectionRows).where(  # typed lines: every row
            CorrectionRows.request_id == request.id)):
        session.delete(picked)
    append_event(session, actor=actor, action=AuditAction.CORRECTIONS_RECORDED,
                 request_id=request.id, details={"fields": sorted(corrections)})
    session.flush()


def record_row_corrections(session: Session, request: Request,
                           picks: tuple[RowCorrection, ...], *, actor: str) -> None:
    """Store the rows and fields the coordinator picked in the rectification editor, with
    their new values (replacing earlier corrections): only those change on execution. The
    recorded ``table.column`` lines keep the first value of each column (the notices and the
    confirmation name the fields). The audit event names columns and row counts, never
    values."""
    lines: dict[str, str] = {}
    for pick in picks:
        lines.setdefault(pick.column, pick.value)
    record_corrections(session, request, lines, actor=actor)
    session.flush()
    session.add(CorrectionRows(request_id=request.id, rows=[
        {"column": p.column, "key": list(p.key), "value": p.value} for p in picks]))
    counts: dict[str, int] = {}
    for pick in picks:
        counts[pick.column] = counts.get(pick.column, 0) + 1
    append_event(session, actor=actor, action=AuditAction.CORRECTION_ROWS_RECORDED,
                 request_id=request.id, details={"rows": counts})
    session.flush()


def check_import(session: Session, newsletter: KeepsSuppressionList, rows: list[Mapping[str, str]],
                 channel: str = "newsletter") -> tuple[list[int], list[int]]:
    """Split an import (rows with ``email`` and optionally ``street`` and ``postcode``) into
    the indexes that may be added and those refused because an address is suppressed."""
    accepted: list[int] = []
    refused: list[int] = []
    for index, row in enumerate(rows):
        digests = [digest for _, digest in newsletter.suppression_hashes(
            email=row.get("email"), street=row.get("street"), postcode=row.get("postcode"))]
        (refused if digests and suppressed(session, digests, channel) else accepted).append(index)
    return accepted, refused
