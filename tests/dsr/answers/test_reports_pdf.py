"""Tests for the Art. 15 access report PDF renderer (dsr.answers.report.pdf)."""

from __future__ import annotations

import copy
import io
import re
from importlib import resources
from typing import Any

import pytest
from pypdf import PdfReader

from dsr.answers.report import pdf, strings
from dsr.answers.report.pdf import render_access_report
from dsr.answers.report.strings import display_value

REFERENCE = "DSR-2026-7K3QX"
ORDER_COLUMNS = [
    {"name": "id", "label": "Bestellnummer"},
    {"name": "ordered_at", "label": "Bestelldatum"},
    {"name": "total", "label": "Summe"},
    {"name": "address", "label": "Lieferadresse"},
]
CONTACT_LABELS = [
    "Kundennummer", "Anrede", "Vorname", "Nachname", "Straße", "PLZ",
    "Ort", "Land", "Telefon", "E-Mail", "Geburtsdatum", "Newsletter",
]


def make_payload(language: str = "de", order_rows: int = 3) -> dict[str, Any]:
    """A realistic report payload in the shape produced by the marshmallow schema."""
    return {
        "reference": REFERENCE,
        "language": language,
        "generated_at": "2026-11-27T15:04:00+01:00",
        "controller": {
            "name": "PSO Computer GmbH",
            "address": ["Musterstraße 1", "90402 Nürnberg"],
            "email": "datenschutz@pso.example.org",
        },
        "subject": {"name": "Jürgen Weiß", "email": "juergen.weiss@example.org"},
        "request": {
            "received_at": "2026-11-20T10:00:00+01:00",
            "due": "2026-12-21",
            "types": ["access"],
        },
        "decisions": [
            {"right": "access", "category": "orders", "category_label": "Bestellungen",
             "outcome": "granted", "norm": "Art. 15 DSGVO", "reason": "Vollständige Auskunft"},
            {"right": "access", "category": "fraud", "category_label": "Betrugsprävention",
             "outcome": "denied", "norm": "§ 29 Abs. 1 S. 2 BDSG",
             "reason": "Geschäftsgeheimnisse der Scoring-Logik"},
        ],
        "sections": [
            {"category": "orders", "label": "Bestellungen", "tables": [
                {"system": "shop", "system_label": "Shop-Datenbank", "table": "orders",
                 "label": "Bestellungen", "columns": ORDER_COLUMNS,
                 "rows": [[f"1{i:05d}", f"2024-03-01 12:{i % 60:02d}", f"{i}.99 €",
                           "Musterstraße 1, 90402 Nürnberg" if i % 2 else None]
                          for i in range(order_rows)]},
                {"system": "dhl", "system_label": "Versand-Export", "table": "shipments",
                 "label": "Sendungen", "note": "Nur die Felder, die Sie als Empfänger betreffen",
                 "columns": [{"name": "tracking", "label": "Sendungsnummer"},
                             {"name": "comment", "label": "Hinweis <intern> & Co"}],
                 "rows": [["00340434161094042557", "<b>&"], ["00340434161094042558", "a < b && c > d"]]},
            ]},
            {"category": "customer", "label": "Kundenkonto", "tables": [
                {"system": "crm", "system_label": "CRM", "table": "contacts", "label": "Kontaktdaten",
                 "columns": [{"name": f"c{i}", "label": x} for i, x in enumerate(CONTACT_LABELS)],
                 "rows": [["K-1001", "Herr", "Jürgen", "Weiß", "Große Straße 7", "90403", "Fürth",
                           "DE", None, "juergen.weiss@example.org", "1970-01-01", "ja"],
                          ["K-1002", "Herr", "Jürgen", "Weiß", "Äußere Gasse 5", "90404", "Köln",
                           "DE", "+49 911 123456", "jw@example.org", None, "nein"]]},
            ]},
            {"category": "tickets", "label": "Support-Anfragen", "tables": []},
        ],
        "register": {
            "version": "v4 · 2026-11-20 · 1a2b3c4d5e6f",
            "as_of": {"number": 4, "date": "2026-11-20"},
            "purposes": [{"label": "Vertragsabwicklung", "legal_basis": "Art. 6(1)(b) DSGVO",
                          "categories": ["Bestellungen", "Kontaktdaten"]}],
            "categories": [{"label": "Bestellungen", "records": 3, "purposes": ["Vertrag"]}],
            "recipients": [
                {"name": "DHL Paket GmbH", "kind": "controller", "role": "Zustellung",
                 "country": "DE", "occasion": "Sendungen",
                 "seen": {"count": 2, "first": "2024-03-02T10:00:00", "last": "2025-01-07"}},
            ],
            "recipient_groups": [{"name": "Hetzner Online GmbH", "kind": "processor",
                                  "role": "Hosting", "country": "DE"}],
            "retention": [{"label": "Buchungsbelege", "period": "8 Jahre", "norm": "§147 AO"}],
            "deletion": [{"purpose": "Vertragsabwicklung", "text": "nach 6 Jahren"}],
            "sources": [{"purpose": "Vertragsabwicklung", "text": "Von Ihnen bei der Bestellung"}],
            "external": [{"score": "97,74", "source": "SCHUFA Holding AG", "date": "2024-03-01"}],
            "automated": [{"label": "Bonitätsprüfung", "bureau": "SCHUFA Holding AG",
                           "logic": "Score ab 97,5 % gibt alles frei.",
                           "consequences": "Nur Zahlungsarten; Überprüfung auf Verlangen.",
                           "bands": [{"min_score": "97,5", "label": "frei", "options": ["Rechnung"]}],
                           "decisions": [{"date": "2024-03-01T10:00:00", "score": "97,74",
                                          "result": "frei", "options": ["Rechnung", "PayPal"],
                                          "requested": "Rechnung"}]}],
            "transfers": [{"recipient": "Stripe", "country": "US", "safeguard": "EU-US DPF"}],
            "rights": ["Berichtigung (Art. 16 DSGVO)", "Löschung (Art. 17 DSGVO)"],
            "complaint": {"name": "BayLDA", "address": "Promenade 18, 91522 Ansbach"},
        },
    }


