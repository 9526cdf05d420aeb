"""The detector of other people's data, on an excerpt of a real rectification letter
(Datenanfragen.de's sample, CC0; see fixtures/ATTRIBUTION.md) with the requester's and two
third parties' data filled in."""

from __future__ import annotations

from pathlib import Path

from dsr.answers.suggestions import Kind, Known, find, first_names, occurrences

LETTER = (Path(__file__).parent / "fixtures" / "rectification_letter.de.txt").read_text("utf-8")
JUERGEN = Known.of(names=["Jürgen Weiß"], emails=["juergen.weiss@example.org"],
                   phones=["0941 1234567"], own_domains=["pso.example.org"])


def _found(text: str, known: Known = JUERGEN) -> list[tuple[Kind, str]]:
    return [(f.kind, f.text) for f in find(text, known)]


def test_the_letter_yields_the_neighbour_and_the_wrong_account_holder_not_the_requester() -> None:
    assert _found(LETTER) == [
        (Kind.NAME, "Sabine Krüger"),
        (Kind.EMAIL, "sabine.krueger@example.net"),
        (Kind.PHONE, "0941 5678901"),
        (Kind.NAME, "Tobias Lehner"),
        (Kind.IBAN, "DE89 3704 0044 0532 0130 00"),
    ]


def test_offsets_point_at_the_text() -> None:
    for item in find(LETTER, JUERGEN):
        assert LETTER[item.start:item.end] == item.text


def test_without_the_requester_known_his_own_data_is_suggested() -> None:
    found = _found(LETTER, Known())
    assert (Kind.NAME, "Jürgen Weiß") in found
    assert (Kind.EMAIL, "juergen.weiss@example.org") in found
    assert _found("Rückruf unter 0941 1234567") == []  # his own number, known to the shop
    assert [k for k, _ in _found("Rückruf unter 0941 1234567", Known())] == [Kind.PHONE]


def test_a_wrong_check_digit_is_no_iban_and_dates_or_order_numbers_are_no_phone() -> None:
    text = "Konto DE88 3704 0044 0532 0130 00, Bestellung 100234 vom 01.12.2026, Rechnung 2026-0042."
    assert _found(text) == []


def test_the_iban_ends_where_its_check_digits_hold() -> None:
    text = "IBAN GB82 WEST 1234 5698 7654 32 BIC WESTGB2L"
    assert _found(text) == [(Kind.IBAN, "GB82 WEST 1234 5698 7654 32")]


def test_title_rule_keeps_the_title_and_takes_particles() -> None:
    text = "Bitte an Frau Dr. Maria von der Heide und Herrn Oßwald weiterleiten. Mit Dank"
    assert _found(text) == [(Kind.NAME, "Maria von der Heide"), (Kind.NAME, "Oßwald")]


def test_english_salutations_and_first_names() -> None:
    text = "Dear Mr Smith,\nmy sister Emily Clarke signed for the parcel. Kind regards"
    assert _found(text) == [(Kind.NAME, "Smith"), (Kind.NAME, "Emily Clarke")]


def test_a_first_name_alone_and_plural_forms_of_address_are_not_names() -> None:
    text = "Sehr geehrte Damen und Herren,\nErnst gemeint: Frank und frei. Paul Bitte."
    assert _found(text) == []


def test_a_relative_with_the_requesters_surname_is_still_a_third_party() -> None:
    assert _found("Meine Frau Anna Weiß hat bestellt.") == [(Kind.NAME, "Anna Weiß")]
    assert _found("Sehr geehrter Herr Weiß,") == []


def test_the_shops_own_addresses_are_not_suggested() -> None:
    assert _found("Antwort an service@pso.example.org oder an elke@example.com") == [
        (Kind.EMAIL, "elke@example.com")]


def test_first_name_lists_hold_german_and_english_names() -> None:
    names = first_names()
    assert {"jürgen", "sabine", "tobias", "emily", "oliver"} <= names and len(names) > 2000


def test_occurrences_are_whole_words() -> None:
    assert occurrences("Krüger, Krügerstraße, krüger.", "Krüger") == [(0, 6), (22, 28)]
