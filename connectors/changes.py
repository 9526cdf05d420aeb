"""The values a changing connector plans with and proves with: plan, planned change, receipt.

A :class:`Plan` lists every change a connector will make, per target (table, log file,
recipient), row key and field, with the action, the reason and legal norm, and — for what is
kept — the date until which it stays blocked. Plans are computed without touching the system,
stored by the service, shown to the coordinator, and executed step by step (one step per
target) once approved. The :class:`Receipt` is built from the plan and from a check of the
system afterwards; it never holds personal values, only keys, fields and counts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
    """A retention rule of the register: ``years`` from the end of the year, or ``days``."""

    name: str
    norm: str
    years: int | None = None
    days: int | None = None
    starts: str = "end_of_year"

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
        """The rule as the register's ``[retention.<name>]`` section gives it."""
        return cls(name, str(raw.get("norm", "")), raw.get("years"), raw.get("days"),
                   str(raw.get("starts", "end_of_year")))


@dataclass(frozen=True)
class LegalHold:
    """A hold (open claim, collection, tax audit) that suspends erasure until it is lifted."""

    id: int
    kind: str
    norm: str = "Art. 17 Abs. 3 lit. e DSGVO / GDPR"


@runtime_checkable
class ClaimSource(Protocol):
    """A connector that can tell whether the subject has an open claim (collection case,
    unpaid invoice) from its data map's ``hold_when`` conditions: erasure then waits."""

    def open_claims(self, subject: Any) -> list[str]:
        """Each condition the subject's rows meet (``table: condition``); empty: none."""
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
                "changes": [change.to_json() for change in self.changes]}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Plan:
        """Read the stored form back."""
        return cls(raw["system"], tuple(PlannedChange.from_json(c) for c in raw["changes"]),
                   raw.get("subject", {}))


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