def page_texts(data: bytes) -> list[str]:
    """Extract the text of every page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    """Remove all whitespace, so values wrapped over several lines still match."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def german() -> list[str]:
    return page_texts(render_access_report(make_payload("de")))


@pytest.fixture(scope="module")
def english() -> list[str]:
    return page_texts(render_access_report(make_payload("en")))


def test_returns_pdf_bytes() -> None:
    data = render_access_report(make_payload())
    assert isinstance(data, bytes)
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2


def test_every_row_value_appears(german: list[str]) -> None:
    text = squash("\n".join(german))
    for section in make_payload()["sections"]:
        for table in section["tables"]:
            for row in table["rows"]:
                for value in row:
                    if value is not None:
                        shown = display_value(value, "de")
                        assert squash(shown) in text, value


def test_umlauts_and_sharp_s_survive(german: list[str]) -> None:
    text = "\n".join(german)
    for word in ("Jürgen Weiß", "Musterstraße 1", "90402 Nürnberg", "Äußere Gasse 5", "Köln"):
        assert word in text


def test_german_cover(german: list[str]) -> None:
    first = german[0]
    assert "Auskunft nach Art. 15 DSGVO" in first
    assert "PSO Computer GmbH" in first and "datenschutz@pso.example.org" in first
    assert "juergen.weiss@example.org" in first
    # received, due and generated dates in German notation
    for date in ("20.11.2026", "21.12.2026", "27.11.2026"):
        assert date in first


def test_reference_and_page_numbers_on_every_page_german(german: list[str]) -> None:
    total = len(german)
    for number, text in enumerate(german, 1):
        assert REFERENCE in text
        assert f"Seite {number} von {total}" in text
        assert "27.11.2026" in text
    assert f"Seite 1 von {total}" in german[0]


def test_english_report(english: list[str]) -> None:
    total = len(english)
    text = "\n".join(english)
    assert f"Page 1 of {total}" in english[0]
    for number, page in enumerate(english, 1):
        assert REFERENCE in page and f"Page {number} of {total}" in page
    assert "Access report under Art. 15 GDPR" in text
    assert "27 Nov 2026" in text and "21 Dec 2026" in text
    assert "No data stored" in text
    assert "Granted" in text and "Refused" in text
    assert "Seite" not in text and "Keine Daten gespeichert" not in text


def test_markup_in_values_is_rendered_literally(german: list[str]) -> None:
    text = "\n".join(german)
    assert "<b>&" in text
    assert "a < b && c > d" in text
    assert "Hinweis <intern> & Co" in text


def test_none_and_empty_sections(german: list[str]) -> None:
    text = "\n".join(german)
    assert "—" in text
    assert "Keine Daten gespeichert" in text


