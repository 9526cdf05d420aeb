"""Contesting an automated decision on the coordinator's request page: the credit checks with
their inputs, result and the register's procedure; the CSRF-protected form that records the
human review (coordinators only; staff and admins get 403); bad input is a message and stores
nothing; approval waits for the outcome; release sends it once, to the address on file.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from email import message_from_bytes
from email.policy import default
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from dsr.contest.models import DecisionReview
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.support.safe_steps import confirmed
from tests.web.test_change_review import _client, _csrf
from workflows.models import Task
from workflows.runner import run_pending

EMAIL = "dieter.poeschl@example.com"  # a showcase customer with credit checks (score ~91)


def _reviews(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count()).select_from(DecisionReview)) or 0)


def _submit(app: Any) -> str:
    public = app.test_client()
    token = _csrf(public, "/?lang=de")
    response = public.post("/", data={"csrf_token": token, "types": ["contest_decision"],
                                      "name": "Dieter Pöschl", "email": EMAIL})
    assert response.status_code == 302
    page = public.get("/submitted").get_data(as_text=True)
    return re.search(r'id="reference">(DSR-[A-Z0-9]+)<', page).group(1)


def _post(client: Any, path: str, action: str, **data: Any) -> str:
    return client.post(f"{path}/{action}", data={"csrf_token": _csrf(client, path), **data},
                       follow_redirects=True).get_data(as_text=True)


def test_submit_to_review_to_outcome_to_release(app: Any, make_user: Any,
                                                demo_services: Services) -> None:
    reference = _submit(app)
    run_pending(demo_services)  # acknowledgement, matching, the code to the address on file
    with demo_services.db.session() as session:
        request_id = session.scalars(select(Request.id).where(
            Request.reference == reference)).one()
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    _post(coordinator, path, "verify")
    _post(coordinator, path, "process")
    run_pending(demo_services)  # collect (the shop only) and compile
    with demo_services.db.session() as session:
        collected = {t.connector: t.result for t in session.scalars(select(Task).where(
            Task.request_id == request_id, Task.kind == "collect"))}
    assert collected["shop"]["rows"] > 0 and collected["newsletter"]["why"] == "not_needed"

    page = coordinator.get(f"{path}?tab=draft").get_data(as_text=True)
    assert 'id="status">Prüfung<' in page and 'id="contest-section"' in page
    assert "SCHUFA Holding AG" in page and "Rechnung" in page  # bureau, payment asked for
    assert "eingeschränkt: ohne Ratenkauf und Lastschrift" in page  # the result, in words
    assert "Wenn Sie auf Rechnung oder in Raten zahlen möchten" in page  # the procedure
    assert 'id="contest-no-review"' in page
    checks = re.findall(r'name="check" value="(credit_check:\d+)"', page)
    chosen = re.search(r'name="check" value="([^"]+)" form="contest-form" [^>]*checked', page)
    assert checks and chosen and chosen.group(1) == checks[0]  # the newest is chosen

    refused = _post(coordinator, path, "approve")
    assert "Art. 22 Abs. 3 DSGVO" in refused and 'id="status">Prüfung<' in refused

    form = {"check": checks[0], "outcome": "changed", "reasons": "Forderung beglichen.",
            "options": ["invoice", "paypal"], "reviewer_role": "credit_management"}
    for bad, message in [
        ({"reasons": ""}, "Begründung: Bitte 1 bis 5000 Zeichen."),
        ({"reasons": "   "}, "Begründung: 1 bis 5000 Zeichen"),
        ({"options": ["invoice", "bitcoin"]}, "Unbekannte Zahlungsart: bitcoin."),
        ({"options": []}, "die jetzt angebotenen Zahlungsarten wählen"),
        ({"outcome": "vielleicht"}, "Ergebnis: Bitte einen dieser Werte"),
        ({"reviewer_role": "praktikant"}, "Rolle der prüfenden Person: Bitte einen dieser Werte"),
        ({"check": "credit_check:999999"}, "eine der gesammelten wählen"),
    ]:
        shown = _post(coordinator, path, "contest-review", **{**form, **bad})
        assert message in shown, message
    assert coordinator.post(f"{path}/contest-review", data=form).status_code == 400  # no CSRF
    assert _reviews(demo_services) == 0

    page = _post(coordinator, path, "contest-review", **form)
    assert "Das Ergebnis der Überprüfung ist gespeichert." in page
    outcome = re.search(r'id="contest-outcome">([^<]+)<', page).group(1)
    options = re.search(r'id="contest-options">([^<]+)<', page).group(1)
    assert outcome == "geändert" and options == "Rechnung, PayPal"
    assert 'id="contest-message-form"' in page and "Wir ändern die Entscheidung." in page
    assert "Ergebnis der menschlichen Überprüfung erfasst" in coordinator.get(
        f"{path}?tab=audit").get_data(as_text=True)  # the audit trail

    page = _post(coordinator, path, "contest-review",
                 **{**form, "outcome": "upheld", "reasons": "Score aktuell, keine neuen Angaben."})
    assert re.search(r'id="contest-outcome">([^<]+)<', page).group(1) == "bestätigt"
    assert _reviews(demo_services) == 1

    confirmed(coordinator, f"{path}/approve", {"csrf_token": _csrf(coordinator, path)})
    run_pending(demo_services)
    page = coordinator.get(f"{path}?tab=draft").get_data(as_text=True)
    assert 'id="contest-form"' not in page and "nicht mehr geändert" in page
    late = _post(coordinator, path, "contest-review", **form)
    assert "vor „Entscheidungen festhalten…“ bzw. „Änderungen ausführen…“" in late
    confirmed(coordinator, f"{path}/release", {"csrf_token": _csrf(coordinator, path)})
    run_pending(demo_services)
    run_pending(demo_services)  # a second look changes nothing
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).status == "completed"

    mails = [message_from_bytes(p.read_bytes(), policy=default)
             for p in sorted(Path(demo_services.config.mail_out_dir).glob("*.eml"))]
    (mail,) = [m for m in mails if "Bonitätsentscheidung" in str(m["Subject"])]  # exactly one
    assert mail["To"] == EMAIL
    text = mail.get_body(preferencelist=("plain",)).get_content()
    for wanted in ("Wir halten an der Entscheidung fest.", "Score aktuell, keine neuen Angaben.",
                   "Kreditmanagement", "Art. 77", "Art. 79", reference):
        assert wanted in text, wanted
    page = coordinator.get(f"{path}?tab=audit").get_data(as_text=True)
    assert "Ergebnis der Überprüfung mitgeteilt" in page


def test_staff_and_admins_get_403(app: Any, make_user: Any, demo_services: Services) -> None:
    _submit(app)
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.scalars(select(Request)).one()
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0",
                        connectors=list(demo_services.config.connectors))
        request_id = req.id
    run_pending(demo_services)
    path = f"/queue/requests/{request_id}"
    clients = {role: _client(app, make_user, role) for role in ("staff", "admin")}
    for client in clients.values():
        token = _csrf(client, "/login")
        for action in ("contest-review", "contest-message"):
            assert client.post(f"{path}/{action}", data={
                "csrf_token": token, "check": "credit_check:1", "outcome": "upheld",
                "reasons": "x", "reviewer_role": "management", "subject": "s",
                "body": "b" * 30}).status_code == 403
    staff_page = "".join(clients["staff"].get(f"{path}?tab={tab}").get_data(as_text=True)
                         for tab in ("overview", "identity", "systems", "changes"))
    assert 'id="status">Prüfung<' in staff_page and 'id="contest-section"' not in staff_page
    assert _reviews(demo_services) == 0
