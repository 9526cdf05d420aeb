"""Compare a data map with a live database: what ``dsr datamap check`` prints.

Errors make the connector fail (a table, column or link path that does not exist); warnings are
gaps an admin should close: columns the map does not list (never exported, never erased; those
whose names look personal are called out), tables holding personal-looking columns that are not
mapped at all, links whose target is not unique (rows would repeat), ``keep`` on personal data.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Engine, Inspector

from connectors.datamap_model import DataMap, Hop, TableMap

# Matched anywhere in a column name: specific enough not to misfire.
_PERSONAL_PARTS = (
    "email", "e_mail", "phone", "telefon", "mobile", "handy", "street", "strasse", "straße",
    "address", "adresse", "iban", "birth", "geburt", "surname", "firstname", "lastname",
    "vorname", "nachname", "passport", "ausweis", "postcode", "postal", "user_agent",
)  # fmt: skip
# Matched as a whole word of the name (split at '_', '-' and camelCase): short and ambiguous.
_PERSONAL_WORDS = {
    "ip", "tel", "fax", "mail", "zip", "plz", "dob", "bic", "city", "ort", "login",
    "addr", "gender", "geschlecht", "ssn", "tax", "steuer", "ua", "lat", "lon", "gps",
}  # fmt: skip
# "name" alone, or with a word that makes it a person's (not product_name, file_name).
_PERSON_WORDS = {
    "first", "last", "full", "given", "family", "sur", "middle", "maiden", "nick", "display",
    "user", "customer", "contact", "recipient", "buyer", "sender", "holder", "account", "person",
    "kunde", "empf", "empfaenger", "billing", "shipping", "delivery", "invoice",
}  # fmt: skip
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# The rectifiable field (Art. 16) a column name suggests: parts matched anywhere, words whole.
_RECTIFIABLE_PARTS = (
    ("first_name", ("first_name", "firstname", "vorname", "given_name")),
    ("last_name", ("last_name", "lastname", "surname", "nachname", "family_name")),
    ("birth_date", ("birth", "geburt")),
    ("email", ("email", "e_mail")),
    ("phone", ("phone", "telefon", "mobile", "handy")),
    ("street", ("street", "strasse", "straße")),
    ("postcode", ("postcode", "postal_code", "zipcode")),
    ("country", ("country",)),
)  # fmt: skip
_RECTIFIABLE_WORDS = {"city": "city", "ort": "city", "town": "city", "zip": "postcode",
                      "plz": "postcode", "dob": "birth_date", "tel": "phone", "mail": "email",
                      "land": "country"}
_RECTIFIABLE_CATEGORIES = ("contact",)
"""Categories whose personal-looking columns hold a contact detail a customer may correct."""


@dataclass(frozen=True)
class Finding:
    """One result of the database check: ``level`` error or warning, at the map's ``where``."""

    level: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def looks_personal(column: str) -> bool:
    """True when a column's name suggests personal data (``phone``, ``last_ip``, ``eMail`` ...)."""
    lowered = column.casefold()
    if any(part in lowered for part in _PERSONAL_PARTS):
        return True
    words = {word.casefold() for word in _WORD.findall(column)}
    if words & _PERSONAL_WORDS:
        return True
    return "name" in words and (words == {"name"} or bool(words & _PERSON_WORDS))


def rectifiable_field(column: str, category: str = "") -> str | None:
    """The form's rectifiable field a column seems to hold, by its name (``billing_street``,
    ``recipient_city``, ``dob``; ``"name"`` for a full name) or, for a name that looks
    personal, by its category (``contact``: an address or number to reach the customer)."""
    lowered = column.casefold()
    for name, parts in _RECTIFIABLE_PARTS:
        if any(part in lowered for part in parts):
            return name
    words = {word.casefold() for word in _WORD.findall(column)}
    for word, name in _RECTIFIABLE_WORDS.items():
        if word in words:
            return name
    if "name" in words and (words == {"name"} or bool(words & _PERSON_WORDS)):
        return "name"
    if category in _RECTIFIABLE_CATEGORIES and looks_personal(column):
        return "contact"
    return None


