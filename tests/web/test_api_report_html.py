"""The accessible HTML answer through the API (issue 14, "the API hands out only part of the
answer"): served to a holder of ``answers.download`` exactly as the PDF, the JSON and the
export are — nothing before the identity check passed and the answer was built, the draft to
the coordinator in review, the released answer after — and refused to staff, admins and
callers without a token. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from dsr.answers import operations as reports
from dsr.context import Services
from dsr.requests.models import Request
from tests.support.lifecycle import approve_defaults_and_release
from tests.web.test_api import (
    API,
    _new_request,
    assert_error,
    bearer,
    review_id,  # noqa: F401 - the fixture, shared
    status_of,
    tokens,  # noqa: F401 - the fixture, shared
)

FILES = ("report.pdf", "report.json", "report.html", "export.zip")


def test_the_released_answer_is_served_as_an_accessible_page(
        app: Any, demo_services: Services, review_id: int,  # noqa: F811
        tokens: dict[str, str]) -> None:  # noqa: F811
    approve_defaults_and_release(demo_services, review_id)
    assert status_of(demo_services, review_id) == "completed"
    page = app.test_client().get(f"{API}/requests/{review_id}/report.html",
                                 headers=bearer(tokens["coordinator"]))
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert page.headers["Cache-Control"] == "no-store"
    with demo_services.db.session() as session:
        req = session.get(Request, review_id)
        stored = reports.latest_document(session, review_id, "report_html")
        assert stored is not None
        assert page.headers["Content-Disposition"] == f'attachment; filename="{stored.filename}"'
        assert page.data == demo_services.documents.read(stored)
        reference = req.reference
    text = page.get_data(as_text=True)
    assert '<html lang="de"' in text and reference in text and "<th" in text


def test_nothing_is_served_before_the_identity_check_as_for_every_file(
        app: Any, demo_services: Services, demo_shop: dict[str, Any],
        tokens: dict[str, str]) -> None:  # noqa: F811
    request_id = _new_request(demo_services, demo_shop["summary"].sample_customer_email)
    assert status_of(demo_services, request_id) == "awaiting_verification"
    client = app.test_client()
    auth = bearer(tokens["coordinator"])
    for name in FILES:
        assert_error(client.get(f"{API}/requests/{request_id}/{name}", headers=auth), 404,
                     "not built yet")


def test_in_review_the_page_is_the_draft_as_the_pdf_and_the_json_are(
        app: Any, demo_services: Services, review_id: int,  # noqa: F811
        tokens: dict[str, str]) -> None:  # noqa: F811
    client = app.test_client()
    auth = bearer(tokens["coordinator"])
    answered = {name: client.get(f"{API}/requests/{review_id}/{name}", headers=auth).status_code
                for name in FILES}
    assert answered == dict.fromkeys(FILES, 200)  # the coordinator reads the draft before release


def test_staff_admins_and_anonymous_callers_are_refused(
        app: Any, demo_services: Services, review_id: int,  # noqa: F811
        tokens: dict[str, str]) -> None:  # noqa: F811
    approve_defaults_and_release(demo_services, review_id)
    client = app.test_client()
    path = f"{API}/requests/{review_id}/report.html"
    for role in ("staff", "admin"):
        body = assert_error(client.get(path, headers=bearer(tokens[role])), 403)
        assert "<html" not in body["message"]
    assert_error(client.get(path), 401)


def test_the_openapi_document_names_the_page_with_its_security(app: Any) -> None:
    spec = app.test_client().get(f"{API}/openapi.json").get_json()
    operation = spec["paths"][f"{API}/requests/{{request_id}}/report.html"]["get"]
    assert operation["security"] == [{"bearerAuth": []}]
    assert {"200", "401", "403", "404"} <= set(operation["responses"])
    assert "text/html" in operation["responses"]["200"]["content"]
