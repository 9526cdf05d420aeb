"""SQLAlchemy Core building blocks for connectors driven by the data map.

An engine with a statement timeout per dialect and a read-only transaction, lazy reflection of
the mapped tables, joins built from a table's link hops, and identifier comparisons that apply
the map's normalisation on the database side.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

from connectors.base import ConnectorConfigError, SubjectKey
from connectors.datamap_conditions import condition_sql
from connectors.datamap_model import Hop, TableMap
from connectors.matching import normalise


def make_engine(url: str | URL, statement_timeout_ms: int) -> Engine:
    """An engine for the shop's database whose statements give up after the timeout."""
    url = make_url(url)
    backend = url.get_backend_name()
    connect_args: dict[str, Any] = {}
    if backend == "postgresql":
        # A libpq startup option: set once per connection, no extra round trip per transaction.
        options = url.query.get("options", "")
        options = " ".join(options) if isinstance(options, tuple) else options
        connect_args["options"] = (
            f"{options} -c statement_timeout={int(statement_timeout_ms)}".strip()
        )
    engine = sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    if backend in ("mysql", "mariadb"):

        @sa.event.listens_for(engine, "connect")
        def _timeout(dbapi_connection: Any, record: Any) -> None:
            # MariaDB counts seconds for every statement; MySQL milliseconds for SELECTs only.
            if "mariadb" in dbapi_connection.get_server_info().lower():
                sql = f"SET SESSION max_statement_time = {statement_timeout_ms / 1000:.3f}"
            else:
                sql = f"SET SESSION max_execution_time = {int(statement_timeout_ms)}"
            with closing(dbapi_connection.cursor()) as cursor:
                cursor.execute(sql)

    elif backend == "sqlite":
        # SQLite has no statement timeout (the file is local; a busy lock waits `timeout` s).
        # pysqlite opens transactions only before writes; take control so that the reads of
        # one access share one transaction (SQLAlchemy's documented pysqlite recipe).
        @sa.event.listens_for(engine, "connect")
        def _no_implicit_transactions(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.isolation_level = None

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")

    return engine


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """One connection in one read-only transaction with a consistent view over its statements."""
    with engine.connect() as connection:
        backend = engine.dialect.name
        if backend == "postgresql":
            # Connection attributes: psycopg opens with BEGIN ... READ ONLY, no statement more.
            connection.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with connection.begin():
            if backend in ("mysql", "mariadb"):
                connection.exec_driver_sql(
                    "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"
                )
            yield connection


class Reflector:
    """Reflects the named tables once, on first use, and hands them out; thread-safe."""

    def __init__(self, engine: Engine, names: Iterable[str]) -> None:
        self.engine = engine
        self.names = tuple(dict.fromkeys(names))
        self._tables: dict[str, sa.Table] | None = None
        self._lock = threading.Lock()

    def tables(self) -> Mapping[str, sa.Table]:
        """The reflected tables by name; a table missing from the database is a config error."""
        with self._lock:
            if self._tables is None:
                metadata = sa.MetaData()
                try:
                    metadata.reflect(bind=self.engine, only=list(self.names), views=True)
                except sa.exc.InvalidRequestError as exc:
                    raise ConnectorConfigError(
                        f"{exc} (tables named in the data map; run `dsr datamap check`)"
                    ) from None
                self._tables = {name: metadata.tables[name] for name in self.names}
            return self._tables


def column(table: sa.Table | FromClause, name: str) -> sa.ColumnElement[Any]:
    """The column ``name`` of ``table``; a column missing from the database is a config error."""
    try:
        return table.c[name]
    except KeyError:
        raise ConnectorConfigError(
            f"column {name!r} named in the data map does not exist in table "
            f"{getattr(table, 'name', table)!r}; run `dsr datamap check`"
        ) from None


def linked(
    table: sa.Table | FromClause,
    hops: Sequence[Hop],
    tables: Mapping[str, sa.Table],
    subject_key: Sequence[str],
    *,
    outer: bool = False,
    conditions: list[ColumnElement[bool]] | None = None,
) -> tuple[FromClause, list[ColumnElement[Any]]]:
    """``table`` joined along ``hops`` to the subject table, and the subject key columns there.

    Each hop table is aliased, so a path may pass the same table twice. When the last hop's
    ``ref`` covers the subject key, its own columns stand in for the key and the subject table
    is not joined at all. ``outer`` keeps rows whose link is empty (for recipient rows). A
    hop's ``where`` goes into its join's ``ON``; where no join follows, it is added to
    ``conditions`` (when given; otherwise the subject table is joined to carry it).
    """
    joined: FromClause = table
    current: FromClause = table
    current_key = _key_of(table)
    for index, hop in enumerate(hops):
        own = (condition_sql(hop.where, current, current_key, tables)
               if hop.where is not None else None)
        last = index == len(hops) - 1
        same_types = all(
            _python_type(column(current, own_name)) == _python_type(column(tables[hop.table], ref))
            for own_name, ref in zip(hop.columns, hop.ref, strict=True))
        if last and set(subject_key) <= set(hop.ref) and same_types \
                and (own is None or conditions is not None):
            if own is not None and conditions is not None:
                conditions.append(own)
            by_ref = dict(zip(hop.ref, hop.columns, strict=True))
            return joined, [column(current, by_ref[name]) for name in subject_key]
        target = tables[hop.table].alias(f"hop{index}")
        on = sa.and_(
            *(
                equal(column(current, own_name), column(target, ref))
                for own_name, ref in zip(hop.columns, hop.ref, strict=True)
            ),
            *([own] if own is not None else []),
        )
        joined = joined.join(target, on, isouter=outer)
        current = target
        current_key = _key_of(tables[hop.table])
    return joined, [column(current, name) for name in subject_key]


def linked_rows(
    table: sa.Table,
    paths: Sequence[Sequence[Hop]],
    key: Sequence[str],
    tables: Mapping[str, sa.Table],
    subject_key: Sequence[str],
    match: Callable[[list[ColumnElement[Any]]], ColumnElement[bool]],
    *,
    as_filter: bool = False,
) -> tuple[FromClause, ColumnElement[bool]]:
    """The FROM and WHERE that select ``table``'s rows whose subject key ``match`` accepts.

    No path: ``table`` is the subject table. One path: the joins of :func:`linked`. Several
    paths (or ``as_filter``): ``table`` alone, its ``key`` in the rows any path reaches (each
    row once; the WHERE can then be negated).
    """
    if not paths:
        return table, match([column(table, name) for name in subject_key])
    if len(paths) == 1 and not as_filter:
        extra: list[ColumnElement[bool]] = []
        joined, keys = linked(table, paths[0], tables, subject_key, conditions=extra)
        return joined, sa.and_(match(keys), *extra)
    found = []
    for index, path in enumerate(paths):
        alias = table.alias(f"path{index}")
        extra = []
        joined, keys = linked(alias, path, tables, subject_key, conditions=extra)
        inner = (sa.select(*(column(alias, name) for name in key)).select_from(joined)
                 .where(match(keys), *extra))
        own = [column(table, name) for name in key]
        found.append(own[0].in_(inner) if len(own) == 1 else sa.tuple_(*own).in_(inner))
    return table, sa.or_(*found)


def subject_rows(
    table: TableMap,
    tables: Mapping[str, sa.Table],
    subject_key: Sequence[str],
    keys: Iterable[SubjectKey],
    *,
    as_filter: bool = False,
) -> tuple[FromClause, ColumnElement[bool]]:
    """The FROM and WHERE of the mapped ``table``'s rows that belong to one of the subject
    ``keys``: along its ``link`` and every one of its ``alternative_links`` (each row once).

    Every connector that reads a subject's rows from the data map goes through here, so that
    all of them find the same rows (the subject table itself: its key is the subject's).
    """
    keys = tuple(keys)
    return linked_rows(tables[table.name], table.paths, table.key, tables, subject_key,
                       lambda key_columns: key_in(key_columns, keys), as_filter=as_filter)


def equal(left: ColumnElement[Any], right: ColumnElement[Any]) -> ColumnElement[bool]:
    """``left = right``; a text column against a number compares the number as text (a meta
    table's ``meta_value`` holding an id: PostgreSQL compares no text with an integer)."""
    kinds = {_python_type(left), _python_type(right)}
    if str in kinds and len(kinds) > 1:
        return sa.cast(left, sa.String) == sa.cast(right, sa.String)
    return left == right


def _python_type(col: ColumnElement[Any]) -> type:
    try:
        return col.type.python_type
    except NotImplementedError:
        return object


def _key_of(table: sa.Table | FromClause) -> tuple[str, ...]:
    """A reflected table's (or its alias's) primary key column names."""
    return tuple(c.name for c in table.primary_key)


def key_in(
    columns: Sequence[ColumnElement[Any]], keys: Iterable[SubjectKey]
) -> ColumnElement[bool]:
    """``(key columns) IN (keys)``, plain for a one-column key, a row value for a composite one."""
    keys = [tuple(bound(col, part) for col, part in zip(columns, key, strict=True))
            for key in keys]
    if len(columns) == 1:
        return columns[0].in_([key[0] for key in keys])
    return sa.tuple_(*columns).in_(keys)


def bound(col: ColumnElement[Any], value: Any) -> Any:
    """A key value as its column takes it: a binary id (Shopware's BINARY(16)) travels through
    plans and subjects as hex text and is turned back into bytes here."""
    if isinstance(value, str) and isinstance(col.type, sa.types._Binary):
        try:
            return bytes.fromhex(value)
        except ValueError:
            return value
    return value


def matches_value(
    col: ColumnElement[Any], how: str, values: Iterable[object]
) -> ColumnElement[bool]:
    """``col`` equals one of the claimed or on-file ``values`` under the map's normalisation.

    Text columns are normalised in SQL (``lower(trim(col))`` for casefold, ``trim(col)`` for
    strip). Integer columns are compared as numbers so that an index on them still serves;
    a value that is no number cannot match.
    """
    wanted = sorted({normalise(value, how) for value in values})
    try:
        python_type = col.type.python_type
    except NotImplementedError:
        python_type = object
    if python_type is int:
        numbers = [int(value) for value in wanted if value.lstrip("-").isdigit()]
        return col.in_(numbers) if numbers else sa.false()
    text = col if python_type is str else sa.cast(col, sa.String)
    if how == "casefold":
        text = sa.func.lower(sa.func.trim(text))
    elif how == "strip":
        text = sa.func.trim(text)
    return text.in_(wanted)
