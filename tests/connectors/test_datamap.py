"""Loading and validating the data map, and checking it against a database."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.datamap import (
    DataMap,
    DataMapError,
    Finding,
    Hop,
    check_against_database,
    load_datamap,
    parse_datamap,
)
from connectors.datamap_check import looks_personal

DOC = Path(__file__).resolve().parents[2] / "docs" / "datamap.md"

VALID = """
version = 1
[subject]
table = "customers"
key = ["id"]

[[identifiers]]
kind = "email"
table = "customers"
column = "email"

[[identifiers]]
kind = "name_address"
table = "customers"
columns = { first_name = "first_name", last_name = "last_name", street = "street", postcode = "zip" }

[tables.customers]
connector = "shop"
key = ["id"]
label = { de = "Kunde", en = "Customer" }
category = "account"
[tables.customers.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
email = { label = { de = "E-Mail", en = "E-mail" }, category = "contact", erasure = "anonymise" }
first_name = { label = { de = "Vorname", en = "First name" }, erasure = "anonymise" }
last_name = { label = { de = "Nachname", en = "Last name" }, erasure = "anonymise" }
street = { label = { de = "Straße", en = "Street" }, erasure = "anonymise" }
zip = { label = { de = "PLZ", en = "Postcode" }, erasure = "anonymise" }

[tables.orders]
connector = "shop"
key = ["id"]
label = { de = "Bestellungen", en = "Orders" }
category = "orders"
retention = "commercial_letter"
document_date = "ordered_at"
link = [ { columns = ["customer_id"], table = "customers", ref = ["id"] } ]
[tables.orders.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }
customer_id = { label = { de = "Kunde", en = "Customer" }, erasure = "keep" }
ordered_at = { label = { de = "Datum", en = "Date" }, erasure = "keep" }
total = { label = { de = "Summe", en = "Total" }, erasure = "null", retention = "accounting_voucher" }

[tables.deliveries]
connector = "shop"
key = ["order_id"]
label = { de = "Lieferungen", en = "Deliveries" }
category = "delivery"
link = [
  { columns = ["order_id"], table = "orders", ref = ["id"] },
  { columns = ["customer_id"], table = "customers", ref = ["id"] },
]
recipient = { identifier = "email", column = "to_email", fields = ["to_name", "to_email"] }
[tables.deliveries.columns]
order_id = { label = { de = "Bestellung", en = "Order" }, erasure = "keep" }
to_name = { label = { de = "Empfänger", en = "Recipient" }, erasure = "anonymise" }
to_email = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise" }

[tables.newsletter]
connector = "mailer"
key = ["id"]
label = { de = "Newsletter", en = "Newsletter" }
category = "marketing"
link = [ { columns = ["customer_id"], table = "customers", ref = ["id"] } ]
[tables.newsletter.columns]
id = { label = { de = "Nr.", en = "No." }, erasure = "delete" }
"""


def problems(text: str, **kwargs: object) -> list[str]:
    """The error lines of an invalid map."""
    with pytest.raises(DataMapError) as raised:
        parse_datamap(text, **kwargs)  # type: ignore[arg-type]
    return list(raised.value.errors)


def test_a_valid_map_loads_into_frozen_values() -> None:
    datamap = parse_datamap(VALID, retention_rules={"commercial_letter", "accounting_voucher"})
    assert isinstance(datamap, DataMap)
    orders = datamap.tables["orders"]
    assert [c.name for c in orders.columns] == ["id", "customer_id", "ordered_at", "total"]
    assert orders.column("total").retention == "accounting_voucher"
    assert orders.column("id").category == "orders"  # the table's category is the default
    assert datamap.tables["customers"].column("email").category == "contact"
    assert datamap.tables["deliveries"].link[0] == Hop(("order_id",), "orders", ("id",))
    assert datamap.tables["deliveries"].recipient.fields == ("to_name", "to_email")  # type: ignore[union-attr]
    assert [t.name for t in datamap.tables_for("shop")] == ["customers", "orders", "deliveries"]
    assert datamap.identifier("email").normalise == "casefold"  # type: ignore[union-attr]
    assert datamap.identifier("customer_number") is None
    with pytest.raises(AttributeError):
        datamap.subject.table = "x"  # type: ignore[misc]


def test_hop_length_error_names_the_key_path() -> None:
    broken = VALID.replace(
        '{ columns = ["customer_id"], table = "customers", ref = ["id"] } ]\n[tables.orders.columns]',
        '{ columns = ["customer_id"], table = "customers", ref = ["id", "x"] } ]\n[tables.orders.columns]',
    )
    assert problems(broken) == ["tables.orders.link[0].ref: must have as many columns as 'columns'"]


def test_every_error_is_collected_with_its_path() -> None:
    broken = (
        VALID.replace('table = "orders", ref = ["id"] },', 'table = "order", ref = ["id"] },')
        .replace(
            'link = [ { columns = ["customer_id"], table = "customers", ref = ["id"] } ]\n[tables.newsletter',
            'link = [ { columns = ["customer_id"], table = "orders", ref = ["id"] } ]\n[tables.newsletter',
        )
        .replace('erasure = "delete" }', 'erasure = "shred" }')
        .replace('connector = "mailer"\n', "")
        .replace('category = "marketing"', 'category = "marketing"\ncolums = {}')
        .replace('fields = ["to_name", "to_email"]', 'fields = ["to_name", "to_mail"]')
        .replace(
            'kind = "name_address"\ntable = "customers"', 'kind = "name_address"\ntable = "people"'
        )
        .replace('ordered_at = { label = { de = "Datum", en = "Date" }, ', "ordered_at = { ")
    )
    found = problems(broken)
    expected = [
        "tables.orders.columns.ordered_at.label: Missing data for required field.",
        "tables.newsletter.colums: Unknown field.",
        "tables.newsletter.connector: Missing data for required field.",
        "tables.newsletter.columns.id.erasure: Must be one of: keep, delete, null, anonymise.",
        "tables.deliveries.link[0].table: 'order' is not a mapped table",
        "tables.deliveries.recipient.fields[1]: 'to_mail' is not a column of this table's map",
        "identifiers[1].table: 'people' is not a mapped table",
    ]
    assert sorted(found) == sorted(
        expected
    )  # the newsletter's link is not checked: it did not load
    message = str(DataMapError(found))
    assert "7 problem(s)" in message and "  tables.newsletter.colums: Unknown field." in message


def test_link_rules() -> None:
    last = VALID.replace(
        '{ columns = ["customer_id"], table = "customers", ref = ["id"] },\n]',
        '{ columns = ["customer_id"], table = "orders", ref = ["id"] },\n]',
    )
    assert problems(last) == [
        "tables.deliveries.link[1].table: the last hop must end at the subject table 'customers'"
    ]
    none = VALID.replace(
        'link = [ { columns = ["customer_id"], table = "customers", ref = ["id"] } ]\n[tables.newsletter',
        "[tables.newsletter",
    )
    assert problems(none) == [
        "tables.newsletter.link: missing; rows must link to the subject table"
    ]
    via = VALID.replace(
        '{ columns = ["order_id"], table = "orders", ref = ["id"] },',
        '{ columns = ["order_id"], table = "customers", ref = ["id"] },',
    )
    assert problems(via) == [
        "tables.deliveries.link[0].table: only the last hop may reach the subject table"
    ]


def test_subject_identifier_and_recipient_rules() -> None:
    unmapped = VALID.replace('[subject]\ntable = "customers"', '[subject]\ntable = "clients"')
    assert "subject.table: 'clients' is not a mapped table (add [tables.clients])" in problems(
        unmapped
    )
    twice = VALID.replace('kind = "name_address"', 'kind = "email"\ncolumn = "x"').replace(
        'columns = { first_name = "first_name", last_name = "last_name", street = "street", postcode = "zip" }\n',
        "",
    )
    assert problems(twice) == ["identifiers[1].kind: 'email' is mapped twice"]
    wrong = VALID.replace(
        'kind = "email"\ntable = "customers"\ncolumn = "email"',
        'kind = "email"\ntable = "customers"\ncolumns = { first_name = "a", last_name = "b", street = "c", postcode = "d" }',
    )
    assert problems(wrong) == ["identifiers[0].column: a email identifier needs 'column'"]
    no_ident = VALID.replace('identifier = "email"', 'identifier = "customer_number"')
    assert problems(no_ident) == [
        "tables.deliveries.recipient.identifier: no identifier of kind 'customer_number' is mapped"
    ]
    bad_date = VALID.replace('document_date = "ordered_at"', 'document_date = "created"')
    assert problems(bad_date) == [
        "tables.orders.document_date: 'created' is not a column of this table's map"
    ]


def test_retention_names_must_be_in_the_register_when_given() -> None:
    assert problems(VALID, retention_rules={"commercial_letter"}) == [
        "tables.orders.columns.total.retention: unknown retention rule 'accounting_voucher' (not in the register)"
    ]
    parse_datamap(VALID)  # without the register, names are not checked


def test_top_level_and_toml_errors() -> None:
    assert problems("version = 2\n") == [
        "version: Must be equal to 1.",
        "subject: Missing data for required field.",
        "tables: Missing data for required field.",
    ]
    [syntax] = problems("version = = 1")
    assert syntax.startswith("(toml): ")


def test_load_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "datamap.toml"
    path.write_text(VALID, encoding="utf-8")
    assert load_datamap(path).subject.key == ("id",)
    path.write_text(VALID.replace('category = "orders"', ""), encoding="utf-8")
    with pytest.raises(DataMapError, match=re.escape(f"{path} is invalid")):
        load_datamap(path)


def test_the_documented_example_is_valid() -> None:
    example, *fragments = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"),
                                     re.S)
    datamap = parse_datamap(example)
    for fragment in fragments:  # the later sections' examples are TOML too
        tomllib.loads(fragment)
    assert datamap.tables["order_items"].link[-1].table == datamap.subject.table


# --- the database check -----------------------------------------------------------------------


@pytest.fixture
def engine(tmp_path: Path) -> sa.Engine:
    """A SQLite database that almost fits VALID."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    metadata = sa.MetaData()
    sa.Table(
        "customers",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        *(
            sa.Column(name, sa.String)
            for name in ("email", "first_name", "last_name", "street", "zip", "phone")
        ),
    )
    sa.Table(
        "orders",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer),
        sa.Column("total", sa.Integer),
        sa.Column("status", sa.String),
    )
    sa.Table(
        "deliveries",
        metadata,
        sa.Column("order_id", sa.Integer, primary_key=True),
        sa.Column("to_name", sa.String),
        sa.Column("to_email", sa.String),
    )
    sa.Table(
        "wishlists",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("customer_id", sa.Integer, sa.ForeignKey("customers.id")),
    )
    sa.Table(
        "products",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("price", sa.Integer),
    )
    metadata.create_all(engine)
    yield engine
    engine.dispose()


