"""The REST API: the whole path with a coordinator's token, roles checked on the server, and
every error a JSON body with a clear message. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from openapi_spec_validator import validate
from pypdf import PdfReader

from dsr.app import create_app
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.users.models import ApiToken
from dsr.users.operations import create_token, revoke_token
from tests.support.clock import CLOCK
from workflows.runner import run_pending

API = "/api/v1"
UNKNOWN_EMAIL = "niemand.bekannt@example.org"
BASE_FIELDS = {"id", "reference", "status", "types", "channel", "received_at", "due",
               "extended_due", "days_left", "released_at"}
COORDINATOR_FIELDS = {"claims", "match_table", "decisions", "tasks"}
ACTIONS = ("verify", "process", "approve", "release", "reject", "withdraw")


@pytest.fixture
def tokens(demo_services: Services, make_user: Any) -> dict[str, str]:
    """One API token per role."""
    made = {}
    for role in ("staff", "coordinator", "admin"):
        user = make_user(f"{role}-api", role)
        with demo_services.db.session() as session:
            made[role] = create_token(session, user, label="test")
    return made


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_submission(client: Any, email: str, **changes: Any) -> Any:
    body = {"types": ["access"], "name": "Jürgen Weiß", "email": email, **changes}
    return client.post(f"{API}/requests", json=body)


def _new_request(services: Services, email: str) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=["access"], name="Jürgen Weiß", email=email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=["shop"])
        request_id = req.id
    run_pending(services)
    return request_id


@pytest.fixture
def review_id(demo_services: Services, demo_shop: dict[str, Any]) -> int:
    """A request of the showcase customer waiting for the coordinator's review."""
    request_id = _new_request(demo_services, demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=["shop"])
    run_pending(demo_services)
    return request_id


def status_of(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return session.get(Request, request_id).status


def assert_error(response: Any, code: int, *words: str) -> dict[str, Any]:
    """A JSON error body with the expected code, naming each of ``words`` in its message."""
    assert response.status_code == code, response.data[:500]
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) >= {"error", "message"} and "Traceback" not in body["message"]
    for word in words:
        assert word in body["message"], body
    return body


def test_the_whole_path_with_a_coordinator_token(app: Any, demo_services: Services,
                                                 demo_shop: dict[str, Any],
                                                 tokens: dict[str, str]) -> None:
    client = app.test_client()
    auth = bearer(tokens["coordinator"])
    email = demo_shop["summary"].sample_customer_email
    created = post_submission(client, email)
    assert created.status_code == 201, created.get_json()
    receipt = created.get_json()
    request_id, reference = receipt["id"], receipt["reference"]
    assert receipt["status"] == "received" and set(receipt) == {"id", "reference", "status", "due"}

    run_pending(demo_services)
    assert request_id == reference  # the public receipt names no sequential number
    shown = client.get(f"{API}/requests/{request_id}", headers=auth).get_json()
    assert set(shown) == BASE_FIELDS | COORDINATOR_FIELDS
    request_id = shown["id"]  # a token holder may use the internal number too
    assert shown["status"] == "awaiting_verification" and shown["channel"] == "api"
    assert shown["claims"]["email"] == email and shown["due"] == receipt["due"]
    assert shown["match_table"]["shop"]["claims"]["email"] == "match"
    assert {"acknowledge", "discover"} <= {task["kind"] for task in shown["tasks"]}

    for action, body, expected in (("verify", {"method": "email_code"}, "verified"),
                                   ("process", None, "processing")):
        response = client.post(f"{API}/requests/{request_id}/{action}", headers=auth, json=body)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["status"] == expected
    run_pending(demo_services)
    assert client.get(f"{API}/requests/{request_id}", headers=auth).get_json()["status"] == "review"

    approved = client.post(f"{API}/requests/{request_id}/approve", headers=auth)
    assert approved.status_code == 200, approved.get_json()
    decisions = approved.get_json()["decisions"]
    assert approved.get_json()["status"] == "executing"
    assert {d["category"] for d in decisions} >= {"orders", "invoices"}
    assert all(d["outcome"] == "granted" and d["norm"].startswith("Art. 15") for d in decisions)
    run_pending(demo_services)

    released = client.post(f"{API}/requests/{request_id}/release", headers=auth)
    assert released.status_code == 200 and released.get_json()["status"] == "executing"
    assert released.get_json()["released_at"] is not None
    run_pending(demo_services)  # the answer goes to the portal; then the request completes
    assert status_of(demo_services, request_id) == "completed"

    pdf = client.get(f"{API}/requests/{request_id}/report.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and pdf.headers["Cache-Control"] == "no-store"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert reference in text
    exported = client.get(f"{API}/requests/{request_id}/report.json", headers=auth)
    assert exported.status_code == 200 and exported.mimetype == "application/json"
    payload = json.loads(exported.data)
    assert payload["reference"] == reference
    assert {"orders", "invoices"} <= {section["category"] for section in payload["sections"]}
    # Art. 15(3) / 20: the export the portal hands out is served by the API as well.
    export = client.get(f"{API}/requests/{request_id}/export.zip", headers=auth)
    assert export.status_code == 200 and export.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(export.data)).namelist()
    assert any(n.endswith(".json") for n in names) and any(n.endswith(".csv") for n in names)


