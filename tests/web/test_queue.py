"""The queue: roles enforced on the server, decisions per right and category, clear errors."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Decision, Request
from tests.support.clock import CLOCK
from tests.support.safe_steps import confirmed
from workflows.deadlines import due_date
from workflows.runner import run_pending
from workflows.states import State

PASSWORD = "correct horse battery"


def _csrf(client: Any, path: str = "/login") -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _client(app: Any, make_user: Any, role: str) -> Any:
    make_user(role, role)
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": _csrf(client), "username": role,
                                           "password": PASSWORD})
    assert response.status_code == 302
    return client


def _request_in_review(services: Services, email: str) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=["access"], name="Jürgen Weiß", email=email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=["shop"])
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=["shop"])
    run_pending(services)
    return request_id


@pytest.fixture
def review_id(demo_services: Services, demo_shop: dict[str, Any]) -> int:
    return _request_in_review(demo_services, demo_shop["summary"].sample_customer_email)


def test_staff_sees_status_but_cannot_decide_or_read_reports(app: Any, make_user: Any,
                                                             review_id: int) -> None:
    staff = _client(app, make_user, "staff")
    page = staff.get(f"/queue/requests/{review_id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "juergen" not in text.lower() and "decisions-form" not in text
    token = _csrf(staff, f"/queue/requests/{review_id}")
    for action in ("verify", "process", "approve", "release", "reject"):
        assert staff.post(f"/queue/requests/{review_id}/{action}",
                          data={"csrf_token": token}).status_code == 403
    assert staff.get(f"/queue/requests/{review_id}/report.pdf").status_code == 403


def test_admin_sees_no_request_contents(app: Any, make_user: Any, review_id: int) -> None:
    admin = _client(app, make_user, "admin")
    assert admin.get("/queue/").status_code == 403
    assert admin.get(f"/queue/requests/{review_id}").status_code == 403
    assert admin.get(f"/queue/requests/{review_id}/report.pdf").status_code == 403
    assert admin.get("/admin/users").status_code == 200


def test_signed_out_users_are_sent_to_the_login(app: Any, review_id: int) -> None:
    response = app.test_client().get(f"/queue/requests/{review_id}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_coordinator_decides_per_category_and_a_refusal_needs_a_reason(
        app: Any, make_user: Any, review_id: int, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get(f"/queue/requests/{review_id}?tab=draft").get_data(as_text=True)
    categories = re.findall(r'name="d_category" value="([^"]+)"', page)
    assert "orders" in categories and "invoices" in categories
    token = _csrf(coordinator, f"/queue/requests/{review_id}")
    form = {"csrf_token": token, "d_right": ["access"] * len(categories), "d_category": categories,
            "d_outcome": ["granted"] * len(categories),
            "d_norm": ["Art. 15 DSGVO"] * len(categories), "d_reason": [""] * len(categories)}
    form["d_outcome"][0] = "partly_granted"
    response = coordinator.post(f"/queue/requests/{review_id}/approve", data=form,
                                follow_redirects=True)
    assert "braucht eine Begründung" in response.get_data(as_text=True)
    with demo_services.db.session() as session:
        assert session.get(Request, review_id).status == State.REVIEW
    form["d_reason"][0] = "Art. 15 Abs. 4: Rechte Dritter"
    confirmed(coordinator, f"/queue/requests/{review_id}/approve", data=form)
    with demo_services.db.session() as session:
        assert session.get(Request, review_id).status == State.EXECUTING
        decisions = session.scalars(select(Decision).where(Decision.request_id == review_id)).all()
        assert len(decisions) == len(categories)
        assert decisions[0].outcome == "partly_granted" and "Dritter" in decisions[0].reason


def test_rejection_needs_norm_and_reason_and_writes_to_the_requester(
        app: Any, make_user: Any, review_id: int, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, f"/queue/requests/{review_id}")
    response = coordinator.post(f"/queue/requests/{review_id}/reject",
                                data={"csrf_token": token, "norm": "", "reason": ""},
                                follow_redirects=True)
    assert response.status_code == 200
    with demo_services.db.session() as session:
        assert session.get(Request, review_id).status == State.REVIEW
    confirmed(coordinator, f"/queue/requests/{review_id}/reject", data={
        "csrf_token": token, "norm": "Art. 12 Abs. 5 DSGVO", "reason": "offenkundig unbegründet"})
    run_pending(demo_services)
    with demo_services.db.session() as session:
        assert session.get(Request, review_id).status == State.REJECTED
    mails = [p.read_text() for p in demo_services.config.mail_out_dir.glob("*.eml")]
    refusal = next(m for m in mails if "Entscheidung" in m)
    assert "BayLDA" in refusal or "Landesamt" in refusal
    assert "Art. 79" in refusal


def test_unknown_request_and_bad_action_are_clean_errors(app: Any, make_user: Any) -> None:
    coordinator = _client(app, make_user, "coordinator")
    assert coordinator.get("/queue/requests/424242").status_code == 404
    token = _csrf(coordinator, "/queue/")
    assert coordinator.post("/queue/requests/424242/explode",
                            data={"csrf_token": token}).status_code == 404


def test_extension_with_reason_moves_the_deadline_and_tells_the_requester(
        app: Any, make_user: Any, review_id: int, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, f"/queue/requests/{review_id}")
    short = coordinator.post(f"/queue/requests/{review_id}/extend",
                             data={"csrf_token": token, "months": "2", "reason": "viel"},
                             follow_redirects=True)
    assert 'class="flash error">Begründung: Bitte 10 bis 2000 Zeichen.' in \
        short.get_data(as_text=True)
    with demo_services.db.session() as session:
        before = session.get(Request, review_id)
        assert before.extended_due_on is None
        assert before.due_on == due_date(before.received_at)
    coordinator.post(f"/queue/requests/{review_id}/extend", data={
        "csrf_token": token, "months": "2",
        "reason": "Die Daten liegen in mehreren Archivsystemen und müssen einzeln geprüft werden."})
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, review_id)
        assert req.extended_due_on == due_date(req.received_at, months=3)
    notice = [p.read_text() for p in demo_services.config.mail_out_dir.glob("*.eml")
              if "Verl=C3=A4ngerung" in p.read_text() or "Verlängerung" in p.read_text()]
    assert len(notice) == 1 and "Archivsystemen" in notice[0].replace("=\n", "")


def _submitted(services: Services, email: str, name: str, *, days_ago: int = 0) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=["access"], name=name, email=email,
                                         channel=Channel.FORM.value,
                                         received_at=CLOCK.now() - timedelta(days=days_ago)),
                     calendar=services.calendar, connectors=["shop"])
        return req.id


def _reference(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return session.get(Request, request_id).reference


def test_a_coordinator_searches_by_email_and_sees_the_requesters_name(
        app: Any, make_user: Any, demo_services: Services) -> None:
    wanted = _submitted(demo_services, "Anna.Schmidt@example.org", "Anna Schmidt")
    other = _submitted(demo_services, "bert@example.org", "Bert Brecht")
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get("/queue/?q=anna.schmidt@EXAMPLE.org").get_data(as_text=True)
    assert _reference(demo_services, wanted) in page and "Anna Schmidt" in page
    assert _reference(demo_services, other) not in page
    assert "1 von 1 Anfragen" in page
    english = coordinator.get("/queue/?q=Brecht&lang=en").get_data(as_text=True)
    assert "1 of 1 requests" in english and "Bert Brecht" in english


def test_a_search_beyond_the_count_says_more_than_in_both_languages(
        app: Any, make_user: Any, demo_services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    from dsr.requests import queue

    monkeypatch.setattr(queue, "SEARCH_COUNT_CAP", 2)
    for i in range(3):
        _submitted(demo_services, f"k{i}@example.org", f"Kunde {i} Beispiel", days_ago=i)
    coordinator = _client(app, make_user, "coordinator")
    german = coordinator.get("/queue/?q=beispiel&limit=1").get_data(as_text=True)
    assert "1 von mehr als 2 Anfragen" in german and 'id="next-page"' in german
    english = coordinator.get("/queue/?q=beispiel&limit=1&lang=en").get_data(as_text=True)
    assert "1 of more than 2 requests" in english
    exact = coordinator.get("/queue/?q=kunde 1&lang=en").get_data(as_text=True)
    assert "1 of 1 requests" in exact and "of more than" not in exact
    unsearched = coordinator.get("/queue/?limit=1").get_data(as_text=True)
    assert "1 of 3 requests" in unsearched  # the queue without a search is counted in full


def test_staff_see_no_names_and_cannot_search_the_claims(app: Any, make_user: Any,
                                                         demo_services: Services) -> None:
    request_id = _submitted(demo_services, "anna@example.org", "Anna Schmidt")
    reference = _reference(demo_services, request_id)
    staff = _client(app, make_user, "staff")
    listing = staff.get("/queue/").get_data(as_text=True)
    assert reference in listing and "Anna Schmidt" not in listing
    assert reference not in staff.get("/queue/?q=anna@example.org").get_data(as_text=True)
    assert reference in staff.get(f"/queue/?q={reference}").get_data(as_text=True)
    assert staff.post("/queue/bulk", data={"csrf_token": _csrf(staff, "/queue/"),
                                           "ids": [str(request_id)],
                                           "action": "assign"}).status_code == 403


def test_a_wrong_filter_is_a_clear_message_not_an_error_page(app: Any, make_user: Any) -> None:
    coordinator = _client(app, make_user, "coordinator")
    for bad in ("due_within=soon", "after=%21%21", "status=lost&sort=name"):
        response = coordinator.get(f"/queue/?{bad}")
        assert response.status_code == 200
        assert "Dieser Filter ist ungültig" in response.get_data(as_text=True)


def test_the_next_page_link_says_more_exist_and_leads_on(app: Any, make_user: Any,
                                                         demo_services: Services) -> None:
    ids = [_submitted(demo_services, f"k{i}@example.org", f"Kunde {i}", days_ago=i)
           for i in range(5)]
    coordinator = _client(app, make_user, "coordinator")
    first = coordinator.get("/queue/?limit=3&sort=received&order=desc").get_data(as_text=True)
    assert "3 von 5 Anfragen" in first and "Es gibt weitere Anfragen" in first
    link = re.search(r'href="([^"]+)" id="next-page"', first).group(1).replace("&amp;", "&")
    second = coordinator.get(link).get_data(as_text=True)
    assert 'id="next-page"' not in second and 'id="first-page"' in second
    shown = re.findall(r'data-reference="([^"]+)"', first) + re.findall(
        r'data-reference="([^"]+)"', second)
    assert shown == [_reference(demo_services, i) for i in ids]  # newest first, each once


def test_bulk_assignment_and_reminder_from_the_queue(app: Any, make_user: Any,
                                                     demo_services: Services) -> None:
    first = _submitted(demo_services, "a@example.org", "A")
    second = _submitted(demo_services, "b@example.org", "B")
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, "/queue/")
    response = coordinator.post("/queue/bulk", data={
        "csrf_token": token, "ids": [str(first), str(second)], "action": "assign",
        "assignee": "me", "back_view": "mine"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Anfragen zugewiesen: 2." in page
    assert all(_reference(demo_services, i) in page for i in (first, second))  # the view "mine"
    with demo_services.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "assigned")).all()
        assert sorted(e.request_id for e in events) == [first, second]
        assert {session.get(Request, i).assignee_id for i in (first, second)} == {
            events[0].details["assignee"]}
    reminded = coordinator.post("/queue/bulk", data={
        "csrf_token": token, "ids": [str(first)], "action": "remind"}, follow_redirects=True)
    assert "Kunden erinnert: 0. Übersprungen" in \
        reminded.get_data(as_text=True)  # received, not yet waiting on the customer
    nothing = coordinator.post("/queue/bulk", data={"csrf_token": token, "action": "assign"},
                               follow_redirects=True)
    assert "Bitte zuerst Anfragen auswählen." in nothing.get_data(as_text=True)


def test_the_request_page_assigns_and_unassigns(app: Any, make_user: Any,
                                                demo_services: Services) -> None:
    request_id = _submitted(demo_services, "a@example.org", "A")
    make_user("deputy", "coordinator")
    coordinator = _client(app, make_user, "coordinator")
    detail = f"/queue/requests/{request_id}"
    page = coordinator.get(detail).get_data(as_text=True)
    deputy = re.search(r'<option value="(\d+)" >deputy</option>', page).group(1)
    after = coordinator.post(f"{detail}/assign", data={"csrf_token": _csrf(coordinator, detail),
                                                       "assignee": deputy},
                             follow_redirects=True).get_data(as_text=True)
    assert '<span id="assignee-name">deputy</span>' in after, after[after.find('assignee-block'):][:600]
    assert "Zugewiesen" in coordinator.get(f"{detail}?tab=audit").get_data(as_text=True)
    coordinator.post(f"{detail}/assign", data={"csrf_token": _csrf(coordinator, detail),
                                               "assignee": ""})
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).assignee_id is None
    staff = _client(app, make_user, "staff")
    assert staff.post(f"{detail}/assign", data={"csrf_token": _csrf(staff, detail),
                                                "assignee": deputy}).status_code == 403
    assert 'id="assignee-select"' not in staff.get(detail).get_data(as_text=True)


def test_a_coordinator_saves_a_filter_and_opens_it_again(app: Any, make_user: Any,
                                                         demo_services: Services) -> None:
    letter = _submitted(demo_services, "a@example.org", "A")
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, "/queue/")
    saved = coordinator.post("/queue/views", data={
        "csrf_token": token, "name": "Formulare", "back_channel": "form", "back_sort": "received"},
        follow_redirects=True).get_data(as_text=True)
    assert "Ansicht gespeichert." in saved
    link = re.search(r'<a href="([^"]+)" class="saved-view">Formulare</a>', saved).group(1)
    assert "channel=form" in link and _reference(demo_services, letter) in coordinator.get(
        link.replace("&amp;", "&")).get_data(as_text=True)
    refused = coordinator.post("/queue/views", data={"csrf_token": token, "name": " "},
                               follow_redirects=True)
    assert refused.status_code == 200 and "1 bis 60 Zeichen" in refused.get_data(as_text=True)
    view_id = re.search(r'/queue/views/(\d+)/delete', saved).group(1)
    assert coordinator.post(f"/queue/views/{int(view_id) + 99}/delete",
                            data={"csrf_token": token}).status_code == 404
    assert "Ansicht gelöscht." in coordinator.post(
        f"/queue/views/{view_id}/delete", data={"csrf_token": token},
        follow_redirects=True).get_data(as_text=True)


@pytest.mark.parametrize(("lang", "wanted"), [
    ("de", ["Status: „lost“ gibt es hier nicht.",
            "Fällig in höchstens … Tagen: Bitte eine ganze Zahl.",
            "Seite: Diese Seite gehört nicht zu dieser Liste"]),
    ("en", ["Status: there is no “lost” here.",
            "Due within … days: Not a valid integer.",
            "Page: this page does not belong to this list"]),
])
def test_a_wrong_filter_is_named_by_its_label_in_the_pages_language(
        app: Any, make_user: Any, lang: str, wanted: list[str]) -> None:
    import html
    coordinator = _client(app, make_user, "coordinator")
    for bad, text in zip(("status=lost", "due_within=soon", "after=%21%21"), wanted, strict=True):
        page = html.unescape(coordinator.get(f"/queue/?{bad}&lang={lang}").get_data(as_text=True))
        flash = page[page.index('class="flash error"'):].split("</", 1)[0]
        assert text in flash, flash
        for raw in ("awaiting_verification", "open, all", "not a page of this queue", "(status)",
                    "(after)", "(due_within)"):
            assert raw not in flash
