"""Test schemas of four shop systems, written after each system's public schema files, with
two or three seeded customers each, for the presets, ``propose`` and ``coverage``.

Read for the DDL (our own words, only the tables that hold customer data plus a few lookup and
noise tables):

- PrestaShop 8: PrestaShop/PrestaShop ``install-dev/data/db_structure.sql`` at
  61967d5e7133c38c0a82b8a4d8fe94431c19a590.
- WooCommerce: WordPress/wordpress-develop ``src/wp-admin/includes/schema.php`` at
  42b3b9046c4ccdb8bdbb9a006a07a5df55f7d54c (users, usermeta, posts, postmeta, comments,
  options, terms); woocommerce/woocommerce
  ``plugins/woocommerce/src/Internal/DataStores/Orders/OrdersTableDataStore.php`` at
  40875d41297358c87ce4d7a9a8685ee3525acd18 (HPOS: wc_orders, wc_order_addresses,
  wc_orders_meta).
- Shopware 6: shopware/shopware ``src/Core/Migration/V6_3/Migration1536232960Customer.php``
  at 0fc8669faea1e542c31a9941c11b578e073fc145, ``Migration1536233000OrderCustomer.php`` at
  ee14a08338f07f357aa243a048755eb46d7d7f52, ``Migration1536232990Order.php`` and
  ``Migration1536233010OrderAddress.php`` at 48a8d5e18dd330c48b168c863aab9210d56d95b2.
- Magento 2: magento/magento2 ``app/code/Magento/Customer/etc/db_schema.xml`` at
  f9389adbbf20bd556c54f1d7caae80b224620efe (customer_entity, customer_address_entity); the
  sales tables follow ``app/code/Magento/Sales/etc/db_schema.xml`` (commit
  18ac40ae2ee406134d13aefe615ffc7839973528), reduced to the columns named there that hold
  a customer's data.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.shop_schemas.seeds import PEOPLE, ROWS, Person

HERE = Path(__file__).parent
SYSTEMS = ("prestashop", "woocommerce", "shopware", "magento")
PREFIX = {"prestashop": "ps_", "woocommerce": "wp_", "shopware": "", "magento": ""}
MARIADB = "mysql+pymysql://root@127.0.0.1:3306/test"

__all__ = ["PEOPLE", "PREFIX", "SYSTEMS", "Person", "load", "mariadb_database"]


def ddl(system: str, prefix: str | None = None) -> list[str]:
    """The system's CREATE TABLE statements with its table prefix."""
    text = (HERE / f"{system}.sql").read_text(encoding="utf-8")
    text = text.replace("PREFIX_", PREFIX[system] if prefix is None else prefix)
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return [statement.strip() for statement in body.split(";\n") if statement.strip()]


def load(system: str, url: str, prefix: str | None = None) -> None:
    """Create the system's tables in the database at ``url`` and insert the seeded rows."""
    engine = sa.create_engine(url)
    own = PREFIX[system] if prefix is None else prefix
    try:
        with engine.begin() as connection:
            for statement in ddl(system, prefix):
                connection.exec_driver_sql(statement)
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.begin() as connection:
            for name, rows in ROWS[system].items():
                table = metadata.tables[own + name.removeprefix(PREFIX[system])]
                for row in rows:  # rows name only the columns they set
                    connection.execute(table.insert(), row)
    finally:
        engine.dispose()


@contextmanager
def mariadb_database(name: str) -> Iterator[str]:
    """A MariaDB database of this name for the test (dropped afterwards); skips when the
    server does not answer."""
    admin = sa.create_engine(MARIADB, connect_args={"connect_timeout": 3}, poolclass=sa.NullPool)
    database = f"{name}_{secrets.token_hex(3)}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {database} CHARACTER SET utf8mb4")
    except sa.exc.OperationalError as exc:
        pytest.skip(f"MariaDB at 127.0.0.1:3306 does not answer: {exc.orig}")
    try:
        yield sa.make_url(MARIADB).set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {database}")
        admin.dispose()
