"""Drafts ``propose`` adds to a column, with and without a preset: labels from a lookup table
for a coded column, the time zone of a naive timestamp, and the columns and tables that name
who received a row's data (carriers, payment providers).

Each draft comes with the reason a person reviews (a ``# TODO`` line); no sampled value is
written, only names of tables and columns and the name of a time zone, which is read from the
shop's own setting (PrestaShop's ``PS_TIMEZONE``, WordPress's ``timezone_string``) or else from
the database server.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.introspect.classify import words
from connectors.introspect.links import base
from connectors.introspect.schema import Column, Table

LANGUAGE_COLUMNS = {"id_lang", "lang_id", "language_id", "id_language", "store_id", "locale"}
LABEL_COLUMNS = ("name", "label", "title")
ROLE_WORDS = {"id", "current", "default", "main", "last"}
"""Words of a coded column that name its role, not what it codes (``current_state``)."""

ZONE_SETTINGS = {"PS_TIMEZONE": "PrestaShop's setting PS_TIMEZONE",
                 "timezone_string": "WordPress's setting timezone_string"}
"""Settings rows (key -> value) naming the zone the shop writes its local timestamps in."""
SETTING_KEYS = ("name", "option_name", "configuration_key", "path")
SETTING_VALUES = ("value", "option_value", "configuration_value")

CARRIER_WORDS = {"carrier", "carriers", "courier", "shipper", "shipment", "shipments"}
PAYMENT_WORDS = {"psp", "gateway"}
RECIPIENT_KINDS = {"carrier": "carriers (Versanddienstleister)",
                   "payment_provider": "payment providers (Zahlungsdienstleister)"}


@dataclass(frozen=True)
class Lookup:
    """A table of labels for codes: its key column, label column and language column."""

    table: str
    key: str
    label: str
    language: str | None


@dataclass(frozen=True)
class Zones:
    """The zone naive timestamps were written in, and where that came from."""

    local: str
    local_source: str
    server: str
    server_source: str


def lookup_tables(tables: Mapping[str, Table], mapped: Iterable[str]) -> list[Lookup]:
    """Tables that only label codes: one key column (besides a language column) and a text
    label column; none of the tables the map reads a subject's rows from."""
    skip = set(mapped)
    found = []
    for table in tables.values():
        if table.name in skip:
            continue
        key = [k for k in table.key if k.casefold() not in LANGUAGE_COLUMNS]
        language = next((k for k in table.key if k.casefold() in LANGUAGE_COLUMNS), None)
        label = next((name for name in LABEL_COLUMNS if name in table.columns
                      and table.columns[name].is_text and name not in table.key), None)
        if len(key) == 1 and label is not None:
            found.append(Lookup(table.name, key[0], label, language))
    return found


def lookup_for(table: str, column: Column, lookups: Iterable[Lookup],
               prefix: str) -> Lookup | None:
    """The lookup table that labels ``column``'s codes: its key has the column's name
    (``id_country``), or names what the column codes (``current_state`` -> the
    ``order_state`` table's ``id_order_state``)."""
    if not (column.is_int or column.is_binary or column.is_text):
        return None
    name = column.name.casefold()
    meaning = words(column.name) - ROLE_WORDS - {name}
    # The own table's name completes a short name: ``orders.current_state`` codes order states.
    own = {w.removesuffix("s") for w in words(base(table, prefix))} | words(base(table, prefix))
    by_name, by_meaning = [], []
    for lookup in lookups:
        if lookup.table == table:
            continue
        coded = words(lookup.key) - ROLE_WORDS - {lookup.key.casefold()}
        if lookup.key.casefold() == name and name != "id":
            by_name.append(lookup)
        elif meaning and column.is_int and meaning <= coded <= meaning | own \
                and meaning <= words(base(lookup.table, prefix)):
            by_meaning.append(lookup)
    found = by_name or by_meaning
    return min(found, key=lambda lookup: len(lookup.table)) if found else None


def lookup_entry(lookup: Lookup) -> tuple[dict[str, object], str]:
    """The column's ``lookup`` and the reason to review it."""
    entry: dict[str, object] = {"table": lookup.table, "key": lookup.key,
                                "label": lookup.label}
    why = f"codes labelled from {lookup.table}.{lookup.label}: confirm the lookup"
    if lookup.language:
        why += (f"; it holds one label per language ({lookup.language}): add where = "
                f"{{ de = \"{lookup.language} = …\", en = \"{lookup.language} = …\" }}")
    return entry, why


