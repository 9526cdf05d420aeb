"""Staff keying: a postal request gets its deadline from the date stamp; its acknowledgement
letter (DIN 5008) puts the address in the envelope window; roles are enforced; coordinators
confirm or correct types (counted), turn triaged mail into requests and merge duplicates."""

from __future__ import annotations

import html
import io
import re
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dsr.context import Services
from dsr.documents import Document
from dsr.mail.ingest import ingest_raw
from dsr.mail.keying import stamp_time
from dsr.mail.models import ClassificationCorrection, InboundMessage, TriageEntry
from dsr.permissions import Actor
from dsr.requests.models import Request
from dsr.verification import id_copies
from tests.support.clock import CLOCK
from tests.support.mail_samples import id_card_png, mail
from workflows.deadlines import due_date, receipt_date
from workflows.states import State

PASSWORD = "correct horse battery"
MM = 72 / 25.4  # PDF points per millimetre


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _client(app: Any, make_user: Any, role: str) -> tuple[Any, int]:
    user = make_user(role, role)
    client = app.test_client()
    client.post("/login", data={"csrf_token": _csrf(client, "/login"), "username": role,
                                "password": PASSWORD})
    return client, user.id


def _key_in(client: Any, **fields: Any) -> Any:
    form = {"csrf_token": _csrf(client, "/staff/new"), "channel": "letter",
            "types": ["access", "objection"], "language": "de", "name": "Jürgen Weiß",
            "postal_address": "Lindenstraße 14\n80331 München", "evidence": "none", **fields}
    return client.post("/staff/new", data=form, content_type="multipart/form-data")


def test_postal_request_gets_its_deadline_from_the_date_stamp(app: Any, make_user: Any,
                                                              demo_services: Services) -> None:
    staff, staff_id = _client(app, make_user, "staff")
    stamp = receipt_date(CLOCK.now()) - timedelta(days=20)
    response = _key_in(staff, date_stamp=stamp.isoformat(),
                       scan=(io.BytesIO(b"%PDF-1.4\n%scan\n"), "brief.pdf"),
                       id_copy=(io.BytesIO(id_card_png()), "ausweis.png"), evidence="id_copy")
    assert response.status_code == 302, response.get_data(as_text=True)
    with demo_services.db.session() as session:
        req = session.scalars(select(Request)).one()
        assert req.channel == "letter" and req.types == ["access", "objection"]
        assert receipt_date(req.received_at) == stamp
        assert req.due_on == due_date(stamp_time(stamp), demo_services.calendar)
        assert req.due_on != due_date(CLOCK.now(), demo_services.calendar)
        docs = {d.kind: d for d in session.scalars(select(Document).where(Document.request_id == req.id))}
        assert set(docs) == {"letter_scan", "id_copy"}
        # Staff uploaded the ID copy and cannot open it again; a coordinator can.
        assert not id_copies.may_view(docs["id_copy"], Actor.of(staff_id, "staff"))
        assert not id_copies.may_view(docs["id_copy"], Actor.of(staff_id, "coordinator"))
        assert id_copies.may_view(docs["id_copy"], Actor.of(staff_id + 1, "coordinator"))
        assert session.scalars(select(TriageEntry.reason).where(
            TriageEntry.request_id == req.id)).all() == ["evidence_id_copy"]
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert req.reference in page
    # the confirmation shows the stamped day (stored as 00:00 Berlin, 23:00 UTC the day before)
    assert f"{stamp:%d.%m.%Y}" in page
    assert staff.get("/staff/triage").status_code == 403  # identity decisions are not staff's


def test_the_reply_letter_puts_the_address_in_the_envelope_window(
        app: Any, make_user: Any, demo_services: Services, tmp_path: Path) -> None:
    staff, _ = _client(app, make_user, "staff")
    _key_in(staff, date_stamp=receipt_date(CLOCK.now()).isoformat(),
            postal_address="Lindenstraße 14\n80331 München")
    with demo_services.db.session() as session:
        req = session.scalars(select(Request)).one()
    response = staff.get(f"/staff/requests/{req.id}/letter.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(response.data)
    # Rendered with pdftoppm (kept as letter-1.png for a look): ink inside the window field.
    subprocess.run(["pdftoppm", "-r", "100", "-png", "-f", "1", "-l", "1", str(pdf),
                    str(tmp_path / "letter")], check=True)
    from PIL import Image

    page = Image.open(tmp_path / "letter-1.png").convert("L")
    px = 100 / 25.4

    def ink(left: float, top: float, right: float, bottom: float) -> int:
        box = page.crop((int(left * px), int(top * px), int(right * px), int(bottom * px)))
        return sum(box.histogram()[:128])

    assert ink(25, 63, 100, 90) > 200  # the address zone (below the 62.7 mm line)
    assert ink(25, 55, 100, 62.7) > 20  # the return line just above it
    assert ink(106, 45, 124, 90) == 0 and ink(20, 91, 124, 96) == 0  # nothing around the window
    # Each word of the address lies inside the window (pdftotext's word boxes, in points).
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"],
                           check=True, capture_output=True, text=True).stdout
    words: dict[str, list[tuple[float, ...]]] = {}
    for m in re.finditer(r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<',
                         boxes):
        words.setdefault(m.group(5), []).append(tuple(float(m.group(i)) / MM for i in range(1, 5)))
    in_window = [w for w, found in words.items()
                 if any(x0 >= 24.9 and x1 <= 105 and y0 >= 62.6 and y1 <= 90 for x0, y0, x1, y1 in found)]
    assert sorted(in_window) == sorted(["Jürgen", "Weiß", "Lindenstraße", "14", "80331", "München"])
    assert req.reference in boxes
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Eingangsbestätigung" in text and "PSO GmbH" in text


