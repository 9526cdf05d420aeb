"""The request page shows the stored plan before approval; staff record recipients'
confirmations; a coordinator enters a rectification's corrections (the shop is not touched)."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.changes.models import RecipientNotice
from dsr.changes.operations import corrections_of
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, CorrectionSource, Request
from tests.support.clock import CLOCK
from workflows.runner import run_pending

PASSWORD = "correct horse battery"


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _client(app: Any, make_user: Any, role: str) -> Any:
    make_user(role, role)
    client = app.test_client()
    client.post("/login", data={"csrf_token": _csrf(client, "/login"), "username": role,
                                "password": PASSWORD})
    return client


def _request(services: Services, types: list[str], email: str) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name="Jürgen Weiß", email=email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        actions.verify(session, session.get(Request, request_id), actor="user:0",
                       method="manual")
    return request_id


def test_review_shows_what_will_be_deleted_and_blocked_until_when(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _request(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        actions.process(session, session.get(Request, request_id), actor="user:0",
                        connectors=list(demo_services.config.connectors))
    run_pending(demo_services)
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get(f"/queue/requests/{request_id}?tab=changes").get_data(as_text=True)
    assert 'id="plan-shop"' in page and 'id="plan-newsletter"' in page
    plan = page[page.index('id="plan-shop"'):page.index('id="plan-newsletter"')]
    assert "Rechnungen" in plan and "sperren" in plan and "31.12." in plan and "§147" in plan
    assert "Rechnungsempfänger" in plan  # field labels from the data map
    assert "löschen" in plan and "anonymisieren" in plan
    assert "juergen" not in plan.lower()  # counts and field names, no values
    staff = _client(app, make_user, "staff")
    assert 'id="plan-shop"' not in staff.get(f"/queue/requests/{request_id}?tab=changes").get_data(
        as_text=True)


def test_staff_record_a_recipients_confirmation(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _request(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        session.add(RecipientNotice(request_id=request_id, connector="recipients",
                                    recipient="schufa", channel="email", status="waiting"))
    staff = _client(app, make_user, "staff")
    page = staff.get(f"/queue/requests/{request_id}?tab=changes").get_data(as_text=True)
    assert "SCHUFA Holding AG" in page and "wartet auf Bestätigung" in page
    with demo_services.db.session() as session:
        notice_id = session.scalar(select(RecipientNotice.id))
    staff.post(f"/queue/notices/{notice_id}/confirm",
               data={"csrf_token": _csrf(staff, f"/queue/requests/{request_id}")})
    with demo_services.db.session() as session:
        notice = session.get(RecipientNotice, notice_id)
        assert notice.status == "confirmed" and notice.confirmed_by
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "recipient_confirmed")).one()
        assert event.details["recipient"] == "schufa" and event.details["notice"] == notice_id


def test_coordinator_enters_corrections_and_bad_lines_are_refused(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _request(demo_services, ["rectification"],
                          demo_shop["summary"].sample_customer_email)
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    assert 'id="corrections-form"' in coordinator.get(f"{path}?tab=changes").get_data(as_text=True)
    bad = coordinator.post(f"{path}/corrections", follow_redirects=True, data={
        "csrf_token": _csrf(coordinator, path), "corrections": "customers.shoe_size = 44"})
    assert "ist kein Feld der Datenlandkarte" in bad.get_data(as_text=True)
    coordinator.post(f"{path}/corrections", data={
        "csrf_token": _csrf(coordinator, path),
        "corrections": "customers.last_name = Weiss\n\ninvoices.billing_name = Jürgen Weiss"})
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert corrections_of(req) == {
            "customers.last_name": "Weiss", "invoices.billing_name": "Jürgen Weiss"}
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "corrections_recorded")).one()
        assert "Weiss" not in json.dumps(event.details)
    assert "customers.last_name = Weiss" in coordinator.get(
        f"{path}?tab=changes").get_data(as_text=True)


def test_the_requesters_corrections_pre_fill_the_coordinators_lines_through_the_data_map(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    from html import unescape

    from dsr.changes import rectification

    requested = rectification.RequestedCorrections(
        {"last_name": "Weiss-Neumann", "street": "Leopoldstraße 200", "birth_date": "1985-07-04"},
        "Seit der Heirat: Weiss-Neumann; die Straße stimmt nicht.")
    columns = rectification.field_columns(demo_services.connectors)
    with demo_services.db.session() as session:
        req = submit(session, Submission(
            types=["rectification"], name="Jürgen Weiß", channel=Channel.FORM.value,
            email=demo_shop["summary"].sample_customer_email, received_at=CLOCK.now(),
            extra_claims=rectification.claims_for(requested, columns, ["rectification"]),
            requested_corrections=requested),
            calendar=demo_services.calendar, connectors=list(demo_services.config.connectors))
        request_id = req.id
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    page = unescape(coordinator.get(f"{path}?tab=changes").get_data(as_text=True))
    shown = page[page.index('id="requested-corrections"'):page.index('id="corrections-form"')]
    assert "Leopoldstraße 200" in shown and "addresses.street" in shown and "Adressbuch" in shown
    assert "customers.birth_date" in shown and "Seit der Heirat" in shown
    box = re.search(r'<textarea name="corrections"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    # Every column the data map names for a field (the address book's names, the invoices'
    # billing street — recorded beside them); the editor page picks rows and fields.
    assert box.splitlines() == ["customers.last_name = Weiss-Neumann",
                                "addresses.last_name = Weiss-Neumann",
                                "addresses.street = Leopoldstraße 200",
                                "invoices.billing_street = Leopoldstraße 200",
                                "customers.birth_date = 1985-07-04"]
    assert 'id="corrections-prefilled"' in page
    with demo_services.db.session() as session:  # nothing applies until the coordinator saves
        assert session.get(Request, request_id).correction(CorrectionSource.RECORDED) is None
    coordinator.post(f"{path}/corrections", data={"csrf_token": _csrf(coordinator, path),
                                                  "corrections": box.replace("200", "20")})
    with demo_services.db.session() as session:
        assert corrections_of(session.get(Request, request_id)) == {
            "customers.last_name": "Weiss-Neumann", "addresses.last_name": "Weiss-Neumann",
            "addresses.street": "Leopoldstraße 20",
            "invoices.billing_street": "Leopoldstraße 20", "customers.birth_date": "1985-07-04"}
    page = unescape(coordinator.get(f"{path}?tab=changes").get_data(as_text=True))
    assert "addresses.street = Leopoldstraße 20\n" in page  # the saved lines win
    assert 'id="corrections-prefilled"' not in page


def test_a_coordinator_lifts_a_restriction_only_after_the_notice(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    from datetime import timedelta

    from connectors.base import Identity, Subject
    from connectors.changes import ChangeRequest
    from dsr.changes import operations as changes
    from dsr.changes.models import ChangePlan
    from dsr.correspondence.models import OutgoingMail
    from workflows.deadlines import receipt_date

    address = demo_shop["summary"].sample_customer_email
    request_id = _request(demo_services, ["restriction"], address)
    shop = demo_services.connectors["shop"]
    subject = Subject.from_matches(shop.discover(Identity(email=address)).matches)
    restricted = shop.plan(subject, ChangeRequest("DSR-T", ("restriction",), CLOCK.today()))
    with demo_services.db.session() as session:  # as if executed (the shared shop stays as is)
        row = changes.store_plan(session, request_id=request_id, connector="shop", round_=1,
                                 plan=restricted)
        row.status = "executed"
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    page = coordinator.get(f"{path}?tab=changes").get_data(as_text=True)
    assert 'id="restriction-lift"' in page and "/restriction/lift" not in page
    refused = coordinator.post(f"{path}/restriction/lift", data={"csrf_token": _csrf(
        coordinator, path)}, follow_redirects=True).get_data(as_text=True)
    assert ("Einschränkung aufheben: Die Mitteilung nach Art. 18 Abs. 3 DSGVO ist noch nicht "
            "versandt") in refused
    bad = coordinator.post(f"{path}/restriction/notice", data={
        "csrf_token": _csrf(coordinator, path), "lift_on": "morgen", "reason": "geklärt"},
        follow_redirects=True).get_data(as_text=True)
    assert "JJJJ-MM-TT" in bad
    with demo_services.db.session() as session:
        assert session.scalar(select(OutgoingMail.id).where(
            OutgoingMail.template == "restriction_lift_notice")) is None
        assert len(session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id)).all()) == 1
    today = receipt_date(CLOCK.now())
    earliest = today + timedelta(days=14)  # the default notice period
    early = coordinator.post(f"{path}/restriction/notice", data={
        "csrf_token": _csrf(coordinator, path), "lift_on": today.isoformat(),
        "reason": "geklärt"}, follow_redirects=True).get_data(as_text=True)
    assert f"Die Ankündigungsfrist endet am {earliest:%d.%m.%Y}" in early
    coordinator.post(f"{path}/restriction/notice", data={
        "csrf_token": _csrf(coordinator, path), "lift_on": "",
        "reason": "Die Richtigkeit ist geklärt."})
    page = coordinator.get(f"{path}?tab=changes").get_data(as_text=True)
    assert "/restriction/lift" in page
    shown = page[page.index('id="lift-on"'):]
    assert earliest.strftime("%d.%m.%Y") in shown[:300] and "abgelehnt" in shown[:300]
    refused = coordinator.post(f"{path}/restriction/lift", data={"csrf_token": _csrf(
        coordinator, path)}, follow_redirects=True).get_data(as_text=True)
    assert (f"Einschränkung aufheben: Die Mitteilung nach Art. 18 Abs. 3 DSGVO nennt den "
            f"{earliest:%d.%m.%Y}"
            in refused)
    with demo_services.db.session() as session:
        assert len(session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id)).all()) == 1
        session.get(Request, request_id).restriction_lift_on = today  # the day has come
    done = coordinator.post(f"{path}/restriction/lift", data={"csrf_token": _csrf(
        coordinator, path)}, follow_redirects=True).get_data(as_text=True)
    assert "Einschränkung aufgehoben." in done
    with demo_services.db.session() as session:
        plans = session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id).order_by(ChangePlan.id)).all()
        assert [p.status for p in plans] == ["executed", "executed"]
        assert plans[1].body["changes"][0]["value"] is False
        actions_done = session.scalars(select(AuditEvent.action).where(
            AuditEvent.request_id == request_id)).all()
        assert "restriction_lift_notice_sent" in actions_done
        assert "restriction_lifted" in actions_done
