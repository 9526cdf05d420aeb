"""Art. 19 without over-disclosure, on the demo shop on SQLite, PostgreSQL and MariaDB: what
each recipient of the register received and until when it processes it is read from the
subject's rows; a rectification of the street is told to the carrier that still carries his
parcels (named by its own tracking numbers), not to the carriers and payment providers of
years ago nor to a provider that never had his address — each left out with its reason."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.base import Identity, Subject, build_connector
from connectors.changes import ChangeRequest
from connectors.recipient_mail import RecipientMailConnector
from connectors.shop_sql import ShopSqlConnector
from dsr.changes import operations as changes
from dsr.changes.art19 import recipient_terms
from dsr.config import DEMO_DIR, DEMO_RECIPIENTS
from dsr.register.schema import load_register
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, fresh_shop

SAMPLE = "juergen.weiss@example.org"


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, request.param, tmp_path, demo_shop)


@pytest.fixture
def connector(shop: dict[str, Any]) -> Iterator[ShopSqlConnector]:
    built = build_connector("shop", {"kind": "shop_sql", "url": shop["url"],
                                     "datamap": str(DEMO_DIR / "datamap.toml")})
    assert isinstance(built, ShopSqlConnector)
    yield built
    built.close()


def _tracking(url: str, carrier: str, customer: int) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = sorted(str(v) for (v,) in connection.execute(sa.text(
            "SELECT s.tracking_no FROM shipments s JOIN orders o ON o.id = s.order_id "
            "WHERE o.customer_id = :c AND s.carrier = :carrier"), {"c": customer,
                                                                   "carrier": carrier}))
    engine.dispose()
    return found


def test_each_recipient_gets_only_what_it_received_while_it_still_processes_it(
        connector: ShopSqlConnector, shop: dict[str, Any]) -> None:
    register = load_register(DEMO_DIR / "register.toml")
    found = connector.discover(Identity(email=SAMPLE))
    subject = Subject.from_matches(found.matches)
    (customer,) = subject.keys[0]
    terms = recipient_terms(register, connector, subject)
    today = CLOCK.today()
    dpd, schufa, stripe = terms["dpd"], terms["schufa"], terms["stripe"]
    # DPD carried his last parcel a few weeks ago: it still processes; it knows him by its
    # own tracking numbers (none of DHL's).
    until = dpd.processes_until()
    assert until is not None and until >= today
    assert [k.value for k in dpd.known_by] == _tracking(shop["url"], "DPD", customer)
    assert all(k.own_reference for k in dpd.known_by)
    assert not set(_tracking(shop["url"], "DHL", customer)) & {k.value for k in dpd.known_by}
    # The bureau knows his name, date of birth and its own references.
    assert {k.label["en"] for k in schufa.known_by} >= {"Last name", "Date of birth",
                                                        "Bureau's reference"}
    # A card payment in 2018: Stripe no longer processes anything of his.
    stripe_until = stripe.processes_until()
    assert stripe.last_disclosed is not None and stripe_until is not None
    assert stripe_until < today

    recipients = build_connector("recipients", {
        "kind": "recipient_mail", "subject_from": "shop",
        "endpoints": {key: {"email": f"datenschutz@{key.replace('_', '-')}.example.org",
                            "credit_bureau": key == "schufa"} for key in DEMO_RECIPIENTS}})
    assert isinstance(recipients, RecipientMailConnector)
    derived = recipients.derive_subject(connector, subject)
    wanted = ChangeRequest(
        "DSR-A19", ("rectification",), today, corrections={"addresses.street": "Neuweg 5"},
        correction_labels=changes.correction_labels({"shop": connector},
                                                    {"addresses.street": "Neuweg 5"}),
        recipient_values=changes.recipient_values(register), recipient_terms=terms)
    plan = recipients.plan(derived, wanted)
    told = {c.target: c.value for c in plan.changes}
    withheld = {w.target: w.reason for w in plan.withheld}
    # Today every past recipient of anything got the new street; now only DPD does.
    assert set(told) == {"dpd"}, (told, withheld)
    assert told["dpd"]["corrections"] == [{"de": "Straße und Hausnummer",  # type: ignore[index]
                                           "en": "Street and number", "value": "Neuweg 5"}]
    assert withheld["paypal"] == "not_received"  # a payment provider never had his address
    for key in ("dhl", "hermes", "stripe", "klarna", "schufa"):
        assert withheld[key] == "no_longer_processing", key
    assert all(w.processed_until is not None and w.processed_until < today
               for w in plan.withheld if w.reason == "no_longer_processing")
    assert max(w.last_disclosed or date.min for w in plan.withheld) < today
