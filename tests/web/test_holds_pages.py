"""Legal holds in the queue: only coordinators see and change them (staff and admins get 403);
the request page of a confirmed subject places a hold through a CSRF-protected form and lifts
it after a confirmation; bad input is a message and stores nothing; an erasure in review whose
plan predates the hold says it must be planned again. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from dsr.audit import AuditEvent
from dsr.changes.models import LegalHold
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.support.clock import CLOCK
from tests.web.test_change_review import _client, _csrf, _request
from workflows.runner import run_pending


def _count(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(LegalHold)) or 0)


def _in_review(services: Services, email: str) -> int:
    request_id = _request(services, ["erasure"], email)
    with services.db.session() as session:
        actions.process(session, session.get(Request, request_id), actor="user:0",
                        connectors=list(services.config.connectors))
    run_pending(services)
    return request_id


def test_staff_and_admins_get_403(app: Any, make_user: Any, demo_services: Services,
                                  demo_shop: dict[str, Any]) -> None:
    request_id = _request(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    clients = {role: _client(app, make_user, role) for role in ("staff", "admin")}
    for client in clients.values():
        token = _csrf(client, "/login")
        assert client.get("/queue/holds").status_code == 403
        assert client.post(f"/queue/requests/{request_id}/holds", data={
            "csrf_token": token, "target": "shop:0", "kind": "collection",
            "reason": "IK-1"}).status_code == 403
        assert client.post("/queue/holds/1/lift", data={"csrf_token": token}).status_code == 403
    staff = clients["staff"]
    page = staff.get(f"/queue/requests/{request_id}?tab=changes").get_data(as_text=True)
    assert 'id="holds-section"' not in page and "/queue/holds" not in staff.get(
        "/queue/").get_data(as_text=True)
    assert _count(demo_services) == 0


def test_a_coordinator_places_and_lifts_a_hold_on_the_request_page(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _in_review(demo_services, demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        key = session.get(Request, request_id).subject_keys["shop"]["keys"][0]
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    page = coordinator.get(f"{path}?tab=changes").get_data(as_text=True)
    assert 'id="holds-section"' in page and "Keine Sperren für diese Person." in page
    assert 'id="hold-replan"' not in page
    assert f'<option value="shop:0">Shop-Datenbank · {key[0]}</option>' in page

    for form, message in [
        ({"kind": "collection", "reason": "  "}, "Grund: Bitte 1 bis 500 Zeichen."),
        ({"kind": "grudge", "reason": "IK-1"}, "Art: Bitte einen dieser Werte"),
        ({"kind": "collection", "reason": "IK-1", "target": "shop:7"}, "System · Schlüssel: bitte"),
        ({"kind": "collection", "reason": "IK-1", "target": "erp:0"}, "System · Schlüssel: bitte"),
        ({"kind": "collection", "reason": "IK-1", "reference": "x" * 121},
         "Aktenzeichen: Bitte höchstens 120 Zeichen."),
    ]:
        shown = coordinator.post(f"{path}/holds", data={
            "csrf_token": _csrf(coordinator, path), "target": "shop:0", **form},
            follow_redirects=True).get_data(as_text=True)
        assert message in shown, message
    no_token = coordinator.post(f"{path}/holds", data={
        "target": "shop:0", "kind": "collection", "reason": "IK-1"})
    assert no_token.status_code == 400
    assert _count(demo_services) == 0

    placed = coordinator.post(f"{path}/holds", data={
        "csrf_token": _csrf(coordinator, path), "target": "shop:0", "kind": "open_claim",
        "reason": "Rücklastschrift offen", "reference": "FO-2026-0042"},
        follow_redirects=True).get_data(as_text=True)
    assert "Sperre gesetzt." in placed and "bitte den Plan neu erstellen" in placed
    assert 'id="hold-replan-button"' in placed
    with demo_services.db.session() as session:
        hold = session.scalars(select(LegalHold)).one()
        assert (hold.connector, hold.subject_key, hold.kind, hold.reference) == (
            "shop", key, "open_claim", "FO-2026-0042")
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "legal_hold_added")).one()
        assert event.request_id == request_id and "FO-2026" not in str(event.details)
    table = placed[placed.index('id="holds-table"'):]
    assert "offene Forderung" in table and "FO-2026-0042" in table and "aktiv" in table

    listed = coordinator.get("/queue/holds").get_data(as_text=True)
    assert f'id="hold-{hold.id}"' in listed and "Rücklastschrift offen" in listed
    assert f"/queue/requests/{request_id}" in listed  # the subject's open request
    assert 'href="/queue/holds"' in coordinator.get("/queue/").get_data(as_text=True)

    assert coordinator.post(f"/queue/holds/{hold.id}/lift", data={}).status_code == 400
    no_reason = coordinator.post(f"/queue/holds/{hold.id}/lift", data={
        "csrf_token": _csrf(coordinator, path), "request_id": str(request_id), "reason": " "},
        follow_redirects=True).get_data(as_text=True)
    assert "Begründung der Aufhebung: bitte angeben, warum die Sperre endet" in no_reason
    with demo_services.db.session() as session:
        assert session.get(LegalHold, hold.id).lifted_at is None
    lifted = coordinator.post(f"/queue/holds/{hold.id}/lift", data={
        "csrf_token": _csrf(coordinator, path), "request_id": str(request_id),
        "reason": "Forderung am 20.11. beglichen"},
        follow_redirects=True).get_data(as_text=True)
    assert "Sperre aufgehoben." in lifted
    assert "Grund der Aufhebung: Forderung am 20.11. beglichen" in lifted
    again = coordinator.post(f"/queue/holds/{hold.id}/lift", data={
        "csrf_token": _csrf(coordinator, path), "request_id": str(request_id),
        "reason": "noch einmal"}, follow_redirects=True).get_data(as_text=True)
    assert f"Sperre {hold.id} ist nicht mehr aktiv: aufgehoben am" in again
    everything = coordinator.get("/queue/holds?show=all").get_data(as_text=True)
    assert "Grund der Aufhebung: Forderung am 20.11. beglichen" in everything
    assert f'id="hold-{hold.id}"' not in coordinator.get("/queue/holds").get_data(as_text=True)
    with demo_services.db.session() as session:
        row = session.get(LegalHold, hold.id)
        assert row.lifted_at is not None and row.lift_reason == "Forderung am 20.11. beglichen"
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "legal_hold_lifted")).one()
        assert "beglichen" not in str(event.details) and event.details["reason_given"]

    coordinator.post(f"{path}/process", data={"csrf_token": _csrf(coordinator, path)})
    run_pending(demo_services)  # planned again: the note is gone
    assert 'id="hold-replan"' not in coordinator.get(f"{path}?tab=changes").get_data(as_text=True)


def test_no_holds_before_the_subject_is_confirmed(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    from dsr.requests.intake import Submission, submit
    from dsr.requests.models import Channel

    with demo_services.db.session() as session:
        req = submit(session, Submission(types=["erasure"], name="Jürgen Weiß",
                                         email=demo_shop["summary"].sample_customer_email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=demo_services.calendar,
                     connectors=list(demo_services.config.connectors))
        request_id = req.id
    run_pending(demo_services)  # matched, waiting for the identity check
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    assert 'id="holds-section"' not in coordinator.get(path).get_data(as_text=True)
    shown = coordinator.post(f"{path}/holds", data={
        "csrf_token": _csrf(coordinator, path), "target": "shop:0", "kind": "collection",
        "reason": "IK-1"}, follow_redirects=True).get_data(as_text=True)
    assert "Die Person ist noch nicht bestätigt" in shown
    assert _count(demo_services) == 0
    assert coordinator.post("/queue/holds/4242/lift", data={
        "csrf_token": _csrf(coordinator, path)}).status_code == 404


DIETER = "dieter.poeschl@example.com"  # the demo's customer with an open collection case


def test_a_derived_hold_is_named_in_the_readers_language_with_its_rule_as_a_detail(
        app: Any, make_user: Any, demo_services: Services) -> None:
    request_id = _in_review(demo_services, DIETER)
    coordinator = _client(app, make_user, "coordinator")
    for lang, reason, reference, other in (
            ("de", "Offene Forderung laut Datenbestand", "Offener Vorgang in „", "open claim"),
            ("en", "Open claim in the records", "Open case in “", "Offene Forderung")):
        for path in (f"/queue/requests/{request_id}?tab=changes&lang={lang}",
                     f"/queue/holds?lang={lang}"):
            page = coordinator.get(path).get_data(as_text=True)
            table = page[page.index('id="holds-table"') if 'id="holds-table"' in page
                         else page.index("<table"):].split("</table>", 1)[0]
            row = table[table.index("<tbody>"):]
            assert reason in row and reference in row and other not in row, path
            cells = re.findall(r"<td>(.*?)</td>", row, re.S)
            reference_cell = next(c for c in cells if reference in c)
            # the rule only as a detail after the label, not as the file number itself
            assert reference_cell.index(reference) < reference_cell.index(
                "collection_cases: status = &#39;open&#39;")
            assert 'class="mono hold-rule"' in reference_cell
