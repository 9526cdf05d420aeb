"""Shared state of one generator run: randomness, the clock, id counters and the row batch."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from faker import Faker

from dsr.demo.cast import Cast

Row = dict[str, Any]

LOG_DAYS = 42
"""Days the rotated access logs reach back (six weekly files)."""


@dataclass(frozen=True)
class Visit:
    """A customer's session as the web server saw it: an address used during a window."""

    customer_id: int
    ip: str
    started_at: datetime
    ended_at: datetime
    user_agent: str
    searches: tuple[tuple[datetime, str], ...] = ()  # (time, search term)
    orders: tuple[tuple[datetime, str], ...] = ()  # (time, order number)


class Batch:
    """Rows generated for a group of customers, by table name, ready to be written."""

    def __init__(self) -> None:
        self.rows: dict[str, list[Row]] = {}

    def add(self, table: str, row: Row) -> Row:
        """Append *row* to *table* and return it (callers may still fill in later columns)."""
        self.rows.setdefault(table, []).append(row)
        return row

    def count(self, table: str) -> int:
        """Rows held for *table*."""
        return len(self.rows.get(table, ()))


@dataclass
class Context:
    """Everything a row builder needs; one per build, used by one thread."""

    fake: Faker
    rng: random.Random
    now: datetime
    cast: Cast
    visits: list[Visit] = field(default_factory=list)
    _next_ids: dict[str, int] = field(default_factory=dict)

    @property
    def log_since(self) -> datetime:
        """Start of the period the access logs cover (UTC)."""
        return self.now - timedelta(days=LOG_DAYS)

    def next_id(self, table: str) -> int:
        """The next primary key for *table* (ids are assigned here, not by the database)."""
        value = self._next_ids.get(table, 1)
        self._next_ids[table] = value + 1
        return value
