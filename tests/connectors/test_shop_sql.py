"""The shop-database connector on two schemas of its own, on SQLite, PostgreSQL and MariaDB.

Schema "shop" is a typical English shop (orders linked by customer number, deliveries two hops
from the customer, guest deliveries without an order). Schema "kunde" uses other names: a
composite subject key (mandant, kundennr), positions two hops away and composite links all along.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from connectors.base import (
    AccessResult,
    Connector,
    ConnectorConfigError,
    Identity,
    Subject,
    TableRecords,
    build_connector,
    connector_class,
    json_safe,
)
from connectors.capabilities import Executes, Plans
from connectors.datamap import parse_datamap
from connectors.shop_sql import ShopSqlConnector
from connectors.sql_paths import read_transaction

SERVERS = {
    "postgresql": "postgresql+psycopg://127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
}
S = sa.String(200)

SHOP_MAP = """
version = 1
[subject]
table = "customers"
key = ["id"]
[[identifiers]]
kind = "email"
table = "customers"
column = "email"
[[identifiers]]
kind = "customer_number"
table = "customers"
column = "customer_no"
[[identifiers]]
kind = "name_address"
table = "addresses"
columns = { first_name = "first_name", last_name = "last_name", street = "street", postcode = "postcode", city = "city" }

[tables.customers]
connector = "shop"
key = ["id"]
label = { de = "Kundenkonto", en = "Customer account" }
category = "account"
[tables.customers.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
customer_no = { label = { de = "Kundennummer", en = "Customer number" }, erasure = "keep" }
email = { label = { de = "E-Mail", en = "E-mail" }, category = "contact", erasure = "anonymise" }
first_name = { label = { de = "Vorname", en = "First name" }, erasure = "anonymise" }
last_name = { label = { de = "Nachname", en = "Last name" }, erasure = "anonymise" }
birthday = { label = { de = "Geburtstag", en = "Birthday" }, erasure = "null" }
created_at = { label = { de = "Angelegt", en = "Created" }, erasure = "keep" }
avatar = { label = { de = "Bild", en = "Picture" }, erasure = "null" }

[tables.addresses]
connector = "shop"
key = ["id"]
label = { de = "Adressen", en = "Addresses" }
category = "address"
link = [ { columns = ["customer_id"], table = "customers", ref = ["id"] } ]
[tables.addresses.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
customer_id = { label = { de = "Kunde", en = "Customer" }, erasure = "keep" }
first_name = { label = { de = "Vorname", en = "First name" }, erasure = "anonymise" }
last_name = { label = { de = "Nachname", en = "Last name" }, erasure = "anonymise" }
street = { label = { de = "Straße", en = "Street" }, erasure = "anonymise" }
postcode = { label = { de = "PLZ", en = "Postcode" }, erasure = "anonymise" }
city = { label = { de = "Ort", en = "City" }, erasure = "anonymise" }

[tables.orders]
connector = "shop"
key = ["id"]
label = { de = "Bestellungen", en = "Orders" }
category = "orders"
link = [ { columns = ["customer_no"], table = "customers", ref = ["customer_no"] } ]
[tables.orders.columns]
id = { label = { de = "Bestellnummer", en = "Order number" }, erasure = "keep" }
customer_no = { label = { de = "Kundennummer", en = "Customer number" }, erasure = "keep" }
ordered_at = { label = { de = "Datum", en = "Date" }, erasure = "keep" }
total = { label = { de = "Summe", en = "Total" }, erasure = "keep" }

[tables.order_items]
connector = "shop"
key = ["order_id", "line_no"]
label = { de = "Bestellpositionen", en = "Order items" }
category = "orders"
link = [
  { columns = ["order_id"], table = "orders", ref = ["id"] },
  { columns = ["customer_no"], table = "customers", ref = ["customer_no"] },
]
[tables.order_items.columns]
order_id = { label = { de = "Bestellung", en = "Order" }, erasure = "keep" }
line_no = { label = { de = "Pos.", en = "Line" }, erasure = "keep" }
product = { label = { de = "Artikel", en = "Product" }, erasure = "keep" }
price = { label = { de = "Preis", en = "Price" }, erasure = "keep" }

[tables.deliveries]
connector = "shop"
key = ["id"]
label = { de = "Lieferungen", en = "Deliveries" }
category = "delivery"
link = [
  { columns = ["order_id"], table = "orders", ref = ["id"] },
  { columns = ["customer_no"], table = "customers", ref = ["customer_no"] },
]
recipient = { identifier = "email", column = "recipient_email", fields = ["recipient_name", "recipient_email", "street"] }
[tables.deliveries.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
order_id = { label = { de = "Bestellung", en = "Order" }, erasure = "keep" }
recipient_name = { label = { de = "Empfänger", en = "Recipient" }, erasure = "anonymise" }
recipient_email = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise" }
street = { label = { de = "Straße", en = "Street" }, erasure = "anonymise" }
gift_message = { label = { de = "Grußtext", en = "Gift message" }, erasure = "null" }
"""

KUNDE_MAP = """
version = 1
[subject]
table = "kunde"
key = ["mandant", "kundennr"]
[[identifiers]]
kind = "email"
table = "kunde"
column = "mail"
[[identifiers]]
kind = "customer_number"
table = "kunde"
column = "kundennr"
[[identifiers]]
kind = "name_address"
table = "kunde"
columns = { first_name = "vorname", last_name = "nachname", street = "strasse", postcode = "plz" }

[tables.kunde]
connector = "erp"
key = ["mandant", "kundennr"]
label = { de = "Kunde", en = "Customer" }
category = "account"
[tables.kunde.columns]
mandant = { label = { de = "Mandant", en = "Tenant" }, erasure = "keep" }
kundennr = { label = { de = "Kundennummer", en = "Customer number" }, erasure = "keep" }
mail = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise" }
vorname = { label = { de = "Vorname", en = "First name" }, erasure = "anonymise" }
nachname = { label = { de = "Nachname", en = "Last name" }, erasure = "anonymise" }
strasse = { label = { de = "Straße", en = "Street" }, erasure = "anonymise" }
plz = { label = { de = "PLZ", en = "Postcode" }, erasure = "anonymise" }

[tables.auftrag]
connector = "erp"
key = ["mandant", "auftragsnr"]
label = { de = "Aufträge", en = "Orders" }
category = "orders"
link = [ { columns = ["kd_mandant", "kd_nr"], table = "kunde", ref = ["mandant", "kundennr"] } ]
[tables.auftrag.columns]
mandant = { label = { de = "Mandant", en = "Tenant" }, erasure = "keep" }
auftragsnr = { label = { de = "Auftrag", en = "Order" }, erasure = "keep" }
datum = { label = { de = "Datum", en = "Date" }, erasure = "keep" }
betrag = { label = { de = "Betrag", en = "Amount" }, erasure = "keep" }

[tables.auftragsposition]
connector = "erp"
key = ["mandant", "auftragsnr", "pos"]
label = { de = "Auftragspositionen", en = "Order lines" }
category = "orders"
link = [
  { columns = ["mandant", "auftragsnr"], table = "auftrag", ref = ["mandant", "auftragsnr"] },
  { columns = ["kd_mandant", "kd_nr"], table = "kunde", ref = ["mandant", "kundennr"] },
]
[tables.auftragsposition.columns]
mandant = { label = { de = "Mandant", en = "Tenant" }, erasure = "keep" }
auftragsnr = { label = { de = "Auftrag", en = "Order" }, erasure = "keep" }
pos = { label = { de = "Pos.", en = "Line" }, erasure = "keep" }
artikel = { label = { de = "Artikel", en = "Article" }, erasure = "keep" }

[tables.lieferung]
connector = "erp"
key = ["mandant", "lieferungsnr"]
label = { de = "Lieferungen", en = "Deliveries" }
category = "delivery"
link = [
  { columns = ["mandant", "auftragsnr"], table = "auftrag", ref = ["mandant", "auftragsnr"] },
  { columns = ["kd_mandant", "kd_nr"], table = "kunde", ref = ["mandant", "kundennr"] },
]
[tables.lieferung.recipient]
identifier = "email"
column = "empf_mail"
fields = ["empf_name", "empf_strasse"]
[tables.lieferung.columns]
mandant = { label = { de = "Mandant", en = "Tenant" }, erasure = "keep" }
lieferungsnr = { label = { de = "Lieferung", en = "Delivery" }, erasure = "keep" }
empf_name = { label = { de = "Empfänger", en = "Recipient" }, erasure = "anonymise" }
empf_mail = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise" }
empf_strasse = { label = { de = "Straße", en = "Street" }, erasure = "anonymise" }
hinweis = { label = { de = "Hinweis", en = "Note" }, erasure = "null" }
"""


def _shop_schema(metadata: sa.MetaData) -> dict[str, tuple[sa.Table, list[tuple[object, ...]]]]:
    """The typical shop's tables and rows (Max is customer 1)."""
    i = sa.Integer
    t = {
        "customers": sa.Table(
            "customers", metadata, sa.Column("id", i, primary_key=True, autoincrement=False),
            sa.Column("customer_no", S, unique=True), sa.Column("email", S),
            sa.Column("first_name", S), sa.Column("last_name", S), sa.Column("phone", S),
            sa.Column("birthday", sa.Date), sa.Column("created_at", sa.DateTime),
            sa.Column("avatar", sa.LargeBinary),
        ),
        "addresses": sa.Table(
            "addresses", metadata, sa.Column("id", i, primary_key=True, autoincrement=False),
            sa.Column("customer_id", i), sa.Column("first_name", S), sa.Column("last_name", S),
            sa.Column("street", S), sa.Column("postcode", S), sa.Column("city", S),
        ),
        "orders": sa.Table(
            "orders", metadata, sa.Column("id", i, primary_key=True, autoincrement=False),
            sa.Column("customer_no", S), sa.Column("ordered_at", sa.DateTime),
            sa.Column("total", sa.Numeric(10, 2)),
        ),
        "order_items": sa.Table(
            "order_items", metadata, sa.Column("order_id", i, primary_key=True, autoincrement=False),
            sa.Column("line_no", i, primary_key=True, autoincrement=False),
            sa.Column("product", S), sa.Column("price", sa.Numeric(10, 2)),
        ),
        "deliveries": sa.Table(
            "deliveries", metadata, sa.Column("id", i, primary_key=True, autoincrement=False),
            sa.Column("order_id", i, nullable=True), sa.Column("recipient_name", S),
            sa.Column("recipient_email", S), sa.Column("street", S), sa.Column("gift_message", S),
        ),
    }  # fmt: skip
    when = datetime(2020, 1, 2, 3, 4, 5)
    rows = {
        "customers": [
            (1, "K-1001", "Max.Mustermann@Example.org", "Max", "Mustermann", "+49 89 1", date(1980, 5, 17), when, b"\x01\xff"),
            (2, "K-1002", "erika@example.org", "Erika", "Musterfrau", "+49 30 2", None, when, None),
            (3, "K-1003", None, "Hans", "Schmidt", None, None, when, None),
        ],
        "addresses": [
            (1, 1, "Max", "Mustermann", "Hauptstraße 5", "80331", "München"),
            (2, 2, "Erika", "Musterfrau", "Lindenweg 3", "10115", "Berlin"),
            (3, 3, "Hans", "Schmidt", "Hauptstr. 7", "80331", "München"),
            (4, 1, "Max", "Mustermann", "Bahnhofstr. 1", "90402", "Nürnberg"),
        ],
        "orders": [(10, "K-1001", when, Decimal("1019.89")), (11, "K-1002", when, Decimal("5.00")),
                   (12, "K-1001", when, Decimal("20.00"))],
        "order_items": [(10, 1, "Laptop", Decimal("999.90")), (10, 2, "Maus", Decimal("19.99")),
                        (11, 1, "Kabel", Decimal("5.00")), (12, 1, "Buch", Decimal("20.00"))],
        "deliveries": [
            (100, 10, "Max Mustermann", "max.mustermann@example.org", "Hauptstraße 5", None),
            (101, 11, "Max Mustermann", "MAX.MUSTERMANN@example.org", "Hauptstraße 5", "Alles Gute, Erika"),
            (102, 12, "Tante Gerda", "gerda@example.org", "Am Bach 2", "Viel Spaß"),
            (103, None, "Max M.", "max.mustermann@example.org ", "Hauptstraße 5", "Gast-Bestellung"),
        ],
    }  # fmt: skip
    return {name: (table, rows[name]) for name, table in t.items()}


def _kunde_schema(metadata: sa.MetaData) -> dict[str, tuple[sa.Table, list[tuple[object, ...]]]]:
    """The other names: composite keys everywhere (Max is kunde (1, 1001))."""
    i = sa.Integer

    def key(*names: str) -> list[sa.Column[int]]:
        return [sa.Column(name, i, primary_key=True, autoincrement=False) for name in names]

    t = {
        "kunde": sa.Table("kunde", metadata, *key("mandant", "kundennr"), sa.Column("mail", S),
                          sa.Column("vorname", S), sa.Column("nachname", S),
                          sa.Column("strasse", S), sa.Column("plz", S)),
        "auftrag": sa.Table("auftrag", metadata, *key("mandant", "auftragsnr"),
                            sa.Column("kd_mandant", i), sa.Column("kd_nr", i),
                            sa.Column("datum", sa.Date), sa.Column("betrag", sa.Numeric(10, 2))),
        "auftragsposition": sa.Table("auftragsposition", metadata,
                                     *key("mandant", "auftragsnr", "pos"), sa.Column("artikel", S)),
        "lieferung": sa.Table("lieferung", metadata, *key("mandant", "lieferungsnr"),
                              sa.Column("auftragsnr", i), sa.Column("empf_name", S),
                              sa.Column("empf_mail", S), sa.Column("empf_strasse", S),
                              sa.Column("hinweis", S)),
    }  # fmt: skip
    day = date(2024, 3, 1)
    rows = {
        "kunde": [(1, 1001, "max@example.org", "Max", "Mustermann", "Hauptstraße 5", "80331"),
                  (2, 1001, "erika@example.org", "Erika", "Musterfrau", "Lindenweg 3", "10115"),
                  (1, 1002, "hans@example.org", "Hans", "Schmidt", "Hauptstr. 7", "80331")],
        "auftrag": [(1, 5001, 1, 1001, day, Decimal("10.00")), (1, 5002, 1, 1002, day, Decimal("7.50")),
                    (2, 5001, 2, 1001, day, Decimal("99.00"))],
        "auftragsposition": [(1, 5001, 1, "Tee"), (1, 5001, 2, "Kanne"), (1, 5002, 1, "Kaffee"),
                             (2, 5001, 1, "Fremd"), (2, 5001, 2, "Fremd")],
        "lieferung": [(1, 1, 5001, "Max Mustermann", "max@example.org", "Hauptstraße 5", None),
                      (1, 2, 5002, "Max Mustermann", "MAX@EXAMPLE.ORG", "Hauptstraße 5", "Von Hans"),
                      (2, 1, 5001, "Erika Musterfrau", "erika@example.org", "Lindenweg 3", "Bitte klingeln")],
    }  # fmt: skip
    return {name: (table, rows[name]) for name, table in t.items()}


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres),
            pytest.param("mariadb", marks=pytest.mark.mariadb)],
)  # fmt: skip
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database of this module's own: a SQLite file, or a throw-away server database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}"
        return
    server = sa.make_url(SERVERS[request.param])
    admin = sa.create_engine(server, connect_args={"connect_timeout": 3}, poolclass=sa.NullPool)
    name = f"dsr_test_{secrets.token_hex(4)}"
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name}")
    except sa.exc.OperationalError as exc:
        pytest.skip(
            f"{request.param} server at {server.host}:{server.port} does not answer: {exc.orig}"
        )
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        force = " WITH (FORCE)" if request.param == "postgresql" else ""
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"DROP DATABASE {name}{force}")
        admin.dispose()


