"""Jürgen Weiß's access request taken to its draft answer, and what the report tests read from
it: the PDF's pages, what was collected, rows of the shop."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from pypdf import PdfReader
from sqlalchemy import create_engine, text

from dsr.answers import operations as reports
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from workflows.runner import run_pending

EMAIL = "juergen.weiss@example.org"


def squash(value: str) -> str:
    """Remove all whitespace, so values wrapped over several lines still match."""
    return re.sub(r"\s+", "", value)


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of every page."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def submit_access(services: Services, language: str) -> int:
    """Jürgen's access request by form, matched; returns its id."""
    with services.db.session() as session:
        req = submit(session, Submission(types=["access"], name="Jürgen Weiß", email=EMAIL,
                                         channel=Channel.FORM.value, received_at=CLOCK.now(),
                                         language=language),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    return request_id


def verify_and_process(services: Services, session: Any, request_id: int) -> Request:
    """Verify the request (by hand) and start processing it on every connector, in
    ``session``; returns the request."""
    req = session.get(Request, request_id)
    actions.verify(session, req, actor="user:0", method="manual")
    actions.process(session, req, actor="user:0", connectors=list(services.config.connectors))
    return req


def access_report(services: Services, language: str) -> tuple[bytes, Request, list[Any]]:
    """Submit, verify, process: the draft PDF, the request and what was collected."""
    request_id = submit_access(services, language)
    with services.db.session() as session:
        verify_and_process(services, session, request_id)
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        collected = reports.collected_data(session, services.documents, request_id)
        pdf = services.documents.read(reports.latest_document(session, request_id, "report_pdf"))
        return pdf, req, collected


@dataclass(frozen=True)
class AccessReport:
    """One draft answer to Jürgen, built once and only read by the tests that share it."""

    services: Services
    language: str
    pdf: bytes
    request: Request
    collected: list[Any]
    pages: list[str]


def built_access_report(services: Services, language: str) -> AccessReport:
    pdf, req, collected = access_report(services, language)
    return AccessReport(services, language, pdf, req, collected, pdf_pages(pdf))


def shop_rows(url: str, sql: str, email: str = EMAIL) -> list[Any]:
    """The rows of ``sql`` on the shop at ``url`` (``:e`` is ``email``)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = list(conn.execute(text(sql), {"e": email}))
    engine.dispose()
    return rows