def test_bad_keying_input_is_refused_clearly_and_creates_nothing(
        app: Any, make_user: Any, demo_services: Services) -> None:
    staff, _ = _client(app, make_user, "staff")
    future = _key_in(staff, date_stamp=(receipt_date(CLOCK.now()) + timedelta(days=2)).isoformat())
    assert future.status_code == 422
    assert "Eingangsstempel liegt in der Zukunft" in future.get_data(as_text=True)
    no_address = _key_in(staff, date_stamp=receipt_date(CLOCK.now()).isoformat(), postal_address="")
    assert no_address.status_code == 422
    assert "Postanschrift gebraucht" in no_address.get_data(as_text=True)
    # an empty form: a German sentence, not marshmallow's English validator text
    empty = staff.post("/staff/new", data={"csrf_token": _csrf(staff, "/staff/new")},
                       content_type="multipart/form-data")
    assert empty.status_code == 422
    assert "Missing data" not in empty.get_data(as_text=True)
    assert "Pflichtangabe" in empty.get_data(as_text=True)
    fake_scan = _key_in(staff, date_stamp=receipt_date(CLOCK.now()).isoformat(),
                        scan=(io.BytesIO(b"<html><script>x</script></html>"), "scan.pdf"))
    assert fake_scan.status_code == 422
    blank_id = _key_in(staff, date_stamp=receipt_date(CLOCK.now()).isoformat(),
                       id_copy=(io.BytesIO(b"not an image"), "id.png"))
    assert blank_id.status_code == 422
    with demo_services.db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 0


def _ingest(services: Services, message: Any) -> InboundMessage:
    with services.db.session() as session:
        inbound = ingest_raw(services, session, bytes(message), received_at=CLOCK.now() - timedelta(days=3),
                             basis="imap_internaldate", source="privacy")
        session.expunge(inbound)
        return inbound


def test_coordinator_corrects_types_and_corrections_are_counted(
        app: Any, make_user: Any, demo_services: Services) -> None:
    inbound = _ingest(demo_services, mail("Sperrung bitte.", subject="Sperrung"))
    assert inbound.action == "request" and inbound.confidence < 0.6
    coordinator, _ = _client(app, make_user, "coordinator")
    page = coordinator.get("/staff/triage").get_data(as_text=True)
    assert "Typ bestätigen" in page or "Confirm type" in page
    with demo_services.db.session() as session:
        entry = session.scalars(select(TriageEntry).where(TriageEntry.reason == "confirm_type")).one()
    token = _csrf(coordinator, "/staff/triage")
    coordinator.post(f"/staff/triage/{entry.id}/confirm",
                     data={"csrf_token": token, "types": ["restriction"], "language": "de"})
    with demo_services.db.session() as session:
        req = session.get(Request, inbound.request_id)
        assert req.types == ["restriction"]
        [correction] = session.scalars(select(ClassificationCorrection)).all()
        assert correction.corrected_types == ["restriction"] and correction.predicted_types == ["objection"]
        assert session.get(TriageEntry, entry.id).status == "done"
    assert "korrigiert: 1" in coordinator.get("/staff/triage?lang=de").get_data(as_text=True)


def test_triaged_question_becomes_a_request_from_its_arrival(
        app: Any, make_user: Any, demo_services: Services) -> None:
    inbound = _ingest(demo_services, mail("Was machen Sie eigentlich mit meinen Bestellungen?",
                                          subject="Frage", message_id="<q@example.org>"))
    assert inbound.action == "triage"
    coordinator, _ = _client(app, make_user, "coordinator")
    with demo_services.db.session() as session:
        entry = session.scalars(select(TriageEntry)).one()
    coordinator.post(f"/staff/triage/{entry.id}/request",
                     data={"csrf_token": _csrf(coordinator, "/staff/triage"), "types": ["access"],
                           "language": "de"})
    with demo_services.db.session() as session:
        req = session.scalars(select(Request)).one()
        assert req.received_at == inbound.received_at and req.types == ["access"]
        assert req.claim("email") == "juergen.weiss@example.org"
        assert session.scalar(select(func.count(ClassificationCorrection.id))) == 1


