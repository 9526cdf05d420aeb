"""The newsletter connector: objection and withdrawal end each channel at once, the suppression
list gets keyed hashes of the normalised addresses, the double-opt-in proof stays."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.base import ConnectorConfigError, Identity, Subject, build_connector
from connectors.changes import ChangeRequest, MemoryStepLog
from connectors.newsletter import NewsletterConnector
from connectors.shop_sql import ShopSqlConnector
from dsr.config import DEMO_DIR
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, demo_rules, fresh_shop

MAP = str(DEMO_DIR / "datamap.toml")
KEY = "k" * 32


@pytest.fixture
def shop_url(tmp_path: Path, demo_shop: dict[str, Any]) -> str:
    shutil.copy(demo_shop["url"].removeprefix("sqlite:///"), tmp_path / "shop.sqlite")
    return f"sqlite:///{tmp_path / 'shop.sqlite'}"


def _connectors(url: str) -> Iterator[tuple[ShopSqlConnector, NewsletterConnector]]:
    """The shop and its newsletter on one database, closed afterwards."""
    shop = build_connector("shop", {"kind": "shop_sql", "url": url, "datamap": MAP})
    newsletter = build_connector("newsletter", {"kind": "newsletter", "url": url,
                                                "datamap": MAP, "subject_from": "shop",
                                                "suppression_key": KEY})
    assert isinstance(shop, ShopSqlConnector) and isinstance(newsletter, NewsletterConnector)
    yield shop, newsletter
    shop.close()
    newsletter.close()


@pytest.fixture
def pair(shop_url: str) -> Iterator[tuple[ShopSqlConnector, NewsletterConnector]]:
    yield from _connectors(shop_url)


def subject(pair: tuple[ShopSqlConnector, NewsletterConnector], email: str) -> Subject:
    shop, newsletter = pair
    found = shop.discover(Identity(email=email))
    return newsletter.derive_subject(shop, Subject.from_matches(found.matches))


def running(url: str, table: str, end: str, customer: int) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = list(connection.execute(sa.text(
            f"SELECT id FROM {table} WHERE customer_id = :c AND {end} IS NULL"), {"c": customer}))
    engine.dispose()
    return found


def test_hashes_are_keyed_and_normalised(pair: Any) -> None:
    _, newsletter = pair
    assert newsletter.suppression_hashes(email=" Max@Example.ORG ") == \
        newsletter.suppression_hashes(email="max@example.org")
    assert newsletter.suppression_hashes(street="Hauptstraße 5", postcode="80331") == \
        newsletter.suppression_hashes(street="Hauptstr. 5", postcode=" 80331")
    [(kind, digest)] = newsletter.suppression_hashes(email="max@example.org")
    assert kind == "email" and len(digest) == 64 and "max" not in digest
    other = NewsletterConnector.from_settings("newsletter", {
        "kind": "newsletter", "url": "sqlite://", "datamap": MAP, "subject_from": "shop",
        "suppression_key": "z" * 32})
    assert other.suppression_hashes(email="max@example.org")[0][1] != digest


def test_objection_stops_every_channel_and_keeps_the_proof(pair: Any, shop_url: str) -> None:
    _, newsletter = pair
    who = subject(pair, "juergen.weiss@example.org")
    (customer,) = who.keys[0]
    assert running(shop_url, "newsletter_subscriptions", "unsubscribed_at", customer)
    plan = newsletter.plan(who, ChangeRequest("DSR-N", ("objection",), CLOCK.today(),
                                              demo_rules()))
    suppress = [c for c in plan.changes if c.action == "suppress"]
    assert {c.target for c in suppress} == {"newsletter", "existing_customer_email", "postal"}
    assert {c.value["kind"] for c in suppress} == {"email", "postal"}
    assert not [c for c in plan.changes if c.action in ("delete", "null", "block")]
    receipt = newsletter.execute(plan, MemoryStepLog(at=CLOCK.now()))
    assert receipt.verified
    assert not running(shop_url, "newsletter_subscriptions", "unsubscribed_at", customer)
    engine = sa.create_engine(shop_url)
    with engine.connect() as connection:
        proof = connection.execute(sa.text(
            "SELECT email, confirmed_at, confirm_ip FROM newsletter_subscriptions "
            "WHERE customer_id = :c"), {"c": customer}).all()
        kinds = connection.execute(sa.text(
            "SELECT kind FROM consents WHERE customer_id = :c AND withdrawn_at IS NULL"),
            {"c": customer}).scalars().all()
    engine.dispose()
    assert proof and all(row[0] and row[1] for row in proof)  # the double opt-in, kept
    assert "newsletter" not in kinds and "postal_advertising" not in kinds


def test_a_suppression_key_is_required() -> None:
    with pytest.raises(ConnectorConfigError, match="suppression_key"):
        build_connector("newsletter", {"kind": "newsletter", "url": "sqlite://",
                                       "datamap": MAP, "subject_from": "shop"})


# A sign-up with the customer's address that the shop recorded under another account (a
# household's shared login): only the map's alternative path by e-mail finds it.
ALTERNATIVE = ('link = [ { columns = ["customer_id"], table = "customers", ref = ["id"] } ]\n'
               'alternative_links = [ [ { columns = ["email"], table = "customers", '
               'ref = ["email"] } ] ]\n')


@pytest.fixture(params=BACKENDS)
def shared_signup(request: pytest.FixtureRequest, tmp_path: Path,
                  demo_shop: dict[str, Any]) -> Iterator[tuple[str, str, int]]:
    """A shop on each database, a map whose subscriptions link by account or by e-mail, and
    a running subscription with Jürgen's address under Renate's account (its id)."""
    for shop in fresh_shop(request, request.param, tmp_path, demo_shop):
        text = (DEMO_DIR / "datamap.toml").read_text(encoding="utf-8")
        section = text.index("[tables.newsletter_subscriptions]\n")
        link = text.index("link = ", section)
        text = text[:link] + ALTERNATIVE + text[text.index("\n", link) + 1:]
        datamap = tmp_path / "datamap.toml"
        datamap.write_text(text, encoding="utf-8")
        engine = sa.create_engine(shop["url"])
        with engine.begin() as connection:
            other = connection.execute(sa.text(
                "SELECT id FROM customers WHERE email = 'renate.koehler@example.com'")).scalar()
            top = connection.execute(sa.text(
                "SELECT max(id) FROM newsletter_subscriptions")).scalar()
            connection.execute(sa.text(
                "INSERT INTO newsletter_subscriptions (id, customer_id, email, channel, "
                "policy_version, subscribed_at) VALUES (:id, :c, :e, 'footer_form', 'v1', "
                ":at)"), {"id": top + 1, "c": other, "e": "juergen.weiss@example.org",
                          "at": CLOCK.now().replace(tzinfo=None)})
        engine.dispose()
        yield shop["url"], str(datamap), top + 1


def test_an_objection_ends_the_subscriptions_every_path_finds(shared_signup: Any) -> None:
    url, datamap, signup = shared_signup
    shop = build_connector("shop", {"kind": "shop_sql", "url": url, "datamap": datamap})
    newsletter = build_connector("newsletter", {"kind": "newsletter", "url": url,
                                                "datamap": datamap, "subject_from": "shop",
                                                "suppression_key": KEY})
    assert isinstance(shop, ShopSqlConnector) and isinstance(newsletter, NewsletterConnector)
    try:
        who = subject((shop, newsletter), "juergen.weiss@example.org")
        plan = newsletter.plan(who, ChangeRequest("DSR-N", ("objection",), CLOCK.today(),
                                                  demo_rules()))
        ended = [c.key for c in plan.changes
                 if c.target == "newsletter_subscriptions" and c.action == "set"]
        assert (signup,) in ended and len(ended) == len(set(ended))
        newsletter.execute(plan, MemoryStepLog(at=CLOCK.now()))
    finally:
        shop.close()
        newsletter.close()
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        end = connection.execute(sa.text(
            "SELECT unsubscribed_at FROM newsletter_subscriptions WHERE id = :i"),
            {"i": signup}).scalar()
    engine.dispose()
    assert end is not None


GUEST = "nora.newsletter@example.org"  # subscribed in the footer form, no shop account


@pytest.fixture(params=BACKENDS)
def guest_shop(request: pytest.FixtureRequest, tmp_path: Path,
               demo_shop: dict[str, Any]) -> Iterator[tuple[str, int]]:
    """A shop on each database with a running subscription of an address no customer has
    (stored as typed, in capitals), and that row's id."""
    for shop in fresh_shop(request, request.param, tmp_path, demo_shop):
        engine = sa.create_engine(shop["url"])
        with engine.begin() as connection:
            top = connection.execute(sa.text(
                "SELECT max(id) FROM newsletter_subscriptions")).scalar()
            connection.execute(sa.text(
                "INSERT INTO newsletter_subscriptions (id, customer_id, email, channel, "
                "policy_version, subscribed_at, confirmed_at) VALUES (:id, NULL, :e, "
                "'footer_form', 'v1', :at, :at)"),
                {"id": top + 1, "e": " Nora.Newsletter@Example.ORG",
                 "at": CLOCK.now().replace(tzinfo=None)})
        engine.dispose()
        yield shop["url"], top + 1


