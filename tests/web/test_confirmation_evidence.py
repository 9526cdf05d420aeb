"""Evidence on the staff pages: a recipient's confirmation is recorded with the day it arrived
(not in the future) and the recipient's reference, shown with the staff member's name, and can
be taken back (every audit action's label: tests/dsr/test_audit.py); the holds heading is in one
language. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.catalogs import builtin
from dsr.changes.models import RecipientNotice
from dsr.context import Services
from tests.support.clock import CLOCK
from tests.web.test_change_review import _client, _csrf, _request
from workflows.deadlines import BERLIN


def test_a_confirmation_records_the_day_received_and_the_reference_and_can_be_undone(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _request(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        notice = RecipientNotice(request_id=request_id, connector="recipients",
                                 recipient="schufa", channel="email", status="waiting",
                                 sent_at=CLOCK.now() - timedelta(days=5))
        session.add(notice)
        session.flush()
        notice_id = notice.id
    today = CLOCK.now().astimezone(BERLIN).date()
    staff = _client(app, make_user, "staff")
    listed = staff.get("/queue/notices").get_data(as_text=True)
    assert f'name="received_on" id="received-on-{notice_id}" value="{today.isoformat()}"' in listed
    assert f'max="{today.isoformat()}"' in listed and 'name="note"' in listed
    path = f"/queue/requests/{request_id}"

    for bad, message in [
        ({"received_on": (today + timedelta(days=1)).isoformat()},
         "Eingegangen am: Das Datum darf nicht in der Zukunft liegen."),
        ({"received_on": (today - timedelta(days=30)).isoformat()},
         "Eingegangen am: nicht vor dem Versand der Mitteilung."),
        ({"received_on": "gestern"}, "Datum als JJJJ-MM-TT angeben"),
        ({"note": "x" * 201}, "Vermerk: höchstens 200 Zeichen."),
    ]:
        shown = staff.post(f"/queue/notices/{notice_id}/confirm", follow_redirects=True,
                           data={"csrf_token": _csrf(staff, path), **bad})
        assert message in shown.get_data(as_text=True), message
    with demo_services.db.session() as session:
        assert session.get(RecipientNotice, notice_id).status == "waiting"

    received = today - timedelta(days=2)
    staff.post(f"/queue/notices/{notice_id}/confirm", data={
        "csrf_token": _csrf(staff, path), "received_on": received.isoformat(),
        "note": "SCHUFA-Ticket 2026-118734"})
    with demo_services.db.session() as session:
        row = session.get(RecipientNotice, notice_id)
        assert row.status == "confirmed" and row.confirmation_received_on == received
        assert row.confirmation_note == "SCHUFA-Ticket 2026-118734"
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "recipient_confirmed")).one()
        assert event.details["received_on"] == received.isoformat()
        assert "118734" not in str(event.details)
    page = staff.get(f"{path}?tab=changes").get_data(as_text=True)
    notices = page[page.index('id="notices"'):].split("</table>", 1)[0]
    assert f"Eingegangen am {received.strftime('%d.%m.%Y')}" in notices
    assert "SCHUFA-Ticket 2026-118734" in notices
    assert "erfasst von staff" in notices and "user:" not in notices
    assert f'id="unconfirm-{notice_id}"' in notices

    staff.post(f"/queue/notices/{notice_id}/unconfirm", data={"csrf_token": _csrf(staff, path)})
    with demo_services.db.session() as session:
        row = session.get(RecipientNotice, notice_id)
        assert row.status == "waiting" and row.confirmation_note is None
        assert row.confirmed_at is None and row.confirmation_received_on is None
    audit = staff.get(f"{path}?tab=audit").get_data(as_text=True)
    assert "Bestätigung des Empfängers zurückgenommen" in audit  # the audit trail
    page = staff.get(f"{path}?tab=changes").get_data(as_text=True)
    assert f'id="confirm-notice-{notice_id}"' in page
    for lang, label in (("de", "Vermerk / Aktenzeichen des Empfängers (freiwillig) – z. B. "
                                "Ticketnummer; keine personenbezogenen Daten"),
                        ("en", "Note / the recipient's reference (optional) – e.g. their "
                               "ticket number; no personal data")):
        shown = staff.get(f"{path}?tab=changes&lang={lang}").get_data(as_text=True)
        found = re.search(rf'<label for="note-{notice_id}">(.*?)</label>', shown, re.S)
        assert found is not None
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())
        assert text == label  # one pair of parentheses, never "((freiwillig); …)"

    english = staff.get(f"{path}?tab=audit&lang=en").get_data(as_text=True)
    assert "Recipient&#39;s confirmation taken back" in english or \
        "Recipient's confirmation taken back" in html.unescape(english)


STRINGS = {lang: builtin().entries(lang) for lang in ("de", "en")}


def test_staff_headings_are_in_one_language() -> None:
    for key in ("hold_title",):
        assert " / " not in STRINGS["de"][key] and " / " not in STRINGS["en"][key]


def test_verification_history_and_task_results_read_as_words(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    from dsr.requests.models import Request
    from dsr.verification import steps as verification_steps

    request_id = _request(demo_services, ["access"], demo_shop["summary"].sample_customer_email)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        verification_steps.record(session, req, "email_code", "refused", "customer",
                                  result="wrong")
        verification_steps.record(session, req, "email_code", "ok", "customer", result="ok")
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get(f"/queue/requests/{request_id}?tab=identity").get_data(as_text=True)
    history = page[page.index('id="verification-history"'):].split("</table>", 1)[0]
    assert "Code eingegeben" in history and "falsch" in history and "richtig" in history
    assert ">wrong<" not in history and ">ok<" not in history
    page = coordinator.get(f"/queue/requests/{request_id}?tab=systems").get_data(as_text=True)
    tasks = page[page.index('id="tasks"'):].split("</table>", 1)[0]
    assert "1 Person gefunden" in re.sub(r"<[^>]+>", "", tasks) and "Person(en)" not in tasks
    assert "&#34;" not in tasks and "siehe Details" not in tasks  # no JSON, no dead end
    shown = re.findall(r'<summary class="hint">([^<]*)</summary>', tasks)
    assert shown and not any("{" in text for text in shown)
    figures = re.findall(r"<dt>([^<]*)</dt><dd>([^<]*)</dd>", tasks)
    assert ("Gefundene Personen", "1") in figures