def test_check_against_database(engine: sa.Engine) -> None:
    findings = check_against_database(parse_datamap(VALID), engine, connector="shop")
    by_where = {f.where: f for f in findings}
    assert by_where["tables.orders.columns.ordered_at"] == Finding(
        "error",
        "tables.orders.columns.ordered_at",
        "column 'ordered_at' does not exist in table 'orders'",
    )
    phone = by_where["tables.customers.columns.phone"]
    assert phone.level == "warning" and "looks personal" in phone.message
    status = by_where["tables.orders.columns.status"]
    assert status.level == "warning" and "looks personal" not in status.message
    assert "foreign key to 'customers'" in by_where["database.wishlists"].message
    assert "tables.newsletter" not in by_where  # another connector's table: not checked here
    others = [f for f in findings if not f.where.endswith(".rectify_as")]
    assert len(others) == 4 and "database.products" not in by_where, findings
    assert str(phone).startswith("warning: tables.customers.columns.phone: ")


def test_the_check_warns_of_a_column_holding_a_rectifiable_field_without_rectify_as(
        engine: sa.Engine) -> None:
    """By its name (``zip``, ``to_email``) or category a column holds a field a customer may
    correct; without ``rectify_as`` a rectification would never change it."""
    def warned(text: str) -> dict[str, str]:
        return {f.where: f.message for f in check_against_database(
            parse_datamap(text), engine, connector="shop") if f.where.endswith(".rectify_as")}

    found = warned(VALID)
    assert set(found) == {f"tables.{name}.rectify_as" for name in (
        "customers.columns.email", "customers.columns.first_name",
        "customers.columns.last_name", "customers.columns.street", "customers.columns.zip",
        "deliveries.columns.to_email")}
    assert "(postcode)" in found["tables.customers.columns.zip.rectify_as"]
    assert "(email)" in found["tables.deliveries.columns.to_email.rectify_as"]
    assert "keys" not in " ".join(found)  # keys and keep columns are never asked about
    named = VALID.replace('erasure = "anonymise" }\nlast_name', 'erasure = "anonymise", '
                          'rectify_as = "first_name" }\nlast_name').replace(
        'to_email = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise" }',
        'to_email = { label = { de = "E-Mail", en = "E-mail" }, erasure = "anonymise", '
        'rectify_as = false }')
    found = warned(named)
    assert "tables.customers.columns.first_name.rectify_as" not in found  # names its field
    assert "tables.deliveries.columns.to_email.rectify_as" not in found  # false: a record
    assert "tables.customers.columns.last_name.rectify_as" in found


