"""The public form's limits as the customer meets them: every text field carries the server's
limit as ``maxlength``; a value beyond it is called too long (not too short); a date of birth
in the right form but not in the calendar is called impossible; the country list is in
alphabetical order of the page's language, umlauts sorted as their base letter."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dsr.requests.public_views import max_lengths, sort_key
from dsr.requests.schemas import CorrectionValuesSchema, SubmissionSchema
from tests.web.test_public_rectification import _stored, _submit


def test_every_text_field_carries_the_servers_limit(app: Any) -> None:
    page = app.test_client().get("/?lang=de").get_data(as_text=True)
    limits = {**max_lengths(SubmissionSchema()),
              **{f"correct_{k}": v for k, v in max_lengths(CorrectionValuesSchema()).items()}}
    assert limits["name"] == 200 and limits["message"] == 10000
    for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", page):
        kind = re.search(r'type="([^"]+)"', tag)
        if kind and kind.group(1) in ("hidden", "checkbox"):
            continue
        name = re.search(r'name="([^"]+)"', tag).group(1)
        assert f'maxlength="{limits[name]}"' in tag, tag


@pytest.mark.parametrize("lang,message", [
    ("de", "Das ist zu lang: bitte höchstens 200 Zeichen."),
    ("en", "This is too long: 200 characters at most, please.")])
def test_a_name_too_long_is_called_too_long(app: Any, demo_services: Any, lang: str,
                                             message: str) -> None:
    response = _submit(app.test_client(), lang, types=["access"], name="A" * 5000)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page and "mindestens 2" not in page and "at least 2" not in page
    assert _stored(demo_services) == 0
    short = _submit(app.test_client(), lang, types=["access"], name="A").get_data(as_text=True)
    assert "mindestens 2 Zeichen" in short or "at least 2 characters" in short


def test_a_long_postal_address_is_named_and_line_breaks_count_once(
        app: Any, demo_services: Any) -> None:
    page = _submit(app.test_client(), "de", types=["access"],
                   postal_address="x" * 501).get_data(as_text=True)
    assert "bitte höchstens 500 Zeichen" in page and _stored(demo_services) == 0
    # 500 characters as the browser counts them (line breaks once) are taken.
    lines = "\r\n".join(["Lindenstraße 14"] * 31) + "x" * (500 - 15 * 31 - 30)
    assert len(lines.replace("\r\n", "\n")) == 500
    assert _submit(app.test_client(), "de", types=["access"],
                   postal_address=lines).status_code == 302
    assert _stored(demo_services) == 1


@pytest.mark.parametrize("lang,value,message", [
    ("de", "31.02.1970", "Diesen Tag gibt es nicht"),
    ("en", "31.02.1970", "That day does not exist"),
    ("de", "1970-02-31", "Diesen Tag gibt es nicht"),
    ("de", "02/31/1970", "Bitte als TT.MM.JJJJ angeben"),
    ("en", "01.01.1850", "between 01.01.1900 and today")])
def test_an_impossible_date_of_birth_is_called_impossible(
        app: Any, demo_services: Any, lang: str, value: str, message: str) -> None:
    response = _submit(app.test_client(), lang, correct_birth_date=value)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    if "TT.MM" not in message:
        assert "Please write it as" not in page and "Bitte als TT.MM.JJJJ angeben" not in page
    assert f'value="{value}"' in page and _stored(demo_services) == 0


def _countries(page: str) -> list[str]:
    box = page[page.index('id="correct_country"'):]
    box = box[:box.index("</select>")]
    return re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)</option>', box)


def test_countries_are_in_alphabetical_order_of_the_page_language(app: Any) -> None:
    client = app.test_client()
    german = _countries(client.get("/?lang=de").get_data(as_text=True))
    assert german.index("Dänemark") < german.index("Deutschland")
    assert german.index("Norwegen") < german.index("Österreich") < german.index("Polen")
    assert german == sorted(german, key=sort_key)
    english = _countries(client.get("/?lang=en").get_data(as_text=True))
    assert english[0] == "Austria" and english == sorted(english, key=sort_key)


def test_the_sort_key_follows_german_dictionaries() -> None:
    words = ["Zypern", "Österreich", "Ostfriesland", "Ärmel", "Apfel", "Straße", "Strasse",
             "Ungarn", "Übersee"]
    assert sorted(words, key=sort_key) == ["Apfel", "Ärmel", "Österreich", "Ostfriesland",
                                           "Straße", "Strasse", "Übersee", "Ungarn", "Zypern"]
