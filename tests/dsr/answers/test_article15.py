"""Art. 15(1)(a)-(h) and (2) per subject (dsr.answers.article15): a third-country transfer is
listed only where this subject's data took that path (web analytics only with an analytics
consent), the English answer's safeguards, legal bases, retention norms and recipients are
English (no "DSGVO", no "Abs.", no German names) and the German one's German, and the service
can say how long it keeps a request itself."""

from __future__ import annotations

from typing import Any

import pytest

from dsr.answers.article15 import register_section, request_retention
from dsr.config import DEMO_DIR
from dsr.register.schema import load_register

GERMAN_WORDS = ("Angemessenheitsbeschluss", " vom ", " ist ", "Verjährung", "Betriebssicherheit",
                "Missbrauchserkennung", "zertifiziert", " i. V. m. ", " und ", " für ", "vormals",
                "Teilnahmebedingungen", " bis ", "DSGVO", "Abs.", " lit. ", " Nr. ", "Behörden",
                "Strafverfolgung", "Einzelfall", "fiktiv", " nur ", " im ")
#: What a German answer must not cite: the English name of the regulation, the English form.
ENGLISH_CITATIONS = ("GDPR", "(1)(", "Art. 6(1)")


@pytest.fixture(scope="module")
def register() -> dict[str, Any]:
    return load_register(DEMO_DIR / "register.toml")


def _consents(*kinds: str) -> list[dict[str, Any]]:
    """What the shop found: a consents table with one row per consent kind."""
    return [{"connector": "shop", "system_label": {"de": "Shop", "en": "Shop"}, "tables": [{
        "system": "shop", "table": "consents", "category": "consents",
        "label": {"de": "Einwilligungen", "en": "Consents"},
        "columns": [{"name": "kind"}, {"name": "granted_at"}],
        "rows": [[kind, "2024-05-01T10:00:00"] for kind in kinds], "recipient_only": False}]}]


def _sections(collected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"category": t["category"], "tables": [{"rows": t["rows"]}]}
            for found in collected for t in found["tables"]]


def _transfers(register: dict[str, Any], collected: list[dict[str, Any]],
               lang: str = "de") -> list[dict[str, Any]]:
    return list(register_section(register, _sections(collected), collected, lang)["transfers"])


def test_analytics_goes_abroad_only_with_an_analytics_consent(register: dict[str, Any]) -> None:
    google = register["recipients"]["analytics"]["name"]
    without = _transfers(register, _consents("newsletter", "postal_advertising"))
    assert google not in {t["recipient"] for t in without}
    section = register_section(register, _sections(_consents("newsletter")),
                               _consents("newsletter"), "de")
    named = {r["name"] for r in section["recipients"]} | {
        g["name"] for g in section["recipient_groups"]}
    assert google not in named  # nor is Google named as a recipient of his data
    with_consent = _transfers(register, _consents("newsletter", "analytics"))
    assert google in {t["recipient"] for t in with_consent}


def test_the_english_answer_states_safeguards_and_retention_in_english(
        register: dict[str, Any]) -> None:
    collected = _consents("analytics")
    section = register_section(register, _sections(collected), collected, "en")
    assert section["transfers"]
    texts = [t["safeguard"] for t in section["transfers"]]
    texts += [f"{r['label']} {r['norm']}" for r in section["retention"]]
    texts += [p["legal_basis"] for p in section["purposes"]]
    for text in texts:
        assert not [w for w in GERMAN_WORDS if w in f" {text} "], text
    assert any("adequacy decision of 10 July 2023" in t["safeguard"] for t in section["transfers"])
    assert "Art. 6(1)(a) GDPR; §25(1) TDDDG" in [p["legal_basis"] for p in section["purposes"]]
    german = register_section(register, _sections(collected), collected, "de")
    assert any("Angemessenheitsbeschluss" in t["safeguard"] for t in german["transfers"])
    for text in [p["legal_basis"] for p in german["purposes"]] + [
            r["norm"] for r in german["retention"]]:
        assert not [w for w in ENGLISH_CITATIONS if w in text], text
    assert "Art. 6 Abs. 1 lit. a DSGVO; §25 Abs. 1 TDDDG" in [
        p["legal_basis"] for p in german["purposes"]]


def _every_purpose(register: dict[str, Any]) -> list[dict[str, Any]]:
    """Sections of every category of the register (so every purpose, recipient and rule)."""
    return [{"category": c, "tables": [{"rows": [[1]]}]} for c in register["categories"]]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_recipients_without_evidence_are_named_in_the_answers_language(
        register: dict[str, Any], lang: str) -> None:
    section = register_section(register, _every_purpose(register), [], lang)
    names = [g["name"] for g in section["recipient_groups"]]
    assert len(names) >= 3 and all(isinstance(n, str) for n in names)
    if lang == "en":
        assert "Law enforcement and tax authorities (in individual cases only)" in names
        assert "Steuerkanzlei Huber & Partner mbB (fictitious)" in names
        for name in names:
            assert not [w for w in GERMAN_WORDS if w in f" {name} "], name
    else:
        assert "Strafverfolgungs- und Finanzbehörden (nur im Einzelfall)" in names
        assert "Steuerkanzlei Huber & Partner mbB (fiktiv)" in names


def test_an_older_register_with_one_text_cites_it_per_language(register: dict[str, Any]) -> None:
    """A legal basis and a norm given as one string (registers before they had a text per
    language) still load, and the answer cites them in its own language."""
    older = {**register,
             "purposes": [{**p, "legal_basis": "Art. 6 Abs. 1 lit. b DSGVO"}
                          for p in register["purposes"]],
             "retention": {k: {**r, "norm": "Art. 7 Abs. 1, Art. 17 Abs. 3 lit. e DSGVO"}
                           for k, r in register["retention"].items()}}
    collected = _consents("newsletter")
    english = register_section(older, _sections(collected), collected, "en")
    assert {p["legal_basis"] for p in english["purposes"]} == {"Art. 6(1)(b) GDPR"}
    assert {r["norm"] for r in english["retention"]} == {"Art. 7(1), Art. 17(3)(e) GDPR"}
    german = register_section(older, _sections(collected), collected, "de")
    assert {p["legal_basis"] for p in german["purposes"]} == {"Art. 6 Abs. 1 lit. b DSGVO"}


def test_a_safeguard_given_as_one_text_reads_the_same_in_both(register: dict[str, Any]) -> None:
    older = {**register, "transfers": [{"recipient": "analytics", "country": "US",
                                        "safeguard": "SCC 2021/914"}]}
    collected = _consents("analytics")
    assert _transfers(older, collected, "en")[0]["safeguard"] == "SCC 2021/914"


@pytest.mark.parametrize(("lang", "expected", "norm"), [
    ("de", "3 Jahre ab Ende des Jahres", "Art. 5 Abs. 2, Art. 12 DSGVO"),
    ("en", "3 years from the end of the year", "Art. 5(2), Art. 12 GDPR")])
def test_the_request_itself_is_kept_for_the_registers_period(
        register: dict[str, Any], lang: str, expected: str, norm: str) -> None:
    text = request_retention(register, lang)
    assert text.startswith(expected) and norm in text