def test_check_reports_broken_paths_and_missing_tables(engine: sa.Engine) -> None:
    broken = VALID.replace(
        '{ columns = ["customer_id"], table = "customers", ref = ["id"] },\n]',
        '{ columns = ["buyer_id"], table = "customers", ref = ["id"] },\n]',
    )
    findings = check_against_database(parse_datamap(broken), engine)
    errors = {(f.where, f.message) for f in findings if f.level == "error"}
    assert (
        "tables.deliveries.link[1].columns",
        "column 'buyer_id' does not exist in table 'orders'",
    ) in errors
    assert ("tables.newsletter", "table 'newsletter' does not exist in the database") in errors
    not_unique = VALID.replace(
        'ref = ["id"] } ]\n[tables.orders.columns]', 'ref = ["id"] } ]\n[tables.orders.columns]'
    ).replace(
        '{ columns = ["order_id"], table = "orders", ref = ["id"] },',
        '{ columns = ["order_id"], table = "orders", ref = ["customer_id"] },',
    )
    [warning] = [
        f
        for f in check_against_database(parse_datamap(not_unique), engine, "shop")
        if f.where == "tables.deliveries.link[0].ref"
    ]
    assert warning.level == "warning" and "rows may repeat" in warning.message


@pytest.mark.parametrize(
    ("column", "personal"),
    [("phone", True), ("last_ip", True), ("eMail", True), ("Strasse", True), ("zip_code", True),
     ("date_of_birth", True), ("iban", True), ("recipient", False), ("shipping_fee", False),
     ("description", False), ("total_cents", False), ("status", False), ("name", True),
     ("recipient_name", True), ("lastName", True), ("product_name", False)],
)  # fmt: skip
def test_looks_personal(column: str, personal: bool) -> None:
    assert looks_personal(column) is personal


