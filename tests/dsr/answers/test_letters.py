"""The DIN 5008 letter renderer: geometry of form B, German and English, long letters, and
addresses that would not fit the window refused with a clear message."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader

from dsr.answers.letters import Letter, LetterError, render_letter
from dsr.answers.letters import din5008 as d
from dsr.answers.letters.compose import address_lines, render_template_letter, sender_from_register

MM = 72 / 25.4


def _letter(**changes: object) -> Letter:
    base = dict(sender_name="PSO Computer GmbH", sender_lines=("Musterring 12", "80999 München"),
                recipient=("Renate Köhler", "Am Anger 3", "80331 München"),
                letter_date=date(2026, 3, 3), subject="Ihre Anfrage", body=("Guten Tag,", "Text."),
                reference="DSR-ABCDEFG", return_line="PSO Computer GmbH · Musterring 12 · 80999 München")
    base.update(changes)
    return Letter(**base)  # type: ignore[arg-type]


def test_form_b_geometry_is_the_standards() -> None:
    assert pytest.approx((20, 45, 85, 45)) == \
        (d.FIELD_LEFT / MM, d.FIELD_TOP / MM, d.FIELD_W / MM, d.FIELD_H / MM)
    assert pytest.approx(62.7) == d.ADDRESS_LINE / MM  # 17.7 mm notes zone, 27.3 mm address zone
    assert pytest.approx((125, 50)) == (d.INFO_LEFT / MM, d.INFO_TOP / MM)
    assert [m / MM for m in d.FOLD_MARKS] == pytest.approx([105, 210])
    assert pytest.approx(148.5) == d.HOLE_MARK / MM


def test_german_and_english_labels_and_umlauts() -> None:
    german = PdfReader(io.BytesIO(render_letter(_letter()))).pages[0].extract_text()
    assert "Unser Zeichen" in german and "03.03.2026" in german and "Köhler" in german
    english = PdfReader(io.BytesIO(render_letter(_letter(language="en")))).pages[0].extract_text()
    assert "Our reference" in english and "3 March 2026" in english


def test_a_long_letter_continues_with_page_numbers() -> None:
    pdf = render_letter(_letter(body=["Ein langer Absatz. " * 60] * 8,
                                attachments=("Kopie Ihres Schreibens",)))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    later = reader.pages[1].extract_text()
    assert "Seite 2" in later and "DSR-ABCDEFG" in later
    assert "Anlagen" in reader.pages[-1].extract_text()


def test_addresses_that_do_not_fit_the_window_are_refused() -> None:
    with pytest.raises(LetterError, match="1 to 6"):
        render_letter(_letter(recipient=[f"Zeile {i}" for i in range(7)]))
    with pytest.raises(LetterError, match="wider than the window"):
        render_letter(_letter(recipient=["Ein sehr, sehr, sehr langer Name einer Firma mit Zusatz GmbH & Co. KG"]))


def test_compose_helpers() -> None:
    assert address_lines("Jürgen Weiß", "Lindenstraße 14, 80331 München") == \
        ["Jürgen Weiß", "Lindenstraße 14", "80331 München"]
    sender = sender_from_register({"controller": {"name": "PSO Computer GmbH", "email": "d@pso.example.org",
                                                  "address": ["Datenschutz", "Musterring 12", "80999 München"]}})
    assert sender["return_line"] == "PSO Computer GmbH · Musterring 12 · 80999 München"
    subject, paragraphs = render_template_letter(
        "acknowledgement", "en", req=type("R", (), {"reference": "DSR-X", "deadline": date(2026, 4, 2)})(),
        name="Mary Smith", received_local=date(2026, 3, 2), channel_label="by letter",
        code="ABCD2345", status_url="https://example.org/status")
    assert subject.startswith("Your privacy request") and "DSR-X" in " ".join(paragraphs)


def test_a_name_on_the_first_address_line_prints_once() -> None:
    assert address_lines("Jürgen Weiß", "Jürgen Weiß\nLindenstraße 14\n80331 München") == \
        ["Jürgen Weiß", "Lindenstraße 14", "80331 München"]
    assert address_lines("Jürgen Weiß", "jürgen  weiß, Lindenstraße 14, 80331 München") == \
        ["Jürgen Weiß", "Lindenstraße 14", "80331 München"]
    # another person on the first line (c/o, a company) stays
    assert address_lines("Jürgen Weiß", "c/o Anna Weiß\nLindenstraße 14\n80331 München") == \
        ["Jürgen Weiß", "c/o Anna Weiß", "Lindenstraße 14", "80331 München"]


def _confirmation_letter(template: str, kind: str, language: str,
                         **more: object) -> list[str]:
    from tests.dsr.test_templates import context

    _subject, paragraphs = render_template_letter(
        template, language, name="Jürgen Weiß", channel_label="per Brief",
        **{**context(template, kind, "granted", language), **more})
    return paragraphs


NOT_TOLD = ["DHL Paket GmbH: hat keine der berichtigten Angaben von uns erhalten",
            "Hermes Germany GmbH: verarbeitet die Daten nicht mehr (letzte Übermittlung am "
            "03.04.2025, Verarbeitung bis 30.09.2025)"]


@pytest.mark.parametrize("language", ["de", "en"])
def test_each_list_item_of_a_letter_is_a_line_of_its_own(language: str) -> None:
    """A letter runs a paragraph's lines on, but never a list: each corrected field, each
    recipient not told (Art. 19) and each purpose of an objection starts a line (the PDF breaks
    the line there), after the line that leads into them."""
    paragraphs = _confirmation_letter(
        "confirm_rectification", "rectification", language,
        corrected=["Kundenkonto: Nachname", "Adressbuch: Straße"], recipients_not_told=NOT_TOLD)
    lead = "Berichtigt haben wir:" if language == "de" else "What we have corrected:"
    assert f"{lead}\n- Kundenkonto: Nachname\n- Adressbuch: Straße" in paragraphs
    told = ("Nicht informiert haben wir diese Empfänger (Art. 19 DSGVO):" if language == "de"
            else "We have not told these recipients (Art. 19 GDPR):")
    assert "\n".join([told, *(f"- {line}" for line in NOT_TOLD)]) in paragraphs
    purposes = [{"label": "Marktforschung", "granted": True, "grounds": ""},
                {"label": "Übermittlung an Auskunfteien", "granted": False,
                 "grounds": "Offene Forderung"}]
    objection = _confirmation_letter("confirm_objection", "objection", language,
                                     objection_purposes=purposes)
    [listed] = [p for p in objection if "- Marktforschung" in p]
    lines = listed.splitlines()
    assert [line.split(":")[0] for line in lines[1:]] == [
        "- Marktforschung", "- Übermittlung an Auskunfteien"]
    assert lines[-1].endswith("Offene Forderung")  # what follows is a paragraph of its own


def test_a_letters_list_prints_line_by_line() -> None:
    paragraphs = _confirmation_letter("confirm_rectification", "rectification", "de",
                                      corrected=["Kundenkonto: Nachname"])
    pdf = render_letter(_letter(body=paragraphs))
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Berichtigt haben wir:\n- Kundenkonto: Nachname" in text