def test_no_sections_at_all() -> None:
    payload = make_payload()
    payload["sections"] = []
    assert "Keine Daten gespeichert" in "\n".join(page_texts(render_access_report(payload)))


def test_decisions_table(german: list[str]) -> None:
    first = next(p for p in german if "Entscheidungen zu Ihrem Antrag\n" in p and "Inhalt" not in p)
    assert "Entscheidungen zu Ihrem Antrag" in first
    assert "Stattgegeben" in first and "Abgelehnt" in first
    assert "§ 29 Abs. 1 S. 2 BDSG" in first
    assert "Betrugsprävention" in first


def test_without_decisions_there_is_no_decision_table() -> None:
    payload = make_payload()
    payload["decisions"] = []
    text = "\n".join(page_texts(render_access_report(payload)))
    assert "Entwurf: Über Ihren Antrag ist noch nicht entschieden." in text
    assert "Stattgegeben" not in text


def test_wide_table_becomes_label_value_blocks(german: list[str]) -> None:
    text = "\n".join(german)
    assert "Datensatz 1 von 2" in text and "Datensatz 2 von 2" in text
    for label in CONTACT_LABELS:
        assert text.count(label) >= 2, label  # once per record


def test_register_section(german: list[str]) -> None:
    text = "\n".join(german)
    assert "Informationen nach Art. 15 Abs. 1 und 2 DSGVO" in text
    for expected in ("Vertragsabwicklung", "Art. 6(1)(b) DSGVO", "DHL Paket GmbH (DE)",
                     "2-mal, 02.03.2024 bis 07.01.2025", "Eigenständig Verantwortlicher",
                     "Auftragsverarbeiter", "§147 AO", "8 Jahre", "Löschung (Art. 17 DSGVO)",
                     "BayLDA", "91522 Ansbach", "Score 97,74 % von SCHUFA Holding AG, abgefragt "
                     "am 01.03.2024", "EU-US DPF",
                     "Stand des Verzeichnisses: Version 4 vom 20.11.2026", "Art. 79"):
        assert expected in squash_spaces(text), expected
    # The version's hash is for the JSON (accountability), not for the reader.
    assert "1a2b3c4d5e6f" not in text and "TOML" not in text


@pytest.mark.parametrize(("language", "as_of", "expected"), [
    ("de", {"number": None, "date": "2026-11-20"}, "Stand des Verzeichnisses: 20.11.2026"),
    ("en", {"number": 4, "date": "2026-11-20"},
     "Record of processing activities: version 4 of 20 Nov 2026"),
])
def test_register_as_of_reads_as_a_version_and_date(language: str, as_of: dict[str, Any],
                                                    expected: str) -> None:
    payload = make_payload(language)
    payload["register"]["version"] = "TOML · 885cf785c0bd"
    payload["register"]["as_of"] = as_of
    text = squash_spaces("\n".join(page_texts(render_access_report(payload))))
    assert expected in text
    assert "885cf785c0bd" not in text and "TOML" not in text


def test_register_is_optional() -> None:
    payload = make_payload()
    del payload["register"]
    text = "\n".join(page_texts(render_access_report(payload)))
    assert "a) Verarbeitungszwecke" not in text


def test_5000_row_table_repeats_its_header() -> None:
    payload = make_payload(order_rows=5000)
    pages = page_texts(render_access_report(payload))
    assert len(pages) > 40
    rows = payload["sections"][0]["tables"][0]["rows"]
    text = "\n".join(pages)
    assert rows[0][0] in text and rows[2500][0] in text and rows[-1][0] in text
    first = next(i for i, p in enumerate(pages) if rows[1][0] in p)
    last = next(i for i, p in enumerate(pages) if rows[-1][0] in p)
    assert last - first > 40
    for page in pages[first:last + 1]:  # every page of the table starts with its header row
        for column in ORDER_COLUMNS:
            assert column["label"] in page
        assert REFERENCE in page


