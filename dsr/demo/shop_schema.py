"""The demo shop's schema: SQLAlchemy Core tables, portable to SQLite, PostgreSQL and MariaDB.

Times are naive UTC (``DateTime`` without a zone) so that all three back ends store the same
thing; access logs carry local time with an offset. Amounts are integer cents. ``datamap.toml``
next to this module maps every column for the shop connector.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    Table,
    Text,
    false,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""The shop's own tables: everything in here holds data about customers."""

build_metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""Bookkeeping of the generator (not shop data, not in the data map)."""


def _id() -> Column[int]:
    return Column("id", Integer, primary_key=True, autoincrement=True)


def _customer_fk(nullable: bool = False) -> Column[int]:
    return Column("customer_id", ForeignKey("customers.id"), nullable=nullable, index=True)


def _order_fk(nullable: bool = False) -> Column[int]:
    return Column("order_id", ForeignKey("orders.id"), nullable=nullable, index=True)


companies = Table(
    "companies", metadata, _id(),
    Column("name", String(200), nullable=False),
    Column("vat_id", String(20)),
    Column("street", String(120), nullable=False),
    Column("postcode", String(10), nullable=False),
    Column("city", String(80), nullable=False),
    Column("country", String(2), nullable=False),
    Column("phone", String(32)),
    Column("email", String(254)),
    Column("payment_terms_days", SmallInteger, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

customers = Table(
    "customers", metadata, _id(),
    Column("customer_no", String(20), nullable=False, unique=True),
    Column("salutation", String(10)),
    Column("title", String(20)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("email", String(254), nullable=False, index=True),
    Column("phone", String(32)),
    Column("birth_date", Date),
    Column("company_id", ForeignKey("companies.id"), index=True),
    Column("password_hash", String(160)),
    Column("created_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
    Column("last_login_ip", String(45)),
    Column("processing_restricted", Boolean, nullable=False, default=False,
           server_default=false()),
)

addresses = Table(
    "addresses", metadata, _id(), _customer_fk(),
    Column("kind", String(10), nullable=False),  # billing | delivery
    Column("is_default", Boolean, nullable=False),
    Column("company_name", String(200)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("street", String(120), nullable=False),
    Column("address_extra", String(120)),
    Column("postcode", String(10), nullable=False),
    Column("city", String(80), nullable=False),
    Column("country", String(2), nullable=False),
    Column("created_at", DateTime, nullable=False),
)

payment_methods = Table(
    "payment_methods", metadata, _id(), _customer_fk(),
    Column("kind", String(20), nullable=False),  # direct_debit | credit_card | paypal
    Column("account_holder", String(200)),
    Column("iban_masked", String(34)),
    Column("mandate_reference", String(35)),
    Column("card_brand", String(20)),
    Column("card_masked", String(25)),
    Column("card_expiry", String(5)),
    Column("paypal_email", String(254)),
    Column("is_default", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

orders = Table(
    "orders", metadata, _id(), _customer_fk(),
    Column("order_no", String(20), nullable=False, unique=True),
    Column("ordered_at", DateTime, nullable=False),
    Column("status", String(20), nullable=False),
    Column("payment_method", String(20), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("total_cents", Integer, nullable=False),
    Column("shipping_cents", Integer, nullable=False),
    Column("customer_note", String(500)),
    Column("recipient_name", String(200)),
    Column("recipient_company", String(200)),
    Column("recipient_street", String(120)),
    Column("recipient_postcode", String(10)),
    Column("recipient_city", String(80)),
    Column("recipient_country", String(2)),
    Column("recipient_email", String(254), index=True),
    Column("recipient_phone", String(32)),
)

order_items = Table(
    "order_items", metadata,
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("line_no", SmallInteger, nullable=False),
    Column("sku", String(20), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("quantity", SmallInteger, nullable=False),
    Column("unit_price_cents", Integer, nullable=False),
    Column("vat_rate", SmallInteger, nullable=False),
    PrimaryKeyConstraint("order_id", "line_no"),
)

invoices = Table(
    "invoices", metadata, _id(), _order_fk(),
    Column("invoice_no", String(20), nullable=False, unique=True),
    Column("issued_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("billing_name", String(200)),
    Column("billing_company", String(200)),
    Column("billing_street", String(120)),
    Column("billing_postcode", String(10)),
    Column("billing_city", String(80)),
    Column("billing_country", String(2)),
    Column("vat_id", String(20)),
    Column("net_cents", Integer, nullable=False),
    Column("vat_cents", Integer, nullable=False),
    Column("gross_cents", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # paid | open | overdue | cancelled
    Column("paid_on", Date),
    Column("sent_to_email", String(254)),
)

shipments = Table(
    "shipments", metadata, _id(), _order_fk(),
    Column("carrier", String(20), nullable=False),
    Column("service", String(30), nullable=False),
    Column("tracking_no", String(40)),
    Column("shipped_at", DateTime, nullable=False),
    Column("delivered_at", DateTime),
    Column("status", String(20), nullable=False),
)

payment_transactions = Table(
    "payment_transactions", metadata, _id(), _order_fk(),
    Column("provider", String(20), nullable=False),
    Column("provider_reference", String(64)),
    Column("kind", String(20), nullable=False),  # capture | refund
    Column("amount_cents", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(20), nullable=False),
    Column("payer_email", String(254)),
    Column("created_at", DateTime, nullable=False),
)

credit_checks = Table(
    "credit_checks", metadata, _id(), _customer_fk(), _order_fk(nullable=True),
    Column("bureau", String(100), nullable=False),
    Column("bureau_reference", String(40)),
    Column("checked_at", DateTime, nullable=False),
    Column("requested_payment", String(20), nullable=False),
    Column("score", Numeric(5, 2, asdecimal=False)),
    Column("decision", String(20), nullable=False),  # approved | limited | declined
    Column("payment_options_offered", String(200), nullable=False),
)

collection_cases = Table(
    "collection_cases", metadata, _id(), _customer_fk(),
    Column("invoice_id", ForeignKey("invoices.id"), index=True),
    Column("agency", String(100), nullable=False),
    Column("agency_file_no", String(40)),
    Column("opened_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    Column("status", String(20), nullable=False),  # open | settled | written_off
    Column("amount_cents", Integer, nullable=False),
)

wishlist_items = Table(
    "wishlist_items", metadata, _id(), _customer_fk(),
    Column("sku", String(20), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("note", String(200)),
    Column("added_at", DateTime, nullable=False),
)

cart_items = Table(
    "cart_items", metadata, _id(), _customer_fk(),
    Column("sku", String(20), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("quantity", SmallInteger, nullable=False),
    Column("added_at", DateTime, nullable=False),
)

reviews = Table(
    "reviews", metadata, _id(), _customer_fk(),
    Column("sku", String(20), nullable=False),
    Column("product_name", String(200), nullable=False),
    Column("rating", SmallInteger, nullable=False),
    Column("title", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("author_display_name", String(100), nullable=False),
    Column("published", Boolean, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

newsletter_subscriptions = Table(
    # A subscriber without a shop account (the footer form) has no customer.
    "newsletter_subscriptions", metadata, _id(), _customer_fk(nullable=True),
    Column("email", String(254), nullable=False),
    Column("channel", String(20), nullable=False),  # checkout | account | footer_form
    Column("policy_version", String(20), nullable=False),
    Column("subscribed_at", DateTime, nullable=False),
    Column("signup_ip", String(45)),
    Column("confirmed_at", DateTime),
    Column("confirm_ip", String(45)),
    Column("unsubscribed_at", DateTime),
)

consents = Table(
    "consents", metadata, _id(), _customer_fk(),
    Column("kind", String(30), nullable=False),
    Column("granted_at", DateTime, nullable=False),
    Column("withdrawn_at", DateTime),
    Column("source", String(30), nullable=False),
    Column("policy_version", String(20), nullable=False),
    Column("ip", String(45)),
)

sweepstakes_entries = Table(
    "sweepstakes_entries", metadata, _id(), _customer_fk(),
    Column("campaign", String(100), nullable=False),
    Column("answer", String(200), nullable=False),
    Column("entered_at", DateTime, nullable=False),
    Column("ip", String(45)),
    Column("won", Boolean, nullable=False),
)

questionnaire_answers = Table(
    "questionnaire_answers", metadata, _id(), _customer_fk(),
    Column("questionnaire", String(100), nullable=False),
    Column("question", String(300), nullable=False),
    Column("answer", Text, nullable=False),
    Column("answered_at", DateTime, nullable=False),
)

search_history = Table(
    "search_history", metadata, _id(), _customer_fk(),
    Column("query", String(200), nullable=False),
    Column("searched_at", DateTime, nullable=False),
    Column("ip", String(45)),
    Column("result_count", Integer, nullable=False),
)

service_emails = Table(
    "service_emails", metadata, _id(), _customer_fk(), _order_fk(nullable=True),
    Column("direction", String(3), nullable=False),  # in | out
    Column("from_address", String(254)),
    Column("to_address", String(254)),
    Column("sent_at", DateTime, nullable=False),
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
)

sessions = Table(
    "sessions", metadata, _id(), _customer_fk(),
    Column("ip", String(45), nullable=False, index=True),
    Column("started_at", DateTime, nullable=False),
    Column("ended_at", DateTime, nullable=False),
    Column("user_agent", String(512)),
)

demo_build = Table(
    "demo_build", build_metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)
