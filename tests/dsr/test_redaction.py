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
from sqlalchemy import select

from dsr.context import Services
from dsr.models import AuditEvent, Redaction, Request
from dsr.services import redaction, reports
from tests.dsr.test_reports_article15 import access_report

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
