"""``dsr datamap coverage``: how far the data map reaches for one test subject, read only.

First the rows found per mapped table and per link path; then every text and number column of
every table is searched for the subject's identifiers (e-mail, customer number, and the names,
phone numbers, streets and IP addresses the map's answer shows, IPv4 also as an integer).
A place that holds one and that the map's answer does not show is listed: table, column and
number of rows, never a value. Each table is read up to ``row_budget`` rows.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.base import Identity, Subject
from connectors.datamap_model import DataMap
from connectors.introspect.classify import classify
from connectors.introspect.schema import Column
from connectors.shop_sql import ShopSqlConnector
from connectors.sql_paths import key_in, linked_rows, read_transaction

ROW_BUDGET = 100_000
SEARCHED_KINDS = {"email", "phone", "first_name", "last_name", "name", "street", "ip", "iban",
                  "free_text"}
MIN_LENGTH = 4


@dataclass(frozen=True)
class Place:
    """Rows of ``table`` whose ``column`` holds one of the subject's identifiers."""

    table: str
    column: str
    rows: int
    reached: int  # of those rows, how many the map's answer shows in that column

    @property
    def missed(self) -> int:
        return self.rows - self.reached


@dataclass
class Coverage:
    """Rows per mapped table and path; the places holding the subject's identifiers."""

    subjects: int
    paths: dict[str, list[int]] = field(default_factory=dict)
    places: list[Place] = field(default_factory=list)
    truncated: list[str] = field(default_factory=list)  # tables read only up to the budget
    needles: int = 0

    @property
    def unreached(self) -> list[Place]:
        return [place for place in self.places if place.missed]


def coverage(url: str, datamap: DataMap, identity: Identity, *,
             values: Iterable[str] = (), row_budget: int = ROW_BUDGET,
             progress: Callable[[str], None] | None = None) -> Coverage:
    """Run the dry run for the subject ``identity`` describes (``values``: more to search)."""
    connector_name = datamap.tables[datamap.subject.table].connector
    connector = ShopSqlConnector(connector_name, url, datamap, 30_000)
    try:
        found = connector.discover(identity)
        subject = Subject.from_matches(found.matches) if found.matches else Subject((), {})
        report = Coverage(len(found.matches))
        answer = connector.access(subject) if found.matches else None
        shown: set[tuple[str, tuple[Any, ...], str]] = set()
        # The key columns the answer shows (a technical key part may be left out of it).
        shown_keys: dict[str, list[str]] = {}
        needles = {v for v in (identity.email, identity.customer_number, *values) if v}
        if answer is not None:
            for records in answer.tables:
                table = datamap.tables[records.table]
                names = [c.name for c in records.columns]
                shown_keys[records.table] = [k for k in table.key if k in names]
                for row in records.rows:
                    cells = dict(zip(names, row, strict=True))
                    key = tuple(str(cells[k]) for k in shown_keys[records.table])
                    for name, value in cells.items():
                        if value is not None:
                            shown.add((records.table, key, name))
                            if _worth_searching(name, value):
                                needles.add(str(value))
            report.paths = _path_counts(connector, subject)
        report.needles = len(needles)
        report.places, report.truncated = _search(connector.engine, needles, shown, shown_keys,
                                                  row_budget, progress)
        return report
    finally:
        connector.close()


def _worth_searching(name: str, value: Any) -> bool:
    if not isinstance(value, str) or len(value.strip()) < MIN_LENGTH:
        return False
    guess = classify(Column(name, sa.String(), True, [value]))
    return guess.personal and guess.kind in SEARCHED_KINDS and not guess.secret


def _path_counts(connector: ShopSqlConnector, subject: Subject) -> dict[str, list[int]]:
    """Rows per table and link path (the subject table: its own rows)."""
    tables = connector._reflector.tables()
    key = connector.datamap.subject.key
    counts: dict[str, list[int]] = {}
    with read_transaction(connector.engine) as connection:
        for table in connector.tables:
            source = tables[table.name]
            paths = table.paths or ((),)
            counts[table.name] = []
            for path in paths:
                joined, where = linked_rows(source, [path] if path else [], table.key, tables,
                                            key, lambda cols: key_in(cols, subject.keys))
                query = sa.select(sa.func.count()).select_from(joined).where(where)
                counts[table.name].append(int(connection.execute(query).scalar_one()))
    return counts


def _variants(needles: set[str]) -> tuple[list[str], set[int]]:
    """Text needles (case-folded) and numbers: IPv4 addresses also as integers."""
    texts, numbers = [], set()
    for needle in needles:
        texts.append(needle.casefold())
        try:
            address = ipaddress.ip_address(needle.strip())
        except ValueError:
            if needle.strip().isdigit():
                numbers.add(int(needle.strip()))
            continue
        numbers.add(int(address))
    return texts, numbers


def _search(engine: Engine, needles: set[str], shown: set[tuple[str, tuple[Any, ...], str]],
            shown_keys: Mapping[str, list[str]], row_budget: int,
            progress: Callable[[str], None] | None) -> tuple[list[Place], list[str]]:
    texts, numbers = _variants(needles)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    places: list[Place] = []
    truncated: list[str] = []
    with read_transaction(engine) as connection:
        for table in metadata.sorted_tables:
            if progress:
                progress(table.name)
            searched = [c for c in table.c if _searchable(c)]
            if not searched:
                continue
            keys_of_map = shown_keys.get(table.name, [])
            hits: dict[str, list[int]] = {}
            query = sa.select(table).limit(row_budget + 1)
            for read, row in enumerate(connection.execute(query), start=1):
                if read > row_budget:
                    truncated.append(table.name)
                    break
                cells = row._mapping
                key = tuple(str(_plain(cells[k])) for k in keys_of_map)
                for col in searched:
                    if _holds(cells[col.name], texts, numbers):
                        seen = hits.setdefault(col.name, [0, 0])
                        seen[0] += 1
                        seen[1] += (table.name, key, col.name) in shown
            places += [Place(table.name, name, total, reached)
                       for name, (total, reached) in sorted(hits.items())]
    return places, truncated


def _plain(value: Any) -> Any:
    return value.hex() if isinstance(value, bytes) else value


def _searchable(column: sa.Column[Any]) -> bool:
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return False
    return kind in (str, int)


def _holds(value: Any, texts: list[str], numbers: set[int]) -> bool:
    if value is None or isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value in numbers
    if isinstance(value, str):
        folded = value.casefold()
        return any(needle in folded for needle in texts)
    return False


def format_report(report: Coverage, mapped: Mapping[str, Any]) -> list[str]:
    """The report as lines for a terminal: counts and places, no values."""
    lines = [f"subjects found: {report.subjects}; identifiers searched: {report.needles}"]
    for table, counts in report.paths.items():
        per_path = ", ".join(f"path {i}: {n}" for i, n in enumerate(counts))
        lines.append(f"mapped  {table}: {per_path}")
    for place in report.places:
        state = "reached" if not place.missed else (
            "NOT MAPPED" if place.table not in mapped else "not shown")
        lines.append(f"{state:10} {place.table}.{place.column}: {place.rows} row(s)"
                     + (f", {place.missed} not in the answer" if place.missed else ""))
    for table in report.truncated:
        lines.append(f"budget  {table}: read only up to the row budget; raise --row-budget")
    return lines
