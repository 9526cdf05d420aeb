"""The data map: where a subject's data lives, what it means and how it is erased.

``load_datamap`` reads the TOML file (format: docs/datamap.md), checks every section with the
marshmallow schemas of :mod:`connectors.datamap_schema` and the rules across sections, and
returns frozen values. All problems are collected and raised together as one
:class:`DataMapError`, each naming its key path. ``check_against_database`` compares a loaded
map with a live database (what ``dsr datamap check`` prints).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from typing import Any

from connectors.datamap_check import Finding, check_against_database
from connectors.datamap_model import (
    ColumnMap,
    DataMap,
    DataMapError,
    Hop,
    IdentifierMap,
    IpWindowMap,
    LookupMap,
    Normalisation,
    RecipientMap,
    SubjectMap,
    TableMap,
    rectification_columns,
)
from connectors.datamap_schema import (
    ColumnSchema,
    DataMapSchema,
    IdentifierSchema,
    IpWindowSchema,
    SubjectSchema,
    TableSchema,
    load_section,
)

__all__ = [
    "ColumnMap",
    "DataMap",
    "DataMapError",
    "Finding",
    "Hop",
    "IdentifierMap",
    "IpWindowMap",
    "LookupMap",
    "RecipientMap",
    "SubjectMap",
    "TableMap",
    "check_against_database",
    "load_datamap",
    "parse_datamap",
    "rectification_columns",
]

_DEFAULT_NORMALISATION: dict[str, Normalisation] = {"email": "casefold", "customer_number": "strip"}


def load_datamap(
    path: str | os.PathLike[str], *, retention_rules: Collection[str] | None = None
) -> DataMap:
    """Read and validate the data map at ``path``.

    When ``retention_rules`` (the register's rule names) is given, every retention name must be
    one of them.
    """
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    return parse_datamap(text, retention_rules=retention_rules, source=os.fspath(path))


def parse_datamap(
    text: str, *, retention_rules: Collection[str] | None = None, source: str = "data map"
) -> DataMap:
    """Validate the data map given as TOML text; raises :class:`DataMapError`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DataMapError([f"(toml): {exc}"], source) from None
    return _Builder(data, retention_rules).build(source)


class _Builder:
    """Loads every section, then checks the rules across sections, collecting all errors."""

    def __init__(self, data: Mapping[str, Any], retention_rules: Collection[str] | None) -> None:
        self.data = data
        self.rules = retention_rules
        self.errors: list[str] = []
        tables = data.get("tables")
        self.raw_tables: Mapping[str, Any] = tables if isinstance(tables, Mapping) else {}

    def build(self, source: str) -> DataMap:
        load_section(DataMapSchema(), self.data, "", self.errors)
        subject = self._subject()
        tables = self._tables()
        identifiers = self._identifiers()
        if subject is not None:
            self._check_subject(subject, tables)
            for table in tables.values():
                if table.name != subject.table:
                    self._check_link(table, subject.table)
        self._check_identifiers(identifiers, tables, subject.table if subject else None)
        for table in tables.values():
            self._check_recipient(table)
            self._check_rectify_as(table, subject.table if subject else None)
        windows = self._ip_windows(tables)
        if self.errors or subject is None:
            raise DataMapError(self.errors, source)
        return DataMap(1, subject, tuple(identifiers.values()), tables, windows)

    def _ip_windows(self, tables: Mapping[str, TableMap]) -> tuple[IpWindowMap, ...]:
        raw_list = self.data.get("ip_windows", [])
        if not isinstance(raw_list, list):
            self.errors.append("ip_windows: must be an array of tables ([[ip_windows]])")
            return ()
        found = []
        for index, entry in enumerate(raw_list):
            where = f"ip_windows[{index}]"
            raw = load_section(IpWindowSchema(), entry, where, self.errors)
            if raw is None:
                continue
            table = tables.get(raw["table"])
            if table is None:
                self.errors.append(f"{where}.table: {raw['table']!r} is not a mapped table")
                continue
            listed = {column.name for column in table.columns}
            for part in ("ip", "start", "end"):
                if raw[part] is not None and raw[part] not in listed:
                    self.errors.append(f"{where}.{part}: {raw[part]!r} is not a column of "
                                       "this table's map")
            found.append(IpWindowMap(raw["table"], raw["ip"], raw["start"], raw["end"],
                                     raw["margin_minutes"]))
        return tuple(found)

    def _subject(self) -> SubjectMap | None:
        if "subject" not in self.data:
            return None  # reported by the top-level schema
        raw = load_section(SubjectSchema(), self.data["subject"], "subject", self.errors)
        if raw is None:
            return None
        return SubjectMap(raw["table"], tuple(raw["key"]), raw["restriction_flag"])

    def _identifiers(self) -> dict[int, IdentifierMap]:
        found: dict[int, IdentifierMap] = {}
        raw_list = self.data.get("identifiers", [])
        if not isinstance(raw_list, list):
            self.errors.append("identifiers: must be an array of tables ([[identifiers]])")
            return found
        for index, entry in enumerate(raw_list):
            raw = load_section(IdentifierSchema(), entry, f"identifiers[{index}]", self.errors)
            if raw is None:
                continue
            kind = raw["kind"]
            normalise = raw["normalise"] or _DEFAULT_NORMALISATION.get(kind, "none")
            found[index] = IdentifierMap(
                kind, raw["table"], raw["column"], raw["columns"], normalise
            )
        return found

    def _tables(self) -> dict[str, TableMap]:
        tables: dict[str, TableMap] = {}
        raw_tables = self.data.get("tables")
        if raw_tables is None:
            return tables  # reported by the top-level schema
        if not isinstance(raw_tables, Mapping) or not raw_tables:
            self.errors.append("tables: must be a table with one section per mapped table")
            return tables
        for name, entry in raw_tables.items():
            where = f"tables.{name}"
            raw = load_section(TableSchema(), entry, where, self.errors)
            raw_columns = entry.get("columns") if isinstance(entry, Mapping) else None
            columns = []
            for column_name, column_entry in _mapping(raw_columns).items():
                category = raw["category"] if raw else "-"  # the table's error is reported
                column = self._column(where, column_name, column_entry, category)
                if column is not None:
                    columns.append(column)
            if raw is None:
                continue
            self._check_rule(raw["retention"], f"{where}.retention")
            link = _path(raw["link"])
            date_table, date_column = self._document_date(where, raw, link)
            tables[name] = TableMap(
                name=name,
                connector=raw["connector"],
                key=tuple(raw["key"]),
                label=raw["label"],
                category=raw["category"],
                columns=tuple(columns),
                link=link,
                retention=raw["retention"],
                document_date=date_column,
                recipient=_recipient(raw["recipient"]),
                alternatives=tuple(_path(path) for path in raw["alternative_links"]),
                retention_when=raw["retention_when"],
                document_date_table=date_table,
                hold_when=raw["hold_when"],
            )
        return tables

    def _document_date(self, where: str, raw: Mapping[str, Any],
                       link: tuple[Hop, ...]) -> tuple[str | None, str | None]:
        """``document_date`` as (table on the link or None, column); ``orders.date_add`` reads
        the date of the row the link reaches in ``orders``."""
        value = raw["document_date"]
        if value is None:
            return None, None
        if "." in value:
            table, column = value.split(".", 1)
            if table not in {hop.table for hop in link}:
                self.errors.append(f"{where}.document_date: {table!r} is not a table on this "
                                   "table's link")
            return table, column
        if value not in raw["columns"]:
            self.errors.append(f"{where}.document_date: {value!r} is not a column of this "
                               "table's map")
        return None, value

    def _column(
        self, table_where: str, name: str, entry: Any, default_category: str
    ) -> ColumnMap | None:
        where = f"{table_where}.columns.{name}"
        raw = load_section(ColumnSchema(), entry, where, self.errors)
        if raw is None:
            return None
        self._check_rule(raw["retention"], f"{where}.retention")
        category = raw["category"] or default_category
        lookup = raw["lookup"]
        return ColumnMap(
            name, raw["label"], category, raw["erasure"], raw["retention"], raw["discloses_to"],
            raw["rectify_as"] or None, raw["values"], raw["unit"],
            currency=raw["currency"] or ("EUR" if raw["unit"] == "money" else None),
            transform=raw["transform"], timezone=raw["timezone"], export=raw["export"],
            disclose=raw["disclose"] is not False,
            disclose_when=None if isinstance(raw["disclose"], bool) else raw["disclose"],
            retention_when=raw["retention_when"], never_rectified=raw["rectify_as"] is False,
            lookup=LookupMap(lookup["table"], lookup["key"], lookup["label"],
                             lookup["where"] or {"de": None, "en": None}) if lookup else None,
        )

    def _check_rule(self, rule: str | None, where: str) -> None:
        if rule is not None and self.rules is not None and rule not in self.rules:
            self.errors.append(f"{where}: unknown retention rule {rule!r} (not in the register)")

    def _check_subject(self, subject: SubjectMap, tables: Mapping[str, TableMap]) -> None:
        table = tables.get(subject.table)
        if table is None:
            if subject.table not in self.raw_tables:
                self.errors.append(
                    f"subject.table: {subject.table!r} is not a mapped table "
                    f"(add [tables.{subject.table}])"
                )
            return
        if table.key != subject.key:
            self.errors.append(
                f"tables.{table.name}.key: must equal subject.key {list(subject.key)}"
            )
        if table.link:
            self.errors.append(f"tables.{table.name}.link: the subject table links to nothing")

    def _check_link(self, table: TableMap, subject_table: str) -> None:
        where = f"tables.{table.name}.link"
        if not table.link:
            if table.recipient is None:
                self.errors.append(f"{where}: missing; rows must link to the subject table")
            if table.alternatives:
                self.errors.append(f"tables.{table.name}.alternative_links: needs a 'link' "
                                   "first")
            return
        self._check_path(table.link, where, subject_table)
        for index, path in enumerate(table.alternatives):
            self._check_path(path, f"tables.{table.name}.alternative_links[{index}]",
                             subject_table)

    def _check_path(self, path: tuple[Hop, ...], where: str, subject_table: str) -> None:
        last = len(path) - 1
        for index, hop in enumerate(path):
            hop_where = f"{where}[{index}].table"
            if hop.table != subject_table and hop.table not in self.raw_tables:
                self.errors.append(f"{hop_where}: {hop.table!r} is not a mapped table")
            elif index < last and hop.table == subject_table:
                self.errors.append(f"{hop_where}: only the last hop may reach the subject table")
            elif index == last and hop.table != subject_table:
                self.errors.append(
                    f"{hop_where}: the last hop must end at the subject table {subject_table!r}"
                )

    def _check_identifiers(
        self,
        identifiers: Mapping[int, IdentifierMap],
        tables: Mapping[str, TableMap],
        subject_table: str | None,
    ) -> None:
        seen: set[str] = set()
        for index, ident in identifiers.items():
            where = f"identifiers[{index}]"
            if ident.kind in seen:
                self.errors.append(f"{where}.kind: {ident.kind!r} is mapped twice")
            seen.add(ident.kind)
            if ident.table not in self.raw_tables:
                self.errors.append(f"{where}.table: {ident.table!r} is not a mapped table")
            elif ident.table in tables and not (
                tables[ident.table].link or ident.table == subject_table
            ):
                self.errors.append(f"{where}.table: {ident.table!r} does not link to the subject")

    def _check_recipient(self, table: TableMap) -> None:
        recipient = table.recipient
        if recipient is None:
            return
        where = f"tables.{table.name}.recipient"
        raw = self.data.get("identifiers")
        entries = raw if isinstance(raw, list) else []
        # Raw kinds: an identifier that failed to load is reported once, not here again.
        if recipient.identifier not in {_mapping(entry).get("kind") for entry in entries}:
            self.errors.append(
                f"{where}.identifier: no identifier of kind {recipient.identifier!r} is mapped"
            )
        listed = self.raw_tables[table.name]["columns"]
        for index, field in enumerate(recipient.fields):
            if field not in listed:
                self.errors.append(
                    f"{where}.fields[{index}]: {field!r} is not a column of this table's map"
                )

    def _check_rectify_as(self, table: TableMap, subject_table: str | None) -> None:
        """A column a customer may correct is the subject's own and one a plan may change."""
        for column in table.columns:
            if column.rectify_as is None:
                continue
            where = f"tables.{table.name}.columns.{column.name}.rectify_as"
            if column.erasure == "keep":
                self.errors.append(f"{where}: a column with erasure = \"keep\" is never changed "
                                   "(key or non-personal column)")
            elif not (table.link or table.name == subject_table):
                self.errors.append(f"{where}: the table's rows do not link to the subject, "
                                   "so its rows are not the subject's own")


def _mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a TOML table, else an empty one (its type error is reported apart)."""
    return value if isinstance(value, Mapping) else {}


def _path(raw: list[Mapping[str, Any]]) -> tuple[Hop, ...]:
    return tuple(Hop(tuple(h["columns"]), h["table"], tuple(h["ref"]), h["where"]) for h in raw)


def _recipient(raw: Mapping[str, Any] | None) -> RecipientMap | None:
    if raw is None:
        return None
    return RecipientMap(raw["identifier"], raw["column"], tuple(raw["recipient_fields"]))
