"""The shop-database connector: finds a subject and reads the subject's rows, driven by the map.

Every table the data map assigns to this connector is read with one set-based query that joins
along the table's link hops to the subject table; tables with a ``recipient`` section get one
more query for rows of other people's orders that the subject only receives. All statements of a
``discover`` or an ``access`` run in one read-only transaction on one connection.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from marshmallow import Schema, fields, validate
from sqlalchemy.engine import URL

from connectors.base import (
    AccessResult,
    ConnectorConfigError,
    Discovery,
    Identity,
    Subject,
    SubjectKey,
    TableRecords,
    json_safe,
    load_settings,
    register,
)
from connectors.capabilities import (
    Closes,
    DataMapped,
    DerivesSubject,
    Executes,
    FindsOverdue,
    Plans,
    ReadsWithOverdue,
    RechecksSteps,
)
from connectors.changes import (
    ChangeRequest,
    KnowsRecipients,
    MemoryStepLog,
    Plan,
    PlannedChange,
    Receipt,
    RecipientEvidence,
    RecipientFacts,
    RectifiableRow,
    RectifiesByRow,
    StepLog,
    retained_entries,
    subject_from_json,
    subject_json,
)
from connectors.datamap import DataMap, DataMapError, RecipientMap, TableMap, load_datamap
from connectors.examples import example_datamap
from connectors.shop_sql_discover import IdentifierSearch
from connectors.shop_sql_execute import SqlExecutor, remaining
from connectors.shop_sql_facts import (
    disclosures,
    ip_windows,
    known_to,
    open_claims,
    postal_addresses,
)
from connectors.shop_sql_plan import RowFacts, SqlPlanner
from connectors.shop_sql_values import readable, record_column, shown_column, shown_value
from connectors.sql_paths import (
    Reflector,
    bound,
    column,
    key_in,
    linked_rows,
    make_engine,
    matches_value,
    read_transaction,
    subject_rows,
)


class ShopSqlSettingsSchema(Schema):
    """The ``[connectors.<name>]`` section of a ``shop_sql`` connector."""

    kind = fields.String(required=True, validate=validate.Equal("shop_sql"))
    url = fields.String(required=True, validate=validate.Length(min=1))
    datamap = fields.String(required=True, validate=validate.Length(min=1))
    statement_timeout_ms = fields.Integer(load_default=5000, validate=validate.Range(min=1))
    # The register's retention rule names, so the map cannot refer to a rule that is not there.
    retention_rules = fields.List(fields.String(), load_default=None)
    # Credentials that may change rows (no DDL) for execute; empty: ``url``.
    write_url = fields.String(load_default="")
    # Another connector of the same database whose subject keys this one uses (its tables
    # link to that connector's subject table).
    subject_from = fields.String(load_default="")


SUBJECT_KEYS = "subject_keys"
"""The bound parameter holding the subject's keys in a prepared read."""
AccessRead = tuple[TableMap, tuple[str, ...], bool, "sa.Select[Any] | None", dict[str, Any]]
"""One statement of an access: table, column names, recipient rows only, query, parameters."""


