"""The redaction viewer's pages on Jürgen's e-mails written from a real letter: the text as
the customer reads it with suggestions marked, accept and dismiss, a selection by offsets and
a typed text (no script needed), staff kept out, bad input answered with a message, and after
release a read-only page that shows the redactions and offers nothing to edit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dsr.answers import operations as reports
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.conftest import _services
from tests.support.corpus_mail import EMAIL, shop_with_letters
from tests.web.test_queue import _client, _csrf, _request_in_review
from workflows.runner import run_pending


@pytest.fixture
def letters(tmp_path: Path, service_db_url: str,
            demo_shop: dict[str, Any]) -> Iterator[tuple[Services, Any]]:
    from dsr.app import create_app

    services = _services(tmp_path, service_db_url,
                         shop_with_letters(demo_shop["url"], tmp_path / "shop.sqlite"))
    app = create_app(services=services, flask_config={"TESTING": True, "RATELIMIT_ENABLED": False})
    yield services, app
    services.close()


def _suggestion(page: str, text: str) -> str:
    """The id of the open suggestion whose term is ``text``."""
    for match in re.finditer(r'<div class="suggestion" id="suggestion-(\w+)">(.*?)</div>', page,
                             re.S):
        if f'<span class="mono term">{text}</span>' in match.group(2):
            return match.group(1)
    raise AssertionError(f"no suggestion {text!r}")


def _field(page: str, marker: str) -> tuple[dict[str, str], str]:
    """The data attributes and the text of the field that contains ``marker``."""
    for match in re.finditer(r'<div class="doc-text" data-system="(\w+)" data-table="(\w+)" '
                             r'data-key="(\w+)" data-column="(\w+)">(.*?)</div>', page, re.S):
        plain = re.sub(r"<[^>]+>", "", match.group(5))
        if marker in plain:
            system, table, key, column = match.groups()[:4]
            return {"system": system, "table": table, "key": key, "column": column}, plain
    raise AssertionError(marker)


def test_viewer_suggests_accepts_dismisses_and_redacts_a_selection(
        letters: tuple[Services, Any], make_user: Any) -> None:
    services, app = letters
    request_id = _request_in_review(services, EMAIL)
    coordinator = _client(app, make_user, "coordinator")
    detail = coordinator.get(f"/queue/requests/{request_id}?tab=draft").get_data(as_text=True)
    viewer = f"/queue/requests/{request_id}/redaction"
    assert f'href="{viewer}"' in detail
    page = coordinator.get(viewer).get_data(as_text=True)
    assert "Antrag auf Berichtigung" in page and "Nachricht" in page  # labels, not columns
    assert "<script>" not in page and "style=" not in page
    assert 'src="/static/redaction.js"' in page
    assert '<mark class="suggested"' in page and "auch in einer anderen Nachricht" in page
    token = _csrf(coordinator, viewer)

    accepted = coordinator.post(f"{viewer}/suggestions/{_suggestion(page, 'Sabine Krüger')}/accept",
                                data={"csrf_token": token, "reason": "third_party"},
                                follow_redirects=True).get_data(as_text=True)
    assert "Vorschlag übernommen" in accepted and "Sabine Krüger" not in accepted
    assert ('Frau <span class="redacted" role="img" aria-label="[geschwärzt: Daten Dritter]"'
            in accepted)
    assert '<span class="redaction-bar" aria-hidden="true">████</span> [1]</span>' in accepted
    dismissed = coordinator.post(
        f"{viewer}/suggestions/{_suggestion(accepted, '0941 5678901')}/dismiss",
        data={"csrf_token": token}, follow_redirects=True).get_data(as_text=True)
    assert "Vorschlag verworfen" in dismissed and 'id="viewer-dismissed"' in dismissed
    assert "1 Vorschlag verworfen (im Prüfprotokoll" in dismissed  # singular for one
    assert '<span class="mono term">0941 5678901</span>' not in dismissed

    ref, text = _field(dismissed, "Lindenweg 4")
    start = text.index("Lindenweg 4")
    selected = coordinator.post(f"{viewer}/selection", data={
        "csrf_token": token, **ref, "start": str(start), "end": str(start + 11),
        "reason": "third_party"}, follow_redirects=True).get_data(as_text=True)
    assert "Geschwärzt." in selected and "Lindenweg 4," not in selected
    typed = coordinator.post(f"{viewer}/selection", data={
        "csrf_token": token, **ref, "term": "93047 Regensburg", "reason": "third_party"},
        follow_redirects=True).get_data(as_text=True)
    assert "93047 Regensburg" not in typed
    answer = coordinator.get(f"/queue/requests/{request_id}/report.json").get_data(as_text=True)
    assert "Sabine Krüger" not in answer and "93047 Regensburg" not in answer

    for data in ({"start": "x", "end": "3"}, {"start": "3", "end": "999999"}, {"term": "z"},
                 {"key": "nope", "start": "0", "end": "4"}):
        response = coordinator.post(f"{viewer}/selection", data={
            "csrf_token": token, **ref, "reason": "third_party", **data}, follow_redirects=True)
        assert response.status_code == 200 and 'class="flash error"' in response.get_data(
            as_text=True)
    missing = coordinator.post(f"{viewer}/suggestions/doesnotexist/accept",
                               data={"csrf_token": token}, follow_redirects=True)
    assert "Diesen Vorschlag gibt es nicht" in missing.get_data(as_text=True)


def test_staff_cannot_open_or_use_the_viewer(letters: tuple[Services, Any],
                                             make_user: Any) -> None:
    services, app = letters
    request_id = _request_in_review(services, EMAIL)
    staff = _client(app, make_user, "staff")
    assert staff.get(f"/queue/requests/{request_id}/redaction").status_code == 403
    assert staff.post(f"/queue/requests/{request_id}/redaction/selection",
                      data={"csrf_token": _csrf(staff, "/queue/")}).status_code in (400, 403)


def test_after_release_the_viewer_and_the_answer_step_are_read_only_and_consistent(
        letters: tuple[Services, Any], make_user: Any) -> None:
    services, app = letters
    request_id = _request_in_review(services, EMAIL)
    coordinator = _client(app, make_user, "coordinator")
    viewer = f"/queue/requests/{request_id}/redaction"
    page = coordinator.get(viewer).get_data(as_text=True)
    token = _csrf(coordinator, viewer)
    for term in ("Sabine Krüger", "Tobias Lehner", "sabine.krueger@example.net"):
        page = coordinator.post(f"{viewer}/suggestions/{_suggestion(page, term)}/accept",
                                data={"csrf_token": token}, follow_redirects=True
                                ).get_data(as_text=True)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(
                            req, reports.found_categories(session, request_id)))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(services)

    page = coordinator.get(viewer).get_data(as_text=True)
    assert 'id="viewer-released"' in page and "<form" not in page.split("<main")[1].split(
        "</main>")[0].replace('action="/logout"', "")
    assert page.count('class="redaction-row"') == 3 and "Frau <span class=\"redacted\" role=\"img\"" in page
    assert 'id="viewer-empty"' not in page and 'id="viewer-not-kept"' not in page
    assert "redaction.js" not in page and "Sabine Krüger" not in page
    step = coordinator.get(f"/queue/requests/{request_id}/answer").get_data(as_text=True)
    assert 'id="message-form"' not in step and 'id="message-sent"' in step
    assert "Keine Korrespondenz" not in step and 'id="redaction-none"' not in step
    refused = coordinator.post(f"{viewer}/selection", data={
        "csrf_token": token, "system": "shop", "table": "service_emails", "key": "1",
        "column": "body", "term": "Lindenweg"}, follow_redirects=True).get_data(as_text=True)
    assert "herausgegeben" in refused