@pytest.fixture(scope="module")
def shop_db(db_url: str) -> str:
    """Both schemas, with their rows, in the module's database."""
    engine = sa.create_engine(db_url)
    metadata = sa.MetaData()
    schemas = {**_shop_schema(metadata), **_kunde_schema(metadata)}
    metadata.create_all(engine)
    with engine.begin() as connection:
        for table, rows in schemas.values():
            connection.execute(
                table.insert(), [dict(zip(table.c.keys(), row, strict=True)) for row in rows]
            )
    engine.dispose()
    return db_url


@pytest.fixture
def shop(shop_db: str) -> Iterator[ShopSqlConnector]:
    """The connector on the typical schema."""
    connector = ShopSqlConnector(
        "shop", shop_db, parse_datamap(SHOP_MAP), statement_timeout_ms=2000
    )
    yield connector
    connector.close()


@pytest.fixture
def erp(shop_db: str) -> Iterator[ShopSqlConnector]:
    """The connector on the schema with other names and composite keys."""
    connector = ShopSqlConnector(
        "erp", shop_db, parse_datamap(KUNDE_MAP), statement_timeout_ms=2000
    )
    yield connector
    connector.close()


@contextmanager
def statements(connector: ShopSqlConnector) -> Iterator[list[str]]:
    """Collect every SQL statement the connector sends while the block runs."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    sa.event.listen(connector.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(connector.engine, "before_cursor_execute", record)


def records(result: AccessResult, table: str, *, recipient_only: bool = False) -> TableRecords:
    """The one TableRecords of ``table`` (own rows or recipient rows)."""
    [found] = [r for r in result.tables if r.table == table and r.recipient_only == recipient_only]
    return found


def column(found: TableRecords, name: str) -> list[object]:
    """One column's values."""
    index = [c.name for c in found.columns].index(name)
    return [row[index] for row in found.rows]