def test_staff_see_the_status_only_and_cannot_decide(app: Any, demo_services: Services,
                                                     review_id: int,
                                                     tokens: dict[str, str]) -> None:
    client = app.test_client()
    auth = bearer(tokens["staff"])
    shown = client.get(f"{API}/requests/{review_id}", headers=auth)
    assert shown.status_code == 200 and set(shown.get_json()) == BASE_FIELDS
    assert shown.get_json()["status"] == "review"
    assert "example.org" not in shown.get_data(as_text=True)
    for action in ACTIONS:
        assert_error(client.post(f"{API}/requests/{review_id}/{action}", headers=auth,
                                 json={}), 403, "coordinator", "staff")
    for fmt in ("pdf", "json"):
        assert_error(client.get(f"{API}/requests/{review_id}/report.{fmt}", headers=auth), 403)
    assert status_of(demo_services, review_id) == "review"


def test_admins_see_no_request_at_all(app: Any, review_id: int, tokens: dict[str, str]) -> None:
    client = app.test_client()
    auth = bearer(tokens["admin"])
    assert_error(client.get(f"{API}/requests/{review_id}", headers=auth), 403, "admin")
    for action in ACTIONS:
        assert_error(client.post(f"{API}/requests/{review_id}/{action}", headers=auth), 403)
    for fmt in ("pdf", "json"):
        assert_error(client.get(f"{API}/requests/{review_id}/report.{fmt}", headers=auth), 403)


def test_without_a_valid_token_the_answer_is_401(app: Any, demo_services: Services,
                                                 review_id: int,
                                                 tokens: dict[str, str]) -> None:
    client = app.test_client()
    with demo_services.db.session() as session:
        revoke_token(session, session.query(ApiToken).order_by(ApiToken.id).first().id)
    revoked = tokens["staff"]  # the first token made
    for headers in ({}, {"Authorization": f"Basic {tokens['coordinator']}"},
                    {"Authorization": "Bearer "}, bearer("dsr_not-a-token"), bearer(revoked)):
        response = client.get(f"{API}/requests/{review_id}", headers=headers)
        assert_error(response, 401, "Bearer")
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # Before the body is read and before the request is looked up.
    assert_error(client.post(f"{API}/requests/{review_id}/approve", data="{junk",
                             content_type="application/json"), 401)
    assert_error(client.get(f"{API}/requests/424242"), 401)


def test_bad_bodies_are_refused_with_the_field_named(app: Any, demo_services: Services,
                                                     review_id: int,
                                                     tokens: dict[str, str]) -> None:
    client = app.test_client()
    assert_error(client.post(f"{API}/requests", data='{"types": [',
                             content_type="application/json"), 400, "not valid JSON")
    assert_error(client.post(f"{API}/requests", data={"types": "access", "email": UNKNOWN_EMAIL}),
                 415, "application/json")
    body = assert_error(post_submission(client, UNKNOWN_EMAIL, types=["access", "sperrung"]),
                        422, "types.1", "Must be one of")
    assert "types" in body["errors"]
    body = assert_error(client.post(f"{API}/requests",
                                    json={"types": ["erasure"], "name": "Jo Do"}), 422, "email")
    assert body["errors"] == {"email": ["Missing data for required field."]}
    assert_error(post_submission(client, "not-an-address"), 422, "email")
    assert_error(client.post(f"{API}/requests", json=["access"]), 422, "body")

    auth = bearer(tokens["coordinator"])
    refused = {"right": "access", "category": "orders", "outcome": "refused", "norm": "Art. 15(4)"}
    assert_error(client.post(f"{API}/requests/{review_id}/approve", headers=auth,
                             json={"decisions": [refused]}), 422, "decisions.0.reason")
    assert_error(client.post(f"{API}/requests/{review_id}/approve", headers=auth,
                             json={"decisions": []}), 422, "decisions")
    assert_error(client.post(f"{API}/requests/{review_id}/approve", headers=auth,
                             json={"decision": [refused]}), 422, "decision")
    assert_error(client.post(f"{API}/requests/{review_id}/reject", headers=auth, json={}),
                 422, "norm", "reason")
    assert_error(client.post(f"{API}/requests/{review_id}/verify", headers=auth,
                             json={"method": "telepathy"}), 422, "method")
    assert status_of(demo_services, review_id) == "review"


def test_a_move_the_workflow_does_not_allow_is_409(app: Any, demo_services: Services,
                                                   demo_shop: dict[str, Any],
                                                   tokens: dict[str, str]) -> None:
    request_id = _new_request(demo_services, demo_shop["summary"].sample_customer_email)
    client = app.test_client()
    auth = bearer(tokens["coordinator"])
    assert status_of(demo_services, request_id) == "awaiting_verification"
    assert_error(client.post(f"{API}/requests/{request_id}/approve", headers=auth), 409,
                 "Cannot approve", "approve is not possible when awaiting_verification")
    assert_error(client.post(f"{API}/requests/{request_id}/release", headers=auth), 409,
                 "Cannot release", "not executing")
    assert_error(client.post(f"{API}/requests/{request_id}/process", headers=auth), 409)
    assert status_of(demo_services, request_id) == "awaiting_verification"