def check_against_database(
    datamap: DataMap, engine: Engine, connector: str | None = None
) -> list[Finding]:
    """Report where the data map and the database disagree.

    With ``connector`` only that connector's tables are checked (tables it does not own may live
    elsewhere); tables in the database that the map lists nowhere are reported either way.
    """
    return list(_Check(datamap, sa.inspect(engine)).run(connector))


def where_of(table: TableMap, column: str) -> str:
    """The data map's key path of a column."""
    return f"tables.{table.name}.columns.{column}"


class _Check:
    def __init__(self, datamap: DataMap, inspector: Inspector) -> None:
        self.map = datamap
        self.inspector = inspector
        self.existing = set(inspector.get_table_names())
        self._columns: dict[str, list[str]] = {}

    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            self._columns[table] = [c["name"] for c in self.inspector.get_columns(table)]
        return self._columns[table]

    def run(self, connector: str | None) -> Iterator[Finding]:
        subject = self.map.subject
        tables = self.map.tables_for(connector) if connector else tuple(self.map.tables.values())
        if subject.table in self.existing and subject.restriction_flag:
            yield from self.missing(
                subject.table, [subject.restriction_flag], "subject.restriction_flag"
            )
        for table in tables:
            if table.name not in self.existing:
                yield Finding(
                    "error",
                    f"tables.{table.name}",
                    f"table {table.name!r} does not exist in the database",
                )
                continue
            yield from self.table(table)
        names = {table.name for table in tables}
        for index, ident in enumerate(self.map.identifiers):
            if ident.table in names and ident.table in self.existing:
                columns = [ident.column] if ident.column else list((ident.columns or {}).values())
                columns = [name for name in columns if name]  # city is optional
                yield from self.missing(ident.table, columns, f"identifiers[{index}]")
        yield from self.unmapped_tables()

    def table(self, table: TableMap) -> Iterator[Finding]:
        where = f"tables.{table.name}"
        yield from self.missing(table.name, table.key, f"{where}.key")
        for column in table.columns:
            yield from self.missing(table.name, [column.name], f"{where}.columns.{column.name}")
        if table.recipient:
            yield from self.missing(
                table.name, [table.recipient.column], f"{where}.recipient.column"
            )
        mapped = {column.name for column in table.columns}
        for name in self.columns(table.name):
            if name not in mapped:
                yield self.unmapped(table.name, name)
        link_columns = set(table.key).union(*(path[0].columns for path in table.paths))
        yield from self.rectifiable(table, link_columns)
        for column in table.columns:
            if (
                column.erasure == "keep"
                and column.name not in link_columns
                and looks_personal(column.name)
            ):
                yield Finding(
                    "warning", f"{where}.columns.{column.name}.erasure",
                    f"'keep' on {column.name!r}, which looks personal: "
                    "keep is for keys and non-personal columns",
                )  # fmt: skip
        yield from self.link(table)

    def rectifiable(self, table: TableMap, link_columns: set[str]) -> Iterator[Finding]:
        """A column of the subject's own rows that holds a field a customer may correct
        (by its name or category) but names no ``rectify_as``: a rectification would leave
        it as it is (set ``rectify_as = false`` for a record of what was sent)."""
        if not (table.link or table.name == self.map.subject.table):
            return
        for column in table.columns:
            if column.rectify_as or column.never_rectified or column.erasure == "keep" \
                    or column.name in link_columns:
                continue
            held = rectifiable_field(column.name, column.category)
            if held is not None:
                yield Finding(
                    "warning", f"{where_of(table, column.name)}.rectify_as",
                    f"{column.name!r} seems to hold a field a customer may correct ({held}) "
                    "but has no rectify_as: a rectification never changes it (set "
                    "rectify_as = \"<field>\", or false for a record of what was sent)",
                )  # fmt: skip

    def link(self, table: TableMap) -> Iterator[Finding]:
        yield from self.path(table, table.link, f"tables.{table.name}.link")
        for number, path in enumerate(table.alternatives):
            yield from self.path(table, path, f"tables.{table.name}.alternative_links[{number}]")
        conditions = [(table.retention_when, f"tables.{table.name}.retention_when")]
        conditions += [(c.retention_when, f"tables.{table.name}.columns.{c.name}.retention_when")
                       for c in table.columns]
        for condition, where in conditions:
            if condition is not None:
                yield from self.missing(table.name, sorted(condition.columns()), where)
        for column in table.columns:
            if column.lookup is not None:
                where = f"tables.{table.name}.columns.{column.name}.lookup"
                if column.lookup.table not in self.existing:
                    yield Finding("error", where,
                                  f"table {column.lookup.table!r} does not exist in the database")
                    continue
                named = [column.lookup.key, *column.lookup.label.values()]
                named += [n for c in column.lookup.where.values() if c for n in c.columns()]
                yield from self.missing(column.lookup.table, sorted(set(named)), where)

    def path(self, table: TableMap, hops: Sequence[Hop], prefix: str) -> Iterator[Finding]:
        source = table.name
        for index, hop in enumerate(hops):
            where = f"{prefix}[{index}]"
            yield from self.missing(source, hop.columns, f"{where}.columns")
            if hop.where is not None:
                yield from self.missing(source, sorted(hop.where.columns()), f"{where}.where")
            if hop.table not in self.existing:
                yield Finding(
                    "error", f"{where}.table", f"table {hop.table!r} does not exist in the database"
                )
                return
            broken = list(self.missing(hop.table, hop.ref, f"{where}.ref"))
            yield from broken
            if not broken and not self.unique(hop.table, hop.ref):
                yield Finding(
                    "warning", f"{where}.ref",
                    f"{list(hop.ref)} is neither the primary key nor unique in {hop.table!r}: "
                    "rows may repeat",
                )  # fmt: skip
            source = hop.table

    def missing(self, table: str, columns: Sequence[str], where: str) -> Iterator[Finding]:
        known = self.columns(table)
        for column in columns:
            if column not in known:
                yield Finding(
                    "error", where, f"column {column!r} does not exist in table {table!r}"
                )

    def unmapped(self, table: str, column: str) -> Finding:
        where = f"tables.{table}.columns.{column}"
        if looks_personal(column):
            return Finding(
                "warning", where,
                f"column {column!r} looks personal but is not in the data map: "
                "it is neither exported nor erased",
            )  # fmt: skip
        return Finding(
            "warning", where, f"column {column!r} is not in the data map: it is never exported"
        )

    def unique(self, table: str, columns: Sequence[str]) -> bool:
        wanted = set(columns)
        candidates = [self.inspector.get_pk_constraint(table).get("constrained_columns") or []]
        candidates += [u["column_names"] for u in self.inspector.get_unique_constraints(table)]
        candidates += [
            [c for c in i["column_names"] if c is not None]
            for i in self.inspector.get_indexes(table) if i.get("unique")
        ]
        return any(found and set(found) <= wanted for found in candidates)

    def unmapped_tables(self) -> Iterator[Finding]:
        subject = self.map.subject.table
        for name in sorted(self.existing - set(self.map.tables) - {subject}):
            personal = [column for column in self.columns(name) if looks_personal(column)]
            refers = any(
                fk["referred_table"] == subject for fk in self.inspector.get_foreign_keys(name)
            )
            if personal or refers:
                why = (
                    f"personal-looking columns {personal}"
                    if personal
                    else f"a foreign key to {subject!r}"
                )
                yield Finding(
                    "warning",
                    f"database.{name}",
                    f"table {name!r} is not in the data map but has {why}",
                )
