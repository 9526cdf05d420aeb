"""Replaying the erasure journal and the suppression list on a shop restored from a backup
taken before the erasure (a copy of the SQLite file): the replay leaves the same shop as the
original erasure did, and a second replay changes nothing. A rectification asked for on the
form, checked and recorded by the coordinator and carried out, is set again by the replay
after a restore (SQLite, PostgreSQL, MariaDB shops) from its sealed journal entries, also
after the request was reduced, which leaves its values in clear nowhere."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.changes.journal import replay
from dsr.context import Services
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import (
    NAME,
    approve_and_release,
    in_review,
)

services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A SQLite shop (restored by copying its file), or the backend a test names."""
    yield from fresh_shop(request, getattr(request, "param", "sqlite"), tmp_path, demo_shop)


def dump(url: str, since: datetime | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table; a moment at or after ``since`` reads "NOW" (an end written by
    the erasure or by the replay, each at its own moment)."""
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine)
    with engine.connect() as connection:
        found = {name: sorted((tuple("NOW" if since and isinstance(v, datetime) and v >= since
                                     else v for v in row)
                               for row in connection.execute(sa.select(table))), key=repr)
                 for name, table in tables.tables.items()}
    engine.dispose()
    return found


def test_a_replay_after_a_restore_leaves_the_shop_as_the_erasure_did(
        services: Services, shop: dict[str, Any], tmp_path: Path) -> None:
    path = Path(shop["url"].removeprefix("sqlite:///"))
    backup = tmp_path / "backup.sqlite"
    shutil.copy(path, backup)
    # The erasure and the replay write their moments by the service clock, which is not the
    # tests' CLOCK here (set at START before a set-up of any length): read it, not CLOCK,
    # and let the tests' clock run ahead to show that it does not matter.
    CLOCK.advance(timedelta(seconds=30))
    started = services.clock.now().replace(tzinfo=None, microsecond=0)
    request_id = in_review(services, shop["summary"].sample_customer_email, NAME,
                           ["erasure", "objection"])
    approve_and_release(services, request_id)
    erased = dump(shop["url"], started)
    before = dump(f"sqlite:///{backup}")
    assert erased != before

    services.close()
    shutil.copy(backup, path)  # the restore
    restored = Services(services.config, clock=services.clock)
    try:
        assert dump(shop["url"]) == before
        first = replay(restored)
        assert first["touched"] > 0
        replayed = dump(shop["url"], started)
        for name in erased:
            assert replayed[name] == erased[name], name
        assert replay(restored)["touched"] == 0
        assert dump(shop["url"], started) == replayed
    finally:
        restored.close()


def test_the_suppression_list_ends_a_subscription_the_journal_does_not_know(
        services: Services, shop: dict[str, Any], tmp_path: Path) -> None:
    from sqlalchemy import delete

    from dsr.changes.models import ErasureJournalEntry

    path = Path(shop["url"].removeprefix("sqlite:///"))
    backup = tmp_path / "backup.sqlite"
    shutil.copy(path, backup)
    address = shop["summary"].sample_customer_email
    approve_and_release(services, in_review(services, address, NAME, ["objection"]))
    with services.db.session() as session:  # e.g. a subscription journaled under no entry
        session.execute(delete(ErasureJournalEntry).where(ErasureJournalEntry.action == "set"))
    running = ("SELECT count(*) FROM newsletter_subscriptions "
               "WHERE email = :e AND unsubscribed_at IS NULL")
    services.close()
    shutil.copy(backup, path)
    restored = Services(services.config, clock=services.clock)
    try:
        assert count(shop["url"], running, e=address) > 0
        assert replay(restored)["touched"] > 0
        assert count(shop["url"], running, e=address) == 0
    finally:
        restored.close()


def count(url: str, sql: str, **params: Any) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = int(connection.execute(sa.text(sql), params).scalar_one())
    engine.dispose()
    return found


CORRECTED = {"last_name": "Weiss-Neumann", "street": "Leopoldstraße 200",
             "birth_date": "1985-07-04"}
RECTIFIED = (("customers", ("last_name", "birth_date")), ("addresses", ("street",)))


def rectified_in_the_shop(services: Services, email_address: str) -> int:
    """A rectification asked for with corrected values, verified, the coordinator's lines
    recorded from the pre-fill, planned, approved and carried out; the request's id."""
    from dsr.changes import operations as changes
    from dsr.changes import rectification
    from dsr.requests import operations as actions
    from dsr.requests.intake import Submission, submit
    from dsr.requests.models import Channel, Request
    from workflows.runner import run_pending

    requested = rectification.RequestedCorrections(CORRECTED, "Seit der Heirat Weiss-Neumann")
    columns = rectification.field_columns(services.connectors)
    with services.db.session() as session:
        request_id = submit(session, Submission(
            types=["rectification"], name=NAME, email=email_address, channel=Channel.FORM.value,
            received_at=CLOCK.now(),
            extra_claims=rectification.claims_for(requested, columns, ["rectification"]),
            requested_corrections=requested),
            calendar=services.calendar, connectors=list(services.config.connectors)).id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        changes.record_corrections(session, req, rectification.prefill(requested, columns),
                                   actor="user:1")
        actions.process(session, req, actor="user:1",
                        connectors=list(services.config.connectors))
    run_pending(services)
    approve_and_release(services, request_id)
    return request_id


def rows_of(url: str, customer: int) -> dict[str, list[dict[str, Any]]]:
    """The customer's rows of the rectified tables, every column, by primary key."""
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine, only=[name for name, _ in RECTIFIED])
    found = {}
    with engine.connect() as connection:
        for name, _ in RECTIFIED:
            table = tables.tables[name]
            owner = table.c.id if name == "customers" else table.c.customer_id
            found[name] = [dict(row._mapping) for row in connection.execute(
                sa.select(table).where(owner == customer).order_by(table.c.id))]
    engine.dispose()
    return found


