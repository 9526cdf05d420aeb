"""What ``dsr datamap propose`` drafts for review, with and without ``--preset``, on the shop
test schemas in MariaDB: labels from lookup tables for coded columns, the time zone of naive
timestamps (the shop's own setting, else the database server's) and the columns and tables
naming who received a row's data (carriers, payment providers)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.base import Identity, Subject
from connectors.datamap import parse_datamap
from connectors.shop_sql import ShopSqlConnector
from tests.connectors.test_introspect import check_errors, run_propose
from tests.support.shop_schemas import PEOPLE, SYSTEMS, load, mariadb_database

LOOKUPS = {  # (table, column) -> lookup table, on each schema without a preset
    "prestashop": {("ps_customer", "id_gender"): "ps_gender_lang",
                   ("ps_address", "id_country"): "ps_country_lang",
                   ("ps_orders", "current_state"): "ps_order_state_lang",
                   ("ps_orders", "id_carrier"): "ps_carrier"},
    "woocommerce": {},
    "shopware": {("customer_address", "country_id"): "country_translation",
                 ("order_address", "country_id"): "country_translation"},
    "magento": {("sales_order", "status"): "sales_order_status",
                ("sales_order_status_history", "status"): "sales_order_status"},
}
ZONES = {  # (table, column) -> zone, and what the TODO names as its source
    "prestashop": ({("ps_orders", "date_add"): "Europe/Berlin"}, "PS_TIMEZONE"),
    "woocommerce": ({("wp_wc_orders", "date_created_gmt"): "UTC",
                     ("wp_posts", "post_date"): "Europe/Berlin"}, "timezone_string"),
    "shopware": ({("order", "order_date"): "UTC"}, "database server's zone"),
    "magento": ({("sales_order", "created_at"): "UTC"}, "TIMESTAMP"),
}
RECIPIENTS = {
    "prestashop": [("ps_orders", "id_carrier"), ("ps_orders", "payment")],
    "woocommerce": [("wp_wc_orders", "payment_method")],
    "shopware": [],
    "magento": [],
}


@pytest.fixture(scope="module", params=SYSTEMS)
def shop(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with mariadb_database(f"dsr_drafts_{request.param}") as url:
        load(request.param, url)
        if request.param == "prestashop":
            shop_zone(url, "Europe/Berlin")
        yield request.param, url


def shop_zone(url: str, zone: str) -> None:
    """PrestaShop's setting of the zone it writes its timestamps in."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO ps_configuration (name, value, date_add, date_upd) "
            "VALUES ('PS_TIMEZONE', :zone, '2024-01-01', '2024-01-01')"), {"zone": zone})
    engine.dispose()


def columns(text: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(table, name): entry for table, mapped in tomllib.loads(text)["tables"].items()
            for name, entry in mapped["columns"].items()}


