"""The data map's values: frozen dataclasses built by :mod:`connectors.datamap`."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from connectors.base import Label
from connectors.datamap_conditions import Condition

Erasure = Literal["keep", "delete", "null", "anonymise"]
Normalisation = Literal["casefold", "strip", "none"]


class DataMapError(ValueError):
    """The data map is invalid; ``errors`` holds one ``key.path: message`` line per problem."""

    def __init__(self, errors: Collection[str], source: str = "data map") -> None:
        self.errors = tuple(errors)
        lines = "\n".join(f"  {error}" for error in self.errors)
        super().__init__(f"{source} is invalid ({len(self.errors)} problem(s)):\n{lines}")


@dataclass(frozen=True)
class Hop:
    """One step of a link path: the current table's ``columns`` reference ``table``'s ``ref``."""

    columns: tuple[str, ...]
    table: str
    ref: tuple[str, ...]
    where: Condition | None = None  # on the rows of the table the hop leaves


Path = tuple[Hop, ...]


@dataclass(frozen=True)
class LookupMap:
    """Labels for a column's codes read from a lookup table: ``key`` holds the code, ``label``
    the text per language, ``where`` (per language) picks the rows (e.g. the language id)."""

    table: str
    key: str
    label: Label  # language -> column
    where: Mapping[str, Condition | None]  # language -> condition


@dataclass(frozen=True)
class ColumnMap:
    """One mapped column: its labels, data category, erasure action and retention rule."""

    name: str
    label: Label
    category: str
    erasure: Erasure
    retention: str | None = None
    discloses_to: bool = False
    rectify_as: str | None = None
    values: Mapping[str, Label] | None = None  # stored code -> label by language
    unit: str | None = None  # "cents", "percent" or "money"
    currency: str | None = None  # ISO code of a "money" column
    transform: str | None = None  # "ip": an integer or binary address shown as text
    timezone: str | None = None  # zone of a naive timestamp (shown with its offset)
    export: bool = True  # False: a technical column, erased but never in the answer
    disclose: bool = True  # False: a secret; the answer says it is stored, not its value
    disclose_when: Condition | None = None  # disclosed only on rows meeting it (meta rows)
    lookup: LookupMap | None = None
    retention_when: Condition | None = None  # the rule applies only to rows meeting it
    never_rectified: bool = False  # ``rectify_as = false``: a record of what was sent


@dataclass(frozen=True)
class RecipientMap:
    """Rows where the subject is only the recipient: matched by ``identifier`` in ``column``."""

    identifier: str
    column: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class TableMap:
    """One mapped table, its columns in map order and its link path to the subject table."""

    name: str
    connector: str
    key: tuple[str, ...]
    label: Label
    category: str
    columns: tuple[ColumnMap, ...]
    link: tuple[Hop, ...] = ()
    retention: str | None = None
    document_date: str | None = None
    recipient: RecipientMap | None = None
    alternatives: tuple[Path, ...] = ()  # further link paths: rows found by any, once
    retention_when: Condition | None = None  # the table's rule applies only to rows meeting it
    document_date_table: str | None = None  # document_date is read in this table of the link
    hold_when: Condition | None = None  # a subject's row meeting it holds its erasure (a claim)

    @property
    def paths(self) -> tuple[Path, ...]:
        """Every link path: ``link`` first, then the alternatives (empty: no link)."""
        return (self.link, *self.alternatives) if self.link else ()

    def exported(self) -> tuple[ColumnMap, ...]:
        """The columns the answer shows (``export = false`` ones are left out)."""
        return tuple(column for column in self.columns if column.export)

    def related_tables(self) -> set[str]:
        """Every other table reading this table's rows joins or looks into."""
        names = {hop.table for path in self.paths for hop in path}
        conditions = [hop.where for path in self.paths for hop in path]
        conditions += [self.retention_when, self.hold_when,
                       *(c.retention_when for c in self.columns)]
        conditions += [c.disclose_when for c in self.columns]
        names |= {t for condition in conditions if condition for t in condition.tables()}
        names |= {c.lookup.table for c in self.columns if c.lookup}
        return names

    def column(self, name: str) -> ColumnMap:
        """The mapped column called ``name`` (KeyError when it is not mapped)."""
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(f"column {name!r} is not mapped in table {self.name!r}")


@dataclass(frozen=True)
class IdentifierMap:
    """An identifier a subject can be found by, and where it is stored.

    ``column`` holds e-mail and customer-number identifiers; ``columns`` maps the parts of a
    ``name_address`` identifier (first_name, last_name, street, postcode, city) to columns.
    """

    kind: str
    table: str
    column: str | None = None
    columns: Mapping[str, str] | None = None
    normalise: Normalisation = "none"


@dataclass(frozen=True)
class SubjectMap:
    """The subject table, its key and its optional Art. 18 restriction flag column."""

    table: str
    key: tuple[str, ...]
    restriction_flag: str | None = None


@dataclass(frozen=True)
class IpWindowMap:
    """Where the subject's IP addresses and the times they used them are recorded.

    Rows of ``table`` (which links to the subject) give ``ip`` from ``start`` to ``end`` (or to
    ``start`` alone), widened by ``margin_minutes`` on both sides.
    """

    table: str
    ip: str
    start: str
    end: str | None = None
    margin_minutes: int = 0


@dataclass(frozen=True)
class DataMap:
    """A validated data map."""

    version: int
    subject: SubjectMap
    identifiers: tuple[IdentifierMap, ...]
    tables: Mapping[str, TableMap]
    ip_windows: tuple[IpWindowMap, ...] = ()

    def tables_for(self, connector: str) -> tuple[TableMap, ...]:
        """The tables that belong to ``connector``, in map order."""
        return tuple(table for table in self.tables.values() if table.connector == connector)

    def identifier(self, kind: str) -> IdentifierMap | None:
        """The identifier of ``kind``, or None when the map has none."""
        return next((ident for ident in self.identifiers if ident.kind == kind), None)


def rectification_columns(tables: Iterable[TableMap]) -> dict[str, tuple[str, ...]]:
    """The form's rectifiable fields that ``tables`` hold: field -> ``table.column`` names, in
    map order (a field may be held by several columns, e.g. a name in two tables)."""
    found: dict[str, list[str]] = {}
    for table in tables:
        for column in table.columns:
            if column.rectify_as:
                found.setdefault(column.rectify_as, []).append(f"{table.name}.{column.name}")
    return {name: tuple(columns) for name, columns in found.items()}
