"""The customer's status page and the code link, the no-oracle promise for form, API and
acknowledgement, and the coordinator's verification panel with its role checks."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image, ImageDraw
from sqlalchemy import event, select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.documents import Document
from dsr.requests.intake import status_code
from dsr.requests.models import Request
from tests.support.verification import code_mails, mails, new_request, sent_code
from workflows.jobs import JOBS
from workflows.models import Task
from workflows.runner import run_pending
from workflows.states import State

PASSWORD = "correct horse battery"
JUERGEN = "juergen.weiss@example.org"
UNKNOWN = "nobody-here@example.net"


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _login(app: Any, make_user: Any, username: str, role: str) -> Any:
    make_user(username, role)
    client = app.test_client()
    client.post("/login", data={"csrf_token": _csrf(client, "/login"), "username": username,
                                "password": PASSWORD})
    return client


def _reference(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return session.get(Request, request_id).reference


def _status(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return session.get(Request, request_id).status


def _open_status(app: Any, services: Services, request_id: int) -> Any:
    client = app.test_client()
    reference = _reference(services, request_id)
    response = client.post("/status?lang=de", data={
        "csrf_token": _csrf(client, "/status"), "reference": reference,
        "code": status_code(services.config.secret_key, reference)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/status/request")
    return client


def _mask(text: str, services: Services) -> str:
    text = re.sub(r"DSR-[A-Z0-9]+", "REF", text)
    text = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", text)
    text = re.sub(r"Statusabfrage: [A-Z0-9]+|status page: [A-Z0-9]+", "CODE", text)
    return re.sub(r"\d{2}\.\d{2}\.\d{4}( um \d{2}:\d{2} Uhr)?", "DATE", text)


def test_public_answers_are_the_same_for_known_and_unknown_addresses(
        app: Any, demo_services: Services) -> None:
    """Form page, API receipt and acknowledgement: identical but for id, reference and code,
    and not one shop query runs while they are produced."""
    statements: list[str] = []
    engine = demo_services.connectors["shop"].engine

    def record(*args: Any) -> None:
        statements.append(args[2])

    pages, receipts = [], []
    event.listen(engine, "before_cursor_execute", record)
    try:
        for address in (JUERGEN, UNKNOWN):
            client = app.test_client()
            form = client.post("/?lang=de", data={
                "csrf_token": _csrf(client, "/?lang=de"), "types": ["access"],
                "name": "Jürgen Weiß", "email": address})
            pages.append(_mask(client.get(form.headers["Location"]).get_data(as_text=True),
                               demo_services))
            api = client.post("/api/v1/requests", json={"types": ["access"], "name": "Jürgen Weiß",
                                                       "email": address})
            assert api.status_code == 201
            receipts.append({k: v for k, v in api.get_json().items() if k not in ("id", "reference")})
            with demo_services.db.session() as session:  # the acknowledgement: no lookup either
                for task in session.scalars(select(Task).where(Task.kind == "acknowledge",
                                                               Task.status == "pending")):
                    JOBS["acknowledge"](demo_services, session, task)
                    task.status = "done"
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert statements == []
    assert pages[0] == pages[1]
    assert receipts[0] == receipts[1]
    acks = mails(demo_services)
    assert len(acks) == 4
    bodies = {_mask(m["body"], demo_services) for m in acks}
    assert len(bodies) == 1, bodies
    # Only afterwards, as a task, the matching; the code goes to the address on file only.
    run_pending(demo_services)
    assert [m["to"] for m in code_mails(demo_services)] == [JUERGEN, JUERGEN]


def test_status_page_is_the_same_for_known_and_unknown(app: Any, demo_services: Services) -> None:
    known = new_request(demo_services)
    unknown = new_request(demo_services, email_address=UNKNOWN)
    pages = []
    for request_id in (known, unknown):
        client = _open_status(app, demo_services, request_id)
        pages.append(_mask(client.get("/status/request").get_data(as_text=True), demo_services))
    assert pages[0] == pages[1]
    assert 'id="identity-code"' in pages[0] and 'id="blackout"' in pages[0]
    assert "Ausweis- und Zugangsnummer" in pages[0]


def test_customer_enters_the_code_on_the_status_page(app: Any, demo_services: Services) -> None:
    request_id = new_request(demo_services)
    client = _open_status(app, demo_services, request_id)
    page = client.get("/status/request").get_data(as_text=True)
    assert 'id="deadline"' in page and "Wir prüfen Ihre Identität" in page
    token = _csrf(client, "/status/request")
    wrong = client.post("/status/request/code", data={"csrf_token": token, "code": "2222-2222"},
                        follow_redirects=True).get_data(as_text=True)
    assert "nicht gültig" in wrong
    code = sent_code(code_mails(demo_services)[0])
    done = client.post("/status/request/code", data={"csrf_token": token, "code": code},
                       follow_redirects=True).get_data(as_text=True)
    assert "der Code ist bestätigt" in done and "In Bearbeitung" in done
    assert _status(demo_services, request_id) == State.VERIFIED
    again = client.post("/status/request/code", data={"csrf_token": token, "code": code},
                        follow_redirects=True)
    assert again.status_code == 200  # no form any more, nothing changes
    assert _status(demo_services, request_id) == State.VERIFIED


def test_the_link_page_counts_every_wrong_try(app: Any, demo_services: Services) -> None:
    request_id = new_request(demo_services)
    reference = _reference(demo_services, request_id)
    code = sent_code(code_mails(demo_services)[0])
    client = app.test_client()
    path = f"/verify/{reference}?lang=en"
    for _ in range(5):
        page = client.post(path, data={"csrf_token": _csrf(client, path), "code": "ZZZZZZZZ"},
                           follow_redirects=True).get_data(as_text=True)
        assert "This code is not valid" in page
    locked = client.post(path, data={"csrf_token": _csrf(client, path), "code": code},
                         follow_redirects=True).get_data(as_text=True)
    assert "This code is not valid" in locked
    assert _status(demo_services, request_id) == State.AWAITING_VERIFICATION


def test_the_link_page_confirms_with_the_right_code(app: Any, demo_services: Services) -> None:
    request_id = new_request(demo_services)
    reference = _reference(demo_services, request_id)
    code = sent_code(code_mails(demo_services)[0])
    client = app.test_client()
    path = f"/verify/{reference}"
    page = client.post(path, data={"csrf_token": _csrf(client, path), "code": code})
    assert 'id="code-confirmed"' in page.get_data(as_text=True)
    assert _status(demo_services, request_id) == State.VERIFIED


def test_withdrawal_needs_a_tick_and_then_closes_the_request(app: Any,
                                                             demo_services: Services) -> None:
    request_id = new_request(demo_services)
    client = _open_status(app, demo_services, request_id)
    token = _csrf(client, "/status/request")
    page = client.post("/status/request/withdraw", data={"csrf_token": token},
                       follow_redirects=True).get_data(as_text=True)
    assert "Häkchen" in page and _status(demo_services, request_id) == State.AWAITING_VERIFICATION
    page = client.post("/status/request/withdraw", data={"csrf_token": token, "confirm": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    assert "zurückgezogen" in page and _status(demo_services, request_id) == State.WITHDRAWN
    with demo_services.db.session() as session:
        assert session.scalars(select(AuditEvent).where(
            AuditEvent.to_state == "withdrawn")).one().actor == "customer"


def test_status_actions_need_the_reference_and_code_first(app: Any, demo_services: Services) -> None:
    client = app.test_client()
    assert client.get("/status/request").status_code == 302
    token = _csrf(client, "/status")
    assert client.post("/status/request/withdraw", data={"csrf_token": token,
                                                         "confirm": "yes"}).status_code == 302


def scan(width: int = 900, height: int = 600) -> bytes:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, width - 40, height - 40), outline="black", width=6)
    for y in range(100, height - 100, 40):
        draw.line((80, y, width - 200, y), fill="black", width=8)
    out = io.BytesIO()
    image.save(out, format="JPEG")
    return out.getvalue()


def test_customer_upload_refused_with_a_clear_message_or_stored(app: Any,
                                                                demo_services: Services) -> None:
    request_id = new_request(demo_services)
    client = _open_status(app, demo_services, request_id)
    token = _csrf(client, "/status/request")
    html = b"<!doctype html><html><script>alert(1)</script></html>"
    refused = client.post("/status/request/id-copy?lang=en", data={
        "csrf_token": token, "file": (io.BytesIO(html), "ausweis.pdf")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "By its content, this file is none of these" in refused
    ok = client.post("/status/request/id-copy?lang=en", data={
        "csrf_token": token, "file": (io.BytesIO(scan()), "ausweis.jpg")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "we have received the copy" in ok
    with demo_services.db.session() as session:
        doc = session.scalars(select(Document).where(Document.kind == "id_copy")).one()
        assert doc.created_by_id is None and doc.content_type == "image/jpeg"


def test_id_copy_roles_watermark_and_deletion(app: Any, make_user: Any,
                                              demo_services: Services) -> None:
    request_id = new_request(demo_services, channel="letter")
    staff = _login(app, make_user, "desk", "staff")
    page = f"/queue/requests/{request_id}"
    staff.post(f"{page}/id-copy", data={"csrf_token": _csrf(staff, page),
                                       "file": (io.BytesIO(scan()), "scan.jpg")},
               content_type="multipart/form-data")
    with demo_services.db.session() as session:
        doc = session.scalars(select(Document).where(Document.kind == "id_copy")).one()
        doc_id, key = doc.id, doc.storage_key
    raw = (demo_services.config.documents_dir / key[:2] / key).read_bytes()
    assert b"\xff\xd8\xff" not in raw and b"JFIF" not in raw
    assert staff.get(f"{page}/id-copies/{doc_id}").status_code == 403  # staff uploaded it
    uploader = _login(app, make_user, "kora", "coordinator")
    uploader.post(f"{page}/id-copy", data={"csrf_token": _csrf(uploader, page),
                                          "file": (io.BytesIO(scan(800, 500)), "scan2.jpg")},
                  content_type="multipart/form-data")
    with demo_services.db.session() as session:
        own = session.scalars(select(Document).where(Document.kind == "id_copy")
                              .order_by(Document.id.desc())).first().id
    assert uploader.get(f"{page}/id-copies/{own}").status_code == 403  # nobody opens their own
    coordinator = _login(app, make_user, "koordinator", "coordinator")
    shown = coordinator.get(f"{page}/id-copies/{doc_id}")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert shown.headers["Cache-Control"] == "no-store"
    assert shown.data.startswith(b"\xff\xd8\xff")
    text = coordinator.get(f"{page}?tab=identity").get_data(as_text=True)
    assert 'id="verification-panel"' in text and "Brief/Fax/Telefon" in text
    assert 'id="verification-history"' in text and "Ausweiskopie" in text
    coordinator.post(f"{page}/verification/id_accept", data={"csrf_token": _csrf(coordinator, page),
                                                             "name_check": "match"})
    assert _status(demo_services, request_id) == State.VERIFIED
    with demo_services.db.session() as session:
        docs = session.scalars(select(Document).where(Document.kind == "id_copy")).all()
        assert all(d.deleted_at is not None for d in docs)
        deleted = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "document_deleted")).all()
        assert len(deleted) == 2
        verified = session.scalars(select(AuditEvent).where(AuditEvent.to_state == "verified")).one()
        assert verified.details["method"] == "id_document" and verified.details["policy_met"] is False
    assert not (demo_services.config.documents_dir / key[:2] / key).exists()
    assert coordinator.get(f"{page}/id-copies/{doc_id}").status_code == 403


def test_new_code_answer_is_the_same_whether_or_not_an_address_is_on_file(
        app: Any, demo_services: Services) -> None:
    pages = []
    for address in (JUERGEN, UNKNOWN):
        request_id = new_request(demo_services, email_address=address)
        client = _open_status(app, demo_services, request_id)
        page = client.post("/status/request/new-code", data={
            "csrf_token": _csrf(client, "/status/request")}, follow_redirects=True)
        pages.append(_mask(page.get_data(as_text=True), demo_services))
    assert pages[0] == pages[1] and "ein neuer Code unterwegs" in pages[0]
    run_pending(demo_services)
    assert [m["to"] for m in code_mails(demo_services)] == [JUERGEN, JUERGEN]
