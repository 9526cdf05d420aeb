"""``dsr journal replay``: reports what it re-applied and records an audit event (no data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from dsr.cli import main


def test_replay_needs_the_shop_and_on_an_empty_journal_changes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DSR_CONFIG", "DSR_DATABASE_URL", "DSR_SHOP_DATABASE_URL", "DSR_DATA_DIR",
                 "DSR_SECRET_KEY", "DSR_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    missing = runner.invoke(main, ["journal", "replay"])  # no shop yet: one clear line
    assert missing.exit_code == 1 and "cannot replay:" in missing.output
    assert "Traceback" not in missing.output
    assert runner.invoke(main, ["demo", "--customers", "10"]).exit_code == 0
    done = runner.invoke(main, ["journal", "replay"])
    assert done.exit_code == 0, done.output
    assert "replayed: 0 change(s) in 0 plan(s), 0 row(s) changed" in done.output
    engine = create_engine(f"sqlite:///{tmp_path / 'dsr-data' / 'service.sqlite'}")
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_events ORDER BY seq")).scalars().all()
        assert actions[-1] == "journal_replayed"
    engine.dispose()
