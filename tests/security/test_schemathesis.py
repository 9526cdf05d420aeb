"""Schemathesis against the OpenAPI document (/api/v1/openapi.json): generated calls of every
operation, with a coordinator's token, never end in a server error (SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from dsr.users.operations import create_token

EXAMPLES = 15  # per operation: the whole run stays well under a minute per database


def test_no_operation_ends_in_a_server_error(app: Any, demo_services: Any,
                                             make_user: Any) -> None:
    user = make_user("fuzz-koordination", "coordinator")
    with demo_services.db.session() as session:
        token = {"Authorization": f"Bearer {create_token(session, user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        def call(case: Any) -> None:
            case.call_and_validate(headers=token, checks=[not_a_server_error])

        call()


def test_the_document_states_the_rules_the_api_enforces(app: Any) -> None:
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    description = document["info"]["description"]
    for rule in ("32 levels", "2147483647", "NUL", "surrogate", "NFC", "zero-width", "DSR-"):
        assert rule in description, rule
    submission = next(v for k, v in document["components"]["schemas"].items()
                      if k.startswith("Submission"))
    assert "bidi" in submission["properties"]["name"]["description"]
    verify = document["components"]["schemas"]["Verify"]
    assert "second coordinator" in verify["properties"]["reason"]["description"]
    receipt = document["components"]["schemas"]["Receipt"]
    assert receipt["properties"]["id"]["type"] == "string"
