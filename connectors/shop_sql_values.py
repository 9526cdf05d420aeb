"""How the shop connector's stored values read in an answer: the data map's value transforms.

An integer or binary IP address becomes its text form, a naive timestamp gets the map's time
zone (and its offset), a secret (``disclose = false``) is replaced by a code whose label says it
is stored but not disclosed, and a column with a ``lookup`` gets the labels of the codes it
holds, read from the lookup table in the same read transaction.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import AccessResult, JsonValue, Label, RecordColumn, json_safe
from connectors.datamap_conditions import condition_sql
from connectors.datamap_model import ColumnMap, TableMap
from connectors.sql_paths import bound

NOT_DISCLOSED = "(not disclosed)"
"""What a secret's value is replaced by in an answer; its label says why."""
NOT_DISCLOSED_LABEL: Label = {
    "de": "gespeichert, aus Sicherheitsgründen nicht herausgegeben",
    "en": "stored, not disclosed for security reasons",
}


def ip_text(value: Any) -> Any:
    """An address stored as an integer (IPv4 below 2**32, else IPv6), as 4 or 16 bytes, or as
    numeric text, in its text form; anything else as stored."""
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value)
        if len(raw) in (4, 16):
            return str(ipaddress.ip_address(raw))
        try:
            return str(ipaddress.ip_address(raw.decode("ascii")))
        except (UnicodeDecodeError, ValueError):
            return json_safe(value)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        try:
            return str(ipaddress.IPv4Address(value) if value < 2**32
                       else ipaddress.IPv6Address(value))
        except ValueError:
            return value
    return json_safe(value)


def zoned(value: Any, zone: str) -> Any:
    """A naive timestamp read as local time of ``zone``, in ISO form with its offset."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(zone))
        return value.isoformat()
    return json_safe(value)


def shown_value(column: ColumnMap, value: Any) -> JsonValue:
    """One stored value as the answer carries it."""
    if value is None:
        return None
    if not column.disclose:
        return NOT_DISCLOSED
    if column.transform == "ip":
        return ip_text(value)
    if column.timezone:
        return zoned(value, column.timezone)
    return json_safe(value)


def shown_column(column: ColumnMap, source: sa.Table, key: tuple[str, ...],
                 tables: Mapping[str, sa.Table]) -> sa.ColumnElement[Any]:
    """What an access selects for ``column``: the column, or for a column disclosed only on
    some rows (``disclose = "condition"``, e.g. one meta key that holds a session token) the
    column where the condition holds and the not-disclosed code elsewhere."""
    selected = source.c[column.name]
    if column.disclose_when is None:
        return selected
    holds = condition_sql(column.disclose_when, source, key, tables)
    return sa.case((holds, selected), else_=sa.case((selected.is_(None), None),
                                                   else_=sa.literal(NOT_DISCLOSED))
                   ).label(column.name)


def record_column(column: ColumnMap) -> RecordColumn:
    """The column as the answer names it (labels of codes, unit, currency)."""
    values = column.values
    if not column.disclose:
        values = {NOT_DISCLOSED: NOT_DISCLOSED_LABEL}
    elif column.disclose_when is not None:
        values = {**(values or {}), NOT_DISCLOSED: NOT_DISCLOSED_LABEL}
    return RecordColumn(column.name, column.label, column.category, values, column.unit,
                        currency=column.currency)


def readable(connection: Connection, reflected: Mapping[str, sa.Table],
             tables: Sequence[TableMap], result: AccessResult) -> AccessResult:
    """``result`` with the labels of every ``lookup`` column's codes (one query per column
    and language, for the codes the subject's rows hold only)."""
    by_name = {table.name: table for table in tables}
    changed = []
    for records in result.tables:
        table = by_name.get(records.table)
        columns = list(records.columns)
        for index, shown in enumerate(columns):
            mapped = table.column(shown.name) if table else None
            if mapped is None or mapped.lookup is None or not mapped.disclose:
                continue
            codes = {row[index] for row in records.rows if row[index] is not None}
            if codes:
                columns[index] = replace(shown, values=_labels(connection, reflected,
                                                               mapped, codes))
        changed.append(replace(records, columns=tuple(columns)))
    return AccessResult(tuple(changed))


def _labels(connection: Connection, reflected: Mapping[str, sa.Table], column: ColumnMap,
            codes: set[Any]) -> dict[str, Label]:
    lookup = column.lookup
    assert lookup is not None
    source = reflected[lookup.table]
    key = source.c[lookup.key]
    found: dict[str, dict[str, str]] = {}
    for lang in ("de", "en"):
        wanted = [bound(key, code) for code in sorted(codes, key=str)]
        query = sa.select(key, source.c[lookup.label[lang]]).where(key.in_(wanted))
        condition = lookup.where.get(lang)
        if condition is not None:
            primary = tuple(c.name for c in source.primary_key)
            query = query.where(condition_sql(condition, source, primary, reflected))
        for code, text in connection.execute(query):
            if text is not None:
                found.setdefault(str(json_safe(code)), {})[lang] = str(text)
    return {code: {"de": labels.get("de", labels.get("en", code)),
                   "en": labels.get("en", labels.get("de", code))}
            for code, labels in found.items()}
