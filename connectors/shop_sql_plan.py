"""Planning changes in a data-map-driven SQL database, field by field, without touching it.

For an erasure every mapped column of the subject's rows gets its map action — unless a
retention rule (the column's, else the table's) still runs for the row's document date, or a
legal hold is active: then the field is *blocked* with its ``retained_until``. A table with
``delete`` columns loses the whole row once none of its fields is blocked. Rows where the
subject is only the recipient of someone else's order lose the recipient fields only.
Restriction sets the map's flag column; rectification sets the named fields, except in a
document under retention, where the correction is recorded beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import ConnectorError, JsonValue, Subject, SubjectKey, json_safe
from connectors.changes import (
    Action,
    ChangeRequest,
    PlannedChange,
    RectifiableRow,
    RectifiableValue,
    RetentionRule,
)
from connectors.datamap_conditions import Condition, condition_sql
from connectors.datamap_model import ColumnMap, DataMap, TableMap
from connectors.sql_paths import column, matches_value, subject_rows

ERASURE_NORM = "Art. 17 Abs. 1 DSGVO"
RESTRICTION_NORM = "Art. 18 DSGVO"
RECTIFICATION_NORM = "Art. 16 DSGVO"
OVERDUE_REASON = "retention_expired"
"""The reason of a change to a field whose retention period has ended (``overdue``)."""
DOCUMENT_NORM = "§146 Abs. 4 AO, §239 Abs. 3 HGB"
KEY_CHUNK = 500
"""Keys per ``IN`` list: one statement per chunk keeps every back end's parameter limit."""


