"""Fixtures of the rendering comparison: SQLite only (same text, half the time), services on a
shop of their own with recipients and access logs for the erasure, and ``--update-renderings``
to write the golden files from the code as it is."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.config import DEMO_RECIPIENTS
from dsr.context import Services
from tests.support.clock import CLOCK


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-renderings", action="store_true", default=False,
                     help="write tests/renderings/golden/ from the current code instead of "
                          "comparing with it")


@pytest.fixture
def update_renderings(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-renderings", default=False))


@pytest.fixture
def service_db_url(tmp_path: Path, migrated_template: Path) -> str:
    """SQLite only: the renderings do not depend on the service database's engine."""
    shutil.copy(migrated_template, tmp_path / "service.sqlite")
    return f"sqlite:///{tmp_path / 'service.sqlite'}"


@pytest.fixture
def change_services(tmp_path: Path, service_db_url: str,
                    demo_shop: dict[str, Any]) -> Iterator[Services]:
    """Services on a copy of the demo shop (an erasure changes it) with its access logs and
    the demo's recipients told by e-mail, every mail written to the outbox folder."""
    from dsr.audit import ensure_head
    from tests.conftest import make_config

    shop = tmp_path / "change-shop.sqlite"
    shutil.copy(demo_shop["url"].removeprefix("sqlite:///"), shop)
    logs = tmp_path / "change-shop-logs"
    shutil.copytree(demo_shop["log_dir"], logs)
    endpoints = {key: {"email": f"datenschutz@{key.replace('_', '-')}.example.org",
                       "credit_bureau": key == "schufa"} for key in DEMO_RECIPIENTS}
    config = make_config(tmp_path, database_url=service_db_url, shop_url=f"sqlite:///{shop}",
                         extra={"connectors": {
                             "logs": {"kind": "access_logs", "subject_from": "shop",
                                      "directory": str(logs)},
                             "recipients": {"kind": "recipient_mail", "subject_from": "shop",
                                            "endpoints": endpoints}}})
    built = Services(config, clock=CLOCK)
    with built.db.session() as session:
        ensure_head(session)
    yield built
    built.close()


@pytest.fixture
def change_app(change_services: Services) -> Any:
    from dsr.app import create_app

    return create_app(services=change_services,
                      flask_config={"TESTING": True, "RATELIMIT_ENABLED": False})


@pytest.fixture
def make_change_user(change_services: Services) -> Any:
    from dsr.users.operations import create_user

    def make(username: str, role: str, password: str) -> Any:
        with change_services.db.session() as session:
            return create_user(session, username, password, role)

    return make
