"""The command line as an admin uses it: demo twice, users, the audit chain, one-line errors."""

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

    def invoke(*args: str, input: str | None = None, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
        return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)

    return invoke


def test_demo_twice_changes_nothing_and_prints_the_logins(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = run("demo", "--customers", "30")
    assert first.exit_code == 0, first.output
    assert "koordinator / " in first.output and "@example.org" in first.output
    shop = create_engine(f"sqlite:///{tmp_path / 'dsr-data' / 'shop.sqlite'}")
    with shop.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM orders")).scalar_one()
    second = run("demo", "--customers", "30")
    assert second.exit_code == 0
    with shop.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM orders")).scalar_one() == before
    assert first.output.split("koordinator / ")[1].split()[0] == \
        second.output.split("koordinator / ")[1].split()[0]
    assert (tmp_path / "dsr-data" / "demo-password.txt").stat().st_mode & 0o777 == 0o600


def test_users_create_and_list(run) -> None:  # type: ignore[no-untyped-def]
    created = run("users", "create", "--username", "anna", "--role", "staff",
                  input="a-long-password\na-long-password\n")
    assert created.exit_code == 0, created.output
    assert "anna\tstaff\tactive" in run("users", "list").output
    again = run("users", "create", "--username", "anna", "--role", "staff",
                env={"DSR_NEW_PASSWORD": "a-long-password"})
    assert again.exit_code == 1 and "exists already" in again.output
    short = run("users", "create", "--username", "bob", "--role", "admin",
                env={"DSR_NEW_PASSWORD": "short"})
    assert short.exit_code == 1 and "at least 10 characters" in short.output


def test_audit_verify_finds_tampering_and_a_cut_tail(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run("demo", "--customers", "20")
    for name in ("u1", "u2", "u3"):
        run("users", "create", "--username", name, "--role", "staff",
            env={"DSR_NEW_PASSWORD": "a-long-password"})
    from dsr.audit import append_event
    from dsr.config import load_config
    from dsr.context import Services

    services = Services(load_config(env={}))
    with services.db.session() as session:
        for i in range(4):
            append_event(session, actor="system", action="test", details={"i": i})
    published = run("audit", "head").output.split()[1]
    assert run("audit", "verify", "--head", published).exit_code == 0
    engine = services.db.engine
    with engine.begin() as conn:  # cut off the newest event (creating users is audited too)
        newest = conn.execute(text("SELECT max(seq) FROM audit_events")).scalar_one()
        conn.execute(text("DELETE FROM audit_events WHERE seq = :s"), {"s": newest})
        last = conn.execute(text("SELECT hash FROM audit_events WHERE seq = :s"),
                            {"s": newest - 1}).scalar_one()
        conn.execute(text("UPDATE audit_head SET seq = :s, hash = :h"),
                     {"s": newest - 1, "h": last})
    result = run("audit", "verify", "--head", published)
    assert result.exit_code == 1 and "published head" in result.output
    services.close()


def test_config_mistakes_are_one_line_without_a_traceback(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "bad.toml").write_text("[tasks]\nmax_attempts = 'many'\n")
    result = run("--config", "bad.toml", "db", "upgrade")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: configuration key tasks.max_attempts: Not a valid integer."
    unreachable = run("db", "upgrade",
                      env={"DSR_DATABASE_URL": "postgresql+psycopg://dsr:secret@127.0.0.1:1/dsr"})
    assert unreachable.exit_code == 1
    assert "127.0.0.1:1/dsr is not reachable" in unreachable.output
    assert "secret" not in unreachable.output and "Traceback" not in unreachable.output


def test_datamap_check_reports_and_exits_zero_on_the_demo(run) -> None:  # type: ignore[no-untyped-def]
    run("demo", "--customers", "20")
    result = run("datamap", "check")
    assert result.exit_code == 0, result.output
    assert "error" not in result.output.split()


def test_serve_points_links_at_its_own_port_unless_the_address_is_configured(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dsr.cli.base import Context
    from dsr.cli.serve import derived_base_url

    monkeypatch.delenv("DSR_BASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "plain.toml").write_text('[service]\ndata_dir = "data"\n', encoding="utf-8")
    (tmp_path / "named.toml").write_text(
        '[service]\ndata_dir = "data"\nbase_url = "https://privacy.example.org/"\n', encoding="utf-8")

    plain = Context(str(tmp_path / "plain.toml"))
    plain.derive_base_url(derived_base_url("127.0.0.1", 5001))
    assert plain.services.config.base_url == "http://127.0.0.1:5001"

    named = Context(str(tmp_path / "named.toml"))
    named.derive_base_url(derived_base_url("127.0.0.1", 5001))
    assert named.services.config.base_url == "https://privacy.example.org"

    option = Context(str(tmp_path / "named.toml"))
    option.set_base_url("https://dsr.example.org:8443/")
    assert option.services.config.base_url == "https://dsr.example.org:8443"
    with pytest.raises(RuntimeError):   # settled once the services exist
        option.set_base_url("https://other.example.org")

    assert derived_base_url("::1", 5002) == "http://[::1]:5002"
    assert not derived_base_url("0.0.0.0", 5003).startswith("http://0.0.0.0")


def test_serve_refuses_a_base_url_that_is_not_a_url(run) -> None:  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, ["serve", "--base-url", "privacy.example.org"])
    assert result.exit_code == 2 and "--base-url" in result.output
    assert "Traceback" not in result.output


def test_a_configured_base_url_must_be_a_url(tmp_path: Path) -> None:
    from dsr.config import ConfigError, load_config

    (tmp_path / "bad.toml").write_text('[service]\nbase_url = "javascript:alert(1)"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="base_url"):
        load_config(str(tmp_path / "bad.toml"))