@pytest.fixture
def guest_pair(guest_shop: tuple[str, int]) -> Iterator[tuple[ShopSqlConnector,
                                                              NewsletterConnector]]:
    yield from _connectors(guest_shop[0])


def test_a_subscriber_without_an_account_is_found_by_the_address_and_read(
        guest_pair: Any, guest_shop: tuple[str, int]) -> None:
    shop, newsletter = guest_pair
    _, row = guest_shop
    claim = Identity(email=GUEST, name="Nora Newsletter")
    assert not shop.discover(claim).found  # the shop knows nobody of that address
    found = newsletter.discover_own(claim)
    [match] = found.matches
    assert match.key == () and found.searched == ("email",)
    assert match.checks == {"email": "match", "name": "not_on_file"}
    assert match.on_file == {"email": (" Nora.Newsletter@Example.ORG",)}
    assert not newsletter.discover_own(Identity(email="nobody@example.org")).found
    who = Subject.from_matches(found.matches)
    assert who.keys == ()
    tables = {t.table: t for t in newsletter.access(who).tables}
    subscriptions = tables["newsletter_subscriptions"]
    ids = [r[[c.name for c in subscriptions.columns].index("id")] for r in subscriptions.rows]
    assert ids == [row] and not tables["consents"].rows


def test_a_customers_subscription_is_found_as_the_customer(guest_pair: Any) -> None:
    shop, newsletter = guest_pair
    own = newsletter.discover_own(Identity(email="juergen.weiss@example.org"))
    assert [m.key for m in own.matches] == [m.key for m in shop.discover(
        Identity(email="juergen.weiss@example.org")).matches]


