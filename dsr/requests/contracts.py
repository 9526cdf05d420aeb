"""The request's stored JSON contracts, typed: the match table and the subject keys.

Both columns stay JSON (``requests.match_table``, ``requests.subject_keys``); these frozen
values are the only code that knows their shape. Each has one ``from_json`` (tolerant of a
missing key, as older rows may lack one) and one ``to_json`` that writes the stored shape:

- match table: ``{connector: {"claims": {kind: verdict}, "subjects": n, "proposals": n,
  "conflict": bool, "searched": [kind, ...]}}`` — verdicts and counts, never values;
- subject keys: ``{connector: {"keys": [[key, ...], ...], "identifiers": {kind: [value]}}}``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsr.requests.models import Request

#: The verdicts a claim can get in one system.
VERDICTS = ("match", "mismatch", "not_found", "conflict", "proposed")


@dataclass(frozen=True)
class MatchEntry:
    """One system's row of the match table: per claim kind its verdict, and the counts."""

    claims: Mapping[str, str] = field(default_factory=dict)
    subjects: int = 0
    proposals: int = 0
    conflict: bool = False
    searched: tuple[str, ...] = ()

    @property
    def matched(self) -> bool:
        """Exactly one subject, without conflict."""
        return self.subjects == 1 and not self.conflict

    @property
    def found_anything(self) -> bool:
        return bool(self.subjects or self.proposals or self.conflict)

    def verdict(self, kind: str) -> str | None:
        return self.claims.get(kind)

    def to_json(self) -> dict[str, Any]:
        return {"claims": dict(self.claims), "subjects": self.subjects,
                "proposals": self.proposals, "conflict": self.conflict,
                "searched": list(self.searched)}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> MatchEntry:
        raw = raw or {}
        return cls(claims={str(k): str(v) for k, v in (raw.get("claims") or {}).items()},
                   subjects=int(raw.get("subjects") or 0),
                   proposals=int(raw.get("proposals") or 0),
                   conflict=bool(raw.get("conflict")),
                   searched=tuple(str(k) for k in raw.get("searched") or ()))


@dataclass(frozen=True)
class MatchTable:
    """The coordinator's match table: one :class:`MatchEntry` per system, in matching order."""

    entries: Mapping[str, MatchEntry] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def items(self) -> Iterator[tuple[str, MatchEntry]]:
        return iter(self.entries.items())

    def with_entry(self, connector: str, entry: MatchEntry) -> MatchTable:
        return MatchTable({**self.entries, connector: entry})

    @property
    def conflict(self) -> bool:
        return any(e.conflict for e in self.entries.values())

    @property
    def matched(self) -> bool:
        """Exactly one subject, without conflict, in at least one system."""
        return any(e.matched for e in self.entries.values())

    @property
    def proposals(self) -> bool:
        return any(e.proposals for e in self.entries.values())

    def mismatched_kinds(self) -> list[str]:
        return sorted({kind for e in self.entries.values()
                       for kind, verdict in e.claims.items() if verdict == "mismatch"})

    def searched_kinds(self) -> set[str]:
        return {kind for e in self.entries.values() for kind in e.searched}

    def to_json(self) -> dict[str, Any]:
        return {name: entry.to_json() for name, entry in self.entries.items()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> MatchTable:
        return cls({str(name): MatchEntry.from_json(found) for name, found in (raw or {}).items()})

    @classmethod
    def of(cls, request: Request) -> MatchTable:
        """The request's match table (empty before any system was matched)."""
        return cls.from_json(request.match_table)

    def store_on(self, request: Request) -> None:
        request.match_table = self.to_json()


Key = tuple[Any, ...]


@dataclass(frozen=True)
class StoredSubject:
    """The confirmed subject in one system: its row keys and the identifiers on file."""

    keys: tuple[Key, ...] = ()
    identifiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def first(self, kind: str) -> str | None:
        values = self.identifiers.get(kind) or ()
        return str(values[0]) if values else None

    def to_json(self) -> dict[str, Any]:
        return {"keys": [list(k) for k in self.keys],
                "identifiers": {k: list(v) for k, v in self.identifiers.items()}}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> StoredSubject:
        raw = raw or {}
        return cls(keys=tuple(tuple(k) for k in raw.get("keys") or ()),
                   identifiers={str(k): tuple(v) for k, v in (raw.get("identifiers") or {}).items()})


@dataclass(frozen=True)
class SubjectKeys:
    """The confirmed subject per connector in which exactly one was found."""

    subjects: Mapping[str, StoredSubject] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.subjects)

    def get(self, connector: str) -> StoredSubject:
        """The subject in ``connector`` (empty when it was not found there)."""
        return self.subjects.get(connector) or StoredSubject()

    def items(self) -> Iterator[tuple[str, StoredSubject]]:
        return iter(self.subjects.items())

    def with_subject(self, connector: str, subject: StoredSubject) -> SubjectKeys:
        return SubjectKeys({**self.subjects, connector: subject})

    def without(self, connector: str) -> SubjectKeys:
        return SubjectKeys({k: v for k, v in self.subjects.items() if k != connector})

    def identifiers(self, kind: str) -> list[str]:
        """Every value of identifier ``kind`` on file, system by system."""
        return [str(v) for s in self.subjects.values() for v in s.identifiers.get(kind) or ()]

    def first(self, kind: str) -> str | None:
        """The first system's value of identifier ``kind`` (e.g. the e-mail on file)."""
        return next((value for s in self.subjects.values() if (value := s.first(kind))), None)

    def to_json(self) -> dict[str, Any]:
        return {name: subject.to_json() for name, subject in self.subjects.items()}

    @classmethod
    def from_json(cls, raw: Mapping[str, Any] | None) -> SubjectKeys:
        return cls({str(name): StoredSubject.from_json(stored)
                    for name, stored in (raw or {}).items()})

    @classmethod
    def of(cls, request: Request) -> SubjectKeys:
        return cls.from_json(request.subject_keys)

    def store_on(self, request: Request) -> None:
        request.subject_keys = self.to_json()


@dataclass(frozen=True)
class RequestedCorrections:
    """What the requester asks to have corrected: new values by form field, and why
    (stored as a :class:`dsr.requests.models.RequestCorrection` of source ``requested``)."""

    fields: Mapping[str, str] = field(default_factory=dict)
    note: str = ""

    def __bool__(self) -> bool:
        return bool(self.fields or self.note)
