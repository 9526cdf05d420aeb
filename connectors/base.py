"""The connector Protocols, the values they exchange, and the registry of connector kinds.

A connector knows one kind of system and the data subject, nothing of the web or the workflow.
Every connector can ``discover`` and ``access``; what else it can do (plan and execute changes,
derive its subject from another connector's, ...) it declares with the Protocols of
:mod:`connectors.capabilities`. Connectors are registered by kind (``@register("shop_sql")``) and
built from their TOML settings with :func:`build_connector`.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol, TypeVar, runtime_checkable

from marshmallow import Schema, ValidationError

from connectors.datamap_schema import flatten_errors

ClaimKind = Literal["email", "customer_number", "name", "postal_address"]
"""The kinds of claim an :class:`Identity` can make; the rows of the coordinator's match table."""

Outcome = Literal["match", "mismatch", "not_on_file"]
"""How one claim compares with what a system holds about one subject."""

SubjectKey = tuple[Any, ...]
"""The subject table's key values of one subject, in key order, as the database returns them."""

JsonValue = str | int | float | bool | None | list[Any] | dict[str, Any]
"""A value ``json.dumps`` accepts as it is."""

Label = Mapping[str, str]
"""A label by language: ``{"de": "Bestellungen", "en": "Orders"}``."""

STRONG_CLAIMS: tuple[ClaimKind, ...] = ("email", "customer_number")
"""Claims that find a subject by themselves; name and postal address only propose."""


class ConnectorError(Exception):
    """A connector could not do what was asked of it."""


class NotYetAvailable(ConnectorError):
    """The system took the question but has no answer yet (a processor working on an OpenGDPR
    request): ask again after ``retry_after`` seconds. The message names no personal data."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConnectorConfigError(ConnectorError):
    """A connector's settings or the data map it relies on are wrong; an admin must fix them."""


@dataclass(frozen=True)
class Identity:
    """What a request claims about its subject; every field is optional and unverified."""

    email: str | None = None
    customer_number: str | None = None
    name: str | None = None
    postal_address: str | None = None  # free text, may span several lines

    def claims(self) -> tuple[ClaimKind, ...]:
        """The claim kinds this identity makes (non-blank fields), in a fixed order."""
        given: tuple[tuple[ClaimKind, str | None], ...] = (
            ("email", self.email),
            ("customer_number", self.customer_number),
            ("name", self.name),
            ("postal_address", self.postal_address),
        )
        return tuple(kind for kind, value in given if value and value.strip())


@dataclass(frozen=True)
class Match:
    """One subject a system holds, and how each claim of the request compares with it.

    ``checks`` has one entry per claim the request made ("match", "mismatch", or "not_on_file"
    when the system holds no value of that kind for the subject); claims not made are absent.
    ``on_file`` holds the subject's identifier values as stored (``{"email": ("a@b.example",)}``):
    codes and answers go only to these addresses. ``conflicting`` is set when another strong
    claim of the same request found a different subject.
    """

    key: SubjectKey
    checks: Mapping[str, Outcome]
    on_file: Mapping[str, tuple[str, ...]]
    conflicting: bool = False

    @property
    def matched_by(self) -> tuple[str, ...]:
        """The claim kinds that matched this subject."""
        return tuple(kind for kind, outcome in self.checks.items() if outcome == "match")

    @property
    def email_on_file(self) -> str | None:
        """The subject's e-mail address as stored, or None when the system holds none."""
        emails = self.on_file.get("email", ())
        return emails[0] if emails else None


@dataclass(frozen=True)
class Discovery:
    """What ``discover`` found in one system.

    ``matches`` are subjects found by a strong claim (e-mail, customer number). ``proposals`` are
    subjects found only by name and postal address: a coordinator must confirm them, they are
    never taken as matches automatically. ``searched`` lists the claim kinds the system checked,
    for the negative answer when nothing is found.
    """

    system: str
    matches: tuple[Match, ...] = ()
    proposals: tuple[Match, ...] = ()
    searched: tuple[str, ...] = ()

    @property
    def conflict(self) -> bool:
        """True when the request's strong claims point at different subjects."""
        return any(match.conflicting for match in self.matches)

    @property
    def found(self) -> bool:
        """True when the system holds anything that may be the subject's."""
        return bool(self.matches or self.proposals)


@dataclass(frozen=True)
class Subject:
    """The confirmed subject as one system knows it: its keys and identifier values on file.

    ``identifiers`` (kind -> values as stored) are what rows of other people's orders are matched
    by when the subject is only their recipient.
    """

    keys: tuple[SubjectKey, ...]
    identifiers: Mapping[str, tuple[str, ...]]

    @classmethod
    def from_matches(cls, matches: Iterable[Match]) -> Subject:
        """The subject made of the matches a coordinator confirmed (one person, several keys).

        A match without a key (a newsletter subscriber without a shop account, known by the
        address alone) adds its identifiers only."""
        keys: list[SubjectKey] = []
        identifiers: dict[str, list[str]] = {}
        for match in matches:
            if match.key:
                keys.append(match.key)
            for kind, values in match.on_file.items():
                known = identifiers.setdefault(kind, [])
                known.extend(value for value in values if value not in known)
        return cls(keys=tuple(keys), identifiers={k: tuple(v) for k, v in identifiers.items()})