# --- discover ---------------------------------------------------------------------------------


def test_discover_by_email_ignores_case_and_spaces(shop: ShopSqlConnector) -> None:
    shop.discover(Identity(email="warm-up@example.org"))  # reflects the tables, once
    with statements(shop) as seen:
        found = shop.discover(Identity(email="  max.MUSTERMANN@example.ORG "))
    [match] = found.matches
    assert match.key == (1,)
    assert match.checks == {"email": "match"}
    assert match.email_on_file == "Max.Mustermann@Example.org"
    assert match.on_file["customer_number"] == ("K-1001",)
    assert not found.proposals and not found.conflict
    assert found.searched == ("email",)
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1


def test_discover_by_customer_number(shop: ShopSqlConnector, erp: ShopSqlConnector) -> None:
    [match] = shop.discover(Identity(customer_number=" K-1002 ")).matches
    assert (match.key, match.matched_by, match.email_on_file) == (
        (2,),
        ("customer_number",),
        "erika@example.org",
    )
    # An integer column is compared as a number; the same number under two tenants is two people.
    found = erp.discover(Identity(customer_number="1001"))
    assert [m.key for m in found.matches] == [(1, 1001), (2, 1001)]
    assert erp.discover(Identity(customer_number="K1001")).matches == ()


def test_discover_reports_other_claims_per_subject(shop: ShopSqlConnector) -> None:
    identity = Identity(
        email="max.mustermann@example.org",
        customer_number="K-1001",
        name="Max Mustermann",
        postal_address="Bahnhofstraße 1\n90402 Nürnberg",
    )
    [match] = shop.discover(identity).matches
    assert match.checks == {
        "email": "match",
        "customer_number": "match",
        "name": "match",
        "postal_address": "match",
    }
    with statements(shop) as seen:
        [hans] = shop.discover(
            Identity(customer_number="K-1003", email="hans@example.org", name="Erika Musterfrau")
        ).matches
    assert len([s for s in seen if "SELECT" in s]) == 2  # one per identifier table
    assert hans.checks == {"email": "not_on_file", "customer_number": "match", "name": "mismatch"}
    assert hans.email_on_file is None


