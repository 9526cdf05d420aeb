"""The coordinator's request page in sections: each tab renders only its section on the
server (no script, no inline style), the buttons sit with what they act on, internal notes are
shown in the overview and never reach the customer, and every label is in the reader's
language."""

from __future__ import annotations

import email
import io
import re
from email import policy
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.requests.page import Section, next_step
from tests.support.clock import CLOCK
from tests.support.safe_steps import confirmed
from tests.web.test_queue import _client, _csrf, _request_in_review
from workflows.runner import run_pending
from workflows.states import State

NOTE = "Interner Hinweis: Rückruf bei Frau Brunner vereinbart"


@pytest.fixture
def review_id(demo_services: Services, demo_shop: dict[str, Any]) -> int:
    return _request_in_review(demo_services, demo_shop["summary"].sample_customer_email)


def _tab(client: Any, request_id: int, tab: str, lang: str = "de") -> str:
    response = client.get(f"/queue/requests/{request_id}?tab={tab}&lang={lang}")
    assert response.status_code == 200, tab
    return str(response.get_data(as_text=True))


#: An element only the section renders.
ONLY_IN = {"overview": 'id="next-step"', "identity": 'id="match-table"',
           "systems": 'id="tasks"', "draft": 'id="decisions-form"',
           "changes": 'id="holds-section"', "correspondence": 'id="correspondence"',
           "audit": 'id="audit"'}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_each_tab_renders_only_its_section_without_inline_script_or_style(
        app: Any, make_user: Any, review_id: int, lang: str) -> None:
    coordinator = _client(app, make_user, "coordinator")
    for tab in Section:
        page = _tab(coordinator, review_id, tab.value, lang)
        assert f'id="tab-{tab.value}" class="current" aria-current="page"' in page
        assert ONLY_IN[tab.value] in page
        others = [marker for name, marker in ONLY_IN.items() if name != tab.value]
        assert [m for m in others if m in page] == [], tab
        assert 'style="' not in page and "<script" not in page, tab
        assert 'id="status"' in page  # the status heads every tab


@pytest.mark.parametrize(("lang", "cited"), [("de", "Art. 12 Abs. 5 DSGVO"),
                                             ("en", "Art. 12(5) GDPR")])
def test_the_rejections_norm_is_suggested_as_the_reader_cites_it(
        app: Any, make_user: Any, review_id: int, lang: str, cited: str) -> None:
    overview = _tab(_client(app, make_user, "coordinator"), review_id, "overview", lang)
    assert f'name="norm" placeholder="{cited}"' in overview


def test_the_page_without_a_tab_is_the_overview_and_an_unknown_tab_is_a_404(
        app: Any, make_user: Any, review_id: int) -> None:
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get(f"/queue/requests/{review_id}").get_data(as_text=True)
    assert 'id="next-step"' in page and "Weiter zu: Antwortentwurf" in page
    missing = coordinator.get(f"/queue/requests/{review_id}?tab=nonsense")
    assert missing.status_code == 404


def test_the_approve_button_sits_below_the_decisions_it_approves(
        app: Any, make_user: Any, review_id: int) -> None:
    coordinator = _client(app, make_user, "coordinator")
    page = _tab(coordinator, review_id, "draft")
    assert page.index('id="download-pdf"') < page.index('name="d_category"') \
        < page.index('id="action-approve"')
    form = page[page.index('id="decisions-form"'):].split("</form>", 1)[0]
    assert 'id="action-approve"' in form  # the button is still the form's own
    assert 'id="action-approve"' not in _tab(coordinator, review_id, "overview")


def test_actions_come_back_to_the_section_of_their_button(
        app: Any, make_user: Any, review_id: int) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, f"/queue/requests/{review_id}")
    approved = confirmed(coordinator, f"/queue/requests/{review_id}/approve",
                         data={"csrf_token": token})
    assert approved.status_code == 302 and approved.location.endswith("?tab=draft")


def test_staff_see_their_sections_without_contents_and_no_draft(
        app: Any, make_user: Any, review_id: int) -> None:
    staff = _client(app, make_user, "staff")
    for tab in ("overview", "identity", "systems", "changes", "correspondence", "audit"):
        page = _tab(staff, review_id, tab)
        assert "juergen" not in page.lower() and 'id="note-form"' not in page, tab
        assert 'id="tab-draft"' not in page
    assert staff.get(f"/queue/requests/{review_id}?tab=draft").status_code == 404


