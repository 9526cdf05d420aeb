"""Facts about a subject that other connectors derive their subject from, read from the shop.

Who received the subject's data (columns marked ``discloses_to``: carrier, bureau, payment
provider), from which IP address the subject used the shop and when (``[[ip_windows]]``), and
the subject's postal addresses (for the suppression list). Each is one query per table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import Subject, json_safe
from connectors.changes import KnownValue, RecipientEvidence, RecipientFacts
from connectors.datamap_conditions import condition_sql
from connectors.datamap_model import DataMap, TableMap
from connectors.sql_paths import column, key_in, subject_rows


def _joined(datamap: DataMap, reflected: Mapping[str, sa.Table], table: TableMap,
            subject: Subject) -> tuple[sa.FromClause, sa.ColumnElement[bool]]:
    return subject_rows(table, reflected, datamap.subject.key, subject.keys)


def disclosures(connection: Connection, datamap: DataMap, reflected: Mapping[str, sa.Table],
                tables: tuple[TableMap, ...], subject: Subject) -> list[dict[str, Any]]:
    """Each recipient named in the subject's rows: table, column, value, first and last date."""
    found: list[dict[str, Any]] = []
    if not subject.keys:
        return found
    for table in tables:
        for mapped in (c for c in table.columns if c.discloses_to):
            joined, where = _joined(datamap, reflected, table, subject)
            source = reflected[table.name]
            value = column(source, mapped.name)
            dated = [column(source, table.document_date)] if table.document_date else []
            query = (sa.select(value, *(sa.func.min(d) for d in dated),
                               *(sa.func.max(d) for d in dated))
                     .select_from(joined).where(where, value.is_not(None)).group_by(value)
                     .order_by(value))
            for row in connection.execute(query):
                found.append({"table": table.name, "column": mapped.name,
                              "value": json_safe(row[0]),
                              "first": json_safe(row[1]) if dated else None,
                              "last": json_safe(row[2]) if dated else None})
    return found


def ip_windows(connection: Connection, datamap: DataMap, reflected: Mapping[str, sa.Table],
               owned: set[str], subject: Subject) -> list[tuple[str, str, str]]:
    """``(ip, start, end)`` per recorded use (ISO times, as stored, widened by the margin)."""
    windows: set[tuple[str, str, str]] = set()
    if not subject.keys:
        return []
    for entry in datamap.ip_windows:
        if entry.table not in owned:
            continue
        table = datamap.tables[entry.table]
        joined, where = _joined(datamap, reflected, table, subject)
        source = reflected[table.name]
        ip, start = column(source, entry.ip), column(source, entry.start)
        end = column(source, entry.end) if entry.end else start
        margin = timedelta(minutes=entry.margin_minutes)
        query = sa.select(ip, start, end).select_from(joined).where(where, ip.is_not(None))
        for address, begin, finish in connection.execute(query):
            if begin is None:
                continue
            begin, finish = _moment(begin) - margin, _moment(finish or begin) + margin
            windows.add((str(address), begin.isoformat(), finish.isoformat()))
    return sorted(windows)


def postal_addresses(connection: Connection, datamap: DataMap,
                     reflected: Mapping[str, sa.Table], owned: set[str],
                     subject: Subject) -> list[tuple[str, str]]:
    """``(street, postcode)`` of each address of the subject (the name_address identifier)."""
    ident = datamap.identifier("name_address")
    if ident is None or ident.columns is None or ident.table not in owned or not subject.keys:
        return []
    table = datamap.tables[ident.table]
    joined, where = _joined(datamap, reflected, table, subject)
    source = reflected[table.name]
    street, postcode = column(source, ident.columns["street"]), column(
        source, ident.columns["postcode"])
    query = sa.select(street, postcode).select_from(joined).where(where).distinct()
    return sorted({(str(s), str(p)) for s, p in connection.execute(query) if s and p})


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def open_claims(connection: Connection, datamap: DataMap, reflected: Mapping[str, sa.Table],
                tables: tuple[TableMap, ...], subject: Subject) -> list[str]:
    """Each ``hold_when`` condition some of the subject's rows meet, as ``table: condition``
    (an open collection case, an unpaid invoice: Art. 17(3)(e) GDPR)."""
    found: list[str] = []
    if not subject.keys:
        return found
    for table in (t for t in tables if t.hold_when is not None and (t.link or t.name == datamap.subject.table)):
        assert table.hold_when is not None
        joined, where = _joined(datamap, reflected, table, subject)
        source = reflected[table.name]
        meets = condition_sql(table.hold_when, source, table.key, reflected)
        query = sa.select(sa.literal(1)).select_from(joined).where(where, meets).limit(1)
        if connection.execute(query).first() is not None:
            found.append(f"{table.name}: {table.hold_when.text}")
    return found


def known_to(connection: Connection, datamap: DataMap, reflected: Mapping[str, sa.Table],
             tables: tuple[TableMap, ...], subject: Subject, evidence: RecipientEvidence,
             read: Sequence[str]) -> RecipientFacts:
    """What one recipient received of the subject according to its evidence rows (the rows
    of ``evidence.table`` whose ``evidence.column`` holds one of its values): the latest
    date of those rows, and the values of the ``table.column`` names in ``read`` it knows
    the subject by — columns of those rows (its reference, a tracking number) and columns
    of the subject's own row (the name and date of birth it was given)."""
    owned = {table.name: table for table in tables}
    table = owned.get(evidence.table)
    if table is None or not subject.keys or not (table.link or table.name == datamap.subject.table):
        return RecipientFacts()
    source = reflected[table.name]
    joined, where = _joined(datamap, reflected, table, subject)
    named = column(source, evidence.column)
    where = where & (named.in_(list(evidence.values)) if evidence.values
                     else named.is_not(None))
    date_name = evidence.date or table.document_date
    last = None
    if date_name:
        found = connection.execute(sa.select(sa.func.max(column(source, date_name)))
                                   .select_from(joined).where(where)).scalar()
        last = _day(found)
    known: list[KnownValue] = []
    for name in read:
        table_name, _, column_name = name.partition(".")
        mapped = owned.get(table_name)
        if mapped is None or column_name not in {c.name for c in mapped.columns}:
            continue
        label = mapped.column(column_name).label
        if table_name == table.name:
            query = (sa.select(column(source, column_name)).select_from(joined)
                     .where(where, column(source, column_name).is_not(None)).distinct())
            own = True
        elif table_name == datamap.subject.table:
            subjects = reflected[table_name]
            keys = [column(subjects, k) for k in datamap.subject.key]
            query = (sa.select(column(subjects, column_name))
                     .where(key_in(keys, subject.keys),
                            column(subjects, column_name).is_not(None)).distinct())
            own = False
        else:
            continue
        values = sorted({str(json_safe(v)) for (v,) in connection.execute(query)})
        known += [KnownValue(dict(label), value, own) for value in values]
    return RecipientFacts(last, tuple(known))


def _day(value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
