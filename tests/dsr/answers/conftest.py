"""Services on the demo shop with two service e-mails written from a real letter, and
Jürgen's draft answer built once per module for the tests that only read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.context import Services
from tests.conftest import _services, service_database
from tests.support.clock import CLOCK, START
from tests.support.corpus_mail import shop_with_letters
from tests.support.reports import AccessReport, built_access_report

REPORTS = [pytest.param((kind, language), id=f"{kind}-{language}",
                        marks=[pytest.mark.postgres] if kind == "postgresql" else [])
           for kind in ("sqlite", "postgresql") for language in ("de", "en")]


@pytest.fixture
def letter_services(tmp_path: Path, service_db_url: str,
                    demo_shop: dict[str, Any]) -> Iterator[Services]:
    built = _services(tmp_path, service_db_url,
                      shop_with_letters(demo_shop["url"], tmp_path / "shop.sqlite"))
    yield built
    built.close()


@pytest.fixture(scope="module", params=REPORTS)
def juergens_report(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                    migrated_template: Path, demo_shop: dict[str, Any]) -> Iterator[AccessReport]:
    """Jürgen's access request on a service database of its own, taken to its draft answer
    (in each language, on SQLite and PostgreSQL); the tests using it must not change it."""
    kind, language = request.param
    directory = tmp_path_factory.mktemp("juergens-report")
    with service_database(kind, directory, migrated_template, request) as url:
        CLOCK.set(START)
        built = _services(directory, url, demo_shop["url"])
        try:
            yield built_access_report(built, language)
        finally:
            built.close()