def test_conflicting_identifiers_are_reported_not_merged(
    shop: ShopSqlConnector, erp: ShopSqlConnector
) -> None:
    found = shop.discover(Identity(email="max.mustermann@example.org", customer_number="K-1002"))
    assert found.conflict
    assert [(m.key, m.conflicting) for m in found.matches] == [((1,), True), ((2,), True)]
    max_, erika = found.matches
    assert max_.checks == {"email": "match", "customer_number": "mismatch"}
    assert erika.checks == {"email": "mismatch", "customer_number": "match"}
    # Composite keys: e-mail points at (1, 1001); number 1001 also at (2, 1001), which conflicts.
    found = erp.discover(Identity(email="MAX@example.org", customer_number="1001"))
    assert [(m.key, m.conflicting) for m in found.matches] == [
        ((1, 1001), False),
        ((2, 1001), True),
    ]


@pytest.mark.parametrize(
    "address", ["Hauptstr. 5\n80331 München", "Haupt-Straße 5, D-80331 München"]
)
def test_name_and_address_only_propose(
    shop: ShopSqlConnector, erp: ShopSqlConnector, address: str
) -> None:
    for connector, key in ((shop, (1,)), (erp, (1, 1001))):
        found = connector.discover(Identity(name="max mustermann", postal_address=address))
        assert found.matches == () and not found.conflict
        [proposal] = found.proposals
        assert proposal.key == key
        assert proposal.checks == {"name": "match", "postal_address": "match"}
        assert proposal.email_on_file in ("Max.Mustermann@Example.org", "max@example.org")
    # Same street and postcode, other person: nothing; same person, other street: nothing.
    assert not shop.discover(Identity(name="Erika Musterfrau", postal_address=address)).found
    assert not shop.discover(
        Identity(name="Max Mustermann", postal_address="Hauptstr. 7\n80331 München")
    ).found