@dataclass(frozen=True)
class RecordColumn:
    """One exported column: its name, its label by language and its data category; ``values``
    (stored code -> label by language) and ``unit`` ("cents", "percent") say how the answer's
    PDF shows a value to people."""

    name: str
    label: Label
    category: str
    values: Mapping[str, Label] | None = None
    unit: str | None = None
    currency: str | None = None  # ISO code of a "money" column


@dataclass(frozen=True)
class TableRecords:
    """The subject's rows of one table, JSON-safe, with the labels the answer shows.

    ``recipient_only`` marks rows of someone else's order in which the subject is only the
    recipient: they carry the recipient fields and nothing else.
    """

    system: str
    table: str
    label: Label
    category: str
    columns: tuple[RecordColumn, ...]
    rows: tuple[tuple[JsonValue, ...], ...]
    recipient_only: bool = False


@dataclass(frozen=True)
class AccessResult:
    """Everything ``access`` found: one :class:`TableRecords` per table (empty ones included)."""

    tables: tuple[TableRecords, ...]

    @property
    def row_count(self) -> int:
        """The number of rows over all tables."""
        return sum(len(records.rows) for records in self.tables)


def json_safe(value: Any) -> JsonValue:
    """A database value as JSON can carry it: ISO dates, Decimal as str, bytes as hex."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return str(value)  # UUID, timedelta, enums, ...: their text form is what a person reads


@runtime_checkable
class Connector(Protocol):
    """A system that can find a data subject and hand out the subject's data."""

    kind: ClassVar[str]
    name: str

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> Connector:
        """Build the connector from its TOML section (``kind`` included)."""
        ...

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal TOML section this kind is built from (the conformance test builds every
        registered kind from it); files it needs, such as a data map, go into ``directory``."""
        ...

    def discover(self, identity: Identity) -> Discovery:
        """Find the subjects the identity's claims point at, without changing anything."""
        ...

    def access(self, subject: Subject) -> AccessResult:
        """Return every record the system holds about the subject."""
        ...


def load_settings(schema: Schema, name: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """A connector's TOML section loaded by ``schema``; every problem becomes one line naming
    its key (``connectors.<name>.<key>: message``) in a :class:`ConnectorConfigError`."""
    try:
        return dict(schema.load(settings))
    except ValidationError as exc:
        problems = (line.replace(".value.", ".")  # a Dict field's values, named by their key
                    for line in flatten_errors(exc.messages, f"connectors.{name}"))
        raise ConnectorConfigError("; ".join(problems)) from None


_REGISTRY: dict[str, type[Connector]] = {}
_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
C = TypeVar("C", bound=type[Connector])


def register(kind: str) -> Callable[[C], C]:
    """Class decorator: make the connector class available under ``kind``."""
    if not _KIND.match(kind):
        raise ValueError(f"connector kind {kind!r} must be lower-case letters, digits and '_'")

    def decorate(cls: C) -> C:
        known = _REGISTRY.get(kind)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise ValueError(f"connector kind {kind!r} is already taken by {known.__qualname__}")
        cls.kind = kind
        _REGISTRY[kind] = cls
        return cls

    return decorate


def registered_kinds() -> dict[str, type[Connector]]:
    """The kinds registered so far (by the connector modules imported), each with its class."""
    return dict(_REGISTRY)


def connector_class(kind: str) -> type[Connector]:
    """The class registered for ``kind``; its module (``connectors.<kind>``) is imported on demand.

    Raises :class:`ConnectorConfigError` for a kind no module provides.
    """
    if kind not in _REGISTRY and _KIND.match(kind):
        module = f"{__package__}.{kind}"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:  # a missing dependency inside the module is a real error
                raise
    try:
        return _REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none loaded"
        raise ConnectorConfigError(
            f"unknown connector kind {kind!r} (registered kinds: {known})"
        ) from None


def build_connector(name: str, settings: Mapping[str, Any]) -> Connector:
    """Build the connector called ``name`` from its settings, looked up by ``settings["kind"]``."""
    kind = settings.get("kind")
    if not isinstance(kind, str) or not kind:
        raise ConnectorConfigError(f"connector {name!r}: 'kind' is missing")
    try:
        cls = connector_class(kind)
    except ConnectorConfigError as exc:
        raise ConnectorConfigError(f"connector {name!r}: {exc}") from None
    return cls.from_settings(name, settings)
