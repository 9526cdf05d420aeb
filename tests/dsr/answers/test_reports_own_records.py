"""Art. 15 also covers the service's own records about the subject: earlier requests, the
suppression entry and the fields blocked by an earlier erasure appear in the next answer."""

from __future__ import annotations

import io
import re
from datetime import date

from pypdf import PdfReader

from dsr.answers import operations as reports
from dsr.changes.models import ChangePlan, RetainedRecord, SuppressionEntry
from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.reports import EMAIL, access_report


def test_earlier_requests_suppression_and_blocked_fields_are_in_the_answer(
        demo_services: Services) -> None:
    with demo_services.db.session() as session:
        earlier = submit(session, Submission(types=["erasure", "objection"], name="Jürgen Weiß",
                                             email=EMAIL.upper(), channel=Channel.EMAIL.value,
                                             received_at=CLOCK.now()),
                         calendar=demo_services.calendar, connectors=["shop"])
        other = submit(session, Submission(types=["access"], name="Renate Köhler",
                                           email="renate.koehler@example.com",
                                           channel=Channel.FORM.value, received_at=CLOCK.now()),
                       calendar=demo_services.calendar, connectors=["shop"])
        plan = ChangePlan(request_id=earlier.id, connector="shop", body={}, summary=[])
        session.add(plan)
        session.flush()
        session.add(RetainedRecord(plan_id=plan.id, connector="shop", target="invoices",
                                   row_key=[1], then={"billing_name": "null", "billing_street": "null"},
                                   rule="accounting_voucher", norm="§147 AO",
                                   retained_until=date(2033, 12, 31)))
        session.add(SuppressionEntry(hash="ab" * 32, kind="email", channel="advertising",
                                     request_id=earlier.id))
        earlier_ref, other_ref = earlier.reference, other.reference
    pdf, req, _ = access_report(demo_services, "de")
    with demo_services.db.session() as session:
        own = reports.own_records(session, session.get(Request, req.id))
    assert [r["reference"] for r in own["requests"]] == [earlier_ref, req.reference]
    assert {t["table"] for t in own["tables"]} == {"suppression", "blocked"}
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))
    assert earlier_ref in text and other_ref not in text
    assert "Sperrvermerke" in text and "abababababab…" in text and "advertising" in text
    assert "Gesperrte Daten" in text and "billing_name, billing_street" in text
    assert "31.12.2033" in text and "§147 AO" in text
