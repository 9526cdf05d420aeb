"""report.json's shape (issue 14, "the API hands out only part of the answer"): the schemas
the payload is dumped through describe every section and field the answer builds, and the
OpenAPI document's schema for report.json validates a real released answer, access and
portability, on SQLite and PostgreSQL service databases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from marshmallow import ValidationError
from openapi_schema_validator import OAS30Validator

from dsr.answers import operations as reports
from dsr.answers.payload_schema import PayloadSchema
from dsr.context import Services
from tests.dsr.answers.test_operations import released

API = "/api/v1"


def report_json(services: Services, request_id: int) -> dict[str, Any]:
    with services.db.session() as session:
        doc = reports.latest_document(session, request_id, "report_json")
        assert doc is not None
        loaded: dict[str, Any] = json.loads(services.documents.read(doc))
        return loaded


def documented(app: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """report.json's schema in the OpenAPI document the API serves, and its components."""
    spec = app.test_client().get(f"{API}/openapi.json").get_json()
    shape = spec["paths"][f"{API}/requests/{{request_id}}/report.json"]["get"]["responses"][
        "200"]["content"]["application/json"]["schema"]
    return shape, spec["components"]


def validator(shape: dict[str, Any], components: dict[str, Any]) -> OAS30Validator:
    # The document's references point into its components: give the schema them as its root.
    return OAS30Validator({**shape, "components": components})


def undocumented(value: Any, schema: dict[str, Any], components: dict[str, Any],
                 where: str = "$") -> list[str]:
    """Every key of ``value`` the schema does not name as a property (an object without
    properties, such as a table's rows or a column's value labels, is open by design)."""
    while "$ref" in schema:
        schema = components["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    if isinstance(value, dict) and "properties" in schema:
        found = [f"{where}.{key}" for key in value if key not in schema["properties"]]
        for key, item in value.items():
            if key in schema["properties"]:
                found += undocumented(item, schema["properties"][key], components,
                                      f"{where}.{key}")
        return found
    if isinstance(value, list) and "items" in schema:
        return [path for index, item in enumerate(value)
                for path in undocumented(item, schema["items"], components, f"{where}[{index}]")]
    return []


@pytest.mark.parametrize(("language", "types"), [("de", ["access"]), ("en", ["portability"])])
def test_the_openapi_schema_validates_a_real_report_json(
        app: Any, demo_services: Services, language: str, types: list[str]) -> None:
    payload = report_json(demo_services, released(demo_services, language, types=types))
    assert payload["sections"] and payload["own_records"]["requests"]
    shape, components = documented(app)
    assert shape == {"$ref": "#/components/schemas/Payload"}
    validator(shape, components).validate(payload)
    assert undocumented(payload, shape, components) == []
    # the sections are described to their fields, not as generic objects
    payload_schema = components["schemas"]["Payload"]["properties"]
    for name in ("controller", "subject", "request", "own_records", "systems"):
        assert "$ref" in payload_schema[name], name
    for name in ("sections", "decisions", "redactions", "overdue"):
        assert "$ref" in payload_schema[name]["items"], name
    register = components["schemas"]["RegisterSection"]["properties"]
    assert {"purposes", "recipients", "retention", "automated", "complaint"} <= set(register)


def test_the_schema_refuses_a_report_of_another_shape(app: Any,
                                                      demo_services: Services) -> None:
    payload = report_json(demo_services, released(demo_services, "de"))
    shape, components = documented(app)
    check = validator(shape, components)
    table = payload["sections"][0]["tables"][0]
    for broken in ({**payload, "sections": "none"},
                   {**payload, "request": {**payload["request"], "postal": "yes"}},
                   {**payload, "sections": [{**payload["sections"][0],
                                             "tables": [{**table, "rows": "all"}]}]}):
        assert not check.is_valid(broken)
    assert undocumented({**payload, "surprise": 1}, shape, components) == ["$.surprise"]


def test_the_payload_schema_knows_every_key_of_a_real_report(demo_services: Services) -> None:
    payload = report_json(demo_services, released(demo_services, "en", types=["portability"]))
    PayloadSchema().load(payload)  # an unknown key at any level raises
    with pytest.raises(ValidationError):
        PayloadSchema().load({**payload, "systems": {**payload["systems"], "other": []}})
