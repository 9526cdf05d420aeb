"""``propose --preset``: a shipped preset adapted to the real database.

The preset's table prefix is replaced by the database's (``ps_`` -> ``shop1_``); tables the
database lacks (optional plug-ins, older versions) are dropped with every path, lookup and
identifier that needs them, as are missing columns. Each change is named in a ``# TODO`` line
at the top of the written map.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import tomli_w
from sqlalchemy.engine import Engine

from connectors.introspect.drafts import (
    Zones,
    is_naive_timestamp,
    lookup_entry,
    lookup_for,
    lookup_tables,
    read_zones,
    recipient_kind,
    recipient_notes,
    timezone_for,
)
from connectors.introspect.links import common_prefix
from connectors.introspect.schema import Table, read_schema

PRESETS = Path(__file__).resolve().parents[1] / "presets"


def preset_names() -> list[str]:
    """The shipped presets."""
    return sorted(path.stem for path in PRESETS.glob("*.toml"))


def adapt(name: str, engine: Engine) -> tuple[str, list[str]]:
    """The preset ``name`` fitted to the database: (TOML text, what was changed)."""
    path = PRESETS / f"{name}.toml"
    if not path.exists():
        raise ValueError(f"unknown preset {name!r} (shipped: {', '.join(preset_names())})")
    text = path.read_text(encoding="utf-8")
    inspector = sa.inspect(engine)
    existing = {t: {c["name"] for c in inspector.get_columns(t)}
                for t in inspector.get_table_names()}
    data = tomllib.loads(text)
    notes: list[str] = []
    old = common_prefix(list(data["tables"]))
    subject = data["subject"]["table"]
    new = _prefix_of(subject[len(old):], existing, old)
    if old and new != old:
        text = re.sub(rf"(?<![A-Za-z0-9_]){re.escape(old)}(?=[A-Za-z0-9_])", new, text)
        data = tomllib.loads(text)
        notes.append(f"table prefix {old!r} replaced by {new!r}")
    _drop_missing(data, existing, notes)
    schema = read_schema(engine, only=list(existing))
    _draft(data, schema, new, read_zones(engine, schema), notes)
    header = ["# Data map from the preset " + repr(name) + ", adapted by `dsr datamap propose`."]
    header += [f"# TODO: {note}" for note in notes]
    return "\n".join(header) + "\n" + tomli_w.dumps(data), notes


def _prefix_of(subject_base: str, existing: Iterable[str], old: str) -> str:
    """The prefix the database puts before the subject table's name."""
    matches = [name[: -len(subject_base)] for name in existing
               if name.endswith(subject_base) and len(name) - len(subject_base) <= 12]
    return old if old in matches or not matches else min(matches, key=len)


def _drop_missing(data: dict[str, Any], existing: dict[str, set[str]], notes: list[str]) -> None:
    tables = data["tables"]
    for name in [n for n in tables if n not in existing]:
        del tables[name]
        notes.append(f"table {name!r} is not in the database: left out")
    changed = True
    while changed:  # a table whose every path passes a dropped table goes too
        changed = False
        for name, table in list(tables.items()):
            if name == data["subject"]["table"]:
                continue
            paths = [table.get("link", []), *table.get("alternative_links", [])]
            kept = [p for p in paths if p and all(h["table"] in tables for h in p)]
            if len(kept) != len([p for p in paths if p]):
                if not kept:
                    del tables[name]
                    notes.append(f"table {name!r} no longer reaches the subject: left out")
                    changed = True
                    continue
                table["link"], table["alternative_links"] = kept[0], kept[1:]
                if not table["alternative_links"]:
                    del table["alternative_links"]
                notes.append(f"table {name!r}: paths through missing tables left out")
    for name, table in tables.items():
        columns = table["columns"]
        for column in [c for c in columns if c not in existing[name]]:
            del columns[column]
            notes.append(f"column {name}.{column} is not in the database: left out")
        for column, entry in columns.items():
            lookup = entry.get("lookup")
            if lookup and lookup["table"] not in existing:
                del entry["lookup"]
                notes.append(f"{name}.{column}: lookup table {lookup['table']!r} missing, "
                             "codes shown as stored")
        date = table.get("document_date")
        if date and "." not in date and date not in columns:
            del table["document_date"]
            notes.append(f"table {name!r}: document date {date!r} missing")
    data["identifiers"] = [i for i in data.get("identifiers", []) if i["table"] in tables
                           and all(c in tables[i["table"]]["columns"] for c in
                                   ([i["column"]] if "column" in i else i["columns"].values()))]


def _draft(data: dict[str, Any], schema: dict[str, Table], prefix: str, zones: Zones,
           notes: list[str]) -> None:
    """What ``propose`` drafts without a preset, where the preset has nothing: lookup labels
    for coded columns, the zone of naive timestamps (the shop's own zone replacing the
    preset's local one), the columns naming a carrier or payment provider."""
    tables = data["tables"]
    lookups = lookup_tables(schema, tables)
    local_setting = zones.local_source != zones.server_source
    for name, table in tables.items():
        links = {c for path in [table.get("link", []), *table.get("alternative_links", [])]
                 for hop in path[:1] for c in hop["columns"]}
        for column_name, entry in table["columns"].items():
            column = schema[name].columns[column_name]
            where = f"{name}.{column_name}"
            coded = not ({"lookup", "values", "unit"} & set(entry)) and entry.get("export", True)
            if coded and column_name not in links and column_name not in table["key"]:
                found = lookup_for(name, column, lookups, prefix)
                if found is not None:
                    entry["lookup"], why = lookup_entry(found)
                    notes.append(f"{where}: {why}")
            zone = entry.get("timezone")
            if zone is None and is_naive_timestamp(column):
                entry["timezone"], why = timezone_for(column, zones)
                notes.append(f"{where}: {why}")
            elif zone not in (None, "UTC") and local_setting and zone != zones.local:
                entry["timezone"] = zones.local
                notes.append(f"{where}: zone {zone!r} of the preset replaced by {zones.local!r} "
                             f"({zones.local_source}): review")
            kind = recipient_kind(column)
            if kind is not None and not entry.get("discloses_to") and column_name not in links:
                entry["discloses_to"] = True
                notes.append(f"{where}: names who received the row's data (a "
                             f"{kind.replace('_', ' ')}): confirm, and name each in the "
                             "register's recipients")


def register_notes(engine: Engine) -> list[str]:
    """The starter register's TODO lines for the database's carrier and payment tables."""
    schema = read_schema(engine, sample_rows=0)
    return recipient_notes(schema, common_prefix(list(schema)))