def read_zones(engine: Engine, tables: Mapping[str, Table]) -> Zones:
    """The shop's local zone (its setting, else the server's) and the server's zone."""
    server, server_source = _server_zone(engine)
    for table in tables.values():
        key = next((k for k in SETTING_KEYS if k in table.columns), None)
        value = next((v for v in SETTING_VALUES if v in table.columns), None)
        if key is None or value is None:
            continue
        for row in table.sample:
            setting = row.get(key)
            if setting in ZONE_SETTINGS and _valid(row.get(value)):
                return Zones(str(row[value]), ZONE_SETTINGS[str(setting)], server,
                             server_source)
    return Zones(server, server_source, server, server_source)


def _server_zone(engine: Engine) -> tuple[str, str]:
    backend = engine.dialect.name
    try:
        with engine.connect() as connection:
            if backend in ("mysql", "mariadb"):
                session, system = connection.execute(
                    sa.text("SELECT @@session.time_zone, @@system_time_zone")).one()
                zone = system if str(session).upper() == "SYSTEM" else session
            elif backend == "postgresql":
                zone = connection.execute(sa.text("SHOW TimeZone")).scalar()
            else:
                return "UTC", "no zone known to the database: UTC assumed"
    except sa.exc.SQLAlchemyError:
        return "UTC", "the database's zone could not be read: UTC assumed"
    zone = {"+00:00": "UTC", "Etc/UTC": "UTC"}.get(str(zone), str(zone))
    if not _valid(zone):
        return "UTC", f"the database's zone {zone!r} is no IANA zone: UTC assumed"
    return zone, "the database server's zone"


def _valid(zone: object) -> bool:
    if not isinstance(zone, str) or not zone or "/" not in zone and zone != "UTC":
        return False
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def is_naive_timestamp(column: Column) -> bool:
    """A date and time without zone (not a plain date)."""
    kind = column.type
    return isinstance(kind, sa.DateTime) and not getattr(kind, "timezone", False)


def timezone_for(column: Column, zones: Zones) -> tuple[str, str]:
    """The zone to read the naive timestamp ``column`` in, and the reason to review it."""
    named = words(column.name)
    if named & {"gmt", "utc"}:
        return "UTC", "naive timestamp read as UTC (the name says so): review"
    if isinstance(column.type, sa.TIMESTAMP) and "mysql" in type(column.type).__module__:
        # MySQL's TIMESTAMP is stored in UTC and read in the session's (the server's) zone.
        return zones.server, (f"naive timestamp read as {zones.server} "
                              f"({zones.server_source}; a TIMESTAMP reads in it): review")
    return zones.local, f"naive timestamp read as {zones.local} ({zones.local_source}): review"


def recipient_kind(column: Column) -> str | None:
    """``carrier`` or ``payment_provider`` when the column names who received the row's data
    (``id_carrier``, ``payment``, ``payment_method``); None otherwise."""
    named = words(column.name) - {column.name.casefold()}
    named = named or {column.name.casefold()}
    if named & {"title", "date", "days", "status", "state", "amount", "total", "tax", "rate",
                "price", "cost", "fee", "weight", "reference", "number"}:
        return None
    if named & CARRIER_WORDS or named >= {"shipping", "method"}:
        return "carrier"
    if column.name.casefold() == "payment" or named & PAYMENT_WORDS or (
            "payment" in named and named & {"method", "module", "provider"}):
        return "payment_provider"
    return None


def recipient_tables(tables: Mapping[str, Table], prefix: str) -> list[tuple[str, str]]:
    """``(table, kind)`` of the tables that list the shop's carriers or payment providers."""
    found = []
    for name in sorted(tables):
        named = words(base(name, prefix))
        if named & CARRIER_WORDS:
            found.append((name, "carrier"))
        elif named & PAYMENT_WORDS or named >= {"payment", "method"} \
                or named >= {"payment", "provider"}:
            found.append((name, "payment_provider"))
    return found


def recipient_notes(tables: Mapping[str, Table], prefix: str) -> list[str]:
    """The register's TODO lines for the recipient tables found."""
    return [f"table {name!r} lists the shop's {RECIPIENT_KINDS[kind]}: name each of them "
            f"under [recipients] (kind controller or processor) and in its purposes"
            for name, kind in recipient_tables(tables, prefix)]
