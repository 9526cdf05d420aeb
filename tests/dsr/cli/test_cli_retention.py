"""``dsr retention``: holds are added and lifted with an audit event each, a run reports what
it erased, bad input is one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from dsr.cli import main


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    for name in ("DSR_CONFIG", "DSR_DATABASE_URL", "DSR_SHOP_DATABASE_URL", "DSR_DATA_DIR",
                 "DSR_SECRET_KEY", "DSR_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args))

    return invoke


def test_hold_lift_and_run(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    added = run("retention", "hold", "--key", "6", "--kind", "collection", "--reason", "IK-1")
    assert added.exit_code == 0 and "hold 1 added" in added.output
    assert "hold 1 lifted" in run("retention", "lift", "1").output
    again = run("retention", "lift", "1")
    assert again.exit_code == 1 and "no active hold 1" in again.output
    done = run("retention", "run", "--today", "2040-01-01")
    assert done.exit_code == 0 and "erased: 0 blocked record(s)" in done.output
    bad = run("retention", "hold", "--connector", "erp", "--key", "1", "--kind", "tax_audit",
              "--reason", "x")
    assert bad.exit_code == 1 and "no connector 'erp'" in bad.output
    engine = create_engine(f"sqlite:///{tmp_path / 'dsr-data' / 'service.sqlite'}")
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_events ORDER BY seq")).scalars().all()
        assert actions[-2:] == ["legal_hold_added", "legal_hold_lifted"]
        assert conn.execute(text("SELECT subject_key FROM legal_holds")).scalar_one() == "[6]"
    engine.dispose()