def test_a_note_is_shown_with_author_and_time_audited_and_staff_cannot_add_one(
        app: Any, make_user: Any, review_id: int) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, f"/queue/requests/{review_id}")
    added = coordinator.post(f"/queue/requests/{review_id}/notes",
                             data={"csrf_token": token, "body": NOTE})
    assert added.status_code == 302
    page = _tab(coordinator, review_id, "overview")
    notes = page[page.index('id="notes-section"'):]
    assert NOTE in notes and "coordinator" in notes
    assert CLOCK.now().strftime("%d.%m.%Y") in notes  # the service's day, not the machine's
    assert "Interne Notiz hinzugefügt" in _tab(coordinator, review_id, "audit")
    assert NOTE not in _tab(coordinator, review_id, "audit")
    empty = coordinator.post(f"/queue/requests/{review_id}/notes",
                             data={"csrf_token": token, "body": "   "})
    assert empty.status_code == 422 and "Die Notiz ist leer." in empty.get_data(as_text=True)
    staff = _client(app, make_user, "staff")
    assert staff.post(f"/queue/requests/{review_id}/notes",
                      data={"csrf_token": _csrf(staff, f"/queue/requests/{review_id}"),
                            "body": "Staff-Notiz"}).status_code == 403
    assert NOTE not in _tab(staff, review_id, "overview")


def _texts_sent_to_the_customer(services: Services, request_id: int) -> list[str]:
    """Every stored document of the request as text, and every mail written."""
    found = []
    with services.db.session() as session:
        for doc in session.scalars(select(Document).where(Document.request_id == request_id)):
            data = services.documents.read(doc)
            if doc.content_type == "application/pdf":
                found.append("".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
            else:
                found.append(data.decode("utf-8", "replace"))
    for path in Path(services.config.mail_out_dir).glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        found.append(message.as_string())
    return found


def test_notes_are_in_no_answer_export_or_mail(app: Any, make_user: Any,
                                               demo_services: Services,
                                               demo_shop: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        req = submit(session, Submission(types=["access"], name="Jürgen Weiß",
                                         email=demo_shop["summary"].sample_customer_email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=demo_services.calendar, connectors=["shop"])
        request_id = req.id
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, f"/queue/requests/{request_id}")
    assert coordinator.post(f"/queue/requests/{request_id}/notes",
                            data={"csrf_token": token, "body": NOTE}).status_code == 302
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=["shop"])
    run_pending(demo_services)
    for action in ("approve", "release"):
        assert confirmed(coordinator, f"/queue/requests/{request_id}/{action}",
                         data={"csrf_token": token}).status_code == 302
        run_pending(demo_services)
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
    report = coordinator.get(f"/queue/requests/{request_id}/report.json")
    assert report.status_code == 200 and NOTE not in report.get_data(as_text=True)
    texts = _texts_sent_to_the_customer(demo_services, request_id)
    assert len(texts) >= 3
    assert [t for t in texts if "Rückruf bei Frau Brunner" in t] == []


@pytest.mark.parametrize(("lang", "message_label", "customer_label"), [
    ("de", "Nachricht der anfragenden Person", "Ihre Nachricht"),
    ("en", "Message from the requester", "Your message")])
def test_labels_are_the_coordinators_words_in_the_readers_language(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any],
        lang: str, message_label: str, customer_label: str) -> None:
    with demo_services.db.session() as session:
        req = submit(session, Submission(types=["access"], name="Jürgen Weiß",
                                         email=demo_shop["summary"].sample_customer_email,
                                         message="Bitte alles.", channel=Channel.FORM.value,
                                         received_at=CLOCK.now()),
                     calendar=demo_services.calendar, connectors=["shop"])
        request_id = req.id
    run_pending(demo_services)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=["shop"])
    run_pending(demo_services)
    coordinator = _client(app, make_user, "coordinator")
    identity = _tab(coordinator, request_id, "identity", lang)
    assert message_label in identity and customer_label not in identity
    pages = "".join(_tab(coordinator, request_id, t.value, lang) for t in Section)
    text = re.sub(r"<[^>]+>", " ", pages)  # what the reader sees, without attributes
    for code in ("siehe Details", "see details", "no_address_on_file", ">shop<", ">email<",
                 "Sperre Nr. 1:"):
        assert code not in text and code not in pages, code
    overview = _tab(coordinator, request_id, "overview", lang)
    assert ("Deutsch" if lang == "de" else "German") in overview


@pytest.mark.parametrize(("lang", "expected"), [
    ("de", "Rechtliche Sperre Nr. 1 (Inkasso)"), ("en", "Legal hold no. 1 (collection)")])
def test_a_holds_reason_names_its_kind_in_words(app: Any, lang: str, expected: str) -> None:
    from flask import g

    from dsr.changes.views import _reason_label

    with app.test_request_context(f"/?lang={lang}"):
        g.lang = lang
        assert _reason_label("hold:1:collection", {}, lang) == expected


