"""``dsr connectors test``: a dry run against the configured hosted service prints counts and
field names, never values, sends nothing but searches and reads, and is audited without the
address; a wrong name or a non-http_api connector is one clear line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from dsr.cli import main
from tests.support.fake_services import stripe as fake_stripe
from tests.support.fake_services.server import FakeService, running

EMAIL = "juergen.weiss@example.org"


@pytest.fixture
def fake() -> Iterator[FakeService]:
    with running(fake_stripe.stripe_fake()) as service:
        yield service


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeService) -> Any:
    monkeypatch.chdir(tmp_path)
    for name in ("DSR_CONFIG", "DSR_DATABASE_URL", "DSR_SHOP_DATABASE_URL", "DSR_DATA_DIR",
                 "DSR_SECRET_KEY", "DSR_REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DSR_TEST_STRIPE_KEY", fake_stripe.KEY)
    (tmp_path / "config.toml").write_text(f"""
[connectors.shop]
kind = "shop_sql"
url = "sqlite:///{tmp_path / 'shop.sqlite'}"

[connectors.payments]
kind = "http_api"
definition = "stripe"
subject_from = "shop"
base_url = "{fake.url}"
secrets = {{ api_key = "DSR_TEST_STRIPE_KEY" }}
label = {{ de = "Stripe", en = "Stripe" }}
""")
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_dry_run_prints_counts_and_fields_only(run: Any, fake: FakeService,
                                               tmp_path: Path) -> None:
    done = run("connectors", "test", "payments", "--email", EMAIL)
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "payments (processor)",
        "  read customers: 2 record(s); fields: id, email, name, phone, created",
        "  read payment_intents: 4 record(s); fields: id, amount, currency, status, created",
        "  erasure: delete 2 record(s) in customers"]
    assert EMAIL not in done.output and "cus_0001" not in done.output
    assert {r.method for r in fake.received} == {"GET"}
    engine = create_engine(f"sqlite:///{tmp_path / 'dsr-data' / 'service.sqlite'}")
    with engine.connect() as conn:
        action, details = conn.execute(text(
            "SELECT action, details FROM audit_events ORDER BY seq DESC LIMIT 1")).one()
    engine.dispose()
    assert action == "connector_dry_run"
    assert EMAIL not in str(details) and '"customers": 2' in str(details)


def test_wrong_names_are_one_line(run: Any) -> None:
    missing = run("connectors", "test", "paypal", "--email", EMAIL)
    assert missing.exit_code == 1 and "no connector 'paypal' is configured" in missing.output
    other = run("connectors", "test", "shop", "--email", EMAIL)
    assert other.exit_code == 1 and "'shop' is not an http_api connector" in other.output
    bare = run("connectors", "test", "payments")
    assert bare.exit_code == 1 and "give --email or --customer-number" in bare.output
