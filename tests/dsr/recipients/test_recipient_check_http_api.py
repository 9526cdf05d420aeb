"""``dsr datamap check`` for hosted services: a definition's recipient must be one of the
register's, in the role the register gives it (against the demo register: Stripe is a separate
controller there, CleverReach and GA4 processors; no help desk is listed)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from dsr.recipients.check import recipient_findings

REGISTER = tomllib.loads((Path(__file__).resolve().parents[3] / "dsr" / "demo" /
                          "register.toml").read_text(encoding="utf-8"))


def section(definition: str, **extra: str) -> dict[str, str]:
    return {"kind": "http_api", "definition": definition, "subject_from": "shop", **extra}


def test_definitions_against_the_demo_register() -> None:
    connectors = {"shop": {"kind": "shop_sql"},
                  "news": section("cleverreach"), "ga": section("google_analytics"),
                  "pay": section("stripe"), "pay_as_controller": section("stripe",
                                                                         role="controller"),
                  "desk": section("zendesk")}
    assert recipient_findings(connectors, REGISTER) == [
        ("connectors.pay.role", "'stripe' is a controller in the register, the definition "
                                "says processor"),
        ("connectors.desk.definition", "'help_desk' is not a recipient of the register")]
