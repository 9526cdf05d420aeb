"""The shape of a database as the proposal needs it: tables, columns, keys, foreign keys, and a
small sample of each column's values (kept in memory only, never written out)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

SAMPLE_ROWS = 200
"""Rows sampled per table: enough to tell an e-mail column from a code column."""


@dataclass
class Column:
    """One column, its type family and its sampled non-empty values."""

    name: str
    type: sa.types.TypeEngine[Any]
    nullable: bool
    samples: list[Any] = field(default_factory=list)

    @property
    def python_type(self) -> builtins.type:
        try:
            return self.type.python_type
        except NotImplementedError:
            return object

    @property
    def is_text(self) -> bool:
        return self.python_type is str

    @property
    def is_int(self) -> bool:
        return self.python_type is int and not isinstance(self.type, sa.Boolean)

    @property
    def is_date(self) -> bool:
        return isinstance(self.type, sa.Date | sa.DateTime)

    @property
    def is_binary(self) -> bool:
        return isinstance(self.type, sa.types._Binary)


@dataclass
class Table:
    """One table: its columns in order, primary key, foreign keys and unique column sets."""

    name: str
    columns: dict[str, Column]
    key: tuple[str, ...]
    foreign_keys: list[tuple[tuple[str, ...], str, tuple[str, ...]]]
    unique: list[tuple[str, ...]]
    rows: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)  # in memory only

    def column(self, name: str) -> Column | None:
        return self.columns.get(name)


def read_schema(engine: Engine, *, sample_rows: int = SAMPLE_ROWS,
                only: Sequence[str] | None = None) -> dict[str, Table]:
    """Every table of the database (or ``only`` these), with a sample of its rows."""
    inspector = sa.inspect(engine)
    names = [n for n in inspector.get_table_names() if only is None or n in only]
    tables: dict[str, Table] = {}
    metadata = sa.MetaData()
    metadata.reflect(engine, only=names)
    with engine.connect() as connection:
        for name in names:
            reflected = metadata.tables[name]
            columns = {c.name: Column(c.name, c.type, bool(c.nullable)) for c in reflected.c}
            key = tuple(c.name for c in reflected.primary_key)
            fks = [(tuple(fk["constrained_columns"]), fk["referred_table"],
                    tuple(fk["referred_columns"])) for fk in inspector.get_foreign_keys(name)]
            unique = [tuple(u["column_names"]) for u in inspector.get_unique_constraints(name)]
            unique += [tuple(str(n) for n in i["column_names"] if n)
                       for i in inspector.get_indexes(name) if i.get("unique")]
            table = Table(name, columns, key, fks, [u for u in unique if u])
            if sample_rows:
                for row in connection.execute(sa.select(reflected).limit(sample_rows)):
                    table.rows += 1
                    table.sample.append(dict(row._mapping))
                    for column_name, value in row._mapping.items():
                        if value is not None and value != "":
                            columns[column_name].samples.append(value)
            tables[name] = table
    return tables