def test_unknown_email_finds_nothing(shop: ShopSqlConnector, erp: ShopSqlConnector) -> None:
    for connector in (shop, erp):
        found = connector.discover(Identity(email="nobody@example.org"))
        assert not found.found and found.searched == ("email",)
    assert not shop.discover(Identity()).found


# --- access -----------------------------------------------------------------------------------


def test_access_returns_exactly_the_subjects_rows(shop: ShopSqlConnector) -> None:
    subject = Subject.from_matches(
        shop.discover(Identity(email="max.mustermann@example.org")).matches
    )
    result = shop.access(subject)
    customers = records(result, "customers")
    assert [c.name for c in customers.columns] == [
        "id",
        "customer_no",
        "email",
        "first_name",
        "last_name",
        "birthday",
        "created_at",
        "avatar",
    ]
    assert customers.rows == (
        (
            1,
            "K-1001",
            "Max.Mustermann@Example.org",
            "Max",
            "Mustermann",
            "1980-05-17",
            "2020-01-02T03:04:05",
            "01ff",
        ),
    )
    assert "+49 89 1" not in json.dumps([r.rows for r in result.tables])  # unmapped: never exported
    assert column(records(result, "addresses"), "id") == [1, 4]
    assert column(records(result, "orders"), "total") == ["1019.89", "20.00"]
    items = records(result, "order_items")
    assert [(row[0], row[1]) for row in items.rows] == [(10, 1), (10, 2), (12, 1)]
    assert column(items, "price") == ["999.90", "19.99", "20.00"]
    assert column(records(result, "deliveries"), "id") == [100, 102]
    assert customers.label == {"de": "Kundenkonto", "en": "Customer account"}
    assert customers.columns[2].category == "contact" and customers.category == "account"


