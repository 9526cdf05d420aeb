"""Shared fixtures: a migrated service database per test (copied from one migrated template),
one demo shop per session, services and an app built on them, and database servers when up."""

from __future__ import annotations

import shutil
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from dsr.config import Config, load_config
from dsr.context import Services
from dsr.db import make_engine
from dsr.migrate import upgrade
from tests.support.clock import CLOCK, START

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_ADMIN_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
TEST_CUSTOMERS = 120


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _server_database(admin_url: str, port: int, name: str) -> Iterator[str]:
    if not port_open(port):
        pytest.skip(f"database server on 127.0.0.1:{port} is not reachable")
    db_name = f"dsr_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {db_name}"))
    except Exception as exc:  # noqa: BLE001 - no rights or no server: skip with the reason
        admin.dispose()
        pytest.skip(f"{name}: cannot create a test database ({type(exc).__name__})")
    url = admin_url.rsplit("/", 1)[0] + f"/{db_name}"
    try:
        yield url
    finally:
        with admin.connect() as conn:
            if name == "postgresql":
                conn.execute(text(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))
            else:
                conn.execute(text(f"DROP DATABASE IF EXISTS {db_name}"))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throw-away PostgreSQL database (skipped when the server does not answer)."""
    yield from _server_database(PG_ADMIN_URL, 5432, "postgresql")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A throw-away MariaDB database (skipped when the server does not answer)."""
    yield from _server_database(MARIADB_ADMIN_URL, 3306, "mariadb")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The service schema migrated once with Alembic; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "service.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A small demo shop (SQLite file and logs) built once per session; tests only read it."""
    from dsr.demo.generator import build_demo_shop

    root = tmp_path_factory.mktemp("shop")
    url = f"sqlite:///{root / 'shop.sqlite'}"
    summary = build_demo_shop(url, customers=TEST_CUSTOMERS, log_dir=root / "logs",
                              today=START.date())
    built = (root / "shop.sqlite").read_bytes()
    yield {"url": url, "summary": summary, "log_dir": root / "logs"}
    # Every test shares this file: one that wrote to it would change what later tests find.
    assert (root / "shop.sqlite").read_bytes() == built, "a test wrote to the shared demo shop"


def make_config(data_dir: Path, *, database_url: str | None = None, shop_url: str,
                extra: dict[str, Any] | None = None) -> Config:
    overrides: dict[str, Any] = {
        "service": {"data_dir": str(data_dir), "secret_key": "test-secret-" + "x" * 20,
                    "clock_start": START.isoformat(),
                    **({"database_url": database_url} if database_url else {})},
        "connectors": {"shop": {"kind": "shop_sql", "url": shop_url,
                                "label": {"de": "Shop-Datenbank", "en": "Shop database"}},
                       # The demo map gives the newsletter tables to their own connector.
                       "newsletter": {"kind": "newsletter", "url": shop_url,
                                      "subject_from": "shop",
                                      "label": {"de": "Newsletter", "en": "Newsletter"}}},
        "tasks": {"backoff_seconds": 0},
    }
    for key, value in (extra or {}).items():
        overrides.setdefault(key, {}).update(value)
    return load_config(path=None, env={}, overrides=overrides)


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A PostgreSQL database migrated once; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    gen = _server_database(PG_ADMIN_URL, 5432, "postgresql")
    url = next(gen)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    next(gen, None)


SERVICE_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
"""The service databases every test on ``service_db_url`` runs on."""


def _tables(conn: Any) -> list[str]:
    """The service schema's tables (Alembic's own left out), sorted."""
    return sorted(conn.scalars(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                                    "AND tablename <> 'alembic_version'")))