def chunks(items: Sequence[Any], size: int = KEY_CHUNK) -> Iterable[Sequence[Any]]:
    """``items`` in slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def as_date(value: Any) -> date | None:
    """A document date column's value as a date (datetime, date or ISO text)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def typed_value(value: Any, column_type: sa.types.TypeEngine[Any]) -> Any:
    """A planned value (JSON: dates as ISO text) as the column's type takes it; raises
    ValueError when it does not fit (not a date, longer than the column)."""
    if isinstance(value, str) and isinstance(column_type, sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(value, str) and isinstance(column_type, sa.Date):
        return date.fromisoformat(value)
    length = getattr(column_type, "length", None)
    if isinstance(value, str) and isinstance(column_type, sa.String) and length \
            and len(value) > length:
        raise ValueError(f"longer than the column's {length} characters")
    return value


def _outside(corrections: list[PlannedChange],
             erased: list[PlannedChange]) -> list[PlannedChange]:
    """The corrections that touch nothing the same request erases (erasure + rectification:
    a corrected value written back into an erased field would survive the erasure)."""
    if not erased:
        return corrections
    rows = {c.key for c in erased if c.action == "delete"}
    fields = {(c.key, name) for c in erased if c.action in ("null", "anonymise")
              for name in c.fields}
    return [c for c in corrections if c.key not in rows
            and not any((c.key, name) in fields for name in c.fields)]


@dataclass(frozen=True)
class _Row:
    """One row of the subject's: its key, its document date, the row conditions it meets."""

    key: tuple[JsonValue, ...]
    document: date | None
    meets: frozenset[str]


@dataclass(frozen=True)
class RowFacts:
    """The columns of :meth:`SqlPlanner.row_facts`, and how a row's tail of them is read."""

    table: TableMap
    columns: tuple[sa.ColumnElement[Any], ...]
    conditions: tuple[str, ...]

    def read(self, values: Sequence[Any]) -> _Row:
        """The row's facts from the values of :attr:`columns` (the last of a row)."""
        width = len(self.table.key)
        dated = self.table.document_date is not None
        flags = values[width + dated:]
        holds = {text for text, flag in zip(self.conditions, flags, strict=True) if flag}
        return _Row(tuple(json_safe(v) for v in values[:width]),
                    as_date(values[width]) if dated else None, frozenset(holds))


def _conditions(table: TableMap) -> dict[str, Condition]:
    """The table's and its columns' retention conditions, by their text."""
    found = [table.retention_when, *(c.retention_when for c in table.columns)]
    return {c.text: c for c in found if c is not None}


class SqlPlanner:
    """Computes the planned changes for one connector's tables in one read transaction."""

    def __init__(self, datamap: DataMap, tables: Sequence[TableMap],
                 reflected: Mapping[str, sa.Table]) -> None:
        self.datamap = datamap
        self.tables = tables
        self.reflected = reflected

    def plan(self, connection: Connection, subject: Subject,
             request: ChangeRequest) -> list[PlannedChange]:
        """Every change for the subject, in the order the steps must run (children first)."""
        changes: list[PlannedChange] = []
        for table in self._ordered():
            erased: list[PlannedChange] = []
            if request.wants("erasure"):
                erased = (self._erase_own(connection, table, subject, request)
                          + self._erase_received(connection, table, subject, request))
                changes += erased
            if request.wants("rectification"):
                changes += _outside(self._rectify(connection, table, subject, request), erased)
            if request.wants("restriction") or request.lift_restriction:
                changes += self._restrict(table, subject, request)
        return changes

    def _ordered(self) -> list[TableMap]:
        """Map tables with dependent tables before the tables they reference."""
        names = [t.name for t in sa.sql.util.sort_tables(list(self.reflected.values()))]
        order = {name: index for index, name in enumerate(reversed(names))}
        return sorted(self.tables, key=lambda table: order.get(table.name, len(order)))

    def _own_rows(self, connection: Connection, table: TableMap,
                  keys: tuple[SubjectKey, ...]) -> list[_Row]:
        """Key values and document date of the table's rows that link to the subject."""
        if not table.link and table.name != self.datamap.subject.table:
            return []
        joined, condition = subject_rows(table, self.reflected, self.datamap.subject.key, keys)
        return self._rows(connection, table, sa.select().select_from(joined).where(condition))

    def _rows(self, connection: Connection, table: TableMap,
              query: sa.Select[Any]) -> list[_Row]:
        """Key, document date and the row conditions that hold, of each row ``query`` finds."""
        facts = self.row_facts(table)
        query = query.add_columns(*facts.columns).order_by(*facts.columns[:len(table.key)])
        return [facts.read(row) for row in connection.execute(query)]

    def row_facts(self, table: TableMap) -> RowFacts:
        """The columns that tell a row's key, document date and conditions (to add to a query
        that selects the table's rows, any query: the access read carries them too)."""
        source = self.reflected[table.name]
        selected = [column(source, name) for name in table.key]
        if table.document_date is not None:
            selected.append(self._document_date(table, source))
        conditions = _conditions(table)
        selected += [sa.case((condition_sql(c, source, table.key, self.reflected), 1), else_=0)
                     for c in conditions.values()]
        return RowFacts(table, tuple(selected), tuple(conditions))

    def overdue_tables(self) -> list[TableMap]:
        """The tables :meth:`overdue` reads, children first: the subject's own rows of those
        with an erasable field under a retention rule."""
        return [table for table in self._ordered()
                if (table.link or table.name == self.datamap.subject.table)
                and any(c.erasure != "keep" for c in table.columns)
                and (table.retention is not None
                     or any(c.retention for c in table.columns if c.erasure != "keep"))]

    def overdue_of_rows(self, rows: Mapping[str, list[_Row]],
                        request: ChangeRequest) -> list[PlannedChange]:
        """:meth:`overdue` of rows read already (by table name, from :meth:`row_facts`)."""
        changes: list[PlannedChange] = []
        for table in self.overdue_tables():
            erasable = [c for c in table.columns if c.erasure != "keep"]
            nullable = {c.name: self.reflected[table.name].c[c.name].nullable for c in erasable}
            for row in rows.get(table.name, ()):
                changes += _overdue_changes(table, row, erasable, request, nullable)
        return changes

    def _document_date(self, table: TableMap, source: sa.Table) -> Any:
        """The document date column, or the latest date of the rows its link reaches in
        ``document_date_table`` (a table without a date of its own)."""
        assert table.document_date is not None
        if table.document_date_table is None:
            return column(source, table.document_date)
        hops = []
        for hop in table.link:
            hops.append(hop)
            if hop.table == table.document_date_table:
                break
        inner = source.alias("dated")
        joined: sa.FromClause = inner
        current: sa.FromClause = inner
        for index, hop in enumerate(hops):
            target = self.reflected[hop.table].alias(f"dated{index}")
            on = [column(current, own) == column(target, ref)
                  for own, ref in zip(hop.columns, hop.ref, strict=True)]
            if hop.where is not None:
                on.append(condition_sql(hop.where, current,
                                        tuple(c.name for c in current.primary_key),
                                        self.reflected))
            joined, current = joined.join(target, sa.and_(*on)), target
        return (sa.select(sa.func.max(column(current, table.document_date)))
                .select_from(joined)
                .where(*(column(inner, k) == column(source, k) for k in table.key))
                .scalar_subquery())

    def _erase_own(self, connection: Connection, table: TableMap, subject: Subject,
                   request: ChangeRequest) -> list[PlannedChange]:
        if not subject.keys:
            return []
        return self._erase_rows(table, self._own_rows(connection, table, subject.keys),
                                request)

    def erase_where(self, connection: Connection, table: TableMap,
                    where: sa.ColumnElement[bool], request: ChangeRequest) -> list[PlannedChange]:
        """The erasure of the rows of ``table`` that ``where`` selects, as of the subject's
        own rows (rows that are the subject's without a link to it: a newsletter subscriber
        without a shop account); reads only."""
        source = self.reflected[table.name]
        rows = self._rows(connection, table, sa.select().select_from(source).where(where))
        return self._erase_rows(table, rows, request)

    def _erase_rows(self, table: TableMap, rows: list[_Row],
                    request: ChangeRequest) -> list[PlannedChange]:
        erasable = [c for c in table.columns if c.erasure != "keep"]
        if not erasable:
            return []
        deletes_row = any(c.erasure == "delete" for c in erasable)
        nullable = {c.name: self.reflected[table.name].c[c.name].nullable for c in erasable}
        changes = []
        for row in rows:
            changes += _row_changes(table, row, erasable, request,
                                    deletes_row=deletes_row, nullable=nullable)
        return changes

    def overdue(self, connection: Connection, subject: Subject,
                request: ChangeRequest) -> list[PlannedChange]:
        """The subject's own fields whose retention rule has ended, each with the map's
        erasure action and the day its period ended (``retained_until``); reads only.

        A field without a rule is not overdue; a storage limit (``storage_limit`` in the
        register: credit checks reused for 90 days at most) counts like a duty to keep. A row
        with ``delete`` columns goes whole only when every erasable field of it is overdue,
        else its overdue fields are emptied.
        """
        if not subject.keys:
            return []
        return self.overdue_of_rows({table.name: self._own_rows(connection, table, subject.keys)
                                     for table in self.overdue_tables()}, request)

    def _erase_received(self, connection: Connection, table: TableMap, subject: Subject,
                        request: ChangeRequest) -> list[PlannedChange]:
        """Recipient fields of other people's rows that were sent to the subject."""
        recipient = table.recipient
        ident = self.datamap.identifier(recipient.identifier) if recipient else None
        values = subject.identifiers.get(recipient.identifier, ()) if recipient else ()
        if recipient is None or ident is None or not values:
            return []
        source = self.reflected[table.name]
        condition = matches_value(column(source, recipient.column), ident.normalise, values)
        if table.link and subject.keys:
            _, own = subject_rows(table, self.reflected, self.datamap.subject.key,
                                  subject.keys, as_filter=True)
            condition = condition & sa.not_(own)
        fields = [table.column(name) for name in recipient.fields]
        erasable = [c for c in fields if c.erasure != "keep"]
        changes = []
        for row in self._rows(connection, table,
                              sa.select().select_from(source).where(condition)):
            changes += _row_changes(table, row, erasable, request, deletes_row=False,
                                    nullable=dict.fromkeys((c.name for c in erasable), True),
                                    reason="erasure_as_recipient")
        return changes

    def _rectify(self, connection: Connection, table: TableMap, subject: Subject,
                 request: ChangeRequest) -> list[PlannedChange]:
        """A ``set`` per corrected field of the subject's rows: of the rows the coordinator
        picked where the request names rows for the column, else of every row; in a document
        under retention the correction is recorded beside it (``block``), never written."""
        wanted = {name.split(".", 1)[1]: value for name, value in request.corrections.items()
                  if name.split(".", 1)[0] == table.name}
        picked: dict[str, dict[tuple[JsonValue, ...], str]] = {}
        for pick in request.row_corrections:
            if pick.table == table.name:
                picked.setdefault(pick.field, {})[tuple(pick.key)] = pick.value
        listed = {c.name for c in table.columns}
        if not (wanted or picked) or not subject.keys:
            return []
        self._check_fits(table, {n: v for n, v in wanted.items() if n in listed})
        for name, by_row in picked.items():
            for value in by_row.values() if name in listed else ():
                self._check_fits(table, {name: value})
        changes = []
        for row in self._own_rows(connection, table, subject.keys):
            key, document = row.key, row.document
            for name in sorted(set(wanted) | set(picked)):
                if name not in listed:
                    continue
                if name in picked:
                    if key not in picked[name]:
                        continue  # a row the coordinator left as it is
                    value = picked[name][key]
                else:
                    value = wanted[name]
                mapped = table.column(name)
                rule = _duty(table, mapped, row, request)
                if rule is not None and document is not None:
                    changes.append(PlannedChange(
                        table.name, key, (name,), "block", "rectification_recorded_beside",
                        DOCUMENT_NORM, rule.until(document), value))
                else:
                    changes.append(PlannedChange(table.name, key, (name,), "set",
                                                 "rectification", RECTIFICATION_NORM,
                                                 value=value))
        return changes

    def rectifiable_rows(self, connection: Connection, subject: Subject,
                         request: ChangeRequest) -> list[RectifiableRow]:
        """The subject's rows of every table with ``rectify_as`` columns: key, what tells the
        row apart (its coded columns: billing or delivery address), and per rectifiable field
        the stored value and whether a correction is only recorded beside (a document under
        retention, §146(4) AO); reads only."""
        found: list[RectifiableRow] = []
        if not subject.keys:
            return found
        for table in self.tables:
            held = [c for c in table.columns if c.rectify_as]
            if not held or not (table.link or table.name == self.datamap.subject.table):
                continue
            source = self.reflected[table.name]
            coded = [c for c in table.columns if c.values and c.name not in table.key]
            joined, condition = subject_rows(table, self.reflected, self.datamap.subject.key,
                                             subject.keys)
            selected = [column(source, name) for name in table.key]
            selected += [column(source, c.name) for c in [*held, *coded]]
            query = (sa.select(*selected).select_from(joined).where(condition)
                     .order_by(*selected[:len(table.key)]))
            rows = {r.key: r for r in self._own_rows(connection, table, subject.keys)}
            width = len(table.key)
            for values in connection.execute(query):
                key = tuple(json_safe(v) for v in values[:width])
                own = rows.get(key)
                stored = values[width:width + len(held)]
                codes = values[width + len(held):]
                fields = []
                for mapped, value in zip(held, stored, strict=True):
                    rule = _duty(table, mapped, own, request) if own else None
                    beside = (rule.until(own.document) if rule is not None and own is not None
                              and own.document is not None else None)
                    fields.append(RectifiableValue(
                        mapped.name, str(mapped.rectify_as),
                        None if value is None else str(json_safe(value)), beside))
                kinds = tuple((c.name, str(code)) for c, code in zip(coded, codes, strict=True)
                              if code is not None)
                found.append(RectifiableRow(table.name, key, kinds, tuple(fields),
                                            own.document if own else None))
        return found

    def _check_fits(self, table: TableMap, wanted: Mapping[str, str]) -> None:
        """Refuse a correction its column cannot take, before anything is planned (the
        message names the field, never the value)."""
        for name, value in wanted.items():
            reflected = self.reflected[table.name].c.get(name)
            if reflected is None:
                continue
            try:
                typed_value(value, reflected.type)
            except ValueError as exc:
                why = ("not a date (YYYY-MM-DD)"
                       if isinstance(reflected.type, sa.Date | sa.DateTime) else str(exc))
                raise ConnectorError(
                    f"rectification of {table.name}.{name}: the new value is {why}") from None

    def _restrict(self, table: TableMap, subject: Subject,
                  request: ChangeRequest) -> list[PlannedChange]:
        flag = self.datamap.subject.restriction_flag
        if table.name != self.datamap.subject.table or not flag:
            return []
        value = not request.lift_restriction
        reason = "restriction" if value else "restriction_lifted"
        return [PlannedChange(table.name, tuple(json_safe(v) for v in key), (flag,), "flag",
                              reason, RESTRICTION_NORM, value=value) for key in subject.keys]


def _rule(table: TableMap, mapped: ColumnMap, row: _Row,
          request: ChangeRequest) -> RetentionRule | None:
    """The retention rule that holds the field of ``row``: the column's, else the table's,
    each only while its row condition (``retention_when``) is met."""
    if mapped.retention is not None:
        when = mapped.retention_when
        return (request.rules.get(mapped.retention)
                if when is None or when.text in row.meets else None)
    if table.retention is not None:
        when = mapped.retention_when or table.retention_when
        return (request.rules.get(table.retention)
                if when is None or when.text in row.meets else None)
    return None


def _duty(table: TableMap, mapped: ColumnMap, row: _Row,
          request: ChangeRequest) -> RetentionRule | None:
    """The rule that obliges us to keep the field of ``row`` (blocked on erasure, corrected
    only beside a document): :func:`_rule`, unless that is a storage limit, which only says
    how long the field may be kept at most."""
    rule = _rule(table, mapped, row, request)
    return rule if rule is not None and rule.blocks else None


def _row_changes(table: TableMap, row: _Row,
                 erasable: Sequence[ColumnMap], request: ChangeRequest, *, deletes_row: bool,
                 nullable: Mapping[str, bool | None], reason: str = "erasure") -> list[PlannedChange]:
    """The changes of one row: blocked fields by date, then the row or the other fields."""
    key, document = row.key, row.document
    blocked: dict[tuple[date | None, str, str], list[str]] = {}
    free: list[ColumnMap] = []
    for mapped in erasable:
        hold = request.holds[0] if request.holds else None
        rule = _duty(table, mapped, row, request)
        if hold is not None:
            blocked.setdefault((None, f"hold:{hold.id}:{hold.kind}", hold.norm), []).append(
                mapped.name)
        elif rule is not None and _until(rule, document, request.today) >= request.today:
            until = _until(rule, document, request.today)
            blocked.setdefault((until, rule.name, rule.norm), []).append(mapped.name)
        else:
            free.append(mapped)
    if deletes_row and not blocked:
        return [PlannedChange(table.name, key, (), "delete", reason, ERASURE_NORM)]
    then = {c.name: c.erasure for c in erasable}
    changes = [PlannedChange(table.name, key, tuple(fields), "block", why, norm, until,
                             {name: then[name] for name in fields})
               for (until, why, norm), fields in blocked.items()]
    nulls = [c.name for c in free if c.erasure == "null"
             or (c.erasure == "delete" and nullable.get(c.name, False))]
    kept = [c.name for c in free if c.erasure == "delete" and not nullable.get(c.name, False)]
    anonymised = [c.name for c in free if c.erasure == "anonymise"]
    if kept:  # NOT NULL parts of a row that must stay: blocked with the row's latest date
        latest = max((u for u, _, _ in blocked if u is not None), default=None)
        changes.append(PlannedChange(table.name, key, tuple(kept), "block", "row_retained",
                                     ERASURE_NORM, latest, dict.fromkeys(kept, "delete")))
    if nulls:
        changes.append(PlannedChange(table.name, key, tuple(nulls), "null", reason,
                                     ERASURE_NORM))
    if anonymised:
        changes.append(PlannedChange(table.name, key, tuple(anonymised), "anonymise", reason,
                                     ERASURE_NORM))
    return changes


def _overdue_changes(table: TableMap, row: _Row, erasable: Sequence[ColumnMap],
                     request: ChangeRequest,
                     nullable: Mapping[str, bool | None]) -> list[PlannedChange]:
    """The changes of one row whose retention period has ended, grouped by rule."""
    if row.document is None:
        return []
    ended: dict[str, tuple[RetentionRule, date]] = {}
    live = False
    for mapped in erasable:
        rule = _rule(table, mapped, row, request)
        if rule is None or rule.until(row.document) >= request.today:
            live = True
        else:
            ended[mapped.name] = (rule, rule.until(row.document))
    if not ended:
        return []
    if not live and any(c.erasure == "delete" for c in erasable):
        rule, until = max(ended.values(), key=lambda pair: pair[1])
        return [PlannedChange(table.name, row.key, (), "delete",
                              f"{OVERDUE_REASON}:{rule.name}", rule.norm, until)]
    grouped: dict[tuple[Action, str], list[str]] = {}
    for mapped in erasable:
        action: Action | None = ("null" if mapped.erasure == "null" or (
            mapped.erasure == "delete" and nullable.get(mapped.name)) else
            "anonymise" if mapped.erasure == "anonymise" else None)
        if mapped.name in ended and action is not None:  # NOT NULL ``delete``: waits for its row
            grouped.setdefault((action, ended[mapped.name][0].name), []).append(mapped.name)
    return [PlannedChange(table.name, row.key, tuple(fields), action,
                          f"{OVERDUE_REASON}:{rule_name}", ended[fields[0]][0].norm,
                          max(ended[name][1] for name in fields))
            for (action, rule_name), fields in grouped.items()]


def _until(rule: RetentionRule, document: date | None, today: date) -> date:
    """The end of the rule's period; a row without a document date starts it today."""
    return rule.until(document or today)
