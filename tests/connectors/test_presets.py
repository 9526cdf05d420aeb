"""The shipped presets on test schemas of PrestaShop 8, WooCommerce (HPOS), Shopware 6 and
Magento 2 in MariaDB (DDL and seeds: tests/support/shop_schemas): an access for a seeded
customer returns every personal value of that customer and none of another's; an erasure
leaves only what retention justifies, each kept field with its norm and date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.base import AccessResult, Identity, Subject
from connectors.changes import ChangeRequest
from connectors.datamap import check_against_database, load_datamap
from connectors.shop_sql import ShopSqlConnector
from tests.support.shop_schemas import PEOPLE, SYSTEMS, load, mariadb_database
from tests.support.shops import demo_rules

PRESETS = Path(__file__).parents[2] / "connectors" / "presets"
TODAY = date(2026, 12, 2)


@pytest.fixture(scope="module", params=SYSTEMS)
def shop(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    """(system, url) of a MariaDB database holding the system's seeded test schema."""
    with mariadb_database(f"dsr_preset_{request.param}") as url:
        load(request.param, url)
        yield request.param, url


@pytest.fixture
def connector(shop: tuple[str, str]) -> Iterator[ShopSqlConnector]:
    system, url = shop
    datamap = load_datamap(PRESETS / f"{system}.toml", retention_rules=demo_rules())
    built = ShopSqlConnector("shop", url, datamap, 5000)
    yield built
    built.close()


def subject(connector: ShopSqlConnector, email: str) -> Subject:
    found = connector.discover(Identity(email=email))
    assert len(found.matches) == 1, found
    return Subject.from_matches(found.matches)


def shown(result: AccessResult) -> set[str]:
    """Every value the answer shows, as text."""
    return {str(value) for records in result.tables for row in records.rows
            for value in row if value is not None}


def test_preset_passes_the_database_check(connector: ShopSqlConnector) -> None:
    errors = [f for f in check_against_database(connector.datamap, connector.engine, "shop")
              if f.level == "error"]
    assert not errors


@pytest.mark.parametrize("who", ["juergen", "anna", "karl"])
def test_access_returns_every_personal_value_and_none_of_anothers(
        connector: ShopSqlConnector, shop: tuple[str, str], who: str) -> None:
    system = shop[0]
    person = PEOPLE[who]
    if system not in person.account:
        pytest.skip(f"{who} has no customer account in {system} (a guest)")
    values = shown(connector.access(subject(connector, person.email)))
    missing = [v for v in person.values[system] if v not in values]
    assert not missing, f"{system}: {who}'s values not in the answer: {missing}"
    for other in PEOPLE.values():
        if other.key != who:
            leaked = [v for v in other.values[system] if v in values
                      or any(v in text for text in values if "@" in v)]
            assert not leaked, f"{system}: {other.key}'s values in {who}'s answer: {leaked}"


def test_secrets_are_not_disclosed(connector: ShopSqlConnector) -> None:
    values = shown(connector.access(subject(connector, PEOPLE["juergen"].email)))
    assert not [v for v in values if v.startswith("$2y$") or "ffffffff" in v]


def test_erasure_leaves_only_what_retention_justifies(
        connector: ShopSqlConnector, shop: tuple[str, str]) -> None:
    system, url = shop
    person = PEOPLE["juergen"]
    found = subject(connector, person.email)
    plan = connector.plan(found, ChangeRequest("DSR-PRESET", ("erasure",), TODAY, demo_rules()))
    blocked = {(c.target, name) for c in plan.changes if c.action == "block"
               for name in c.fields}
    for change in plan.changes:
        if change.action == "block":
            assert change.norm and change.retained_until and change.retained_until > TODAY
    receipt = connector.execute(plan)
    assert receipt.verified, receipt.remaining
    left = _holding(url, person.values[system])
    unjustified = sorted(hit for hit in left if hit not in blocked)
    assert not unjustified, f"{system}: left without a retention rule: {unjustified}"


def _holding(url: str, needles: tuple[str, ...]) -> set[tuple[str, str]]:
    """(table, column) of every cell in the database that still holds one of ``needles``."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    metadata.reflect(engine)
    hits: set[tuple[str, str]] = set()
    try:
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(sa.select(table)):
                    for name, value in row._mapping.items():
                        text = _text(value)
                        if text and any(needle in text for needle in needles):
                            hits.add((table.name, name))
    finally:
        engine.dispose()
    return hits


def _text(value: Any) -> str:
    if value is None or isinstance(value, bytes):
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