def test_rectify_as_maps_the_forms_fields_to_changeable_columns_of_the_subject() -> None:
    from connectors.datamap import rectification_columns

    def rectify(text: str, line: str, field: str) -> str:
        assert line in text
        return text.replace(line, line.removesuffix(" }") + f', rectify_as = "{field}" }}', 1)

    first = 'first_name = { label = { de = "Vorname", en = "First name" }, erasure = "anonymise" }'
    street = 'street = { label = { de = "Straße", en = "Street" }, erasure = "anonymise" }'
    to_name = 'to_name = { label = { de = "Empfänger", en = "Recipient" }, erasure = "anonymise" }'
    mapped = rectify(rectify(rectify(VALID, first, "first_name"), street, "street"), to_name,
                     "first_name")
    datamap = parse_datamap(mapped)
    assert datamap.tables["customers"].column("street").rectify_as == "street"
    assert rectification_columns(datamap.tables_for("shop")) == {
        "first_name": ("customers.first_name", "deliveries.to_name"),
        "street": ("customers.street",)}
    assert rectification_columns(datamap.tables_for("mailer")) == {}

    kept = 'id = { label = { de = "Nr.", en = "No." }, erasure = "keep" }'
    assert problems(rectify(VALID, kept, "email")) == [
        'tables.customers.columns.id.rectify_as: a column with erasure = "keep" is never '
        "changed (key or non-personal column)"]
    assert problems(rectify(VALID, street, "shoe_size")) == [
        "tables.customers.columns.street.rectify_as: must be false or one of: first_name, "
        "last_name, street, postcode, city, country, phone, email, birth_date"]
    unlinked = VALID.replace(
        'link = [\n  { columns = ["order_id"], table = "orders", ref = ["id"] },\n'
        '  { columns = ["customer_id"], table = "customers", ref = ["id"] },\n]\n', "")
    assert unlinked != VALID and parse_datamap(unlinked)
    assert problems(rectify(unlinked, to_name, "first_name")) == [
        "tables.deliveries.columns.to_name.rectify_as: the table's rows do not link to the "
        "subject, so its rows are not the subject's own"]