def test_5000_wide_records_become_column_groups_not_record_blocks() -> None:
    """A wide table (more columns than fit) with many rows: grids of column groups that
    repeat the first column, columns empty everywhere named once; readable page count."""
    labels = [f"Feld {i}" for i in range(16)]
    payload = make_payload()
    payload["sections"] = [{"category": "orders", "label": "Bestellungen", "tables": [{
        "system": "shop", "system_label": "Shop", "table": "orders", "label": "Bestellungen",
        "columns": [{"name": f"c{i}", "label": x} for i, x in enumerate(labels)],
        "rows": [[f"B{n:06d}", *[f"w{n}-{i}" for i in range(1, 15)], None]
                 for n in range(5000)]}]}]
    pages = page_texts(render_access_report(payload))
    text = "\n".join(pages)
    assert "Datensatz 1 von" not in text  # no per-record blocks for 5,000 rows
    assert "Teil 1 von 3" in text and "Teil 3 von 3" in text
    assert "In keinem Datensatz belegt: Feld 15" in text
    assert squash("B004999") in squash(text) and "w4999-14" in text
    assert len(pages) < 450
    table_pages = [p for p in pages if "B00" in p]
    assert all("Feld 0" in p for p in table_pages)  # the identifying column on every page


def squash_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_fonts_are_embedded() -> None:
    reader = PdfReader(io.BytesIO(render_access_report(make_payload())))
    names = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("DejaVuSans" in name for name in names), names
    assert not any("Helvetica" in name for name in names), names


def test_fonts_are_registered_once(monkeypatch: pytest.MonkeyPatch) -> None:
    render_access_report(make_payload())
    calls: list[object] = []
    monkeypatch.setattr(pdf.pdfmetrics, "registerFont", lambda font: calls.append(font))
    render_access_report(make_payload("en"))
    assert calls == []


def test_fonts_and_license_are_shipped_in_the_package() -> None:
    fonts = resources.files("dsr") / "fonts"
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        assert (fonts / name).is_file(), name
    assert "Bitstream" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")


def test_rendering_is_deterministic_and_does_not_mutate_the_payload() -> None:
    payload = make_payload()
    before = copy.deepcopy(payload)
    assert render_access_report(payload) == render_access_report(payload)
    assert payload == before


def test_strings_have_the_same_keys_in_both_languages() -> None:
    assert set(strings.TEXTS["de"]) == set(strings.TEXTS["en"])
    assert set(strings.OUTCOMES["de"]) == set(strings.OUTCOMES["en"])
    assert set(strings.RIGHTS["de"]) == set(strings.RIGHTS["en"])


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ("2026-11-27T15:04:00+01:00", "de", "27.11.2026"),
        ("2026-11-27", "en", "27 Nov 2026"),
        ("2026-12-21", "de-DE", "21.12.2026"),
        (None, "de", "—"),
        ("demnächst", "de", "demnächst"),
    ],
)
def test_format_date(value: str | None, language: str, expected: str) -> None:
    assert strings.format_date(value, language) == expected


def test_unknown_language_falls_back_to_german() -> None:
    assert strings.normalise_language("fr") == "de"
    assert strings.texts_for("EN")["page"] == "Page {page} of {total}"


def test_stored_values_read_as_people_expect() -> None:
    assert display_value("2019-09-13T10:18:49", "de") == "13.09.2019 10:18"
    assert display_value("1968-04-12", "de") == "12.04.1968"
    assert display_value(True, "de") == "ja" and display_value(False, "en") == "no"
    assert display_value("K-100001", "en") == "K-100001" and display_value(1200, "de") == 1200


WRAP_TEXTS = [
    "10 Jahre ab Ende des Jahres, in dem der Beleg entstand",
    "Art. 6 Abs. 1 lit. f DSGVO; §25 Abs. 1 TDDDG (vormals TTDSG)",
    "Stammdaten (Name, Anrede, Geburtsdatum, Kundenkonto), Rechnungs- und Lieferadressen",
    "Lieferadresse: Straße und Hausnummer",
    "EU-US Data Privacy Framework (Angemessenheitsbeschluss vom 10.07.2023); Google LLC ist "
    "zertifiziert",
    "a b c d e f g h i j k l m n o p q r s t u v w x y z " * 3,
]


@pytest.mark.parametrize("text", WRAP_TEXTS)
def test_plain_table_cells_break_where_a_paragraph_breaks(text: str) -> None:
    from xml.sax.saxutils import escape

    from reportlab.platypus.paragraph import Paragraph

    from dsr.answers.report import layout

    layout.register_fonts()
    for style, font in (("cell", layout.FONT), ("label", layout.FONT_BOLD)):
        for width in (45.0, 61.5, 88.0, 130.25, 240.0):
            lines = layout._wrapped(text, font, width)
            paragraph = Paragraph(escape(text), layout.S[style])
            paragraph.wrap(width, 10_000)
            expected = [" ".join(words) for _, words in paragraph.blPara.lines]
            if lines is None:  # a word wider than the column: the Paragraph lays it out
                assert any(layout.stringWidth(w, font, layout.CELL_SIZE) > width
                           for w in text.split())
                continue
            assert lines == expected, (style, width)


