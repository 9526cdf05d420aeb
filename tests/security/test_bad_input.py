"""Bad input on every path is a 4xx with a clear message, never a 500: ids beyond any column,
JSON nested 1000 levels deep, integers of more than 4,300 digits, lone surrogates, NUL bytes
(on the public form too); names refuse control, zero-width and bidi characters; text is NFC.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
from sqlalchemy import select

from dsr.requests.models import IdentityClaim, Request
from dsr.users.operations import create_token

API = "/api/v1"
HUGE_IDS = [2**31, 2**63, 2**64 + 5, 10**30]


@pytest.fixture
def coordinator(demo_services: Any, make_user: Any) -> dict[str, str]:
    user = make_user("koordination", "coordinator")
    with demo_services.db.session() as session:
        return {"Authorization": f"Bearer {create_token(session, user)}"}


def _csrf(client: Any, path: str = "/") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _form(client: Any, **fields: str) -> Any:
    data = {"csrf_token": _csrf(client), "types": ["access"], "name": "Erika Mustermann",
            "email": "erika@example.org", **fields}
    return client.post("/", data=data)


def _json_error(response: Any, code: int, *words: str) -> None:
    assert response.status_code == code, response.data[:300]
    body = response.get_json()
    assert body is not None and "Traceback" not in str(body)
    for word in words:
        assert word in body["message"], body


@pytest.mark.parametrize("number", HUGE_IDS)
def test_ids_beyond_any_column_are_not_found(app: Any, coordinator: dict[str, str],
                                             number: int) -> None:
    client = app.test_client()
    _json_error(client.get(f"{API}/requests/{number}", headers=coordinator), 404)
    _json_error(client.post(f"{API}/requests/{number}/verify", headers=coordinator, json={}), 404)
    assert client.get(f"/queue/requests/{number}").status_code in (302, 404)


def test_deep_json_and_huge_integers_are_400(app: Any, coordinator: dict[str, str]) -> None:
    client = app.test_client()
    deep = "[" * 1000 + "]" * 1000
    for path in (f"{API}/requests", f"{API}/requests/1/verify"):
        _json_error(client.post(path, data=deep, content_type="application/json",
                                headers=coordinator), 400, "nested")
    long_int = '{"types": ["access"], "name": "A B", "email": "a@example.org", "x": ' \
               + "9" * 5000 + "}"
    _json_error(client.post(f"{API}/requests", data=long_int, content_type="application/json"),
                400, "JSON")
    _json_error(client.post(f"{API}/requests/1/extend", json={"months": 10**40, "reason": "x"},
                            headers=coordinator), 400, "range")


def test_lone_surrogates_and_nul_bytes_are_400(app: Any, demo_services: Any) -> None:
    client = app.test_client()
    surrogate = '{"types": ["access"], "name": "Erika \\ud800", "email": "e@example.org"}'
    _json_error(client.post(f"{API}/requests", data=surrogate, content_type="application/json"),
                400, "surrogate")
    _json_error(client.post(f"{API}/requests", json={"types": ["access"], "name": "Erika",
                                                     "email": "e@example.org",
                                                     "message": "hello\x00world"}), 400, "NUL")
    page = client.post("/", data="csrf_token=" + _csrf(client) + "&types=access&name=Erika+M"
                       "&email=e%40example.org&message=hello%00world",
                       content_type="application/x-www-form-urlencoded")
    assert page.status_code == 400
    assert client.get("/status?x=%00").status_code == 400
    with demo_services.db.session() as session:
        assert session.scalar(select(Request.id)) is None


@pytest.mark.parametrize("name", ["Erika\u202eMustermann", "Eri\u200bka Mustermann",
                                  "Erika\u0007 Mustermann", "Erika\u2066M\u2069"])
def test_names_refuse_invisible_and_reordering_characters(app: Any, name: str) -> None:
    client = app.test_client()
    api = client.post(f"{API}/requests", json={"types": ["access"], "name": name,
                                               "email": "e@example.org"})
    assert api.status_code == 422 and "invisible or control" in str(api.get_json())
    assert _form(client, name=name).status_code == 422


def test_text_is_stored_in_nfc(app: Any, demo_services: Any) -> None:
    decomposed = unicodedata.normalize("NFD", "Jürgen Weiß")
    client = app.test_client()
    assert client.post(f"{API}/requests", json={"types": ["access"], "name": decomposed,
                                                "email": "j@example.org"}).status_code == 201
    with demo_services.db.session() as session:
        stored = session.scalars(select(IdentityClaim.value).where(
            IdentityClaim.kind == "name")).one()
    assert stored == "Jürgen Weiß" and stored != decomposed
