"""A fresh demo shop per test that may change it: a copy of the session's SQLite shop (and its
logs), or the same build in a throw-away PostgreSQL or MariaDB database; and a search of every
shop table for a person's values."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.changes import RetentionRule
from dsr.config import DEMO_DIR
from dsr.demo import shop_schema
from dsr.demo.generator import build_demo_shop
from dsr.register.schema import load_register

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
            pytest.param("mariadb", marks=pytest.mark.mariadb)]


def fresh_shop(request: pytest.FixtureRequest, backend: str, tmp_path: Path,
               demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A demo shop of its own on ``backend`` (same seed and day as the session's) with logs."""
    logs = tmp_path / "shop-logs"
    shutil.copytree(demo_shop["log_dir"], logs)
    summary = demo_shop["summary"]
    if backend == "sqlite":
        path = tmp_path / "shop.sqlite"
        shutil.copy(demo_shop["url"].removeprefix("sqlite:///"), path)
        yield {"url": f"sqlite:///{path}", "summary": summary, "log_dir": logs}
        return
    url = request.getfixturevalue("pg_url" if backend == "postgresql" else "mariadb_url")
    build_demo_shop(url, customers=summary.customers, today=summary.today)
    yield {"url": url, "summary": summary, "log_dir": logs}


def demo_rules() -> dict[str, RetentionRule]:
    """The demo register's retention rules."""
    register = load_register(DEMO_DIR / "register.toml")
    return {name: RetentionRule.from_register(name, raw)
            for name, raw in register["retention"].items()}


def find_everywhere(url: str, needles: list[str]) -> list[tuple[str, tuple[Any, ...], str]]:
    """Every (table, primary key, column) of the shop whose text holds one of ``needles``."""
    folded = [n.casefold() for n in needles if n]
    engine = sa.create_engine(url)
    hits = []
    try:
        with engine.connect() as connection:
            for table in shop_schema.metadata.sorted_tables:
                keys = [c.name for c in table.primary_key.columns]
                for row in connection.execute(sa.select(table)):
                    values = row._mapping
                    for name, value in values.items():
                        if isinstance(value, str) and any(n in value.casefold() for n in folded):
                            hits.append((table.name, tuple(values[k] for k in keys), name))
    finally:
        engine.dispose()
    return hits
