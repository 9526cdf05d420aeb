"""Rectification as the customer asks for it, on the form (German and English) and through the
API: the fields the data map offers, the values kept as a claim only coordinators see, a new
e-mail or postal address as the policy's contact-change claims, and every error in the
customer's language with nothing typed lost."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from dsr.changes import rectification
from dsr.requests.models import IdentityClaim, Request, RequestCorrection

PASSWORD = "correct horse battery"
API = "/api/v1/requests"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _submit(client: Any, lang: str, **fields: Any) -> Any:
    data = {"csrf_token": _csrf(client.get(f"/?lang={lang}").get_data(as_text=True)),
            "types": ["rectification"], "name": "Jürgen Weiß",
            "email": "juergen.weiss@example.org", **fields}
    return client.post(f"/?lang={lang}", data=data)


def _claims(services: Any) -> dict[str, str]:
    with services.db.session() as session:
        return {c.kind: c.value for c in session.scalars(select(IdentityClaim))}


def _requested(services: Any) -> dict[str, Any]:
    with services.db.session() as session:
        stored = session.scalars(select(RequestCorrection)).one()
        assert stored.source == "requested"
        return {"fields": stored.values, "note": stored.note}


def _stored(services: Any) -> int:
    with services.db.session() as session:
        return len(session.scalars(select(Request.id)).all())


def test_the_form_offers_the_data_maps_fields_in_german_and_english(app: Any) -> None:
    client = app.test_client()
    german = client.get("/?lang=de").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert 'id="rectification-fields"' in german
    for field in ("first_name", "last_name", "street", "postcode", "city", "country", "phone",
                  "email", "birth_date"):
        assert f'name="correct_{field}"' in german
    assert "Berichtigung: Was ist falsch?" in german and "Geburtsdatum" in german
    assert "Wo ist es Ihnen aufgefallen?" in german and ">Österreich<" in german
    assert "Rectification: what is wrong?" in english and "Date of birth" in english
    assert ">Austria<" in english


def test_the_form_offers_only_what_the_shop_holds(app: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rectification, "field_columns", lambda connectors: {
        "street": ("addresses.street",)})
    page = app.test_client().get("/?lang=de").get_data(as_text=True)
    assert 'name="correct_street"' in page and 'name="correct_birth_date"' not in page
    monkeypatch.setattr(rectification, "field_columns", lambda connectors: {})
    assert 'id="rectification-fields"' not in app.test_client().get("/").get_data(as_text=True)


def test_corrections_from_the_form_become_claims(app: Any, demo_services: Any) -> None:
    response = _submit(app.test_client(), "de", correct_last_name="Weiss-Neumann",
                       correct_street=" Leopoldstraße 200 ", correct_postcode="80804",
                       correct_country="de", correct_birth_date="4.7.1985",
                       correct_email="j.weiss@example.org", correct_phone="",
                       correction_note="Seit der Heirat heiße ich Weiss-Neumann.")
    assert response.status_code == 302
    claims = _claims(demo_services)
    assert "requested_corrections" not in claims
    assert _requested(demo_services) == {
        "fields": {"last_name": "Weiss-Neumann", "street": "Leopoldstraße 200",
                   "postcode": "80804", "country": "DE", "birth_date": "1985-07-04",
                   "email": "j.weiss@example.org"},
        "note": "Seit der Heirat heiße ich Weiss-Neumann."}
    # A new address is a contact change: the identity policy's claims, passed only through
    # the address on file.
    assert claims["new_email"] == "j.weiss@example.org"
    assert claims["new_postal_address"] == "Leopoldstraße 200\n80804\nDE"
    assert claims["email"] == "juergen.weiss@example.org"


@pytest.mark.parametrize(("lang", "fields", "message"), [
    ("de", {"correct_street": "x" * 121}, "Bitte höchstens 120 Zeichen."),
    ("de", {"correct_birth_date": "1985/07/04"}, "Bitte als TT.MM.JJJJ angeben"),
    ("de", {"correct_birth_date": "31.02.1985"}, "Diesen Tag gibt es nicht"),
    ("en", {"correct_phone": "call me maybe"}, "Digits, spaces and + ( ) / - only"),
    ("en", {"correct_shoe_size": "44"}, "We do not store this"),
    ("de", {"correct_email": "neu@example.org", "new_email": "anders@example.org"},
     "zwei verschiedene neue E-Mail-Adressen"),
    ("en", {"types": ["access"], "correct_city": "Augsburg"}, "Please tick “Rectification”"),
    ("de", {"types": ["access"], "correction_note": "Die Anschrift ist alt."},
     "Bitte kreuzen Sie „Berichtigung“ an"),
])
def test_form_errors_speak_the_customers_language_and_keep_what_was_typed(
        app: Any, demo_services: Any, lang: str, fields: dict[str, Any], message: str) -> None:
    response = _submit(app.test_client(), lang, correct_last_name="Weiss-Neumann",
                       correction_note=fields.pop("correction_note", "Mein Name ist falsch."),
                       **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'value="Weiss-Neumann"' in page and "Jürgen Weiß" in page
    assert "Mein Name ist falsch." in page or "Die Anschrift ist alt." in page
    assert 'class="subform keep"' in page  # shown even with rectification not ticked
    assert _stored(demo_services) == 0


def test_a_field_the_shop_does_not_hold_is_refused(app: Any, demo_services: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rectification, "field_columns", lambda connectors: {
        "street": ("addresses.street",)})
    form = _submit(app.test_client(), "de", correct_birth_date="04.07.1985")
    assert form.status_code == 422 and "Diese Angabe speichern wir nicht" in form.get_data(
        as_text=True)
    api = app.test_client().post(API, json={
        "types": ["rectification"], "name": "Jürgen Weiß", "email": "j@example.org",
        "corrections": {"birth_date": "1985-07-04"}})
    assert api.status_code == 422 and api.is_json
    assert "corrections.birth_date: the shop holds no such field" in api.json["message"]
    assert _stored(demo_services) == 0


def test_the_api_takes_corrections_and_refuses_bad_ones_with_the_field_named(
        app: Any, demo_services: Any) -> None:
    client = app.test_client()
    body = {"types": ["rectification"], "name": "Jürgen Weiß", "email": "j@example.org",
            "language": "en", "corrections": {"city": "Augsburg", "phone": ""},
            "correction_note": "I moved."}
    assert client.post(API, json=body).status_code == 201
    assert _requested(demo_services) == {
        "fields": {"city": "Augsburg"}, "note": "I moved."}
    for changes, where in (
            ({"corrections": {"shoe_size": "44"}}, "corrections.shoe_size"),
            ({"corrections": {"street": "x" * 121}}, "corrections.street"),
            ({"corrections": {"birth_date": "2999-01-01"}}, "corrections.birth_date"),
            ({"corrections": {"country": "Germany"}}, "corrections.country"),
            ({"corrections": "Augsburg"}, "corrections"),
            ({"types": ["access"]}, "corrections"),
            ({"language": "de", "new_email": "a@example.org",
              "corrections": {"email": "b@example.org"}}, "corrections.email")):
        refused = client.post(API, json={**body, **changes})
        assert refused.status_code == 422 and refused.is_json, changes
        assert where in refused.json["message"], refused.json
    assert _stored(demo_services) == 1


def test_only_coordinators_see_the_requested_values(app: Any, demo_services: Any,
                                                    make_user: Any) -> None:
    assert _submit(app.test_client(), "de", correct_street="Leopoldstraße 200").status_code == 302
    with demo_services.db.session() as session:
        request_id = session.scalar(select(Request.id))
    pages = {}
    for role in ("staff", "coordinator"):
        make_user(role, role)
        client = app.test_client()
        client.post("/login", data={"csrf_token": _csrf(client.get("/login").get_data(
            as_text=True)), "username": role, "password": PASSWORD})
        pages[role] = client.get(f"/queue/requests/{request_id}?tab=changes").get_data(
            as_text=True)
    assert "Leopoldstraße 200" not in pages["staff"]
    assert "Leopoldstraße 200" in pages["coordinator"]
    assert '"fields"' not in pages["coordinator"]  # shown as a table, not as the stored JSON
