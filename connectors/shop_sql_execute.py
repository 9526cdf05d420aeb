"""Executing a stored plan in a SQL database: set-based statements, the open steps together in
one transaction.

A step is one table. Its changes are grouped by action and fields, and each group becomes one
``DELETE`` or ``UPDATE ... WHERE key IN (...)`` per chunk of keys. Every ``UPDATE`` also
requires that a row still differs from the planned value, so a step that already committed
changes nothing when it runs again: the state is checked in the statement itself.

The open steps run in one transaction, children before parents, as long as they plan no more
than :data:`CHANGES_PER_TRANSACTION` changes together: one subject's erasure is all or
nothing in the shop (no half-erased customer for the shop to see, or to be left with when a
statement fails), and its row locks last one short transaction. A larger plan (a retention
run over years of orders) commits in portions of whole steps, so that it never holds the
shop's rows for long. Each step is marked in the log after the commit of its portion; a run
that dies in between runs those steps again, and they change nothing twice.

After the steps, :func:`remaining` reads the subject again and lists every value that is
neither kept by the map, nor blocked by the plan, nor the anonymised value — the receipt's
proof.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from connectors.base import AccessResult, JsonValue
from connectors.changes import Plan, PlannedChange, StepLog
from connectors.datamap_model import DataMap
from connectors.shop_sql_plan import chunks, typed_value
from connectors.sql_paths import column, key_in

NOW = {"$now": True}
"""A ``set`` value meaning: the moment of execution, and only where the field is still empty."""
ANON_PREFIX = "anon-"
WRITING = ("delete", "null", "anonymise", "set", "flag")
"""The actions that change rows; the others are recorded by the service."""
MIN_ANON_LENGTH = 20
CHANGES_PER_TRANSACTION = 2_000
"""The most planned changes the steps of one transaction make together (a step larger than
this is a transaction of its own)."""
"""Shorter text columns get "-" (their keys could not fit); unique ones must be longer."""


def anonymised_value(column_type: sa.types.TypeEngine[Any], key: Sequence[JsonValue]) -> Any:
    """The neutral value an anonymised field gets: derived from the row key alone."""
    if isinstance(column_type, sa.String):
        text = ANON_PREFIX + "-".join(str(part) for part in key)
        return text if not column_type.length or column_type.length >= MIN_ANON_LENGTH else "-"
    if isinstance(column_type, sa.Boolean):
        return False
    if isinstance(column_type, sa.Integer | sa.Numeric):
        return 0
    if isinstance(column_type, sa.DateTime):
        return datetime(1970, 1, 1)
    if isinstance(column_type, sa.Date):
        return date(1970, 1, 1)
    return None


def _anonymise_expression(col: sa.ColumnElement[Any],
                          keys: Sequence[sa.ColumnElement[Any]]) -> Any:
    """The SQL form of :func:`anonymised_value` for every row of an ``UPDATE``."""
    if isinstance(col.type, sa.String):
        expr: Any = sa.literal(ANON_PREFIX, sa.String)
        for index, key in enumerate(keys):
            if index:
                expr = expr + sa.literal("-", sa.String)
            expr = expr + sa.cast(key, sa.String)
        length = col.type.length
        return expr if not length or length >= MIN_ANON_LENGTH else sa.literal("-", sa.String)
    return sa.literal(anonymised_value(col.type, ()), col.type)


class SqlExecutor:
    """Runs the steps of a plan against one engine."""

    def __init__(self, engine: Engine, reflected: Mapping[str, sa.Table], datamap: DataMap):
        self.engine = engine
        self.reflected = reflected
        self.datamap = datamap

    def run(self, plan: Plan, log: StepLog) -> list[dict[str, Any]]:
        """Run every step not done yet, in portions of whole steps of one transaction each
        (see the module); each step is marked in ``log`` after its portion's commit."""
        steps = plan.steps()
        results: list[dict[str, Any]] = [{} for _ in steps]
        portion: list[tuple[int, list[Any]]] = []
        planned = 0
        for index, (target, changes) in enumerate(steps):
            actions = sorted({change.action for change in changes})
            results[index] = {"target": target, "actions": actions, "changes": len(changes),
                              "touched": None, "done_before": True}
            if log.is_done(index):
                continue
            if portion and planned + len(changes) > CHANGES_PER_TRANSACTION:
                self._commit(portion, log, results)
                portion, planned = [], 0
            portion.append((index, self.statements(target, changes, log.now)))
            planned += len(changes)
        if portion:
            self._commit(portion, log, results)
        return results

    def _commit(self, portion: list[tuple[int, list[Any]]], log: StepLog,
                results: list[dict[str, Any]]) -> None:
        """Run the steps of ``portion`` in one transaction, then mark each in ``log``."""
        touched = dict.fromkeys((index for index, _ in portion), 0)
        if any(statements for _, statements in portion):
            with self.engine.begin() as connection:
                for index, statements in portion:
                    for statement in statements:
                        touched[index] += max(connection.execute(statement).rowcount or 0, 0)
        for index, _ in portion:
            log.mark_done(index, touched[index])
            results[index].update(touched=touched[index], done_before=False)

    def statements(self, target: str, changes: Sequence[PlannedChange],
                   now: Callable[[], datetime]) -> list[Any]:
        """The set-based statements of one step (none for blocks, notices and suppressions);
        ``now`` gives the moment a "now" value stands for."""
        if not any(c.action in WRITING for c in changes):
            return []
        table = self.reflected[target]
        key_columns = [column(table, name) for name in self.datamap.tables[target].key]
        groups: dict[tuple[str, tuple[str, ...], str], list[tuple[Any, ...]]] = {}
        for change in changes:
            if change.action in WRITING:
                value = json.dumps(change.value, sort_keys=True)
                groups.setdefault((change.action, change.fields, value), []).append(change.key)
        statements: list[Any] = []
        for (action, fields, raw_value), keys in groups.items():
            value = json.loads(raw_value)
            cols = [column(table, name) for name in fields]
            for chunk in chunks(keys):
                where = key_in(key_columns, [tuple(k) for k in chunk])
                if action == "delete":
                    statements.append(sa.delete(table).where(where))
                    continue
                if action == "null":
                    targets: dict[str, Any] = {c.name: None for c in cols}
                    differs = sa.or_(*(c.is_not(None) for c in cols))
                elif action == "anonymise" and any(isinstance(k.type, sa.types._Binary)
                                                   for k in key_columns):
                    # A binary key (Shopware) has no portable text form in SQL: the value,
                    # "anon-" and the key's hex, is computed here, one statement per row.
                    for key in chunk:
                        values = {c.name: sa.literal(anonymised_value(c.type, key), c.type)
                                  for c in cols}
                        statements.append(sa.update(table).where(
                            key_in(key_columns, [tuple(key)]),
                            sa.or_(*(c.is_distinct_from(values[c.name]) for c in cols)),
                        ).values(values))
                    continue
                elif action == "anonymise":
                    targets = {c.name: _anonymise_expression(c, key_columns) for c in cols}
                    differs = sa.or_(*(c.is_distinct_from(targets[c.name]) for c in cols))
                elif value == NOW:
                    moment = now().astimezone(UTC).replace(tzinfo=None, microsecond=0)
                    targets = {c.name: moment for c in cols}
                    differs = sa.or_(*(c.is_(None) for c in cols))
                else:
                    targets = {c.name: sa.literal(typed_value(value, c.type), c.type)
                               for c in cols}
                    differs = sa.or_(*(c.is_distinct_from(targets[c.name]) for c in cols))
                statements.append(sa.update(table).where(where, differs).values(targets))
        return statements


