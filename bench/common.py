"""What the benchmarks share: database URLs, creating databases, the service configuration."""

from __future__ import annotations

import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from dsr.config import Config, load_config

SHOP_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_shop"
SERVICE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_service"
REDIS_URL = "redis://127.0.0.1:6379/14"
DATA_DIR = Path(tempfile.gettempdir()) / "dsr-bench"
SECRET = "bench-secret-" + "x" * 32
ADMIN_DATABASE = "test"  # any database the server has; CREATE/DROP DATABASE run from there
CUSTOMERS = 100_000

#: The competitor's published figures (the issue's brief); ours are compared with these.
COMPETITOR = {
    "access_s": 0.28,
    "erasure_s": 0.47,
    "transactions": 200,
    "idle_mb": 390,
}


def _admin_engine(url: str | URL) -> sa.Engine:
    admin = make_url(url).set(database=ADMIN_DATABASE)
    return sa.create_engine(admin, isolation_level="AUTOCOMMIT")


def database_exists(url: str | URL) -> bool:
    """Whether the database named in ``url`` exists on its server."""
    name = make_url(url).database
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
    finally:
        engine.dispose()
    return bool(found)


def create_database(url: str | URL, *, fresh: bool = False) -> bool:
    """Create the PostgreSQL database named in ``url`` unless it exists; ``fresh`` drops it first.

    Returns True when the database was created.
    """
    name = make_url(url).database
    if not name or not name.replace("_", "").isalnum():
        raise ValueError(f"refusing an unusual database name: {name!r}")
    engine = _admin_engine(url)
    try:
        with engine.connect() as conn:
            if fresh:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                 {"n": name})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return not exists


#: The connectors of the shop database: the shop, and its newsletter and consent tables
#: (objection ends subscriptions and consents there and adds the suppression entries).
SHOP_CONNECTORS = ("shop",)
SHOP_AND_NEWSLETTER = ("shop", "newsletter")


def bench_config(shop_url: str, service_url: str, data_dir: Path, *,
                 backend: str = "thread", redis_url: str = "",
                 connectors: tuple[str, ...] = SHOP_CONNECTORS) -> Config:
    """The service configured for the bench databases (as ``tests/conftest.make_config`` does);
    ``connectors`` names which of the shop database's connectors are configured."""
    known: dict[str, dict[str, Any]] = {
        "shop": {"kind": "shop_sql", "url": shop_url,
                 "label": {"de": "Shop-Datenbank", "en": "Shop database"}},
        "newsletter": {"kind": "newsletter", "url": shop_url, "subject_from": "shop",
                       "label": {"de": "Newsletter und Einwilligungen",
                                 "en": "Newsletter and consents"}},
    }
    overrides: dict[str, Any] = {
        "service": {"data_dir": str(data_dir), "secret_key": SECRET, "database_url": service_url},
        "connectors": {name: known[name] for name in connectors},
        "tasks": {"backoff_seconds": 0, "backend": backend, "redis_url": redis_url},
    }
    return load_config(path=None, env={}, overrides=overrides)


def bench_env(shop_url: str, service_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """Environment variables that point a ``dsr`` subprocess at the bench databases."""
    return {"DSR_DATABASE_URL": service_url, "DSR_SHOP_DATABASE_URL": shop_url,
            "DSR_DATA_DIR": str(data_dir), "DSR_SECRET_KEY": SECRET, **extra}


def summary(values: Sequence[float]) -> dict[str, float]:
    """Median, minimum and maximum of a non-empty series."""
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