def test_the_demo_map_offers_every_form_field_from_the_account_and_address_book() -> None:
    from connectors.datamap import rectification_columns
    from connectors.datamap_schema import RECTIFIABLE_FIELDS
    from dsr.config import DEMO_DIR

    columns = rectification_columns(load_datamap(DEMO_DIR / "datamap.toml").tables.values())
    assert set(columns) == set(RECTIFIABLE_FIELDS)
    # The address book's names too (the editor proposes them only where they equal the
    # account's), and the invoices' billing address (recorded beside, never rewritten).
    assert columns["last_name"] == ("customers.last_name", "addresses.last_name")
    assert columns["street"] == ("addresses.street", "invoices.billing_street")


def test_values_and_unit_say_how_a_column_reads_to_people() -> None:
    coded = VALID.replace(
        'total = { label = { de = "Summe", en = "Total" }, erasure = "null", retention = "accounting_voucher" }',
        'total = { label = { de = "Summe", en = "Total" }, erasure = "null", unit = "cents" }\n'
        'status = { label = { de = "Status", en = "Status" }, erasure = "keep", '
        'values = { delivered = { de = "geliefert", en = "delivered" } } }')
    orders = parse_datamap(coded).tables["orders"]
    assert orders.column("total").unit == "cents" and orders.column("total").values is None
    assert orders.column("status").values == {"delivered": {"de": "geliefert", "en": "delivered"}}
    assert orders.column("id").values is None and orders.column("id").unit is None


@pytest.mark.parametrize(("entry", "error"), [
    ('unit = "euro"', "tables.orders.columns.id.unit: Must be one of: cents, percent, money."),
    ('values = ["a"]', 'tables.orders.columns.id.values: must be a table of code = '
                       '{ de = "...", en = "..." }'),
    ("values = {}", 'tables.orders.columns.id.values: must be a table of code = '
                    '{ de = "...", en = "..." }'),
    ('values = { a = "x" }', 'tables.orders.columns.id.values.a: must be { de = "...", '
                             'en = "..." }'),
    ('values = { a = { de = "x" } }',
     "tables.orders.columns.id.values.a.en: Missing data for required field."),
    ('values = { a = { de = "x", en = "x", fr = "x" } }',
     "tables.orders.columns.id.values.a.fr: Unknown field."),
    ('unit = "cents", values = { a = { de = "x", en = "x" } }',
     "tables.orders.columns.id.unit: a column with 'values' (codes) takes no 'unit'"),
    ('units = "cents"', "tables.orders.columns.id.units: Unknown field."),
])
def test_bad_values_or_unit_give_one_line_naming_the_key(entry: str, error: str) -> None:
    broken = VALID.replace('[tables.orders.columns]\nid = { label = { de = "Nr.", en = "No." }, '
                           'erasure = "keep" }',
                           '[tables.orders.columns]\nid = { label = { de = "Nr.", en = "No." }, '
                           f'erasure = "keep", {entry} }}')
    assert broken != VALID
    assert problems(broken) == [error]


def test_the_demo_map_labels_its_codes_and_shows_cents_as_money() -> None:
    demo = load_datamap(Path(__file__).resolve().parents[2] / "dsr" / "demo" / "datamap.toml")
    orders = demo.tables["orders"]
    assert orders.column("status").values["delivered"] == {"de": "geliefert", "en": "delivered"}  # type: ignore[index]
    assert orders.column("payment_method").values["invoice"]["de"] == "Rechnung"  # type: ignore[index]
    for table in demo.tables.values():
        for column in table.columns:
            if column.name.endswith("_cents"):
                assert column.unit == "cents", (table.name, column.name)
                assert "Cent" not in column.label["de"] and "cents" not in column.label["en"]
    coded = {(t, c) for t, c in [("customers", "salutation"), ("orders", "status"),
                                   ("invoices", "status"), ("shipments", "status"),
                                   ("payment_transactions", "status"),
                                   ("credit_checks", "decision"),
                                   ("newsletter_subscriptions", "channel"),
                                   ("consents", "source"), ("service_emails", "direction")]}
    for table, column in coded:
        assert demo.tables[table].column(column).values, (table, column)