def restore(url: str, saved: dict[str, list[dict[str, Any]]]) -> None:
    """Write the backup's rows back, every column (the restore of these tables)."""
    engine = sa.create_engine(url)
    tables = sa.MetaData()
    tables.reflect(engine, only=list(saved))
    with engine.begin() as connection:
        for name, rows in saved.items():
            table = tables.tables[name]
            for row in rows:
                connection.execute(sa.update(table).where(table.c.id == row["id"]).values(row))
    engine.dispose()


def clear_text(services: Services, *needles: str) -> set[str]:
    """The service database's tables that hold one of ``needles`` in clear."""
    from dsr.db import Base

    found = set()
    with services.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            text = repr([tuple(row) for row in connection.execute(sa.select(table))])
            text += text.encode().decode("unicode_escape", "ignore")  # JSON's \u escapes
            if any(needle in text for needle in needles):
                found.add(table.name)
    return found


@pytest.mark.parametrize("shop", BACKENDS, indirect=True)
def test_a_rectification_is_carried_out_and_set_again_after_a_restore(
        services: Services, shop: dict[str, Any]) -> None:
    from datetime import date, timedelta

    from connectors.base import Identity
    from dsr.changes.models import ChangeReceipt, ErasureJournalEntry
    from dsr.requests.models import Request
    from dsr.requests.periodic import reduce_closed_requests

    address = shop["summary"].sample_customer_email
    [match] = services.connectors["shop"].discover(Identity(email=address)).matches
    customer = match.key[0]
    backup = rows_of(shop["url"], customer)
    assert backup["customers"][0]["last_name"] != CORRECTED["last_name"]
    request_id = rectified_in_the_shop(services, address)

    done = rows_of(shop["url"], customer)
    [account] = done["customers"]
    assert account["last_name"] == "Weiss-Neumann"
    assert account["birth_date"] == date(1985, 7, 4)
    assert done["addresses"] and all(a["street"] == "Leopoldstraße 200" for a in done["addresses"])
    assert all(a["last_name"] == "Weiss-Neumann" for a in done["addresses"])  # the names too
    assert account["first_name"] == backup["customers"][0]["first_name"]  # nothing else
    with services.db.session() as session:
        assert session.get(Request, request_id).status == "completed"
        assert all(r.verified for r in session.scalars(sa.select(ChangeReceipt)))
        sealed = list(session.scalars(sa.select(ErasureJournalEntry).where(
            ErasureJournalEntry.sealed_value.is_not(None))))
    assert sorted((e.target, tuple(e.fields)) for e in sealed) == sorted(
        [("customers", ("birth_date",)), ("customers", ("last_name",))]
        + [("addresses", ("street",)), ("addresses", ("last_name",))] * len(done["addresses"]))
    assert not any("Weiss" in e.sealed_value or "1985" in e.sealed_value for e in sealed)

    # Past the accountability period the request keeps no value in clear; the journal keeps
    # them sealed for a replay.
    needles = ("Weiss-Neumann", "Leopoldstraße 200", "Seit der Heirat")
    assert {"identity_claims", "change_plans"} <= clear_text(services, *needles)
    with services.db.session() as session:
        session.execute(sa.update(Request).where(Request.id == request_id).values(
            updated_at=CLOCK.now() - timedelta(days=365 * 10)))
    assert reduce_closed_requests(services) == {"reduced": 1}
    assert clear_text(services, *needles) == set()

    restore(shop["url"], backup)
    assert rows_of(shop["url"], customer) == backup
    first = replay(services)
    assert first["touched"] == 2 + 2 * len(done["addresses"])  # street and name per address
    assert rows_of(shop["url"], customer) == done
    assert replay(services)["touched"] == 0
    assert clear_text(services, *needles) == set()  # the replay's plans hold no values either
