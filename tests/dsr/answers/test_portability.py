"""The portability answer (dsr.answers.portability) on the demo, on the service database
(SQLite and PostgreSQL): titled and written as Art. 20, holding the data the subject provided
including observed data (sessions, searches, consents, reviews: WP242) as JSON and CSV, and
Art. 20(2) direct transmission — made to a controller with an interface (a local fake
receiver), explained as not feasible for one without."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from dsr.answers import operations as reports
from dsr.answers import portability
from dsr.audit import AuditAction, AuditEvent
from dsr.context import Services
from dsr.requests.models import Request
from tests.dsr.answers.test_operations import released
from tests.support.fake_services.portability_receiver import PATH, TOKEN, receiver_fake
from tests.support.fake_services.server import FakeService, running

OBSERVED = {"sessions", "search_history", "consents", "reviews"}
LABEL = {"de": "Beispiel-Shop GmbH", "en": "Example Shop GmbH"}


@pytest.fixture
def receiver(demo_services: Services) -> Iterator[FakeService]:
    """Another controller's import interface, configured as a portability receiver."""
    with running(receiver_fake()) as fake:
        demo_services.config.delivery = {**demo_services.config.delivery,
                                         "portability_receivers": {"other_shop": {
                                             "label": LABEL, "url": fake.url + PATH,
                                             "token": TOKEN}}}
        yield fake


def answer_files(services: Services, request_id: int) -> tuple[str, zipfile.ZipFile]:
    with services.db.session() as session:
        pdf = services.documents.read(reports.latest_document(session, request_id, "report_pdf"))
        data = services.documents.read(reports.latest_document(session, request_id, "report_zip"))
    text = " ".join(re.sub(r"\s+", " ", p.extract_text())
                    for p in PdfReader(io.BytesIO(pdf)).pages)
    return text, zipfile.ZipFile(io.BytesIO(data))


@pytest.mark.parametrize("language", ["de", "en"])
def test_portability_is_an_art20_answer_with_observed_data(
        demo_services: Services, demo_shop: dict[str, Any], language: str) -> None:
    request_id = released(demo_services, language, types=["portability"])
    text, archive = answer_files(demo_services, request_id)
    title = {"de": "Datenübertragbarkeit nach Art. 20 DSGVO",
             "en": "Data portability under Art. 20 GDPR"}[language]
    assert title in text
    # neither titled nor written as an access answer
    assert "Art. 15" not in text, [text[max(0, m.start() - 120):m.end() + 40]
                                   for m in re.finditer(r"Art\. 15", text)]
    assert {"de": "Von Ihnen bereitgestellte Daten", "en": "Data you provided"}[language] in text
    assert "WP242" in text

    document = json.loads(archive.read("data.json"))
    assert document["scope"] == "art20_provided"
    tables = {t["table"] for c in document["categories"] for t in c["tables"] if t["records"]}
    assert tables >= OBSERVED, OBSERVED - tables
    assert "invoices" not in tables  # not provided by the subject
    csvs = {name for name in archive.namelist() if name.endswith(".csv")}
    categories = {c["category"] for c in document["categories"]}
    assert {"usage", "search", "consents", "reviews"} <= categories
    assert all(any(c in name for name in csvs) for c in ("usage", "search", "consents", "reviews"))
    with demo_services.db.session() as session:
        reference = session.get(Request, request_id).reference
        doc = reports.latest_document(session, request_id, "report_pdf")
        assert doc is not None
        assert doc.filename == f"{reference}-" + {"de": "datenuebertragung",
                                                  "en": "data-portability"}[language] + ".pdf"
    # no receiver is configured: the answer says why a direct transmission is not feasible
    assert {"de": "technisch nicht machbar",
            "en": "not technically feasible"}[language] in text


def test_the_copy_is_transmitted_to_a_controller_with_an_interface(
        demo_services: Services, demo_shop: dict[str, Any], receiver: FakeService) -> None:
    request_id = released(demo_services, "de", types=["portability"],
                          extra_claims={"transmit_to": "other_shop"})
    text, archive = answer_files(demo_services, request_id)
    assert "übermitteln wir diese Daten direkt an Beispiel-Shop GmbH" in text
    [upload] = receiver.calls("POST", PATH)
    assert upload.auth == f"Bearer {TOKEN}"
    assert upload.headers.get("content-type") == "application/zip"
    sent = zipfile.ZipFile(io.BytesIO(upload.body))
    assert json.loads(sent.read("data.json")) == json.loads(archive.read("data.json"))
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.request_id == request_id,
            AuditEvent.action == AuditAction.PORTABILITY_TRANSMITTED)).all()
        assert [e.details["receiver"] for e in events] == ["other_shop"]
        assert events[0].details["status"] == 202
        again = portability.transmit(demo_services, session, req)
    assert again == {"transmitted": False, "why": "already transmitted"}
    assert len(receiver.calls("POST", PATH)) == 1


def test_a_controller_without_an_interface_is_told_not_feasible(
        demo_services: Services, demo_shop: dict[str, Any], receiver: FakeService) -> None:
    request_id = released(demo_services, "en", types=["portability"],
                          extra_claims={"transmit_to": "Corner Shop Ltd"})
    text, _ = answer_files(demo_services, request_id)
    assert ("You asked us to transmit this data directly to Corner Shop Ltd. This is not "
            "technically feasible (Art. 20(2) GDPR)") in text
    assert receiver.calls("POST", PATH) == []


def test_without_a_named_controller_the_answer_offers_those_with_an_interface(
        demo_services: Services, demo_shop: dict[str, Any], receiver: FakeService) -> None:
    request_id = released(demo_services, "en", types=["portability"])
    text, _ = answer_files(demo_services, request_id)
    assert "at present this is possible for: Example Shop GmbH" in text
    assert receiver.calls("POST", PATH) == []