@register("shop_sql")
class ShopSqlConnector(Plans, Executes, RechecksSteps, FindsOverdue, ReadsWithOverdue,
                       DerivesSubject, DataMapped, Closes, KnowsRecipients, RectifiesByRow):
    """Reads the shop's SQL database (PostgreSQL, MariaDB, SQLite) through its own engine.

    ``url`` should carry read-only credentials for discover and access. The tables it reads are
    those the data map assigns to ``name``; they are reflected on first use, once.
    """

    kind: ClassVar[str]
    rechecks_steps: ClassVar[bool] = True  # every UPDATE checks the row still differs

    def __init__(
        self, name: str, url: str | URL, datamap: DataMap, statement_timeout_ms: int = 5000,
        *, write_url: str | URL | None = None, subject_from: str = "",
    ) -> None:
        self.name = name
        self.datamap = datamap
        self.tables = datamap.tables_for(name)
        self.subject_from = subject_from
        if not self.tables:
            raise ConnectorConfigError(f"connector {name!r}: the data map assigns it no table")
        subject = datamap.subject.table
        if not subject_from and subject not in {table.name for table in self.tables}:
            raise ConnectorConfigError(
                f"connector {name!r}: the subject table {subject!r} belongs to another connector"
            )
        self.engine = make_engine(url, statement_timeout_ms)
        self.write_engine = (make_engine(write_url, statement_timeout_ms) if write_url
                             else self.engine)
        own = {table.name for table in self.tables}
        self.identifiers = tuple(ident for ident in datamap.identifiers if ident.table in own)
        needed = [subject, *own]
        needed += sorted({name for table in self.tables for name in table.related_tables()})
        self._reflector = Reflector(self.engine, needed)
        self._own_reads: dict[str, sa.Select[Any]] = {}  # see _own_query

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> ShopSqlConnector:
        """Build from the TOML section: ``url``, ``datamap`` (a path), ``statement_timeout_ms``."""
        loaded = load_settings(ShopSqlSettingsSchema(), name, settings)
        try:
            datamap = load_datamap(os.path.expanduser(loaded["datamap"]),
                                   retention_rules=loaded["retention_rules"])
        except (OSError, DataMapError) as exc:
            raise ConnectorConfigError(f"connectors.{name}.datamap: {exc}") from None
        return cls(name, loaded["url"], datamap, loaded["statement_timeout_ms"],
                   write_url=loaded["write_url"] or None, subject_from=loaded["subject_from"])

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: an in-memory SQLite database and a one-table data map."""
        return {"kind": "shop_sql", "url": "sqlite://",
                "datamap": str(example_datamap(directory, name))}

    def target_label(self, target: str, language: str) -> str | None:
        """The label of the data map's table ``target`` (any connector's); None if unmapped."""
        table = self.datamap.tables.get(target)
        return str(table.label.get(language, target)) if table is not None else None

    def column_labels(self, target: str, language: str) -> dict[str, str] | None:
        """Column name -> label of the data map's table ``target``, in the map's order."""
        table = self.datamap.tables.get(target)
        if table is None:
            return None
        return {c.name: str(c.label.get(language, c.name)) for c in table.columns}

    def close(self) -> None:
        """Close the engines' pooled connections."""
        self.engine.dispose()
        self.write_engine.dispose()

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The same subject as the ``subject_from`` connector has (one database, one key)."""
        return subject

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """Every change the request needs in the connector's tables; reads only."""
        planner = SqlPlanner(self.datamap, self.tables, self._reflector.tables())
        changes: list[PlannedChange] = []
        if subject.keys or any(subject.identifiers.values()):
            with read_transaction(self.engine) as connection:
                changes = planner.plan(connection, subject, request)
        return Plan(self.name, tuple(changes), subject_json(subject))

    def overdue(self, subject: Subject, request: ChangeRequest) -> Plan:
        """The subject's fields past their retention period, planned for erasure by the map's
        actions; reads only. The plan carries no subject: its execution (the retention run,
        after the answer is released) checks only the rows it names."""
        planner = SqlPlanner(self.datamap, self.tables, self._reflector.tables())
        changes: list[PlannedChange] = []
        if subject.keys:
            with read_transaction(self.engine) as connection:
                changes = planner.overdue(connection, subject, request)
        return Plan(self.name, tuple(changes), {"keys": [], "identifiers": {}})

    def execute(self, plan: Plan, log: StepLog | None = None) -> Receipt:
        """Run the plan's open steps (together in one transaction, a large plan in portions of
        whole steps: ``shop_sql_execute``), then read the subject again:
        the receipt lists what is left, which must be the blocked fields and nothing else."""
        reflected = self._reflector.tables()
        steps = SqlExecutor(self.write_engine, reflected, self.datamap).run(
            plan, log or MemoryStepLog())
        subject = subject_from_json(plan.subject)
        erased = any(change.reason == "erasure" for change in plan.changes)
        emails = subject.identifiers.get("email", ())
        numbers = subject.identifiers.get("customer_number", ())
        identity = Identity(email=emails[0] if emails else None,
                            customer_number=numbers[0] if numbers else None)
        # The proof, in one read transaction: the subject's rows again, and (for an erasure)
        # whether the subject can still be found.
        reads = self._reads(subject, everything=True)
        search = IdentifierSearch(self.datamap, self.identifiers, self._reflector.tables())
        found, again = self._result(reads, [[] for _ in reads]), Discovery(self.name)
        searching = erased and bool(identity.claims())
        if searching or any(query is not None for _, _, _, query, _ in reads):
            with read_transaction(self.engine) as connection:
                found = self._result(reads, self._fetch(connection, reads), raw=True)
                if searching:
                    again = search.run(connection, identity, self.name)
        left = remaining(plan, self.datamap, reflected, found)
        left += [{"target": self.datamap.subject.table, "key": list(match.key),
                  "field": "", "why": "still_discoverable"} for match in again.matches]
        return Receipt(self.name, tuple(steps), retained_entries(plan), not left, tuple(left))

    def disclosures(self, subject: Subject) -> list[dict[str, Any]]:
        """Who received the subject's data according to the subject's rows (Art. 15, 19)."""
        with read_transaction(self.engine) as connection:
            return disclosures(connection, self.datamap, self._reflector.tables(),
                               self.tables, subject)

    def rectifiable_rows(self, subject: Subject, request: ChangeRequest) -> list[RectifiableRow]:
        """The subject's rows holding rectifiable fields, their values as stored (the
        rectification editor); one read transaction."""
        planner = SqlPlanner(self.datamap, self.tables, self._reflector.tables())
        with read_transaction(self.engine) as connection:
            return planner.rectifiable_rows(connection, subject, request)

    def known_to(self, subject: Subject, evidence: RecipientEvidence,
                 read: Sequence[str]) -> RecipientFacts:
        """When the recipient named by ``evidence`` last received the subject's data, and the
        values it knows the subject by (Art. 19 notices)."""
        with read_transaction(self.engine) as connection:
            return known_to(connection, self.datamap, self._reflector.tables(), self.tables,
                            subject, evidence, read)

    def open_claims(self, subject: Subject) -> list[str]:
        """The data map's ``hold_when`` conditions the subject's rows meet (open claims)."""
        with read_transaction(self.engine) as connection:
            return open_claims(connection, self.datamap, self._reflector.tables(),
                               self.tables, subject)

    def ip_windows(self, subject: Subject) -> list[tuple[str, str, str]]:
        """The subject's IP addresses with the time windows of their use."""
        with read_transaction(self.engine) as connection:
            return ip_windows(connection, self.datamap, self._reflector.tables(),
                              {t.name for t in self.tables}, subject)

    def postal_addresses(self, subject: Subject) -> list[tuple[str, str]]:
        """The subject's postal addresses as (street, postcode)."""
        with read_transaction(self.engine) as connection:
            return postal_addresses(connection, self.datamap, self._reflector.tables(),
                                    {t.name for t in self.tables}, subject)

    def discover(self, identity: Identity) -> Discovery:
        """Find subjects by e-mail and customer number (matches) and by name and postal address
        (proposals only); one query per identifier table, in one read transaction."""
        if not identity.claims():
            return Discovery(self.name)
        search = IdentifierSearch(self.datamap, self.identifiers, self._reflector.tables())
        with read_transaction(self.engine) as connection:
            return search.run(connection, identity, self.name)

    def access(self, subject: Subject) -> AccessResult:
        """Every mapped row of the subject: one query per table, plus one per recipient table,
        all in one read transaction (none at all when the subject has no keys or identifiers)."""
        reads = self._reads(subject)
        if not any(query is not None for _, _, _, query, _ in reads):
            return self._result(reads, [[] for _ in reads])
        with read_transaction(self.engine) as connection:
            result = self._result(reads, self._fetch(connection, reads))
            return readable(connection, self._reflector.tables(), self.tables, result)

    def access_and_overdue(self, subject: Subject,
                           request: ChangeRequest) -> tuple[AccessResult, Plan]:
        """:meth:`access` and :meth:`overdue` in one read: the access statements of the tables
        with retention rules also select what the retention check needs of each row (its key,
        document date and conditions), so each of the subject's rows is read once, all in one
        read transaction."""
        planner = SqlPlanner(self.datamap, self.tables, self._reflector.tables())
        facts = ({t.name: planner.row_facts(t) for t in planner.overdue_tables()}
                 if subject.keys else {})
        reads = self._reads(subject, facts=facts)
        nothing = Plan(self.name, (), {"keys": [], "identifiers": {}})
        if not any(query is not None for _, _, _, query, _ in reads):
            return self._result(reads, [[] for _ in reads]), nothing
        with read_transaction(self.engine) as connection:
            fetched = self._fetch(connection, reads)
            rows: dict[str, list[Any]] = {}
            shown: list[Sequence[Sequence[Any]]] = []
            for (table, names, recipient_only, _, _), found in zip(reads, fetched, strict=True):
                extra = None if recipient_only else facts.get(table.name)
                if extra is None:
                    shown.append(found)
                    continue
                rows[table.name] = [extra.read(row[len(names):]) for row in found]
                shown.append([row[:len(names)] for row in found])
            result = readable(connection, self._reflector.tables(), self.tables,
                              self._result(reads, shown))
        changes = planner.overdue_of_rows(rows, request)
        return result, Plan(self.name, tuple(changes), nothing.subject)

    def _reads(self, subject: Subject, *, everything: bool = False,
               facts: Mapping[str, RowFacts] | None = None) -> list[AccessRead]:
        """The statements of :meth:`access` (None where a table has nothing to look for);
        ``everything`` reads the columns the answer leaves out too (for the receipt);
        ``facts``: the retention check's columns to select after the shown ones, by table."""
        wanted = bool(subject.keys) or any(subject.identifiers.values())
        tables = self._reflector.tables() if wanted else {}
        reads: list[AccessRead] = []
        for table in self.tables:
            if table.link or table.name == self.datamap.subject.table:
                shown = table.columns if everything else table.exported()
                names = tuple(mapped.name for mapped in shown)
                query, params = self._own_query(tables, table, subject.keys, names,
                                                raw=everything,
                                                facts=(facts or {}).get(table.name))
                reads.append((table, names, False, query, params))
            if table.recipient is not None:
                query = self._recipient_query(tables, table, table.recipient, subject)
                reads.append((table, table.recipient.fields, True, query, {}))
        return reads

    @staticmethod
    def _fetch(connection: sa.Connection, reads: list[AccessRead]) -> list[list[sa.Row[Any]]]:
        return [list(connection.execute(query, params)) if query is not None else []
                for _, _, _, query, params in reads]

    def _result(self, reads: list[AccessRead], rows: Sequence[Sequence[Sequence[Any]]], *,
                raw: bool = False) -> AccessResult:
        return AccessResult(
            tuple(
                self._records(table, names, found, recipient_only=recipient_only, raw=raw)
                for (table, names, recipient_only, _, _), found in zip(reads, rows, strict=True)
            )
        )

    def _own_query(
        self, tables: Mapping[str, sa.Table], table: TableMap, keys: tuple[SubjectKey, ...],
        names: tuple[str, ...], *, raw: bool = False, facts: RowFacts | None = None,
    ) -> tuple[sa.Select[Any] | None, dict[str, Any]]:
        """The table's rows that link to one of ``keys``, mapped columns only, in key order,
        and the statement's parameters.

        With a one-column subject key the statement is built once per table, its keys a bound
        parameter (building the joins costs more than running the query).
        """
        if not keys:
            return None, {}
        extra = facts.columns if facts is not None else ()
        if len(self.datamap.subject.key) != 1:
            return self._own_select(
                tables, table, names, lambda key_columns: key_in(key_columns, keys), raw,
                extra), {}
        cached = f"{table.name}:{raw}:{facts is not None}"
        built = self._own_reads.get(cached)
        if built is None:
            built = self._own_select(tables, table, names, lambda key_columns: key_columns[0].in_(
                sa.bindparam(SUBJECT_KEYS, expanding=True)), raw, extra)
            self._own_reads[cached] = built
        subject_column = tables[self.datamap.subject.table].c[self.datamap.subject.key[0]]
        return built, {SUBJECT_KEYS: [bound(subject_column, key[0]) for key in keys]}

    def _own_select(self, tables: Mapping[str, sa.Table], table: TableMap,
                    names: tuple[str, ...],
                    where: Callable[[list[sa.ColumnElement[Any]]], sa.ColumnElement[bool]],
                    raw: bool = False,
                    extra: Sequence[sa.ColumnElement[Any]] = ()) -> sa.Select[Any]:
        source = tables[table.name]
        joined, condition = linked_rows(source, table.paths, table.key, tables,
                                        self.datamap.subject.key, where)
        selected = [column(source, name) if raw else
                    shown_column(table.column(name), source, table.key, tables)
                    for name in names]
        return (
            sa.select(*selected, *extra)
            .select_from(joined)
            .where(condition)
            .order_by(*(column(source, name) for name in table.key))
        )

    def _recipient_query(
        self,
        tables: Mapping[str, sa.Table],
        table: TableMap,
        recipient: RecipientMap,
        subject: Subject,
    ) -> sa.Select[Any] | None:
        """Rows of other people's orders sent to the subject: the recipient fields only."""
        ident = self.datamap.identifier(recipient.identifier)
        values = subject.identifiers.get(recipient.identifier, ())
        if ident is None or not values:
            return None
        source = tables[table.name]
        condition = matches_value(column(source, recipient.column), ident.normalise, values)
        if table.link and subject.keys:
            # The subject's own rows are in the table's other records already.
            _, own = subject_rows(table, tables, self.datamap.subject.key, subject.keys,
                                  as_filter=True)
            condition = condition & sa.not_(own)
        return (
            sa.select(*(column(source, name) for name in recipient.fields))
            .select_from(source)
            .where(condition)
            .order_by(*(column(source, name) for name in table.key))
        )

    def _records(
        self,
        table: TableMap,
        names: tuple[str, ...],
        rows: Sequence[Sequence[Any]],
        *,
        recipient_only: bool,
        raw: bool = False,
    ) -> TableRecords:
        """The rows as the answer shows them (``raw``: as stored, for the receipt)."""
        mapped = [table.column(name) for name in names]
        if raw:
            shown = tuple(tuple(json_safe(value) for value in row) for row in rows)
        else:
            shown = tuple(tuple(shown_value(c, value) for c, value in zip(mapped, row,
                                                                         strict=True))
                          for row in rows)
        return TableRecords(
            system=self.name,
            table=table.name,
            label=table.label,
            category=table.category,
            columns=tuple(record_column(c) for c in mapped),
            rows=shown,
            recipient_only=recipient_only,
        )