def test_an_objection_of_a_subscriber_without_an_account_ends_it_and_suppresses(
        guest_pair: Any, guest_shop: tuple[str, int]) -> None:
    _, newsletter = guest_pair
    url, row = guest_shop
    who = Subject.from_matches(newsletter.discover_own(Identity(email=GUEST)).matches)
    plan = newsletter.plan(who, ChangeRequest("DSR-G", ("objection",), CLOCK.today(),
                                              demo_rules()))
    assert [(c.target, c.key, c.action) for c in plan.changes
            if c.action != "suppress"] == [("newsletter_subscriptions", (row,), "set")]
    digests = {c.value["hash"] for c in plan.changes if c.action == "suppress"}
    assert digests == {newsletter.suppression_hashes(email=GUEST)[0][1]}
    assert newsletter.execute(plan, MemoryStepLog(at=CLOCK.now())).verified
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        end = connection.execute(sa.text(
            "SELECT unsubscribed_at FROM newsletter_subscriptions WHERE id = :i"),
            {"i": row}).scalar()
    engine.dispose()
    assert end is not None


def test_an_erasure_of_a_subscriber_without_an_account_blocks_the_proof(
        guest_pair: Any, guest_shop: tuple[str, int]) -> None:
    _, newsletter = guest_pair
    _, row = guest_shop
    who = Subject.from_matches(newsletter.discover_own(Identity(email=GUEST)).matches)
    plan = newsletter.plan(who, ChangeRequest("DSR-G", ("erasure",), CLOCK.today(),
                                              demo_rules()))
    mine = [c for c in plan.changes if c.target == "newsletter_subscriptions"]
    assert {c.key for c in mine} == {(row,)}
    blocked = [c for c in mine if c.action == "block"]
    assert blocked and {"email", "confirmed_at"} <= {f for c in blocked for f in c.fields}
    assert all(c.retained_until is not None and c.retained_until > CLOCK.today()
               for c in blocked)  # kept for the limitation period, then erased
