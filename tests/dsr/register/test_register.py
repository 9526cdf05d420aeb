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


def test_legal_bases_norms_and_recipient_names_are_given_per_language() -> None:
    register = load_register(DEMO)
    contract = next(p for p in register["purposes"] if p["name"] == "contract")
    assert contract["legal_basis"] == {"de": "Art. 6 Abs. 1 lit. b DSGVO",
                                       "en": "Art. 6(1)(b) GDPR"}
    assert register["retention"]["consent_proof"]["norm"]["en"].startswith("Art. 7(1)")
    assert register["recipients"]["authorities"]["name"]["en"].startswith("Law enforcement")
    for purpose in register["purposes"]:
        assert "DSGVO" not in purpose["legal_basis"]["en"], purpose["name"]
    for name, rule in register["retention"].items():
        assert "Abs." not in rule["norm"]["en"] and "DSGVO" not in rule["norm"]["en"], name


def test_a_saved_version_with_one_text_per_field_still_loads() -> None:
    """Versions saved before legal bases, norms and names had a text per language hold plain
    strings there: they stay valid (TextOrLabel takes one text for both)."""
    from dsr.register.editor import canonical
    from dsr.register.schema import parse_register

    register = load_register(DEMO)
    older = {**register,
             "purposes": [{**p, "legal_basis": p["legal_basis"]["de"]
                           if isinstance(p["legal_basis"], dict) else p["legal_basis"]}
                          for p in register["purposes"]],
             "retention": {k: {key: v for key, v in {
                 **r, "norm": r["norm"]["de"] if isinstance(r["norm"], dict) else r["norm"]}.items()
                 if key != "storage_limit"} for k, r in register["retention"].items()},
             "recipients": {k: {**r, "name": r["name"]["de"] if isinstance(r["name"], dict)
                                else r["name"]} for k, r in register["recipients"].items()}}
    loaded = parse_register(canonical(older))
    assert loaded["purposes"][0]["legal_basis"] == "Art. 6 Abs. 1 lit. b DSGVO"
    assert loaded["recipients"]["authorities"]["name"].startswith("Strafverfolgungs")
    assert "storage_limit" not in loaded["retention"]["credit_check"]
    with pytest.raises(RegisterError, match="legal_basis"):
        parse_register(canonical({**older, "purposes": [
            {**older["purposes"][0], "legal_basis": {"de": "Art. 6 Abs. 1 lit. b DSGVO"}},
            *older["purposes"][1:]]}))
