"""The public form: both languages, validation that keeps what was typed, CSRF, and an
answer that is produced before any shop lookup."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from dsr.requests.models import IdentityClaim, Representation, Request
from workflows.models import Task


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    return match.group(1)


def _submit(client: Any, **fields: Any) -> Any:
    token = _csrf(client.get("/").get_data(as_text=True))
    data = {"csrf_token": token, "types": ["access"], "name": "Erika Mustermann",
            "email": "erika.mustermann@example.org", **fields}
    return client.post("/", data=data)


def test_form_in_german_and_english(app: Any) -> None:
    client = app.test_client()
    german = client.get("/?lang=de").get_data(as_text=True)
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Ihre Datenschutz-Anfrage" in german and "Löschung" in german
    assert "Your privacy request" in english and "Erasure" in english


def test_submit_creates_request_and_shows_reference(app: Any, demo_services: Any) -> None:
    client = app.test_client()
    response = _submit(client, customer_number="K-100001", message="Bitte Auskunft.")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    reference = re.search(r'id="reference">(DSR-[A-Z0-9]+)<', page).group(1)
    with demo_services.db.session() as session:
        req = session.scalars(select(Request).where(Request.reference == reference)).one()
        assert req.status == "received" and req.types == ["access"] and req.channel == "form"
        claims = {c.kind: c.value for c in session.scalars(select(IdentityClaim))}
        assert claims["customer_number"] == "K-100001"
        kinds = sorted(t.kind for t in session.scalars(select(Task)))
        # One matching task per connector (the newsletter's only points at the shop's match).
        assert kinds == ["acknowledge"] + ["discover"] * len(demo_services.config.connectors)


def test_invalid_input_keeps_what_was_typed(app: Any, demo_services: Any) -> None:
    client = app.test_client()
    response = _submit(client, email="not-an-address", types=[], message="Mein Text")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "gültige E-Mail-Adresse" in page and "mindestens eine Art" in page
    assert "Mein Text" in page and "Erika Mustermann" in page
    with demo_services.db.session() as session:
        assert session.scalar(select(Request.id)) is None


def test_missing_csrf_token_is_refused_without_a_trace(app: Any) -> None:
    response = app.test_client().post("/", data={"types": ["access"], "name": "X Y",
                                                  "email": "x@example.org"})
    assert response.status_code == 400
    assert "Traceback" not in response.get_data(as_text=True)


def test_answer_does_not_depend_on_being_a_customer(app: Any, demo_shop: Any) -> None:
    """Known and unknown addresses get the same page; no shop query runs while answering."""
    from sqlalchemy import event

    statements: list[str] = []
    services = app.extensions["dsr"]
    shop_engine = services.connectors["shop"].engine

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(shop_engine, "before_cursor_execute", record)
    try:
        pages = []
        for email in (demo_shop["summary"].sample_customer_email, "nobody-here@example.net"):
            client = app.test_client()
            response = _submit(client, email=email)
            page = client.get(response.headers["Location"]).get_data(as_text=True)
            pages.append(re.sub(r"DSR-[A-Z0-9]+", "REF", page))
    finally:
        event.remove(shop_engine, "before_cursor_execute", record)
    assert pages[0] == pages[1]
    assert statements == []


def test_form_and_api_share_one_submission_budget_per_client(demo_services: Any) -> None:
    """Ten new requests an hour per client across form and API; then a clear 429."""
    from dsr.app import create_app

    app = create_app(services=demo_services, flask_config={
        "TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    client = app.test_client()
    body = {"types": ["access"], "name": "Erika Mustermann", "email": "erika@example.org"}
    for _ in range(5):
        assert client.post("/api/v1/requests", json=body).status_code == 201
    for _ in range(5):
        assert _submit(client).status_code == 302
    refused = _submit(client)
    assert refused.status_code == 429
    # Not a hard refusal: the form again, with a proof-of-work challenge (test_proof_of_work).
    assert 'id="pow-notice"' in refused.get_data(as_text=True)
    api_refused = client.post("/api/v1/requests", json=body)
    assert api_refused.status_code == 429 and api_refused.is_json


def test_policy_claims_from_the_form_and_api_reach_the_request(app: Any, demo_services: Any) -> None:
    """A representative, a changed address and another delivery address are recorded for the
    identity policy (the representation in its own table); an invalid new address is refused
    with the field named."""
    client = app.test_client()
    assert _submit(client, acting_as="lawyer", new_email="neu@example.org",
                   deliver_to="Kanzlei Muster, Postfach 1, 80333 München").status_code == 302
    bad = client.post("/api/v1/requests", json={"types": ["access"], "name": "A B",
                                                "email": "a@example.org", "new_email": "kaputt"})
    assert bad.status_code == 422 and "new_email" in bad.get_data(as_text=True)
    with demo_services.db.session() as session:
        claims = {c.kind: c.value for c in session.scalars(select(IdentityClaim))}
        representation = session.scalars(select(Representation)).one()
    assert representation.acting_as == "lawyer" and claims["new_email"] == "neu@example.org"
    assert representation.deliver_to.startswith("Kanzlei Muster")
    assert not {"acting_as", "deliver_to"} & set(claims)