def remaining(plan: Plan, datamap: DataMap, reflected: Mapping[str, sa.Table],
              found: AccessResult) -> list[dict[str, Any]]:
    """What a fresh read of the subject still holds beyond the map's kept columns, the plan's
    blocked fields and the anonymised values (empty when the plan was carried out exactly)."""
    allowed: dict[tuple[str, tuple[Any, ...]], set[str]] = {}
    anonymised: dict[tuple[str, tuple[Any, ...]], set[str]] = {}
    expected: dict[tuple[str, tuple[Any, ...], str], Any] = {}
    for change in plan.changes:
        where = (change.target, tuple(change.key))
        if change.action == "block":
            allowed.setdefault(where, set()).update(change.fields)
        elif change.action == "anonymise":
            anonymised.setdefault(where, set()).update(change.fields)
        elif change.action in ("set", "flag") and change.value != NOW:
            for name in change.fields:
                expected[(change.target, tuple(change.key), name)] = change.value
    blocked_anywhere = {(target, name) for (target, _), names in allowed.items()
                        for name in names}
    left: list[dict[str, Any]] = []
    for records in found.tables:
        table = datamap.tables[records.table]
        names = [c.name for c in records.columns]
        for row in records.rows:
            values = dict(zip(names, row, strict=True))
            key = tuple(values.get(name) for name in table.key)
            for name, value in values.items():
                mapped = table.column(name)
                want = expected.get((table.name, key, name), _UNSET)
                if want is not _UNSET:
                    if str(value) != str(want) and value != want:
                        left.append({"target": table.name, "key": list(key), "field": name,
                                     "why": "not_changed"})
                    continue
                if mapped.erasure == "keep" or value is None or not _erasing(plan):
                    continue
                if records.recipient_only and (table.name, name) in blocked_anywhere:
                    continue
                if name in allowed.get((table.name, key), set()):
                    continue
                if name in anonymised.get((table.name, key), set()) and value == _json_anon(
                        reflected[table.name].c[name].type, key):
                    continue
                left.append({"target": table.name, "key": list(key), "field": name,
                             "why": "still_held"})
    return left


_UNSET = object()


def _erasing(plan: Plan) -> bool:
    return any(c.reason.startswith("erasure") or c.action == "delete" for c in plan.changes)


def _json_anon(column_type: sa.types.TypeEngine[Any], key: Sequence[Any]) -> Any:
    value = anonymised_value(column_type, key)
    return value.isoformat() if isinstance(value, date | datetime) else value