def test_same_request_by_mail_and_letter_is_offered_for_merging(
        app: Any, make_user: Any, demo_services: Services) -> None:
    inbound = _ingest(demo_services, mail("Bitte löschen Sie alle meine Daten nach Art. 17 DSGVO."))
    staff, _ = _client(app, make_user, "staff")
    _key_in(staff, date_stamp=receipt_date(CLOCK.now()).isoformat(), types=["erasure"],
            email="Juergen.Weiss@example.org")
    with demo_services.db.session() as session:
        letter = session.scalars(select(Request).where(Request.channel == "letter")).one()
        assert session.scalars(select(TriageEntry.reason).where(
            TriageEntry.request_id == letter.id)).all() == ["merge_offer"]
    coordinator, _ = _client(app, make_user, "coordinator")
    page = coordinator.get("/staff/triage?lang=en").get_data(as_text=True)
    assert "Merge into" in page
    coordinator.post(f"/staff/requests/{letter.id}/merge",
                     data={"csrf_token": _csrf(coordinator, "/staff/triage"), "into": inbound.request_id})
    with demo_services.db.session() as session:
        absorbed = session.get(Request, letter.id)
        assert absorbed.status == State.MERGED and absorbed.merged_into_id == inbound.request_id
        assert session.get(Request, inbound.request_id).status != State.MERGED
        assert session.scalars(select(TriageEntry.status).where(
            TriageEntry.reason == "merge_offer")).all() == ["done"]


@pytest.mark.parametrize("role", ["admin"])
def test_admin_cannot_key_in_or_triage(app: Any, make_user: Any, role: str) -> None:
    admin, _ = _client(app, make_user, role)
    assert admin.get("/staff/new").status_code == 403
    assert admin.get("/staff/triage").status_code == 403


def test_a_reminder_raises_its_request_to_the_top_of_the_queue(
        app: Any, make_user: Any, demo_services: Services) -> None:
    older = _ingest(demo_services, mail("Bitte den Newsletter abbestellen.", sender="a@example.org",
                                        message_id="<a@example.org>"))
    with demo_services.db.session() as session:
        later = ingest_raw(demo_services, session, bytes(mail(
            "Bitte löschen Sie alle meine Daten.", sender="b@example.org", message_id="<b@example.org>")),
            received_at=CLOCK.now(), basis="imap_internaldate", source="privacy")
        later_id = later.request_id
    staff, _ = _client(app, make_user, "staff")
    page = staff.get("/queue/?lang=en").get_data(as_text=True)
    refs = re.findall(r'>(DSR-[A-Z0-9]{7})<', page)
    with demo_services.db.session() as session:
        first, second = (session.get(Request, older.request_id).reference,
                         session.get(Request, later_id).reference)
    assert refs == [first, second] and "Reminded" not in page
    _ingest(demo_services, mail("Ich habe bisher keine Antwort erhalten, die Frist ist überschritten.",
                                sender="b@example.org", message_id="<rem@example.org>"))
    page = staff.get("/queue/?lang=en").get_data(as_text=True)
    assert re.findall(r'>(DSR-[A-Z0-9]{7})<', page) == [second, first] and "Reminded" in page


@pytest.mark.parametrize(("lang", "types_text", "name_text"), [
    ("de", "Bitte mindestens eine Art der Anfrage ankreuzen.", "Pflichtangabe."),
    ("en", "Please tick at least one kind of request.", "Missing data for required field."),
])
def test_an_empty_keying_form_lists_every_mistake_and_marks_each_field(
        app: Any, make_user: Any, lang: str, types_text: str, name_text: str) -> None:
    staff, _ = _client(app, make_user, "staff")
    empty = staff.post(f"/staff/new?lang={lang}", data={
        "csrf_token": _csrf(staff, "/staff/new"), "channel": "letter", "date_stamp": ""},
        content_type="multipart/form-data")
    assert empty.status_code == 422
    page = html.unescape(empty.get_data(as_text=True))
    summary = page[page.index('id="error-summary"'):].split("</div>", 1)[0]
    for field in ("date_stamp", "type-access", "name"):
        assert f'href="#{field}"' in summary, field
        assert f'id="{field}-error"' in page, field
    assert types_text in summary and f'<p class="error" id="type-access-error">{types_text}</p>' \
        in page
    assert f'<p class="error" id="name-error">{name_text}</p>' in page
    assert 'id="name" name="name" value="" required aria-invalid="true" ' \
           'aria-describedby="name-error"' in page
    assert "Zeichen" not in summary and "character" not in summary
    assert 'class="flash error"' not in page  # one list, not a flash beside it
