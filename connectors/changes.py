"""The values a changing connector plans with and proves with: plan, planned change, receipt.

A :class:`Plan` lists every change a connector will make, per target (table, log file,
recipient), row key and field, with the action, the reason and legal norm, and — for what is
kept — the date until which it stays blocked. Plans are computed without touching the system,
stored by the service, shown to the coordinator, and executed step by step (one step per
target) once approved. The :class:`Receipt` is built from the plan and from a check of the
system afterwards; it never holds personal values, only keys, fields and counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, Protocol, runtime_checkable

from connectors.base import ConnectorError, JsonValue, Subject, json_safe

Action = Literal["delete", "null", "anonymise", "block", "set", "flag", "notify", "suppress"]
"""What happens to a row or field.

``delete`` the row, ``null`` or ``anonymise`` fields (irreversibly: the new value is derived
from the row key alone), ``block`` keeps them unchanged but blocked until ``retained_until``
(or until a legal hold is lifted), ``set`` writes a new value (rectification, the end of a
subscription), ``flag`` sets the Art. 18 restriction flag, ``notify`` tells a recipient
(Art. 19), ``suppress`` adds a keyed hash to the suppression list.
"""

ACTIONS: tuple[Action, ...] = ("delete", "null", "anonymise", "block", "set", "flag", "notify",
                               "suppress")
CHANGE_TYPES = ("rectification", "restriction", "erasure", "objection", "consent_withdrawal")
"""Request types that change data; each needs a plan before approval."""
NOTIFIED_TYPES = ("rectification", "restriction", "erasure")
"""Request types whose changes are told to every recipient (Art. 19)."""


@dataclass(frozen=True)
class RetentionRule:
    """A retention rule of the register: ``years`` from the end of the year, or ``days``.

    ``blocks`` is False for a storage limit (the register's ``storage_limit``): the period is
    the longest the data may be kept, so an erasure request erases it at once and only the
    retention run's overdue check uses the period; a duty to keep blocks it until then."""

    name: str
    norm: str
    years: int | None = None
    days: int | None = None
    starts: str = "end_of_year"
    blocks: bool = True

    def until(self, start: date) -> date:
        """The last day of the period for a document dated ``start``."""
        if self.years is not None:
            if self.starts == "end_of_year":
                return date(start.year + self.years, 12, 31)
            try:
                return start.replace(year=start.year + self.years)
            except ValueError:  # 29 February
                return start.replace(year=start.year + self.years, day=28)
        return date.fromordinal(start.toordinal() + int(self.days or 0))

    @classmethod
    def from_register(cls, name: str, raw: Mapping[str, Any]) -> RetentionRule:
        """The rule as the register's ``[retention.<name>]`` section gives it; a norm given
        per language is carried as its German citation (the answers quote the register's text
        in their language by the rule's name)."""
        norm = raw.get("norm", "")
        if isinstance(norm, Mapping):
            norm = norm.get("de") or next(iter(norm.values()), "")
        return cls(name, str(norm), raw.get("years"), raw.get("days"),
                   str(raw.get("starts", "end_of_year")), not raw.get("storage_limit", False))


@dataclass(frozen=True)
class LegalHold:
    """A hold (open claim, collection, tax audit) that suspends erasure until it is lifted."""

    id: int
    kind: str
    norm: str = "Art. 17 Abs. 3 lit. e DSGVO"


@runtime_checkable
class ClaimSource(Protocol):
    """A connector that can tell whether the subject has an open claim (collection case,
    unpaid invoice) from its data map's ``hold_when`` conditions: erasure then waits."""

    def open_claims(self, subject: Any) -> list[str]:
        """Each condition the subject's rows meet (``table: condition``); empty: none."""
        ...


@dataclass(frozen=True)
class KnownValue:
    """A value a recipient knows the subject by: its own reference or a tracking number (read
    from the rows that name it), or the name and date of birth it was given."""

    label: Mapping[str, str]  # de / en
    value: str
    own_reference: bool = False  # the recipient's own reference (a bureau's, a carrier's)


@dataclass(frozen=True)
class RecipientTerms:
    """One recipient as its Art. 19 notice needs it: the rectifiable fields it received
    (the register's ``receives``; None: not stated, every corrected field is named), how long
    after its last disclosure it still processes them (``processes_days``; None: not stated),
    the day of that disclosure in the subject's rows, and the values it knows the subject by."""

    receives: tuple[str, ...] | None = None
    processes_days: int | None = None
    last_disclosed: date | None = None
    known_by: tuple[KnownValue, ...] = ()

    def processes_until(self) -> date | None:
        """The last day the recipient still processes the subject's data (None: not known)."""
        if self.processes_days is None or self.last_disclosed is None:
            return None
        return date.fromordinal(self.last_disclosed.toordinal() + self.processes_days)


@dataclass(frozen=True)
class RecipientEvidence:
    """Where the subject's rows name a recipient: rows of ``table`` whose ``column`` holds one
    of ``values`` (any value when empty), dated by the ``date`` column (the register's
    ``evidence``)."""

    table: str
    column: str
    values: tuple[str, ...] = ()
    date: str | None = None


@dataclass(frozen=True)
class RecipientFacts:
    """What the subject's rows show of one recipient: the latest day it received data, and
    the values it knows the subject by."""

    last_disclosed: date | None = None
    known_by: tuple[KnownValue, ...] = ()


@runtime_checkable
class KnowsRecipients(Protocol):
    """A connector that can read from the subject's rows what a recipient received and when."""

    def known_to(self, subject: Subject, evidence: RecipientEvidence,
                 read: Sequence[str]) -> RecipientFacts:
        """The facts of the recipient named by ``evidence``; ``read``: ``table.column``
        names whose values it knows the subject by."""
        ...


WithheldReason = Literal["not_received", "no_longer_processing"]
"""Why a recipient of the subject's data is not told: it received none of the corrected
fields, or its processing period after its last disclosure has ended."""


@dataclass(frozen=True)
class WithheldNotice:
    """An Art. 19 notice that does not go, and why (shown to the coordinator, stated in the
    confirmation)."""

    target: str
    reason: WithheldReason
    last_disclosed: date | None = None
    processed_until: date | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (dates as ISO text)."""
        return {"target": self.target, "reason": self.reason,
                "last_disclosed": self.last_disclosed.isoformat() if self.last_disclosed
                else None,
                "processed_until": self.processed_until.isoformat() if self.processed_until
                else None}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> WithheldNotice:
        """Read the stored form back."""
        last, until = raw.get("last_disclosed"), raw.get("processed_until")
        return cls(str(raw["target"]), raw["reason"],
                   date.fromisoformat(last) if last else None,
                   date.fromisoformat(until) if until else None)


@dataclass(frozen=True)
class RowCorrection:
    """One field of one row the coordinator chose to rectify: ``column`` is ``table.column``,
    ``key`` the row's key, ``value`` its new value."""

    column: str
    key: tuple[JsonValue, ...]
    value: str

    @property
    def table(self) -> str:
        """The table of the row."""
        return self.column.split(".", 1)[0]

    @property
    def field(self) -> str:
        """The column's name."""
        return self.column.split(".", 1)[1]


@dataclass(frozen=True)
class RectifiableValue:
    """One rectifiable field of one row as stored: the column, the form field it holds, its
    value, and — for a document under retention — the day until which a correction is only
    recorded beside it (§146(4) AO: never rewritten)."""

    column: str
    field: str
    old: str | None
    recorded_beside_until: date | None = None


@dataclass(frozen=True)
class RectifiableRow:
    """One of the subject's rows that holds rectifiable fields: its table and key, the coded
    values that tell it apart (``("kind", "billing")``), its fields and its document date."""

    table: str
    key: tuple[JsonValue, ...]
    kinds: tuple[tuple[str, str], ...]
    fields: tuple[RectifiableValue, ...]
    document: date | None = None


@runtime_checkable
class RectifiesByRow(Protocol):
    """A connector that shows the subject's rows holding rectifiable fields (the editor)."""

    def rectifiable_rows(self, subject: Subject, request: ChangeRequest) -> list[RectifiableRow]:
        """The subject's rows with their rectifiable fields as stored; reads only."""
        ...


@dataclass(frozen=True)
class ChangeRequest:
    """What a plan is for: the request's change types and what the service knows beside them.

    ``corrections`` maps ``"table.column"`` to the new value (rectification). ``rules`` are the
    register's retention rules by name. ``holds`` are active legal holds of the subject.
    """

    reference: str
    types: tuple[str, ...]
    today: date
    rules: Mapping[str, RetentionRule] = field(default_factory=dict)
    holds: tuple[LegalHold, ...] = ()
    corrections: Mapping[str, str] = field(default_factory=dict)
    lift_restriction: bool = False
    #: The register's recipients: name by key (``dhl`` -> "DHL Paket GmbH").
    recipient_names: Mapping[str, str] = field(default_factory=dict)
    #: The values that name each recipient in the shop's rows, from the register's evidence
    #: (``dhl`` -> ("DHL",)): who actually received the subject's data.
    recipient_values: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: For each corrected ``table.column``: its labels and the form field it is
    #: (``{"de": "Nachname", "en": "Last name", "field": "last_name"}``), from the data map.
    correction_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: The rows and fields the coordinator picked (rectification editor): a ``table.column``
    #: named here is changed in these rows only; one not named in every row of the subject.
    row_corrections: tuple[RowCorrection, ...] = ()
    #: Per recipient of the register: what it received and until when it processes it.
    recipient_terms: Mapping[str, RecipientTerms] = field(default_factory=dict)
    #: The consents a withdrawal names (``newsletter``, ``analytics``, ...); empty: all.
    consents: tuple[str, ...] = ()

    def wants(self, *types: str) -> bool:
        """True when the request asks for any of ``types``."""
        return bool(set(types) & set(self.types))


@dataclass(frozen=True)
class PlannedChange:
    """One planned change of one row (or target) of one system; ``fields`` empty: the row."""

    target: str
    key: tuple[JsonValue, ...]
    fields: tuple[str, ...]
    action: Action
    reason: str
    norm: str
    retained_until: date | None = None
    value: JsonValue = None

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (dates as ISO text)."""
        return {"target": self.target, "key": list(self.key), "fields": list(self.fields),
                "action": self.action, "reason": self.reason, "norm": self.norm,
                "retained_until": self.retained_until.isoformat() if self.retained_until
                else None, "value": self.value}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PlannedChange:
        """Read the stored form back."""
        until = raw.get("retained_until")
        return cls(raw["target"], tuple(raw["key"]), tuple(raw["fields"]), raw["action"],
                   raw["reason"], raw["norm"], date.fromisoformat(until) if until else None,
                   raw.get("value"))


@dataclass(frozen=True)
class Plan:
    """Every change one connector will make for one request, in execution order.

    ``subject`` holds what execute and the check afterwards need (keys, windows), JSON-safe.
    """

    system: str
    changes: tuple[PlannedChange, ...]
    subject: Mapping[str, Any] = field(default_factory=dict)
    withheld: tuple[WithheldNotice, ...] = ()

    def steps(self) -> list[tuple[str, tuple[PlannedChange, ...]]]:
        """The changes grouped by target, in the order targets first appear: one step each."""
        grouped: dict[str, list[PlannedChange]] = {}
        for change in self.changes:
            grouped.setdefault(change.target, []).append(change)
        return [(target, tuple(changes)) for target, changes in grouped.items()]

    def summary(self) -> list[dict[str, Any]]:
        """Per target and action: rows, fields, reason, norm and the latest blocked-until date.

        What the coordinator reviews; no values, only names and counts.
        """
        rows: dict[tuple[str, str, str, tuple[str, ...]], dict[str, Any]] = {}
        for change in self.changes:
            key = (change.target, change.action, change.reason, change.fields)
            row = rows.setdefault(key, {"target": change.target, "action": change.action,
                                        "reason": change.reason, "norm": change.norm,
                                        "fields": list(change.fields), "rows": 0,
                                        "retained_from": None, "retained_until": None})
            row["rows"] += 1
            if change.retained_until is not None:
                until = change.retained_until.isoformat()
                row["retained_until"] = max(row["retained_until"] or until, until)
                row["retained_from"] = min(row["retained_from"] or until, until)
        return list(rows.values())

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form, as stored in the service database."""
        return {"system": self.system, "subject": dict(self.subject),
                "changes": [change.to_json() for change in self.changes],
                "withheld": [notice.to_json() for notice in self.withheld]}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Plan:
        """Read the stored form back."""
        return cls(raw["system"], tuple(PlannedChange.from_json(c) for c in raw["changes"]),
                   raw.get("subject", {}),
                   tuple(WithheldNotice.from_json(w) for w in raw.get("withheld", ())))


@dataclass(frozen=True)
class Receipt:
    """What was done, built from the plan, and what a check of the system found afterwards.

    ``steps`` has one entry per step (target, changes, rows the statements touched — zero on a
    re-run). ``retained`` lists what stays blocked, with its date. ``verified`` is True when the
    check found nothing of the subject beyond ``retained``; ``remaining`` names what it found.
    """

    system: str
    steps: tuple[Mapping[str, Any], ...]
    retained: tuple[Mapping[str, Any], ...] = ()
    verified: bool = True
    remaining: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form, as stored in the service database."""
        return {"system": self.system, "steps": [dict(s) for s in self.steps],
                "retained": [dict(r) for r in self.retained], "verified": self.verified,
                "remaining": [dict(r) for r in self.remaining], "notes": list(self.notes)}


class StepLog(Protocol):
    """Where execute records finished steps, so that a re-run skips them (the service DB)."""

    def is_done(self, index: int) -> bool:
        """True when step ``index`` was finished by an earlier run."""
        ...

    def mark_done(self, index: int, touched: int) -> None:
        """Record step ``index`` as finished; called right after its transaction committed."""
        ...

    def now(self) -> datetime:
        """The moment of this run by the service clock (timestamps the steps write)."""
        ...


class MemoryStepLog:
    """A :class:`StepLog` kept in memory (tests, one-off runs). ``at`` is the moment of the
    run; a plan whose steps write a timestamp cannot run without one."""

    def __init__(self, done: Iterable[int] = (), at: datetime | None = None) -> None:
        self.done: dict[int, int] = dict.fromkeys(done, 0)
        self.at = at

    def now(self) -> datetime:
        """The moment given for this run."""
        if self.at is None:
            raise ConnectorError("this run was given no time (MemoryStepLog(at=...))")
        return self.at

    def is_done(self, index: int) -> bool:
        """True when ``index`` was marked."""
        return index in self.done

    def mark_done(self, index: int, touched: int) -> None:
        """Remember ``index``."""
        self.done[index] = touched


def retained_entries(plan: Plan) -> tuple[dict[str, Any], ...]:
    """The blocked rows and fields of a plan, as a receipt lists them."""
    return tuple({"target": c.target, "key": list(c.key), "fields": list(c.fields),
                  "retained_until": c.retained_until.isoformat() if c.retained_until else None,
                  "reason": c.reason, "norm": c.norm}
                 for c in plan.changes if c.action == "block")


def subject_json(subject: Subject) -> dict[str, Any]:
    """A subject as a plan stores it (keys and identifiers on file)."""
    return {"keys": [[json_safe(v) for v in key] for key in subject.keys],
            "identifiers": {kind: list(values) for kind, values in subject.identifiers.items()}}


def subject_from_json(raw: Mapping[str, Any]) -> Subject:
    """The subject stored in a plan."""
    return Subject(keys=tuple(tuple(key) for key in raw.get("keys", [])),
                   identifiers={k: tuple(v) for k, v in raw.get("identifiers", {}).items()})