class PostgresClones:
    """Clones of the migrated PostgreSQL template, reused from test to test.

    A clone costs a ``CREATE DATABASE … TEMPLATE`` (about a second here) and dropping it
    more; emptying one (every row deleted, every sequence back at 1, in one transaction) costs
    a tenth of that and leaves what a fresh clone has, since the migrations store no rows. A
    clone whose schema a test changed (another Alembic revision, a table more or less) is
    dropped, not reused."""

    def __init__(self, template_url: str) -> None:
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.template = template_url.rsplit("/", 1)[1]
        self.free: list[str] = []
        self.made: list[str] = []
        engine = create_engine(template_url)
        with engine.connect() as conn:
            self.tables = _tables(conn)
            self.sequences = sorted(conn.scalars(text(
                "SELECT sequence_name FROM information_schema.sequences "
                "WHERE sequence_schema = 'public'")))
            self.revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
        engine.dispose()

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        name = f"dsr_t_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {self.template}"))
        self.made.append(name)
        return name

    def give_back(self, name: str) -> None:
        with self.admin.connect() as conn:  # a worker a test started may still be connected
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
        engine = create_engine(f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}", poolclass=NullPool)
        try:
            with engine.begin() as conn:
                same = (conn.scalar(text("SELECT version_num FROM alembic_version")) == self.revision
                        and _tables(conn) == self.tables)
                if same:
                    conn.execute(text("SET LOCAL session_replication_role = replica"))
                    for table in self.tables:
                        conn.execute(text(f'DELETE FROM "{table}"'))
                    for sequence in self.sequences:
                        conn.execute(text("SELECT setval(:s, 1, false)"), {"s": sequence})
        except Exception:  # noqa: BLE001 - a clone a test broke is dropped, not reused
            same = False
        finally:
            engine.dispose()
        if same:
            self.free.append(name)
        else:
            self._drop(name)

    def _drop(self, name: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))

    def close(self) -> None:
        for name in self.made:
            self._drop(name)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_clones(pg_template: str) -> Iterator[PostgresClones]:
    clones = PostgresClones(pg_template)
    yield clones
    clones.close()


@contextmanager
def service_database(kind: str, directory: Path, migrated_template: Path,
                     request: pytest.FixtureRequest) -> Iterator[str]:
    """A migrated service database of its own: a copy of the migrated SQLite file in
    ``directory``, or an empty clone of the migrated PostgreSQL template (emptied again and
    reused after the test)."""
    if kind == "sqlite":
        shutil.copy(migrated_template, directory / "service.sqlite")
        yield f"sqlite:///{directory / 'service.sqlite'}"
        return
    clones: PostgresClones = request.getfixturevalue("pg_clones")
    name = clones.take()
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        clones.give_back(name)


@pytest.fixture(params=SERVICE_DATABASES)
def service_db_url(request: pytest.FixtureRequest, tmp_path: Path,
                   migrated_template: Path) -> Iterator[str]:
    """The service database of one test: a copy of the migrated SQLite file, or a clone of the
    migrated PostgreSQL template in a database of its own."""
    with service_database(request.param, tmp_path, migrated_template, request) as url:
        yield url


@pytest.fixture(autouse=True)
def _pinned_clock() -> Iterator[None]:
    """Every test starts at the same instant, whatever day the suite runs on."""
    CLOCK.set(START)
    yield


def _services(tmp_path: Path, database_url: str, shop_url: str) -> Services:
    built = Services(make_config(tmp_path, database_url=database_url, shop_url=shop_url),
                     clock=CLOCK)
    from dsr.audit import ensure_head

    with built.db.session() as session:
        ensure_head(session)
    return built


@pytest.fixture
def services(tmp_path: Path, service_db_url: str) -> Iterator[Services]:
    """Services on a fresh migrated service database (SQLite, and PostgreSQL when it answers);
    no shop behind them."""
    built = _services(tmp_path, service_db_url, f"sqlite:///{tmp_path / 'no-shop.sqlite'}")
    yield built
    built.close()


@pytest.fixture
def demo_services(tmp_path: Path, service_db_url: str,
                  demo_shop: dict[str, Any]) -> Iterator[Services]:
    """Services on a fresh service database and a copy of the session's demo shop (a
    request's changes, the advertising stop on intake among them, stay in the test)."""
    shop = tmp_path / "demo-shop.sqlite"
    shutil.copyfile(demo_shop["url"].removeprefix("sqlite:///"), shop)
    built = _services(tmp_path, service_db_url, f"sqlite:///{shop}")
    yield built
    built.close()


@pytest.fixture
def app(demo_services: Services) -> Any:
    from dsr.app import create_app

    return create_app(services=demo_services, flask_config={"TESTING": True,
                                                       "RATELIMIT_ENABLED": False})


@pytest.fixture
def make_user(demo_services: Services) -> Any:
    from dsr.users.operations import create_user

    def make(username: str, role: str, password: str = "correct horse battery") -> Any:
        with demo_services.db.session() as session:
            return create_user(session, username, password, role)

    return make