def test_one_connector_reads_each_subject_with_its_own_keys(shop: ShopSqlConnector) -> None:
    # The per-table statements are built once; each access passes its subject's keys.
    def subject(email: str) -> Subject:
        return Subject.from_matches(shop.discover(Identity(email=email)).matches)

    max_, erika = subject("max.mustermann@example.org"), subject("erika@example.org")
    first, second, again = shop.access(max_), shop.access(erika), shop.access(max_)
    assert column(records(first, "customers"), "id") == [1]
    assert column(records(second, "customers"), "id") == [2]
    assert column(records(second, "addresses"), "id") != column(records(first, "addresses"), "id")
    assert again == first
    both = shop.access(Subject(keys=(*max_.keys, *erika.keys), identifiers={}))
    assert column(records(both, "customers"), "id") == [1, 2]


def test_recipient_rows_carry_only_the_recipient_fields(shop: ShopSqlConnector) -> None:
    subject = Subject(keys=((1,),), identifiers={"email": ("Max.Mustermann@Example.org",)})
    received = records(shop.access(subject), "deliveries", recipient_only=True)
    assert [c.name for c in received.columns] == ["recipient_name", "recipient_email", "street"]
    # Erika's order 101 and the guest delivery 103 (no order at all); never his own 100 and 102.
    assert received.rows == (
        ("Max Mustermann", "MAX.MUSTERMANN@example.org", "Hauptstraße 5"),
        ("Max M.", "max.mustermann@example.org ", "Hauptstraße 5"),
    )
    assert "Erika" not in json.dumps(received.rows) and received.system == "shop"


def test_access_on_composite_keys_and_two_step_paths(erp: ShopSqlConnector) -> None:
    subject = Subject(keys=((1, 1001),), identifiers={"email": ("max@example.org",)})
    result = erp.access(subject)
    assert records(result, "kunde").rows == (
        (1, 1001, "max@example.org", "Max", "Mustermann", "Hauptstraße 5", "80331"),
    )
    assert records(result, "auftrag").rows == ((1, 5001, "2024-03-01", "10.00"),)
    assert records(result, "auftragsposition").rows == ((1, 5001, 1, "Tee"), (1, 5001, 2, "Kanne"))
    assert records(result, "lieferung").rows == (
        (1, 1, "Max Mustermann", "max@example.org", "Hauptstraße 5", None),
    )
    assert records(result, "lieferung", recipient_only=True).rows == (
        ("Max Mustermann", "Hauptstraße 5"),
    )
    assert "Von Hans" not in json.dumps([r.rows for r in result.tables])