@pytest.mark.parametrize("lang", ["de", "en"])
def test_every_next_step_and_task_result_has_words(app: Any, lang: str) -> None:
    from flask import g

    from dsr.web.i18n import _, has_message
    from dsr.web.task_summary import task_details, task_summary
    from workflows.results import TaskResult

    steps = {next_step(s, released=r, failed_tasks=f, waiting_notices=w, changes=c)
             for s in State for r in (False, True) for f in (0, 1) for w in (0, 1)
             for c in (False, True)}
    quoted = re.compile(r"„([^“]+)“" if lang == "de" else r"“([^”]+)”")
    with app.test_request_context(f"/?lang={lang}"):
        g.lang = lang
        assert [k for k in sorted({s.key for s in steps}) if not has_message(k)] == []
        for step in steps:  # each text names its buttons, as they read, and no other
            labels = [_(b) for b in step.buttons]
            text = _(step.key, **dict(zip(("button", "button2"), labels, strict=False)))
            assert quoted.findall(text) == labels, (step, text)
        odd = TaskResult({"sent": False, "why": "no_address_on_file", "method": "email"})
        summary, details = task_summary(odd), task_details(odd)
        assert "no_address_on_file" not in summary and "email" not in repr(details)
        assert task_summary(TaskResult({"letter": 7})) not in ("siehe Details", "see details")


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_pages_name_the_steps_by_their_buttons(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any],
        lang: str) -> None:
    """Carrying out the plan and sending the answer are two steps with two buttons: the hints,
    the next step and the messages after each say so, in the buttons' own words."""
    from tests.dsr.requests.test_safe_actions import _in_review
    execute, send = {"de": ("„Änderungen ausführen…“", "„Antwort versenden…“"),
                     "en": ("“Carry out the changes…”", "“Send the answer…”")}[lang]
    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    coordinator = _client(app, make_user, "coordinator")
    changes = _tab(coordinator, request_id, "changes", lang)
    hint = changes[changes.index('id="changes-approve-hint">'):].split("<a ", 1)[0]
    assert execute in hint and send in hint
    assert "Vor der Freigabe" not in changes and "before approval" not in changes  # the plan's hint
    overview = _tab(coordinator, request_id, "overview", lang)
    next_text = overview[overview.index('id="next-step-text">'):].split("</p>", 1)[0]
    assert execute in next_text
    for old in ("freigeb", "herausgeb", "approve", "release"):
        assert old not in (hint + next_text).lower().replace("changes-approve-hint", "")
    path = f"/queue/requests/{request_id}"
    token = _csrf(coordinator, path)
    done = confirmed(coordinator, f"{path}/approve?lang={lang}", data={"csrf_token": token},
                     follow_redirects=True).get_data(as_text=True)
    assert send in done and "Freigegeben." not in done and "Approved." not in done
    run_pending(demo_services)
    overview = _tab(coordinator, request_id, "overview", lang)
    assert send in overview[overview.index('id="next-step-text"'):].split("</p>", 1)[0]
    sent = confirmed(coordinator, f"{path}/release?lang={lang}", data={"csrf_token": token},
                     follow_redirects=True).get_data(as_text=True)
    assert {"de": "Antwort versendet.", "en": "Answer sent."}[lang] in sent


@pytest.mark.parametrize(("lang", "label"), [("de", "System (Regel für rechtliche Sperren)"),
                                             ("en", "System (legal-hold rule)")])
def test_the_audit_names_an_automatic_actor_in_words(
        app: Any, make_user: Any, demo_services: Services, lang: str, label: str) -> None:
    from tests.web.test_holds_pages import DIETER
    from tests.web.test_holds_pages import _in_review as erasure_in_review
    request_id = erasure_in_review(demo_services, DIETER)  # planning places a derived hold
    coordinator = _client(app, make_user, "coordinator")
    audit = _tab(coordinator, request_id, "audit", lang)
    table = audit[audit.index('id="audit"'):].split("</table>", 1)[0]
    assert f"<td>{label}</td>" in table
    assert "system:" not in table


@pytest.mark.parametrize(("lang", "day", "found"), [("de", "31.12.2029", "1 Person gefunden"),
                                                    ("en", "31 Dec 2029", "1 subject found")])
def test_the_plan_dates_and_counts_read_in_the_pages_language(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any],
        lang: str, day: str, found: str) -> None:
    from tests.dsr.requests.test_safe_actions import _in_review
    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    coordinator = _client(app, make_user, "coordinator")
    changes = _tab(coordinator, request_id, "changes", lang)
    plans = changes[changes.index('id="plan-'):]
    assert day in plans and not re.search(r"\b20\d\d-\d\d-\d\d\b", plans)
    systems = _tab(coordinator, request_id, "systems", lang)
    assert found in systems
    assert not re.search(r"\w\((en|n|s|e)\)|Vorschlag/Vorschläge|categor\(y", systems)