def todo_above(text: str, table: str, column: str) -> str:
    """The TODO line just above a column's line in the table's section."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.strip('[]"').replace('"', "") == f"tables.{table}.columns")
    index = next(i for i in range(start, len(lines)) if lines[i].startswith(f"{column} = "))
    return lines[index - 1] if lines[index - 1].startswith("# TODO") else ""


def test_propose_labels_coded_columns_from_lookup_tables(shop: tuple[str, str],
                                                         tmp_path: Path) -> None:
    system, url = shop
    text, register, _ = run_propose(url, tmp_path)
    drafted = {key: entry["lookup"]["table"] for key, entry in columns(text).items()
               if "lookup" in entry}
    assert drafted == LOOKUPS[system]
    for table, column in LOOKUPS[system]:
        assert "confirm the lookup" in todo_above(text, table, column)
    assert not check_errors(text, register, url)
    if system == "prestashop":  # one label per language: the TODO asks for the condition
        assert 'add where = { de = "id_lang = …"' in todo_above(text, "ps_address", "id_country")
        assert ("ps_address", "id_state") not in drafted  # a region, not an order state
        connector = ShopSqlConnector("shop", url, parse_datamap(text), 5000)
        try:
            found = connector.discover(Identity(email=PEOPLE["juergen"].email))
            result = connector.access(Subject.from_matches(found.matches))
        finally:
            connector.close()
        orders = next(t for t in result.tables if t.table == "ps_orders")
        state = next(c for c in orders.columns if c.name == "current_state")
        assert state.values and {label["de"] for label in state.values.values()} <= {
            "Versandt", "Zugestellt", "Shipped", "Delivered"}


def test_propose_reads_naive_timestamps_in_the_shops_zone(shop: tuple[str, str],
                                                          tmp_path: Path) -> None:
    system, url = shop
    text, register, _ = run_propose(url, tmp_path)
    drafted = columns(text)
    wanted, source = ZONES[system]
    for (table, column), zone in wanted.items():
        assert drafted[(table, column)]["timezone"] == zone, (table, column)
        assert "naive timestamp read as" in todo_above(text, table, column)
    assert any(source in todo_above(text, t, c) for t, c in wanted)
    dates = [key for key, entry in drafted.items() if entry.get("timezone")]
    assert all("birth" not in column for _, column in dates)  # a date has no zone
    if system == "prestashop":  # a timestamp named after the password is no secret
        assert "disclose" not in drafted[("ps_customer", "last_passwd_gen")]
        assert drafted[("ps_customer", "passwd")]["disclose"] is False
    assert not check_errors(text, register, url)


def test_propose_marks_who_received_the_data(shop: tuple[str, str], tmp_path: Path) -> None:
    system, url = shop
    text, register, _ = run_propose(url, tmp_path)
    marked = sorted(key for key, entry in columns(text).items() if entry.get("discloses_to"))
    assert marked == sorted(RECIPIENTS[system])
    for table, column in RECIPIENTS[system]:
        assert "names who received the row's data" in todo_above(text, table, column)
    if system == "prestashop":
        assert "ps_carrier" not in tomllib.loads(text)["tables"]  # the carriers' list
        assert "# TODO: table 'ps_carrier' lists the shop's carriers" in register
        assert "# TODO: table 'ps_carrier' lists the shop's carriers" in text
        assert ("ps_orders", "carrier_tax_rate") not in marked
    else:
        assert "lists the shop's" not in register
    assert not check_errors(text, register, url)


def test_preset_gets_the_same_drafts_where_it_has_none(tmp_path: Path) -> None:
    with mariadb_database("dsr_drafts_preset") as url:
        load("prestashop", url)
        shop_zone(url, "Europe/Vienna")  # a shop in Vienna
        text, register, _ = run_propose(url, tmp_path, "--preset", "prestashop")
        drafted = columns(text)
        orders = {name: entry for (table, name), entry in drafted.items()
                  if table == "ps_orders"}
        assert orders["id_carrier"]["lookup"]["table"] == "ps_carrier"
        assert orders["id_carrier"]["discloses_to"] is True
        assert orders["payment"]["discloses_to"] is True
        assert orders["date_add"]["timezone"] == "Europe/Vienna"
        assert "# TODO: ps_orders.date_add: zone 'Europe/Berlin' of the preset replaced by " \
               "'Europe/Vienna' (PrestaShop's setting PS_TIMEZONE): review" in text
        assert "# TODO: ps_orders.id_carrier: codes labelled from ps_carrier.name" in text
        assert "# TODO: table 'ps_carrier' lists the shop's carriers" in register
        # The preset's own lookups stay as written.
        assert drafted[("ps_address", "id_country")]["lookup"]["where"] == {
            "de": "id_lang = 1", "en": "id_lang = 2"}
        assert not check_errors(text, register, url)
        seeded = {v for person in PEOPLE.values() for v in person.values["prestashop"]
                  if len(v) >= 4}
        assert not [v for v in seeded if v in text or v in register]