def test_access_runs_one_query_per_table(shop: ShopSqlConnector, erp: ShopSqlConnector) -> None:
    for connector, subject, tables in (
        (shop, Subject(((1,), (2,)), {"email": ("max.mustermann@example.org",)}), 5),
        (erp, Subject(((1, 1001),), {"email": ("max@example.org",)}), 4),
    ):
        connector.access(subject)  # reflects the tables, once
        with statements(connector) as seen:
            result = connector.access(subject)
        selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == tables + 1  # one per table, one for the recipient rows
        assert len(seen) <= len(selects) + 1  # at most BEGIN / SET TRANSACTION besides
        assert len(result.tables) == tables + 1
    both = records(shop.access(Subject(((1,), (2,)), {})), "orders")
    assert column(both, "id") == [10, 11, 12]


def test_reads_are_read_only_and_time_limited(shop: ShopSqlConnector) -> None:
    backend = shop.engine.dialect.name
    if backend == "sqlite":
        pytest.skip("SQLite has neither a statement timeout nor read-only transactions")
    with shop.engine.connect() as connection:
        if backend == "postgresql":
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "2s"
        else:
            assert connection.exec_driver_sql("SELECT @@SESSION.max_statement_time").scalar() == 2
    with (
        pytest.raises(sa.exc.DBAPIError, match="(?i)read.only"),
        read_transaction(shop.engine) as c,
    ):
        c.exec_driver_sql("UPDATE customers SET email = 'x' WHERE id = 1")
    assert isinstance(shop, Connector) and isinstance(shop, Plans) and isinstance(shop, Executes)


def test_access_without_keys_reads_nothing(shop: ShopSqlConnector) -> None:
    with statements(shop) as seen:
        result = shop.access(Subject(keys=(), identifiers={}))
    assert result.row_count == 0 and not [s for s in seen if "SELECT" in s.upper()]


# --- registry, settings, values ---------------------------------------------------------------


def test_registry_builds_from_settings(tmp_path: pytest.TempPathFactory, shop_db: str) -> None:
    assert connector_class("shop_sql") is ShopSqlConnector
    path = tmp_path / "datamap.toml"  # type: ignore[operator]
    path.write_text(SHOP_MAP, encoding="utf-8")
    connector = build_connector("shop", {"kind": "shop_sql", "url": shop_db, "datamap": str(path)})
    try:
        assert isinstance(connector, ShopSqlConnector) and connector.name == "shop"
        assert connector.discover(Identity(customer_number="K-1001")).matches
    finally:
        connector.close()


def test_registry_and_settings_errors_are_clear() -> None:
    with pytest.raises(ConnectorConfigError, match="unknown connector kind 'nosuch'"):
        build_connector("x", {"kind": "nosuch"})
    with pytest.raises(ConnectorConfigError, match="unknown connector kind '../etc'"):
        connector_class("../etc")
    with pytest.raises(ConnectorConfigError, match=r"connectors\.shop\.url: Missing data"):
        build_connector("shop", {"kind": "shop_sql", "datamap": "x.toml"})
    with pytest.raises(ConnectorConfigError, match="assigns it no table"):
        ShopSqlConnector("other", "sqlite://", parse_datamap(SHOP_MAP))


def test_missing_table_is_a_config_error(tmp_path: pytest.TempPathFactory) -> None:
    connector = ShopSqlConnector("shop", f"sqlite:///{tmp_path}/empty.db", parse_datamap(SHOP_MAP))
    with pytest.raises(ConnectorConfigError, match="datamap check"):
        connector.discover(Identity(email="a@example.org"))
    connector.close()


def test_json_safe() -> None:
    assert json_safe(Decimal("1.50")) == "1.50"
    assert json_safe(datetime(2024, 1, 2, 3, 4)) == "2024-01-02T03:04:00"
    assert json_safe(memoryview(b"\x00\x10")) == "0010"
    assert json_safe({"a": [date(2024, 1, 2)]}) == {"a": ["2024-01-02"]}
