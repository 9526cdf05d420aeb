"""The processing register: the demo's loads; mistakes name the key; names must exist."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from dsr.register.schema import RegisterError, load_register

DEMO = Path(__file__).resolve().parents[3] / "dsr" / "demo" / "register.toml"


def test_demo_register_loads_with_its_names() -> None:
    register = load_register(DEMO)
    assert "accounting_voucher" in register["retention"]
    assert register["supervisory_authority"]["name"].endswith("(BayLDA)")
    assert any(t["safeguard"]["en"].startswith("EU-US Data Privacy Framework")
               for t in register["transfers"])
    assert not any("Safe Harbor" in str(v) for v in register.values())
    assert any(p["name"] == "dsr_handling" for p in register["purposes"])


@pytest.mark.parametrize("mutate,message", [
    (lambda r: r["retention"]["books"].pop("norm"), "retention.books.value.norm"),
    (lambda r: r["purposes"][0]["categories"].append("hobbies"), "unknown category 'hobbies'"),
    (lambda r: r["recipients"]["dhl"].update(kind="friend"), "recipients.dhl.value.kind"),
    (lambda r: r["categories"]["orders"]["label"].pop("en"), "categories.orders.value.label.en"),
    (lambda r: r.update(colour="blue"), "colour: unknown key"),
])
def test_mistakes_name_the_key(tmp_path: Path, mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    import tomli_w

    register = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    mutate(register)
    path = tmp_path / "register.toml"
    path.write_bytes(tomli_w.dumps(register).encode())
    with pytest.raises(RegisterError) as info:
        load_register(path)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_recipient_endpoints_must_name_the_registers_recipients() -> None:
    from dsr.recipients.check import recipient_findings

    register = {"recipients": {"dhl": {"kind": "controller"}, "hosting": {"kind": "processor"}}}
    connectors = {
        "shop": {"kind": "shop_sql"},
        "recipients": {"kind": "recipient_mail", "subject_from": "shop",
                       "endpoints": {"dhl": {}, "gls": {}}},
        "fulfilment": {"kind": "recipient_api", "subject_from": "shop", "recipient": "hosting"},
        "bureau": {"kind": "recipient_api", "subject_from": "crm", "recipient": "dhl"}}
    assert recipient_findings(connectors, register) == [
        ("connectors.recipients.gls", "'gls' is not a recipient of the register"),
        ("connectors.bureau.subject_from", "'crm' is not a configured connector"),
        ("connectors.bureau.recipient",
         "'dhl' is a separate controller in the register; OpenGDPR is for processors")]
