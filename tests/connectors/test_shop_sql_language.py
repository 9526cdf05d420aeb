"""The data map's language for real shop schemas, on SQLite, PostgreSQL and MariaDB.

One small schema with what shop systems do: orders found by customer id *or* through a guest
chain, notes that name their owner by a type column, posts linked through a key/value meta
table, countries labelled from a lookup table, IPs stored as integers and bytes, decimal money,
naive local timestamps, a technical column and a password hash, an address that is an invoice
document only while an order references it, claims kept while open, and order lines that take
their retention date from their order.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from connectors.base import AccessResult, Subject, TableRecords
from connectors.changes import ChangeRequest, RetentionRule
from connectors.datamap import DataMapError, parse_datamap
from connectors.datamap_conditions import ConditionError, parse_condition
from connectors.shop_sql import ShopSqlConnector
from connectors.shop_sql_values import NOT_DISCLOSED, ip_text
from dsr.answers.report.values import formatter
from tests.connectors.test_shop_sql import db_url  # noqa: F401 - the module's own database

S = sa.String(200)

MAP = """
version = 1
[subject]
table = "customer"
key = ["id"]
[[identifiers]]
kind = "email"
table = "customer"
column = "email"

[tables.customer]
connector = "shop"
key = ["id"]
label = { de = "Kunde", en = "Customer" }
category = "account"
[tables.customer.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
email = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise" }
passwd = { label = { de = "Passwort", en = "Password" }, erasure = "anonymise", disclose = false }
shop_id = { label = { de = "Shop", en = "Shop" }, erasure = "keep", export = false }
last_ip = { label = { de = "Letzte IP", en = "Last IP" }, erasure = "null", transform = "ip" }
ip6 = { label = { de = "IPv6", en = "IPv6" }, erasure = "null", transform = "ip" }
created_at = { label = { de = "Angelegt", en = "Created" }, erasure = "keep", timezone = "Europe/Berlin" }
id_country = { label = { de = "Land", en = "Country" }, erasure = "keep", lookup = { table = "country_lang", key = "id_country", label = "name", where = { de = "id_lang = 1", en = "id_lang = 2" } } }

[tables.guest]
connector = "shop"
key = ["id"]
label = { de = "Gastsitzungen", en = "Guest sessions" }
category = "usage"
link = [ { columns = ["customer_id"], table = "customer", ref = ["id"] } ]
[tables.guest.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
customer_id = { label = { de = "Kunde", en = "Customer" }, erasure = "keep" }

[tables.orders]
connector = "shop"
key = ["id"]
label = { de = "Bestellungen", en = "Orders" }
category = "orders"
retention = "commercial"
document_date = "ordered_at"
link = [ { columns = ["customer_id"], table = "customer", ref = ["id"] } ]
alternative_links = [ [ { columns = ["guest_id"], table = "guest", ref = ["id"] }, { columns = ["customer_id"], table = "customer", ref = ["id"] } ] ]
[tables.orders.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
ordered_at = { label = { de = "Datum", en = "Date" }, erasure = "keep" }
total = { label = { de = "Summe", en = "Total" }, erasure = "keep", unit = "money", currency = "EUR" }
invoice_address_id = { label = { de = "Rechnungsadresse", en = "Invoice address" }, erasure = "keep" }

[tables.order_line]
connector = "shop"
key = ["id"]
label = { de = "Positionen", en = "Lines" }
category = "orders"
retention = "commercial"
document_date = "orders.ordered_at"
link = [ { columns = ["order_id"], table = "orders", ref = ["id"] }, { columns = ["customer_id"], table = "customer", ref = ["id"] } ]
alternative_links = [ [ { columns = ["order_id"], table = "orders", ref = ["id"] }, { columns = ["guest_id"], table = "guest", ref = ["id"] }, { columns = ["customer_id"], table = "customer", ref = ["id"] } ] ]
[tables.order_line.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
order_id = { label = { de = "Bestellung", en = "Order" }, erasure = "keep" }
note = { label = { de = "Hinweis", en = "Note" }, erasure = "null" }

[tables.address]
connector = "shop"
key = ["id"]
label = { de = "Adressen", en = "Addresses" }
category = "address"
retention = "commercial"
retention_when = "referenced by orders(invoice_address_id)"
document_date = "date_upd"
link = [ { columns = ["customer_id"], table = "customer", ref = ["id"] } ]
[tables.address.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
customer_id = { label = { de = "Kunde", en = "Customer" }, erasure = "keep" }
street = { label = { de = "Straße", en = "Street" }, erasure = "delete" }
date_upd = { label = { de = "Geändert", en = "Changed" }, erasure = "keep" }

[tables.claim]
connector = "shop"
key = ["id"]
label = { de = "Forderungen", en = "Claims" }
category = "payment"
link = [ { columns = ["customer_id"], table = "customer", ref = ["id"] } ]
[tables.claim.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
customer_id = { label = { de = "Kunde", en = "Customer" }, erasure = "keep" }
status = { label = { de = "Status", en = "Status" }, erasure = "keep" }
debtor = { label = { de = "Schuldner", en = "Debtor" }, erasure = "anonymise", retention = "open_claim", retention_when = "status = 'open'" }

[tables.note]
connector = "shop"
key = ["id"]
label = { de = "Notizen", en = "Notes" }
category = "contact"
link = [ { columns = ["object_id"], table = "customer", ref = ["id"], where = "object_type = 'Customer'" } ]
[tables.note.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
body = { label = { de = "Text", en = "Text" }, erasure = "null" }

[tables.post]
connector = "shop"
key = ["id"]
label = { de = "Beiträge", en = "Posts" }
category = "orders"
link = [
  { columns = ["id"], table = "postmeta", ref = ["post_id"] },
  { columns = ["meta_value"], table = "customer", ref = ["id"], where = "meta_key = '_customer_user'" },
]
[tables.post.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
title = { label = { de = "Titel", en = "Title" }, erasure = "null" }

[tables.postmeta]
connector = "shop"
key = ["meta_id"]
label = { de = "Beitragsdaten", en = "Post data" }
category = "orders"
link = [ { columns = ["post_id"], table = "post", ref = ["id"] }, { columns = ["id"], table = "postmeta", ref = ["post_id"] }, { columns = ["meta_value"], table = "customer", ref = ["id"], where = "meta_key = '_customer_user'" } ]
[tables.postmeta.columns]
meta_id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
post_id = { label = { de = "Beitrag", en = "Post" }, erasure = "keep" }
meta_key = { label = { de = "Schlüssel", en = "Key" }, erasure = "keep" }
meta_value = { label = { de = "Wert", en = "Value" }, erasure = "keep", disclose = "meta_key != '_billing_phone'" }
"""

RULES = {"commercial": RetentionRule("commercial", "§257 HGB", years=10),
         "open_claim": RetentionRule("open_claim", "Art. 17 Abs. 3 lit. e DSGVO", years=3,
                                     starts="date")}
WHEN = datetime(2024, 3, 1, 10, 0)


def _schema(metadata: sa.MetaData) -> dict[str, tuple[sa.Table, list[tuple[object, ...]]]]:
    i = sa.Integer

    def pk(name: str = "id") -> sa.Column[int]:
        return sa.Column(name, i, primary_key=True, autoincrement=False)

    t = {
        "customer": sa.Table("customer", metadata, pk(), sa.Column("email", S),
                             sa.Column("passwd", S), sa.Column("shop_id", i),
                             sa.Column("last_ip", sa.BigInteger), sa.Column("ip6", sa.LargeBinary(16)),
                             sa.Column("created_at", sa.DateTime), sa.Column("id_country", i)),
        "country_lang": sa.Table("country_lang", metadata,
                                 sa.Column("id_country", i, primary_key=True, autoincrement=False),
                                 sa.Column("id_lang", i, primary_key=True, autoincrement=False),
                                 sa.Column("name", S)),
        "guest": sa.Table("guest", metadata, pk(), sa.Column("customer_id", i)),
        "orders": sa.Table("orders", metadata, pk(), sa.Column("customer_id", i, nullable=True),
                           sa.Column("guest_id", i, nullable=True), sa.Column("ordered_at", sa.DateTime),
                           sa.Column("total", sa.Numeric(20, 6)),
                           sa.Column("invoice_address_id", i)),
        "order_line": sa.Table("order_line", metadata, pk(), sa.Column("order_id", i),
                               sa.Column("note", S)),
        "address": sa.Table("address", metadata, pk(), sa.Column("customer_id", i),
                            sa.Column("street", S, nullable=False), sa.Column("date_upd", sa.DateTime)),
        "claim": sa.Table("claim", metadata, pk(), sa.Column("customer_id", i),
                          sa.Column("status", S), sa.Column("debtor", S)),
        "note": sa.Table("note", metadata, pk(), sa.Column("object_type", S),
                         sa.Column("object_id", i), sa.Column("body", S)),
        "post": sa.Table("post", metadata, pk(), sa.Column("title", S)),
        "postmeta": sa.Table("postmeta", metadata, pk("meta_id"), sa.Column("post_id", i),
                             sa.Column("meta_key", S), sa.Column("meta_value", sa.Text)),
    }  # fmt: skip
    v6 = bytes.fromhex("20010db8000000000000000000000001")
    rows = {
        "customer": [(1, "hans@example.org", "$2y$10$secret", 1, 3221226007, v6, WHEN, 1),
                     (2, "erika@example.org", "$2y$10$other", 1, 3221226008, None, WHEN, 2)],
        "country_lang": [(1, 1, "Deutschland"), (1, 2, "Germany"), (2, 1, "Österreich"),
                         (2, 2, "Austria")],
        "guest": [(7, 1), (8, 2)],
        "orders": [(10, 1, None, WHEN, Decimal("19.990000"), 100),
                   (11, None, 7, WHEN, Decimal("5.000000"), 100),
                   (12, 1, 7, WHEN, Decimal("1.500000"), 100),
                   (13, 2, 8, WHEN, Decimal("9.000000"), 200)],
        "order_line": [(1, 10, "Geschenk"), (2, 11, "Eilig"), (3, 13, "Fremd")],
        "address": [(100, 1, "Hauptstraße 5", datetime(2023, 5, 1)),
                    (101, 1, "Alte Gasse 1", datetime(2023, 5, 1)),
                    (200, 2, "Lindenweg 3", datetime(2023, 5, 1))],
        "claim": [(1, 1, "open", "Hans Meier"), (2, 1, "closed", "Hans Meier"),
                  (3, 2, "open", "Erika Muster")],
        "note": [(1, "Customer", 1, "ruft abends an"), (2, "Order", 1, "Bestellnotiz"),
                 (3, "Customer", 2, "Erikas Notiz")],
        "post": [(50, "Bestellung 50"), (51, "Bestellung 51"), (52, "Fremde Bestellung")],
        "postmeta": [(1, 50, "_customer_user", "1"), (2, 50, "_billing_phone", "+49 30 1"),
                     (3, 51, "_order_total", "1"), (4, 52, "_customer_user", "2")],
    }  # fmt: skip
    return {name: (table, rows[name]) for name, table in t.items()}


@pytest.fixture(scope="module")
def language_db(db_url: str) -> str:  # noqa: F811
    engine = sa.create_engine(db_url)
    metadata = sa.MetaData()
    schema = _schema(metadata)
    metadata.create_all(engine)
    with engine.begin() as connection:
        for table, rows in schema.values():
            connection.execute(table.insert(),
                               [dict(zip(table.c.keys(), row, strict=True)) for row in rows])
    engine.dispose()
    return db_url


@pytest.fixture
def shop(language_db: str) -> Iterator[ShopSqlConnector]:
    connector = ShopSqlConnector("shop", language_db, parse_datamap(MAP), 2000)
    yield connector
    connector.close()


def _records(result: AccessResult, table: str) -> TableRecords:
    [found] = [r for r in result.tables if r.table == table and not r.recipient_only]
    return found


def _values(found: TableRecords, name: str) -> list[object]:
    index = [c.name for c in found.columns].index(name)
    return [row[index] for row in found.rows]


HANS = Subject(keys=((1,),), identifiers={"email": ("hans@example.org",)})


def test_alternative_paths_find_each_row_once(shop: ShopSqlConnector) -> None:
    orders = _records(shop.access(HANS), "orders")
    # 10 by customer id, 11 through the guest chain only, 12 by both (once), 13 is Erika's.
    assert _values(orders, "id") == [10, 11, 12]


def test_hop_conditions_pick_rows_by_type_and_meta_key(shop: ShopSqlConnector) -> None:
    result = shop.access(HANS)
    assert _values(_records(result, "note"), "body") == ["ruft abends an"]
    assert _values(_records(result, "post"), "id") == [50]  # 51's meta is not _customer_user
    assert _values(_records(result, "postmeta"), "meta_id") == [1, 2]


def test_lookup_labels_and_transforms(shop: ShopSqlConnector) -> None:
    result = shop.access(HANS)
    customer = _records(result, "customer")
    country = next(c for c in customer.columns if c.name == "id_country")
    assert country.values == {"1": {"de": "Deutschland", "en": "Germany"}}
    assert _values(customer, "last_ip") == ["192.0.2.23"]
    assert _values(customer, "ip6") == ["2001:db8::1"]
    assert _values(customer, "created_at") == ["2024-03-01T10:00:00+01:00"]
    total = next(c for c in _records(result, "orders").columns if c.name == "total")
    assert (total.unit, total.currency) == ("money", "EUR")
    shown = formatter({"unit": "money", "currency": "EUR"}, "de")
    assert shown(_values(_records(result, "orders"), "total")[0]) == "19,99 €"
    assert formatter({"unit": "money", "currency": "CHF"}, "en")("1234.5") == "CHF 1,234.50"


def test_ip_text_reads_every_stored_form() -> None:
    assert ip_text(3221226007) == "192.0.2.23"
    assert ip_text("3221226007") == "192.0.2.23"
    assert ip_text(bytes([192, 0, 2, 1])) == "192.0.2.1"
    assert ip_text(b"192.0.2.9") == "192.0.2.9"
    assert ip_text(2**64) == "0:0:0:1::"


def test_technical_columns_are_left_out_and_secrets_not_disclosed(
        shop: ShopSqlConnector) -> None:
    customer = _records(shop.access(HANS), "customer")
    names = [c.name for c in customer.columns]
    assert "shop_id" not in names
    assert _values(customer, "passwd") == [NOT_DISCLOSED]
    passwd = next(c for c in customer.columns if c.name == "passwd")
    assert passwd.values == {NOT_DISCLOSED: {
        "de": "gespeichert, aus Sicherheitsgründen nicht herausgegeben",
        "en": "stored, not disclosed for security reasons"}}
    assert "$2y$" not in repr(customer.rows)


def test_disclose_by_row_condition(shop: ShopSqlConnector) -> None:
    meta = _records(shop.access(HANS), "postmeta")
    assert _values(meta, "meta_value") == ["1", NOT_DISCLOSED]  # the phone row is withheld
    column = next(c for c in meta.columns if c.name == "meta_value")
    assert column.values is not None and NOT_DISCLOSED in column.values


def test_row_conditions_and_linked_dates_decide_retention(shop: ShopSqlConnector) -> None:
    request = ChangeRequest("DSR-T", ("erasure",), date(2026, 12, 2), RULES)
    plan = shop.plan(HANS, request)
    by = {(c.target, tuple(c.key), c.action): c for c in plan.changes}
    # The invoice address is a document while an order references it; the other one is not.
    assert by[("address", (100,), "block")].retained_until == date(2033, 12, 31)
    assert ("address", (101,), "delete") in by
    # A claim is kept while open, three years from the plan's day (no date of its own).
    assert by[("claim", (1,), "block")].retained_until == date(2029, 12, 2)
    assert ("claim", (2,), "anonymise") in by
    # Order lines have no date: their order's date starts the period (end of 2024 + 10).
    assert by[("order_line", (1,), "block")].retained_until == date(2034, 12, 31)
    assert by[("order_line", (2,), "block")].retained_until == date(2034, 12, 31)
    assert not any(c.target == "order_line" and c.key == [3] for c in plan.changes)
    receipt = shop.execute(plan)
    assert receipt.verified, receipt.remaining


def test_condition_syntax() -> None:
    condition = parse_condition("status in ('open', 'disputed') and not (paid_at is null) "
                                "or referenced by orders(id_address_invoice)")
    assert condition.columns() == {"status", "paid_at"}
    assert condition.tables() == {"orders"}
    assert parse_condition("note = 'it''s'").tree.value == "it's"  # type: ignore[union-attr]
    for bad, message in [("status =", "expected a value"), ("= 'x'", "expected a column"),
                         ("status open", "expected a comparison"),
                         ("status = 'x' and", "expected a column"),
                         ("status = 'x')", "unexpected '\\)'"), ("a ~ 1", "cannot read")]:
        with pytest.raises(ConditionError, match=message):
            parse_condition(bad)


def test_loader_reports_bad_conditions_and_dates() -> None:
    bad = MAP.replace("status = 'open'", "status = open").replace(
        'document_date = "orders.ordered_at"', 'document_date = "claim.date"')
    with pytest.raises(DataMapError) as caught:
        parse_datamap(bad)
    assert any(e.startswith("tables.claim.columns.debtor.retention_when: condition")
               for e in caught.value.errors)
    assert ("tables.order_line.document_date: 'claim' is not a table on this table's link"
            in caught.value.errors)
