"""``dsr datamap check`` from content: warnings read from a sample of each table's rows.

Each warning says in one line what the sample shows and what to change. A column whose sample
shows nothing personal clears the name-based warning for it (a ``tax_rate`` is not a person's
tax number; a lookup table's ``name`` is no customer's name). No sampled value is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from connectors.datamap_check import Finding
from connectors.datamap_model import DataMap
from connectors.introspect.classify import classify
from connectors.introspect.schema import SAMPLE_ROWS, Table, read_schema


@dataclass
class ContentCheck:
    """The content warnings and the columns whose sample shows nothing personal."""

    findings: list[Finding]
    cleared: set[tuple[str, str]]
    sampled: set[str]  # tables with rows to sample


def check_content(datamap: DataMap, engine: Engine, connector: str | None = None,
                  sample_rows: int = SAMPLE_ROWS) -> ContentCheck:
    """Sample every table and compare what the rows hold with what the map says."""
    tables = read_schema(engine, sample_rows=sample_rows)
    mapped = datamap.tables_for(connector) if connector else tuple(datamap.tables.values())
    names = {t.name for t in mapped}
    findings: list[Finding] = []
    cleared: set[tuple[str, str]] = set()
    for table in tables.values():
        if table.name in names:
            findings += list(_mapped(datamap, table))
        elif table.name not in datamap.tables:
            findings += list(_unmapped_table(table))
        for name, column in table.columns.items():
            if column.samples and not classify(column, key=name in table.key).personal:
                cleared.add((table.name, name))
    return ContentCheck(findings, cleared, {t.name for t in tables.values() if t.rows})


def _mapped(datamap: DataMap, table: Table) -> Iterator[Finding]:
    mapped = datamap.tables[table.name]
    listed = {c.name: c for c in mapped.columns}
    link = {c for path in mapped.paths for c in path[0].columns} if mapped.paths else set()
    for name, column in table.columns.items():
        where = f"tables.{table.name}.columns.{name}"
        guess = classify(column, key=name in mapped.key, link=name in link)
        entry = listed.get(name)
        if entry is None:
            if guess.personal and column.samples:
                yield Finding("warning", where, f"not in the map, but the sample shows "
                              f"{_shows(guess.why)}; fix: list it with an "
                              "erasure action (or export = false if it is technical)")
            continue
        if entry.erasure == "null" and not column.nullable:
            yield Finding("warning", f"{where}.erasure", "erasure = \"null\" on a NOT NULL "
                          "column: the erasure would fail; fix: erasure = \"anonymise\"")
        if not column.samples:
            continue
        if guess.secret and entry.disclose and entry.disclose_when is None:
            yield Finding("warning", f"{where}.disclose", f"the sample shows {_shows(guess.why)}; "
                          "fix: disclose = false")
        elif guess.personal and entry.erasure == "keep" and guess.confidence >= 0.75:
            yield Finding("warning", f"{where}.erasure", f"kept for ever, but the sample shows "
                          f"{_shows(guess.why)}; fix: erasure = "
                          "\"anonymise\" (or a retention rule that justifies keeping it)")
        if guess.kind == "ip_int" and entry.transform != "ip":
            yield Finding("warning", f"{where}.transform", "the sample shows IPv4 addresses "
                          "stored as integers; fix: transform = \"ip\"")
        scale = getattr(column.type, "scale", None)
        if scale and scale > 2 and entry.unit is None and entry.export and entry.values is None:
            yield Finding("warning", f"{where}.unit", f"decimal with {scale} places shown "
                          "as stored; fix: unit = \"money\" (with currency) if it is an amount")


def _unmapped_table(table: Table) -> Iterator[Finding]:
    # Two different values at least: one address in a settings table is the shop's own.
    kinds = sorted({g.kind for name, column in table.columns.items()
                    if len({str(v) for v in column.samples}) >= 2
                    for g in [classify(column, key=name in table.key)]
                    if g.personal and g.confidence >= 0.75 and not g.secret})
    if kinds:
        yield Finding("warning", f"database.{table.name}", f"not in the map, but its sample "
                      f"holds {', '.join(kinds)}; fix: map it with a link to the subject, or "
                      "run `dsr datamap coverage` to see whether it holds customers' data")


def _shows(why: str) -> str:
    """A guess's reason as what the sample shows ("content: phone numbers" -> "phone
    numbers")."""
    for prefix in ("content and name: ", "content: "):
        why = why.removeprefix(prefix)
    return why.split(":")[0] if why.startswith("a secret") else why
