"""An objection to all advertising (Art. 21(2), (3) GDPR) ends every advertising consent of
the demo — the sweepstakes advertising consent as well as the newsletter and postal ones —
and leaves the consent that is not advertising (web analytics) alone."""

from __future__ import annotations

import sqlalchemy as sa

from connectors.changes import ChangeRequest, MemoryStepLog
from tests.connectors.test_newsletter import pair, shop_url, subject  # noqa: F401 (fixtures)
from tests.support.clock import CLOCK
from tests.support.shops import demo_rules

ADVERTISING = {"newsletter", "postal_advertising", "sweepstakes"}


def _running_kinds(url: str, customer: int) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        kinds = set(connection.execute(sa.text(
            "SELECT kind FROM consents WHERE customer_id = :c AND withdrawn_at IS NULL"),
            {"c": customer}).scalars())
    engine.dispose()
    return kinds


def _sweepstakes_customer(url: str) -> str:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        email = connection.execute(sa.text(
            "SELECT c.email FROM customers c JOIN consents k ON k.customer_id = c.id "
            "WHERE k.kind = 'sweepstakes' AND k.withdrawn_at IS NULL ORDER BY c.id")).scalar()
    engine.dispose()
    assert email, "the demo has no running sweepstakes advertising consent"
    return str(email)


def test_an_objection_ends_the_sweepstakes_advertising_consent(pair, shop_url) -> None:  # noqa: F811
    _, newsletter = pair
    who = subject(pair, _sweepstakes_customer(shop_url))
    (customer,) = who.keys[0]
    before = _running_kinds(shop_url, customer)
    assert "sweepstakes" in before
    plan = newsletter.plan(who, ChangeRequest("DSR-S", ("objection",), CLOCK.today(),
                                              demo_rules()))
    assert newsletter.execute(plan, MemoryStepLog(at=CLOCK.now())).verified
    after = _running_kinds(shop_url, customer)
    assert not after & ADVERTISING
    assert after == before - ADVERTISING  # analytics is no advertising: an objection keeps it
