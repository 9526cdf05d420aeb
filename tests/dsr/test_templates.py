"""Every correspondence template renders, as text and as HTML, in German and English, for every
request type and every decision outcome; refusals name norm, reason, complaint and judicial
remedy; confirmations say what was kept, why and until when."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from itertools import product
from typing import Any

import pytest

from dsr.correspondence.drafts import render
from dsr.rendering import TEMPLATE_ROOT
from dsr.requests.models import Decision, Request, RequestType

AUTHORITY = {"name": "Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)",
             "address": "Promenade 18, 91522 Ansbach"}
CONTROLLER = {"name": "PSO Computer GmbH", "email": "datenschutz@pso.example.org"}
TEMPLATES = sorted(p.stem for p in (TEMPLATE_ROOT / "mail" / "de").glob("*.txt")
                   if not p.stem.startswith("_"))
OUTCOMES = ("granted", "partly_granted", "refused")


def make_request(kind: str, language: str) -> Request:
    return Request(reference="DSR-2026-7K3QX", types=[kind], channel="form", language=language,
                   received_at=datetime(2026, 1, 31, 9, 30, tzinfo=UTC), due_on=date(2026, 3, 2),
                   extended_due_on=date(2026, 5, 4),
                   extension_reason="Die Daten liegen in mehreren Archivsystemen.")


def context(template: str, kind: str, outcome: str, language: str) -> dict[str, Any]:
    req = make_request(kind, language)
    decisions = [Decision(right=kind, category="orders", outcome=outcome, norm="Art. 15 Abs. 4 DSGVO",
                          reason="Rechte Dritter" if outcome != "granted" else ""),
                 Decision(right=kind, category="*", outcome="refused", norm="§147 AO",
                          reason="Aufbewahrungspflicht")]
    base: dict[str, Any] = {"req": req, "received_local": req.received_at}
    kept = [{"what": "Rechnungsdaten", "why": "§147 AO / Art. 17 Abs. 3 lit. b DSGVO",
             "until": date(2033, 12, 31)},
            {"what": "Sperrvermerk (Prüfwert)", "why": "Art. 21 Abs. 3 DSGVO", "until": None}]
    extra: dict[str, dict[str, Any]] = {
        "acknowledgement": {"code": "AB12CD34", "status_url": "https://dsr.example/status"},
        "identity_request": {"reason": "Ihre Anfrage kam per Post ohne Kundennummer."},
        "answer": {"link": "https://dsr.example/portal/tok", "downloads": 5,
                   "expires": datetime(2026, 3, 16, tzinfo=UTC)},
        "portal_code": {"code": "12345678", "expires": datetime(2026, 3, 16, tzinfo=UTC)},
        "verification_code": {"code": "12345678", "verify_url": "https://dsr.example/verify",
                               "hours": 48, "representative": outcome == "refused"},
        "no_data_found": {"identifiers": [("email", "a@example.org"),
                                          ("postal_address", "Weg 1\n80331 München")],
                          "systems": ["Shop-Datenbank", "Newsletter"]},
        "refusal": {"decisions": decisions, "authority": AUTHORITY},
        "partial_refusal": {"decisions": decisions, "authority": AUTHORITY},
        "contest_outcome": {"outcome": "changed" if outcome == "granted" else "upheld",
                            "reasons": "Der Score lag unter 90 %.", "options": ["PayPal", "Vorkasse"],
                            "reviewer_role": "Datenschutzkoordination", "authority": AUTHORITY,
                            "checked_on": date(2025, 11, 3) if outcome != "refused" else None},
        "restriction_lift_notice": {"lift_on": date(2026, 4, 1), "authority": AUTHORITY,
                                    "reason": "Die Richtigkeit der Daten ist geklärt."},
        "art19_notice": {"recipient": "DHL Paket GmbH", "reference": req.reference,
                         "controller": CONTROLLER, "details": ["Kundennummer K-100001"],
                         "action": {"erasure": "erasure", "rectification": "rectification"}.get(
                             kind, "restriction")},
        "bureau_correction": {"bureau_reference": "SA-6107267793", "reference": req.reference,
                              "controller": CONTROLLER, "details": ["Anschrift: alt → neu"],
                              "correction": "Bitte berichtigen Sie die Anschrift.",
                              "action": {"erasure": "erasure", "rectification": "rectification"}.get(
                                  kind, "restriction")},
        "audit_digest": {"seq": 42, "head_hash": "ab" * 32},
        "override_waiting": {"effective": datetime(2026, 12, 5, 14, 30)},
        "deadline_digest": {"items": [("DSR-1", -2, "review"), ("DSR-2", 0, "review"),
                                      ("DSR-3", 2, "processing")]},
    }
    for name in ("confirm_erasure", "confirm_rectification", "confirm_restriction",
                 "confirm_objection", "confirm_consent_withdrawal"):
        extra[name] = {"done": ["Kundenkonto gelöscht", "Wunschzettel gelöscht"],
                       "kept": kept if outcome != "granted" else [],
                       "recipients_told": ["DHL Paket GmbH"],
                       "recipients_not_told": []}
    return {**base, **extra.get(template, {})}


def test_every_template_exists_in_both_languages() -> None:
    german = {p.name for p in (TEMPLATE_ROOT / "mail" / "de").glob("*.txt")}
    english = {p.name for p in (TEMPLATE_ROOT / "mail" / "en").glob("*.txt")}
    assert german == english
    assert {"acknowledgement", "identity_request", "extension", "answer", "no_data_found",
            "partial_refusal", "refusal", "confirm_rectification", "confirm_restriction",
            "confirm_erasure", "confirm_objection", "contest_outcome", "restriction_lift_notice",
            "art19_notice", "bureau_correction", "portal_code"} <= set(TEMPLATES)


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("template", TEMPLATES)
def test_template_renders_as_text_and_html(template: str, language: str) -> None:
    """Every request type and outcome: one test per template and language, the cases inside
    (each case renders in a millisecond; a test item each only cost the suite's time)."""
    for kind, outcome in product(RequestType, OUTCOMES):
        message = render(template, language, **context(template, kind.value, outcome, language))
        case = f"{template}/{kind.value}/{outcome}/{language}"
        assert message.subject and "Subject" not in message.subject, case
        for part in (message.subject, message.text):
            assert "{{" not in part and "{%" not in part and "None" not in part, case
        assert len(message.text) > 80, case
        assert message.html.startswith("<!DOCTYPE html>") and f'lang="{language}"' in message.html
        assert "<script" not in message.html, case
        if template not in ("audit_digest", "deadline_digest", "art19_notice", "bureau_correction"):
            assert "DSR-2026-7K3QX" in message.text, case
        if language == "de":
            assert "Dear" not in message.text and "Kind regards" not in message.text, case
        else:
            assert "Guten Tag" not in message.text and "Mit freundlichen" not in message.text, case


@pytest.mark.parametrize("language", ["de", "en"])
@pytest.mark.parametrize("template", ["refusal", "partial_refusal"])
def test_refusals_name_norm_reason_complaint_and_judicial_remedy(template: str,
                                                                  language: str) -> None:
    text = render(template, language, **context(template, "erasure", "refused", language)).text
    for expected in ("§147 AO", "Aufbewahrungspflicht", "Art. 77", "Art. 79", "BayLDA",
                     "91522 Ansbach"):
        assert expected in text, expected


@pytest.mark.parametrize("language", ["de", "en"])
def test_confirmations_say_what_was_kept_why_and_until_when(language: str) -> None:
    text = render("confirm_erasure", language,
                  **context("confirm_erasure", "erasure", "partly_granted", language)).text
    assert "Rechnungsdaten" in text and "§147 AO" in text
    assert ("31.12.2033" if language == "de" else "31 December 2033") in text
    assert "DHL Paket GmbH" in text  # recipients told (Art. 19)


def test_html_escapes_what_the_text_carries() -> None:
    ctx = context("refusal", "access", "refused", "de")
    ctx["decisions"][0].reason = "<script>alert(1)</script> & Co"
    message = render("refusal", "de", **ctx)
    assert "<script>alert" not in message.html and "&lt;script&gt;" in message.html
    assert "<script>alert(1)</script> & Co" in message.text


def test_a_missing_value_is_an_error_not_a_blank() -> None:
    from jinja2 import UndefinedError

    with pytest.raises(UndefinedError):
        render("answer", "de", **{k: v for k, v in context("answer", "access", "granted", "de")
                                  .items() if k != "link"})



@pytest.mark.parametrize("language", ["de", "en"])
def test_one_confirmation_has_a_paragraph_for_each_right_carried_out(language: str) -> None:
    ctx = context("confirm_erasure", "erasure", "granted", language)
    one = render("confirm_erasure", language, **ctx).text
    both = render("confirm_erasure", language, **ctx, kinds=["erasure", "objection"]).text
    objection = "Art. 21 DSGVO" if language == "de" else "Art. 21 GDPR"
    assert objection not in one and objection in both
    assert both.count("Kundenkonto gelöscht") == 1
    nothing = "Aufbewahrt haben wir dazu nichts." if language == "de" \
        else "We have kept nothing of it."
    assert nothing in one  # an erasure that kept nothing says so; a rectification does not
    rectified = render("confirm_rectification", language,
                       **context("confirm_rectification", "rectification", "granted", language),
                       corrected=["Kundenkonto: Nachname"], not_corrected=[]).text
    assert nothing not in rectified and "- Kundenkonto: Nachname" in rectified


def _early_in_the_month(value: Any) -> Any:
    """``value`` moved to the 2nd of its month (dates inside lists of dicts too)."""
    if isinstance(value, date):
        return value.replace(day=2)
    if isinstance(value, list):
        return [_early_in_the_month(v) for v in value]
    if isinstance(value, dict):
        return {k: _early_in_the_month(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("template", TEMPLATES)
def test_english_dates_read_2_december_2026(template: str) -> None:
    """English mails write "2 December 2026", never "02 December 2026"."""
    leading_zero = re.compile(r"\b0\d (January|February|March|April|May|June|July|August|"
                              r"September|October|November|December) \d{4}")
    for kind, outcome in product(RequestType, OUTCOMES):
        ctx = {key: _early_in_the_month(value)
               for key, value in context(template, kind.value, outcome, "en").items()}
        req = ctx["req"]
        req.received_at = ctx["received_local"] = datetime(2026, 12, 2, 9, 5, tzinfo=UTC)
        req.due_on, req.extended_due_on = date(2027, 1, 4), date(2027, 3, 1)
        ctx["kept"] = _early_in_the_month(ctx.get("kept", []))
        text = render(template, "en", **ctx).text
        assert not leading_zero.search(text), (template, kind.value, leading_zero.search(text))
        if "December 2026" in text:
            assert "2 December 2026" in text, (template, kind.value)


def test_no_english_template_writes_a_day_with_a_leading_zero() -> None:
    """The letters too (and any template added later): English dates go through ``en_date``."""
    found = [str(path.relative_to(TEMPLATE_ROOT)) for kind in ("mail", "letters")
             for path in (TEMPLATE_ROOT / kind / "en").glob("*.txt")
             if "%d %B" in path.read_text(encoding="utf-8")]
    assert found == []


def test_a_previews_date_marker_survives_the_english_date() -> None:
    from dsr.correspondence.drafts import _fill, preview_context
    from dsr.rendering import english_date

    assert english_date(datetime(2026, 12, 2, 14, 30), time=True) == "2 December 2026, 14:30"
    ctx = {**context("answer", "access", "granted", "en"), **preview_context("answer")}
    preview = render("answer", "en", **ctx).text
    assert "[EXPIRES]" in preview  # filled in when the message is sent, as English writes it
    sent = _fill(preview, "answer", "en", {"link": "https://x", "expires": date(2026, 3, 6)})
    assert "6 March 2026" in sent and "06 March" not in sent
