"""The shop-database connector: finds a subject and reads the subject's rows, driven by the map.

Every table the data map assigns to this connector is read with one set-based query that joins
along the table's link hops to the subject table; tables with a ``recipient`` section get one
more query for rows of other people's orders that the subject only receives. All statements of a
``discover`` or an ``access`` run in one read-only transaction on one connection.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from marshmallow import Schema, ValidationError, fields, validate
from sqlalchemy.engine import URL, Connection

from connectors.base import (
    AccessResult,
    ConnectorConfigError,
    Discovery,
    Identity,
    RecordColumn,
    Subject,
    SubjectKey,
    TableRecords,
    json_safe,
    register,
)
from connectors.datamap import DataMap, DataMapError, TableMap, load_datamap
from connectors.datamap_schema import flatten_errors
from connectors.shop_sql_discover import IdentifierSearch
from connectors.sql_paths import Reflector, column, key_in, linked, make_engine, matches_value
from connectors.sql_paths import read_transaction as read_transaction


class ShopSqlSettingsSchema(Schema):
    """The ``[connectors.<name>]`` section of a ``shop_sql`` connector."""

    kind = fields.String(required=True, validate=validate.Equal("shop_sql"))
    url = fields.String(required=True, validate=validate.Length(min=1))
    datamap = fields.String(required=True, validate=validate.Length(min=1))
    statement_timeout_ms = fields.Integer(load_default=5000, validate=validate.Range(min=1))


@register("shop_sql")
class ShopSqlConnector:
    """Reads the shop's SQL database (PostgreSQL, MariaDB, SQLite) through its own engine.

    ``url`` should carry read-only credentials for discover and access. The tables it reads are
    those the data map assigns to ``name``; they are reflected on first use, once.
    """

    kind: ClassVar[str]

    def __init__(
        self, name: str, url: str | URL, datamap: DataMap, statement_timeout_ms: int = 5000
    ) -> None:
        self.name = name
        self.datamap = datamap
        self.tables = datamap.tables_for(name)
        if not self.tables:
            raise ConnectorConfigError(f"connector {name!r}: the data map assigns it no table")
        subject = datamap.subject.table
        if subject not in {table.name for table in self.tables}:
            raise ConnectorConfigError(
                f"connector {name!r}: the subject table {subject!r} belongs to another connector"
            )
        self.engine = make_engine(url, statement_timeout_ms)
        own = {table.name for table in self.tables}
        self.identifiers = tuple(ident for ident in datamap.identifiers if ident.table in own)
        needed = [subject, *own]
        needed += [hop.table for table in self.tables for hop in table.link]
        self._reflector = Reflector(self.engine, needed)

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> ShopSqlConnector:
        """Build from the TOML section: ``url``, ``datamap`` (a path), ``statement_timeout_ms``."""
        try:
            loaded = ShopSqlSettingsSchema().load(settings)
        except ValidationError as exc:
            problems = "; ".join(flatten_errors(exc.messages, f"connectors.{name}"))
            raise ConnectorConfigError(problems) from None
        try:
            datamap = load_datamap(os.path.expanduser(loaded["datamap"]))
        except (OSError, DataMapError) as exc:
            raise ConnectorConfigError(f"connectors.{name}.datamap: {exc}") from None
        return cls(name, loaded["url"], datamap, loaded["statement_timeout_ms"])

    def close(self) -> None:
        """Close the engine's pooled connections."""
        self.engine.dispose()

    def discover(self, identity: Identity) -> Discovery:
        """Find subjects by e-mail and customer number (matches) and by name and postal address
        (proposals only); one query per identifier table, in one read transaction."""
        search = IdentifierSearch(self.datamap, self.identifiers, self._reflector.tables())
        with read_transaction(self.engine) as connection:
            return search.run(connection, identity, self.name)

    def access(self, subject: Subject) -> AccessResult:
        """Every mapped row of the subject: one query per table, plus one per recipient table."""
        tables = self._reflector.tables()
        records: list[TableRecords] = []
        with read_transaction(self.engine) as connection:
            for table in self.tables:
                if table.link or table.name == self.datamap.subject.table:
                    records.append(self._own_rows(connection, tables, table, subject.keys))
                if table.recipient is not None:
                    records.append(self._recipient_rows(connection, tables, table, subject))
        return AccessResult(tuple(records))

    def _own_rows(
        self,
        connection: Connection,
        tables: Mapping[str, sa.Table],
        table: TableMap,
        keys: tuple[SubjectKey, ...],
    ) -> TableRecords:
        names = [mapped.name for mapped in table.columns]
        rows: list[sa.Row[Any]] = []
        if keys:
            source = tables[table.name]
            joined, key_columns = linked(source, table.link, tables, self.datamap.subject.key)
            query = (
                sa.select(*(column(source, name) for name in names))
                .select_from(joined)
                .where(key_in(key_columns, keys))
                .order_by(*(column(source, name) for name in table.key))
            )
            rows = list(connection.execute(query))
        return self._records(table, names, rows, recipient_only=False)

    def _recipient_rows(
        self,
        connection: Connection,
        tables: Mapping[str, sa.Table],
        table: TableMap,
        subject: Subject,
    ) -> TableRecords:
        recipient = table.recipient
        assert recipient is not None
        ident = self.datamap.identifier(recipient.identifier)
        values = subject.identifiers.get(recipient.identifier, ())
        rows: list[sa.Row[Any]] = []
        if ident is not None and values:
            source = tables[table.name]
            condition = matches_value(column(source, recipient.column), ident.normalise, values)
            joined: sa.FromClause = source
            if table.link and subject.keys:
                # Rows that are the subject's own are in the table's other records already.
                joined, key_columns = linked(
                    source, table.link, tables, self.datamap.subject.key, outer=True
                )
                unlinked = sa.or_(*(key_column.is_(None) for key_column in key_columns))
                condition = condition & (unlinked | sa.not_(key_in(key_columns, subject.keys)))
            query = (
                sa.select(*(column(source, name) for name in recipient.fields))
                .select_from(joined)
                .where(condition)
                .order_by(*(column(source, name) for name in table.key))
            )
            rows = list(connection.execute(query))
        return self._records(table, list(recipient.fields), rows, recipient_only=True)

    def _records(
        self, table: TableMap, names: list[str], rows: list[sa.Row[Any]], *, recipient_only: bool
    ) -> TableRecords:
        mapped = [table.column(name) for name in names]
        return TableRecords(
            system=self.name,
            table=table.name,
            label=table.label,
            category=table.category,
            columns=tuple(RecordColumn(c.name, c.label, c.category) for c in mapped),
            rows=tuple(tuple(json_safe(value) for value in row) for row in rows),
            recipient_only=recipient_only,
        )
