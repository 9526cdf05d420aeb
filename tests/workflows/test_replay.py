"""Replaying the erasure journal and the suppression list on a shop restored from a backup
taken before the erasure (a copy of the SQLite file): the replay leaves the same shop as the
original erasure did, and a second replay changes nothing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from dsr.context import Services
from tests.support.shops import fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import (
    NAME,
    approve_and_release,
    in_review,
)
from workflows.replay import replay

services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


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
    started = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    request_id = in_review(services, shop["summary"].sample_customer_email, NAME,
                           ["erasure", "objection"])
    approve_and_release(services, request_id)
    erased = dump(shop["url"], started)
    before = dump(f"sqlite:///{backup}")
    assert erased != before

    services.close()
    shutil.copy(backup, path)  # the restore
    restored = Services(services.config)
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

    from dsr.models import ErasureJournalEntry

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
    restored = Services(services.config)
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
