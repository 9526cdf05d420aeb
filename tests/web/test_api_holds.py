"""Legal holds through the REST API: a coordinator's token lists, places and lifts holds on a
request's confirmed subject; staff and admin tokens get 403; bad bodies and a second lift are
JSON errors that store nothing. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from openapi_spec_validator import validate
from sqlalchemy import func, select

from dsr.audit import AuditEvent
from dsr.changes.models import LegalHold
from dsr.context import Services
from dsr.requests.models import Request
from tests.web.test_api import (  # noqa: F401
    API,
    _new_request,
    assert_error,
    bearer,
    review_id,
    tokens,
)

HOLD = {"kind": "tax_audit", "reason": "Betriebsprüfung 2026", "reference": "StNr 143/123"}


def _holds(services: Services) -> list[LegalHold]:
    with services.db.session() as session:
        return list(session.scalars(select(LegalHold).order_by(LegalHold.id)))


def test_a_coordinator_lists_places_and_lifts_holds(
        app: Any, demo_services: Services, review_id: int,  # noqa: F811
        tokens: dict[str, str]) -> None:  # noqa: F811
    client, auth = app.test_client(), bearer(tokens["coordinator"])
    base = f"{API}/requests/{review_id}/holds"
    assert client.get(base, headers=auth).get_json() == {"holds": [], "replan": False}

    for body, code, words in [
        ({**HOLD, "kind": "grudge"}, 422, ["kind"]),
        ({**HOLD, "reason": ""}, 422, ["reason"]),
        ({**HOLD, "colour": "blue"}, 422, ["colour"]),
        ({**HOLD, "connector": "newsletter"}, 422, ["not found in 'newsletter'"]),
        ({**HOLD, "key": [999999]}, 422, ["key: not one of the subject's keys"]),
    ]:
        assert_error(client.post(base, json=body, headers=auth), code, *words)
    assert _holds(demo_services) == []

    placed = client.post(base, json=HOLD, headers=auth)
    assert placed.status_code == 201, placed.get_json()
    hold = placed.get_json()
    with demo_services.db.session() as session:
        key = session.get(Request, review_id).subject_keys["shop"]["keys"][0]
    assert {k: hold[k] for k in ("connector", "key", "kind", "reason", "reference", "active",
                                 "replan")} == {
        "connector": "shop", "key": key, **HOLD, "active": True, "replan": []}
    assert hold["created_by"].startswith("user:")
    listed = client.get(base, headers=auth).get_json()
    assert [h["id"] for h in listed["holds"]] == [hold["id"]]

    lift = f"{base}/{hold['id']}/lift"
    for role in ("staff", "admin"):
        assert_error(client.get(base, headers=bearer(tokens[role])), 403, "coordinator")
        assert_error(client.post(base, json=HOLD, headers=bearer(tokens[role])), 403)
        assert_error(client.post(lift, headers=bearer(tokens[role])), 403)
    assert_error(client.post(lift), 401)
    assert_error(client.post(f"{base}/{hold['id'] + 1}/lift", headers=auth), 404, "no hold")

    done = client.post(lift, headers=auth)
    assert done.status_code == 200 and done.get_json()["active"] is False
    assert_error(client.post(lift, headers=auth), 409, f"no active hold {hold['id']}")
    assert len(_holds(demo_services)) == 1 and _holds(demo_services)[0].lifted_at is not None
    with demo_services.db.session() as session:
        trail = session.scalars(select(AuditEvent.action).where(
            AuditEvent.request_id == review_id,
            AuditEvent.action.like("legal_hold_%")).order_by(AuditEvent.seq)).all()
        assert trail == ["legal_hold_added", "legal_hold_lifted"]
        assert session.scalar(select(func.count()).select_from(LegalHold)) == 1
    assert_error(client.get(f"{API}/requests/424242/holds", headers=auth), 404)
    waiting = _new_request(demo_services, "niemand.bekannt@example.org")
    assert_error(client.post(f"{API}/requests/{waiting}/holds", json=HOLD, headers=auth), 409,
                 "not confirmed yet")


def test_the_openapi_document_names_the_hold_endpoints_with_their_security(app: Any) -> None:
    spec = app.test_client().get(f"{API}/openapi.json").get_json()
    validate(spec)
    item = f"{API}/requests/{{request_id}}/holds"
    for path, method in [(item, "get"), (item, "post"), (f"{item}/{{hold_id}}/lift", "post")]:
        operation = spec["paths"][path][method]
        assert operation["security"] == [{"bearerAuth": []}], path
        assert {"401", "403", "404"} <= set(operation["responses"]), path
    assert "409" in spec["paths"][f"{item}/{{hold_id}}/lift"]["post"]["responses"]
