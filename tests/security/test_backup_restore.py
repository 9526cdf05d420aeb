"""Backup and restore as SECURITY.md describes it: the service database (SQLite's online backup,
or pg_dump/pg_restore) and the data directory's encrypted files are backed up together after an
erasure; the machine is lost and the shop restored from a backup older than the erasure. After
the restore the audit chain verifies, the encrypted files decrypt, and ``dsr journal replay``
erases again what the erasure had erased."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from dsr.audit import verify_chain
from dsr.changes.journal import replay
from dsr.context import Services
from dsr.documents import Document
from tests.conftest import PG_ADMIN_URL
from tests.support.clock import CLOCK
from tests.support.shops import fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import NAME, approve_and_release, in_review
from tests.workflows.test_replay import dump

services = base.services  # the fixtures, shared
smtp = base.smtp


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


def _libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def backup_database(url: str, target: Path) -> None:
    """SQLite: the online backup API (consistent while the service runs); PostgreSQL: pg_dump."""
    if url.startswith("sqlite"):
        source = sqlite3.connect(url.removeprefix("sqlite:///"))
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
        return
    done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target),
                           _libpq(url)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        pytest.skip(f"pg_dump cannot dump this server: {done.stderr.strip()[:200]}")


def restore_database(url: str, backup: Path, tmp_path: Path) -> str:
    """The database restored on a new machine; returns its URL."""
    if url.startswith("sqlite"):
        restored = tmp_path / "restored" / "service.sqlite"
        restored.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(backup, restored)
        return f"sqlite:///{restored}"
    name = f"dsr_restored_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    new_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    done = subprocess.run(["pg_restore", "--no-owner", "--dbname", _libpq(new_url), str(backup)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return new_url


def _drop(url: str) -> None:
    if url.startswith("postgresql"):
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)"))
        admin.dispose()


def test_restore_of_database_and_files_then_journal_replay(
        services: Services, shop: dict[str, Any], tmp_path: Path) -> None:
    shop_file = Path(shop["url"].removeprefix("sqlite:///"))
    old_shop = tmp_path / "shop-before-erasure.sqlite"
    shutil.copy(shop_file, old_shop)  # the shop's own, older backup
    # The erasure and the replay write their moments by the service clock, which is not the
    # tests' CLOCK here (set at START before a set-up of any length): read it, not CLOCK,
    # and let the tests' clock run ahead to show that it does not matter.
    CLOCK.advance(timedelta(seconds=30))
    started = services.clock.now().replace(tzinfo=None, microsecond=0)
    request_id = in_review(services, shop["summary"].sample_customer_email, NAME, ["erasure"])
    approve_and_release(services, request_id)
    erased = dump(shop["url"], started)
    with services.db.session() as session:
        doc_id = services.documents.put(session, request_id=request_id, kind="inbound_mail",
                                        filename="letter.eml", content_type="message/rfc822",
                                        data=b"evidence kept encrypted").id
        head = verify_chain(session)

    # The backup: database and encrypted files together (the keys are kept elsewhere).
    backup_dir = tmp_path / "backup"
    backup_dir.mkdir()
    backup_database(services.config.database_url, backup_dir / "service.db")
    shutil.copytree(services.config.documents_dir, backup_dir / "documents")
    assert b"evidence kept encrypted" not in b"".join(
        p.read_bytes() for p in (backup_dir / "documents").rglob("*") if p.is_file())

    # The machine is lost; the shop comes back from its older backup.
    services.close()
    shutil.rmtree(services.config.documents_dir)
    shutil.copy(old_shop, shop_file)
    assert dump(shop["url"], started) != erased

    new_url = restore_database(services.config.database_url, backup_dir / "service.db", tmp_path)
    data_dir = tmp_path / "restored-data"
    shutil.copytree(backup_dir / "documents", data_dir / "documents")
    config = dataclasses.replace(services.config, database_url=new_url, data_dir=data_dir)
    restored = Services(config, clock=services.clock)
    try:
        with restored.db.session() as session:
            result = verify_chain(session)
            assert result.ok and result.head_hash == head.head_hash  # nothing lost, nothing edited
            assert restored.documents.read(session.get(Document, doc_id)) == \
                b"evidence kept encrypted"
        done = replay(restored, actor="cli")  # what `dsr journal replay` runs
        assert done["touched"] > 0
        assert dump(shop["url"], started) == erased  # erased again, exactly as before
    finally:
        restored.close()
        _drop(new_url)
