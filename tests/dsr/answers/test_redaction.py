"""Redaction (Art. 15(4)): Jürgen's service e-mail names his neighbour Elke Brunner; the
coordinator blacks her out; the words are gone from the PDF's text layer, the JSON and the
export, and the audit chain records the redaction without the text."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from dsr.answers import operations as reports
from dsr.answers import rebuild, redaction
from dsr.answers.models import Redaction
from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.documents import Document
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.support.clock import CLOCK
from tests.support.reports import access_report, squash
from workflows.runner import run_pending

NEIGHBOUR = "Elke Brunner"


def _mail_row(collected: list[dict[str, Any]]) -> tuple[str, str, str]:
    for found in collected:
        for spec in found["tables"]:
            if spec["table"] != "service_emails":
                continue
            body = [c["name"] for c in spec["columns"]].index("body")
            for row in spec["rows"]:
                if NEIGHBOUR in str(row[body]):
                    email = re.search(r"[\w.]+@[\w.]+", row[body].split(NEIGHBOUR, 1)[1]).group(0)
                    return found["connector"], str(row[0]), email.rstrip(".")
    raise AssertionError("the showcase e-mail naming the neighbour is missing")


def _texts(services: Services, request_id: int) -> tuple[str, str, bytes]:
    with services.db.session() as session:
        pdf = services.documents.read(reports.latest_document(session, request_id, "report_pdf"))
        payload = services.documents.read(reports.latest_document(session, request_id, "report_json"))
        export = services.documents.read(reports.latest_document(session, request_id, "report_zip"))
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    return text, payload.decode("utf-8"), export


def test_redacted_words_are_gone_from_the_pdf_text_layer_json_and_export(
        demo_services: Services) -> None:
    _, req, collected = access_report(demo_services, "de")
    system, key, neighbour_email = _mail_row(collected)
    before, _, _ = _texts(demo_services, req.id)
    assert NEIGHBOUR in re.sub(r"\s+", " ", before)  # there before the redaction
    with demo_services.db.session() as session:
        request = session.get(Request, req.id)
        for term in (NEIGHBOUR, neighbour_email):
            redaction.add(session, demo_services.cipher, request, collected, system=system,
                          table="service_emails", row_key=key, column="body", term=term,
                          reason="third_party", actor="user:1", user_id=None)
        reports.compile_answer(demo_services, session, request)
    text, payload, export = _texts(demo_services, req.id)
    flat = re.sub(r"\s+", "", text)
    for secret in (NEIGHBOUR, "Brunner", neighbour_email):
        assert re.sub(r"\s+", "", secret) not in flat, secret
        assert secret not in payload
        with zipfile.ZipFile(io.BytesIO(export)) as archive:
            assert all(secret.encode() not in archive.read(n) for n in archive.namelist())
    assert "████ [1]" in text and "Schwärzungen" in text and "Daten Dritter" in text
    assert "Jürgen Weiß" in text and "Nachbarin Frau ████ [1]" in re.sub(r"\s+", " ", text)
    legend = json.loads(payload)["redactions"]
    assert legend == [{"reason": "third_party", "mark": "1", "count": 2}]

    with demo_services.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "redacted")).all()
        assert len(events) == 2
        for event in events:
            assert "Brunner" not in json.dumps(event.details, ensure_ascii=False)
            assert event.details["reason"] == "third_party" and event.details["occurrences"] == 1
        stored = session.scalars(select(Redaction)).all()
        assert all("Brunner" not in r.term_encrypted for r in stored)


def test_a_redaction_needs_a_known_reason_and_text_that_is_there(demo_services: Services) -> None:
    _, req, collected = access_report(demo_services, "en")
    system, key, _ = _mail_row(collected)
    with demo_services.db.session() as session:
        request = session.get(Request, req.id)
        cases = [
            ({"term": NEIGHBOUR, "reason": "dislike"}, "reason"),
            ({"term": "Tobias Huber", "reason": "third_party"}, "does not occur"),
            ({"term": "x", "reason": "third_party"}, "between"),
            ({"term": NEIGHBOUR, "reason": "third_party", "row_key": "999999"}, "not in the subject"),
        ]
        for overrides, message in cases:
            args = {"system": system, "table": "service_emails", "row_key": key,
                    "column": "body", **overrides}
            with pytest.raises(redaction.RedactionError, match=message) as info:
                redaction.add(session, demo_services.cipher, request, collected,
                              actor="user:1", user_id=None, **args)
            assert "Tobias" not in str(info.value)  # errors never repeat the text
        assert session.scalars(select(Redaction)).all() == []


# --- a redaction made at any time before release is in every file the subject can get ---

def _files_text(data: bytes, name: str) -> str:
    """The text of one answer file: a PDF's text layer, every member of a ZIP (nested ZIPs
    and PDFs opened too), anything else as UTF-8; white space squashed."""
    if name.endswith(".pdf"):
        return re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(_files_text(archive.read(n), n) for n in archive.namelist())
    return re.sub(r"\s+", "", data.decode("utf-8"))


def _stored(services: Services, request_id: int, kinds: tuple[str, ...]) -> dict[str, str]:
    """Every stored (not deleted) document of ``kinds``, as text by kind and id."""
    with services.db.session() as session:
        docs = session.scalars(select(Document).where(Document.request_id == request_id,
                                                      Document.kind.in_(kinds),
                                                      Document.deleted_at.is_(None))).all()
        return {f"{d.kind}:{d.id}": _files_text(services.documents.read(d), d.filename)
                for d in docs}


def _approve(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:0", user_id=None,
                        decisions=actions.default_decisions(
                            req, reports.found_categories(session, request_id)))
    run_pending(services)


def _release(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:0")
    run_pending(services)


def _redact(services: Services, request_id: int, collected: list[dict[str, Any]],
            term: str = NEIGHBOUR) -> None:
    system, key, _ = _mail_row(collected)
    with services.db.session() as session:
        rebuild.redact(services, session, session.get(Request, request_id), system=system,
                         table="service_emails", row_key=key, column="body", term=term,
                         reason="third_party", actor="user:0", user_id=None)


HANDED_OUT = ("portal_pdf", "portal_zip", "sealed_answer")


def test_a_redaction_after_approval_is_in_the_released_pdf_json_csv_portal_and_sealed_copy(
        demo_services: Services) -> None:
    _, req, collected = access_report(demo_services, "de")
    _approve(demo_services, req.id)
    assert squash(NEIGHBOUR) in squash(_texts(demo_services, req.id)[0])
    _redact(demo_services, req.id, collected)  # approved and finalised: the files are rebuilt
    pdf, payload, export = _texts(demo_services, req.id)
    assert "Brunner" not in squash(pdf) and "Frau████[1]" in squash(pdf)
    assert "Brunner" not in payload
    with zipfile.ZipFile(io.BytesIO(export)) as archive:
        csv_text = archive.read("csv/correspondence.csv").decode("utf-8-sig")
        assert "Brunner" not in csv_text and "████ [1]" in csv_text
        assert "Brunner" not in archive.read("data.json").decode("utf-8")
    _release(demo_services, req.id)
    handed_out = _stored(demo_services, req.id, HANDED_OUT)
    assert {k.split(":")[0] for k in handed_out} == set(HANDED_OUT)
    for name, text in handed_out.items():
        assert "Brunner" not in text and "████[1]" in text, name


def test_a_redaction_in_review_shows_in_the_draft_and_undoing_it_brings_the_text_back(
        demo_services: Services) -> None:
    _, req, collected = access_report(demo_services, "en")
    _redact(demo_services, req.id, collected)
    pdf, payload, _ = _texts(demo_services, req.id)
    assert "Brunner" not in squash(pdf) and "████[1]" in squash(pdf)
    assert json.loads(payload)["redactions"] == [{"reason": "third_party", "mark": "1", "count": 1}]
    with demo_services.db.session() as session:
        request = session.get(Request, req.id)
        item = redaction.for_request(session, req.id)[0]
        rebuild.undo(demo_services, session, request, item.id, actor="user:0")
    pdf, payload, _ = _texts(demo_services, req.id)
    assert squash(NEIGHBOUR) in squash(pdf) and json.loads(payload)["redactions"] == []


def test_after_release_a_redaction_is_refused_and_nothing_changes(demo_services: Services) -> None:
    _, req, collected = access_report(demo_services, "de")
    _approve(demo_services, req.id)
    _release(demo_services, req.id)
    kinds = ("report_pdf", "report_json", "report_zip", *HANDED_OUT)
    before = _stored(demo_services, req.id, kinds)
    with demo_services.db.session() as session:
        events = session.scalar(select(func.count(AuditEvent.id)))
    with pytest.raises(redaction.RedactionError, match="released") as info:
        _redact(demo_services, req.id, collected)
    assert "neue Antwort" in str(info.value) and "new answer" in str(info.value)
    assert _stored(demo_services, req.id, kinds) == before
    with demo_services.db.session() as session:
        assert session.scalars(select(Redaction)).all() == []
        assert session.scalar(select(func.count(AuditEvent.id))) == events


def test_delivery_builds_the_files_again_when_a_redaction_is_newer_than_them(
        demo_services: Services) -> None:
    """A redaction recorded without building the files (as before this was fixed, or by a
    caller that forgot): release still hands out no older build."""
    _, req, collected = access_report(demo_services, "de")
    _approve(demo_services, req.id)
    system, key, _ = _mail_row(collected)
    with demo_services.db.session() as session:
        redaction.add(session, demo_services.cipher, session.get(Request, req.id), collected,
                      system=system, table="service_emails", row_key=key, column="body",
                      term=NEIGHBOUR, reason="third_party", actor="user:0", user_id=None)
    assert "Brunner" in squash(_texts(demo_services, req.id)[0])  # not rebuilt yet
    _release(demo_services, req.id)
    for name, text in _stored(demo_services, req.id, HANDED_OUT).items():
        assert "Brunner" not in text, name


def test_the_lock_reads_what_another_transaction_committed(services: Services) -> None:
    """The jobs and release take turns on the request's row: whoever locks it second sees
    the other's committed change (here, a release) on the object it already holds."""
    with services.db.session() as session:
        session.add(Request(reference="DSR-LOCK001", status="review", types=["access"],
                            channel="form", language="de", received_at=CLOCK.now(),
                            due_on=CLOCK.today()))
    first = services.db.sessionmaker()
    try:
        held = first.scalars(select(Request).where(Request.reference == "DSR-LOCK001")).one()
        assert held.released_at is None
        with services.db.session() as other:
            other.scalars(select(Request).where(
                Request.reference == "DSR-LOCK001")).one().released_at = CLOCK.now()
        redaction.lock_request(first, held)
        assert held.released_at is not None
        first.rollback()
    finally:
        first.close()