def test_reject_and_withdraw(app: Any, demo_services: Services, review_id: int,
                             tokens: dict[str, str]) -> None:
    client = app.test_client()
    auth = bearer(tokens["coordinator"])
    rejected = client.post(f"{API}/requests/{review_id}/reject", headers=auth, json={
        "norm": "Art. 12 Abs. 5 DSGVO", "reason": "offenkundig unbegründet"})
    assert rejected.status_code == 200 and rejected.get_json()["status"] == "rejected"
    assert [d["outcome"] for d in rejected.get_json()["decisions"]] == ["refused"]
    other = _new_request(demo_services, UNKNOWN_EMAIL)
    withdrawn = client.post(f"{API}/requests/{other}/withdraw", headers=auth)
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert_error(client.post(f"{API}/requests/{other}/withdraw", headers=auth), 409,
                 "withdraw is not possible when withdrawn")


def test_unknown_ids_paths_and_missing_reports_are_json_errors(app: Any, demo_services: Services,
                                                              review_id: int,
                                                              tokens: dict[str, str]) -> None:
    client = app.test_client()
    waiting = _new_request(demo_services, UNKNOWN_EMAIL)
    auth = bearer(tokens["coordinator"])
    assert_error(client.get(f"{API}/requests/424242", headers=auth), 404, "424242")
    assert_error(client.post(f"{API}/requests/424242/approve", headers=auth), 404, "424242")
    assert_error(client.get(f"{API}/requests/424242/report.pdf", headers=auth), 404)
    for fmt in ("pdf", "json"):
        assert_error(client.get(f"{API}/requests/{waiting}/report.{fmt}", headers=auth), 404,
                     "not built yet")
    assert_error(client.get(f"{API}/requests/abc", headers=auth), 404)
    assert_error(client.post(f"{API}/requests/{review_id}/explode", headers=auth), 404)
    assert_error(client.delete(f"{API}/requests/{review_id}", headers=auth), 405)
    assert_error(client.get(f"{API}/requests", headers=auth), 405)


def test_an_unexpected_error_is_a_json_500_without_details(
        app: Any, review_id: int, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("connection string postgresql://secret")

    monkeypatch.setattr(actions, "withdraw", explode)
    response = app.test_client().post(f"{API}/requests/{review_id}/withdraw",
                                      headers=bearer(tokens["coordinator"]))
    body = assert_error(response, 500, "nothing was lost")
    assert "secret" not in response.get_data(as_text=True) and set(body) == {"error", "message"}


def test_the_public_answer_does_not_tell_customers_from_strangers(
        app: Any, demo_shop: dict[str, Any]) -> None:
    client = app.test_client()
    known = post_submission(client, demo_shop["summary"].sample_customer_email)
    unknown = post_submission(client, UNKNOWN_EMAIL)
    assert known.status_code == unknown.status_code == 201

    def public(response: Any) -> dict[str, Any]:
        return {k: v for k, v in response.get_json().items() if k not in ("id", "reference")}

    assert public(known) == public(unknown) == {"status": "received",
                                                "due": known.get_json()["due"]}
    assert known.get_json()["reference"] != unknown.get_json()["reference"]
    assert sorted(known.headers.keys()) == sorted(unknown.headers.keys())


def test_submissions_are_rate_limited(demo_services: Services) -> None:
    limited = create_app(services=demo_services, flask_config={
        "TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    client = limited.test_client()
    for _ in range(10):
        assert post_submission(client, UNKNOWN_EMAIL).status_code == 201
    assert_error(post_submission(client, UNKNOWN_EMAIL), 429)


def test_the_openapi_document_validates_and_names_each_endpoint_with_its_security(
        app: Any) -> None:
    response = app.test_client().get(f"{API}/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)
    assert spec["openapi"] == "3.0.3"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"]}
    paths = spec["paths"]
    assert paths[f"{API}/requests"]["post"]["security"] == []
    item = f"{API}/requests/{{request_id}}"
    secured = [(item, "get")] + [(f"{item}/{action}", "post") for action in ACTIONS] + [
        (f"{item}/report.pdf", "get"), (f"{item}/report.json", "get"),
        (f"{item}/export.zip", "get")]
    for path, method in secured:
        operation = paths[path][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert {"401", "403"} <= set(operation["responses"]), path
    assert "409" in paths[f"{item}/approve"]["post"]["responses"]
    assert "application/pdf" in paths[f"{item}/report.pdf"]["get"]["responses"]["200"]["content"]
    # report.json's shape is documented, not a generic object
    shape = paths[f"{item}/report.json"]["get"]["responses"]["200"]["content"][
        "application/json"]["schema"]
    assert shape.get("$ref", "").endswith("/Payload"), shape
    assert "sections" in spec["components"]["schemas"]["Payload"]["properties"]