def test_cells_that_need_a_paragraph_still_get_one() -> None:
    from reportlab.platypus.paragraph import Paragraph

    from dsr.answers.report import layout

    assert layout.fitting_cell("kurz", 50) == "kurz"
    assert layout.fitting_cell("zwei Zeilen bitte", 30) == "zwei\nZeilen\nbitte"
    for text in ("Trenn\xadbar und lang genug", "mit\xa0festem\xa0Leerzeichen und mehr",
                 "Donaudampfschifffahrtsgesellschaftskapitän", "erste Zeile\n\ndritte Zeile"):
        assert isinstance(layout.fitting_cell(text, 40), Paragraph), text


def coded_payload(language: str) -> dict[str, Any]:
    """An orders table whose codes and cents the data map labels."""
    payload = make_payload(language)
    columns = [{"name": "order_no", "label": "Bestellnummer"},
               {"name": "status", "label": "Status",
                "value_labels": {"delivered": "geliefert" if language == "de" else "delivered"}},
               {"name": "payment_method", "label": "Zahlungsart",
                "value_labels": {"invoice": "Rechnung" if language == "de" else "Invoice",
                                 "paypal": "PayPal"}},
               {"name": "offered", "label": "Angeboten",
                "value_labels": {"invoice": "Rechnung" if language == "de" else "Invoice",
                                 "paypal": "PayPal"}},
               {"name": "total_cents", "label": "Gesamtbetrag", "unit": "cents"},
               {"name": "vat_rate", "label": "USt-Satz", "unit": "percent"}]
    payload["sections"][0]["tables"][0].update(
        columns=columns, rows=[["B1", "delivered", "invoice", "invoice,paypal", 12900, "19.00"],
                               ["B2", "lost", None, "paypal", -123456, 7]])
    return payload


@pytest.mark.parametrize(("language", "expected"), [
    ("de", ["geliefert", "Rechnung", "Rechnung, PayPal", "129,00 €", "-1.234,56 €", "19 %",
            "7 %", "lost"]),
    ("en", ["delivered", "Invoice", "Invoice, PayPal", "€129.00", "-€1,234.56", "19%", "7%"]),
])
def test_codes_and_cents_read_as_the_data_map_says(language: str, expected: list[str]) -> None:
    text = "\n".join(page_texts(render_access_report(coded_payload(language))))
    for shown in expected:
        assert shown in text, shown
    for raw in ("12900", "invoice", "19.00", "-123456"):
        assert raw not in text, raw


def test_the_systems_searched_and_the_one_that_could_not_be() -> None:
    payload = make_payload("de")
    payload["systems"] = {"searched": ["Shop-Datenbank"], "not_searched": ["Zahlungsdienst"]}
    text = squash_spaces("\n".join(page_texts(render_access_report(payload))))
    assert "Durchsuchte Systeme: Shop-Datenbank." in text
    assert ("Diese Systeme konnten wir nicht rechtzeitig durchsuchen: Zahlungsdienst. "
            "Die Daten daraus senden wir Ihnen unaufgefordert nach") in text
    payload = make_payload("en")
    payload["systems"] = {"searched": ["Shop"], "not_searched": ["Payments"]}
    text = squash_spaces("\n".join(page_texts(render_access_report(payload))))
    assert "We could not search these systems in time: Payments." in text


def test_record_blocks_fill_the_page_instead_of_leaving_it_half_blank() -> None:
    """Nine records of 25 fields, each taller than half a page: a block that no longer fits
    breaks (its title repeated) rather than moving whole, which left one record per page and
    the rest blank; never with fewer than four fields alone on a page."""
    payload = make_payload("de")
    size = 25
    payload["sections"][0]["tables"][0].update(
        columns=[{"name": f"f{i}", "label": f"Feld {i:02d}"} for i in range(size)],
        rows=[[f"R{r}-{i}" for i in range(size)] for r in range(9)])
    pages = page_texts(render_access_report(payload))
    holding = [p + "\n" for p in pages if any(f"R{r}-" in p for r in range(9))]
    assert len(holding) <= 7  # one block per page took 9
    split = 0
    for page in holding:
        for r in range(9):
            fields = sum(f"R{r}-{i}\n" in page for i in range(size))
            assert fields in (0, size) or fields >= 4, (r, fields)
            split += 0 < fields < size
    assert split >= 2  # a record broken over two pages is counted on both
