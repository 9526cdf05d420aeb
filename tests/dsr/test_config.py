"""Configuration: defaults, environment overrides, and one clear line for every mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsr.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[2]


def test_example_config_loads_and_documents_every_section(tmp_path: Path) -> None:
    config = load_config(ROOT / "config.example.toml", env={"DSR_DATA_DIR": str(tmp_path)})
    assert config.tasks["backend"] == "thread"
    assert config.connectors["shop"]["kind"] == "shop_sql"
    assert config.workflow["restriction_lift_notice_days"] == 14
    assert config.workflow["four_eyes"] == []
    assert config.workflow["single_coordinator_wait_hours"] == 72
    assert config.database_url == f"sqlite:///{tmp_path / 'service.sqlite'}"


def test_defaults_without_a_file_keep_everything_under_dsr_data(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.data_dir == tmp_path / "dsr-data"
    assert config.connectors["shop"]["url"] == f"sqlite:///{tmp_path / 'dsr-data' / 'shop.sqlite'}"
    assert (tmp_path / "dsr-data" / "secret.key").stat().st_mode & 0o777 == 0o600
    assert load_config(env={}).secret_key == config.secret_key  # kept, not regenerated


def test_environment_overrides_secrets_and_urls(tmp_path: Path) -> None:
    env = {"DSR_SECRET_KEY": "s" * 32, "DSR_DATABASE_URL": "postgresql+psycopg://db/dsr",
           "DSR_SHOP_DATABASE_URL": "mysql+pymysql://shop/shop", "DSR_REDIS_URL": "redis://r:6379/0",
           "DSR_DATA_DIR": str(tmp_path)}
    config = load_config(env=env)
    assert config.secret_key == "s" * 32
    assert config.database_url == "postgresql+psycopg://db/dsr"
    assert config.connectors["shop"]["url"] == "mysql+pymysql://shop/shop"
    assert config.tasks["redis_url"] == "redis://r:6379/0"


@pytest.mark.parametrize("toml,message", [
    ("[service]\nbase_ur = 'x'\n", "service.base_ur: unknown key"),
    ("[tasks]\nmax_attempts = 'many'\n", "tasks.max_attempts: Not a valid integer."),
    ("[tasks]\nbackend = 'celery'\n", "tasks.backend: Must be one of: thread, rq."),
    ("[tasks]\nbackend = 'rq'\n", "tasks.redis_url: required when tasks.backend = 'rq'"),
    ("[mail]\nsender = 'not an address'\n", "mail.sender: Not a valid email address."),
    ("[connectors.shop]\nurl = 'sqlite://'\n", "connectors.shop.value.kind"),
    ("colour = 'blue'\n", "colour: unknown key"),
    ("[workflow]\nrestriction_lift_notice_days = -1\n",
     "workflow.restriction_lift_notice_days: Must be greater than or equal to 0"),
    ("[workflow]\nfour_eyes = ['erasure', 'deletion']\n",
     "workflow.four_eyes.1: Must be one of: access, portability"),
    ("[workflow]\nfour_eyes = 'erasure'\n", "workflow.four_eyes: Not a valid list."),
    ("[workflow]\nsingle_coordinator_wait_hours = 0\n",
     "workflow.single_coordinator_wait_hours: Must be greater than or equal to 1"),
])
def test_mistakes_name_the_key(tmp_path: Path, toml: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={"DSR_DATA_DIR": str(tmp_path)})
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_broken_toml_and_missing_file_are_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[service\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", env={})
