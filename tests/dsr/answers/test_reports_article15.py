"""The issue's test 1: Jürgen Weiß (K-100001) asks for access; the PDF's text layer holds every
record, the actual recipients the register names for his data (which carrier, bureau and
payment provider, when), the retention periods of his categories, the credit check's score
and date, and each section of Art. 15(1)(a)-(h) - in German and in English."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from dsr.answers import operations as reports
from dsr.answers.article15 import number
from dsr.answers.report.strings import format_date
from dsr.answers.report.values import formatter
from dsr.context import Services
from tests.support.reports import (
    AccessReport,
    pdf_pages,
    shop_rows,
    squash,
    submit_access,
    verify_and_process,
)
from workflows import outbox
from workflows.models import Task
from workflows.runner import run_pending

ARTIFACTS = Path(__file__).parents[3] / "test-artifacts"
HEADINGS = {
    "de": ["a) Verarbeitungszwecke", "b) Kategorien personenbezogener Daten",
           "c) Empfänger Ihrer Daten", "d) Speicherdauer", "e) Ihre Rechte auf Berichtigung",
           "f) Beschwerderecht und Rechtsbehelf", "g) Herkunft der Daten",
           "h) Automatisierte Entscheidung", "Art. 15 Abs. 2", "Kopie Ihrer Daten", "Inhalt",
           "Unsere Aufzeichnungen über Ihre Anfragen"],
    "en": ["(a) Purposes and legal bases", "(b) Categories of personal data",
           "(c) Recipients of your data", "(d) Retention", "(e) Your rights to rectification",
           "(f) Right to lodge a complaint and judicial remedy", "(g) Where the data came from",
           "(h) Automated decision", "Art. 15(2)", "Copy of your data", "Contents",
           "Our records of your requests"],
}


def test_juergens_report_holds_everything_article_15_asks(
        juergens_report: AccessReport, demo_shop: dict[str, Any]) -> None:
    language, req, collected = (juergens_report.language, juergens_report.request,
                                juergens_report.collected)
    pages = juergens_report.pages
    content = "\n".join(pages)
    flat = squash(content)
    register = juergens_report.services.register

    # Reference and "page N of M" on every page.
    word = "Seite" if language == "de" else "Page"
    for number_, page in enumerate(pages, 1):
        assert req.reference in page and f"{word} {number_} " in page

    # (a) to (h), Art. 15(2), the contents and the service's own records.
    for heading in HEADINGS[language]:
        assert heading in content, heading

    # Every record of every table the shop holds about him.
    tables = [t for found in collected for t in found["tables"] if t["rows"]]
    expected = {"orders", "invoices", "reviews", "credit_checks", "shipments",
                "payment_transactions", "service_emails", "sessions"}
    # The consent history, wherever the data map puts it (the shop or a newsletter system).
    if any(t["table"] == "consents" for found in collected for t in found["tables"]):
        expected |= {"newsletter_subscriptions", "consents"}
    assert expected <= {t["table"] for t in tables}
    for table in tables:
        shows = [formatter(reports._column_out(c, language), language) for c in table["columns"]]
        for row in table["rows"]:
            for show, value in zip(shows, row, strict=True):
                if value not in (None, ""):
                    assert squash(str(show(value))) in flat, (table["table"], value)

    # The actual recipients: the carriers, bureau and payment providers of his records, with
    # the dates of the first disclosure; carriers he never used are not named.
    url = demo_shop["url"]
    carriers = shop_rows(url, "SELECT s.carrier, MIN(s.shipped_at) FROM shipments s JOIN orders o "
                              "ON o.id = s.order_id JOIN customers c ON c.id = o.customer_id "
                              "WHERE c.email = :e GROUP BY s.carrier")
    providers = shop_rows(url, "SELECT p.provider, MIN(p.created_at) FROM payment_transactions p "
                               "JOIN orders o ON o.id = p.order_id JOIN customers c "
                               "ON c.id = o.customer_id WHERE c.email = :e GROUP BY p.provider")
    names = {r["evidence"][0]["value"]: r["name"] for r in register["recipients"].values()
             if r["evidence"] and r["evidence"][0].get("value")}
    assert carriers and providers
    for value, first in [*carriers, *providers]:
        assert squash(names[value]) in flat, value
        assert squash(format_date(str(first), language)) in flat, (value, first)
    used = {value for value, _ in carriers}
    for unused in {"DHL", "DPD", "Hermes", "UPS"} - used:
        assert squash(names[unused]) not in flat
    assert "SCHUFA Holding AG" in content

    # The retention periods of the rules his categories' purposes name.
    for rule in ("accounting_voucher", "business_letter", "consent_proof"):
        retention = register["retention"][rule]
        assert squash(retention["label"][language]) in flat, rule
        unit = ("Jahre" if language == "de" else "years") if "years" in retention else None
        assert f"{retention['years']} {unit}" in content

    # The credit check: each score and date, the procedure, what followed, the right to contest.
    checks = shop_rows(url, "SELECT k.score, k.checked_at FROM credit_checks k JOIN customers c "
                            "ON c.id = k.customer_id WHERE c.email = :e")
    assert checks
    for score, checked_at in checks:
        assert number(score, language) in content
        assert format_date(str(checked_at), language) in content
    decision = register["automated_decisions"]["credit_check"]
    assert squash(decision["logic"][language][:80]) in flat
    assert ("Rechnung, Ratenkauf" if language == "de" else "Invoice, Instalments") in content
    assert "Art. 22" in content
    # Sources not collected from him, the complaint and the judicial remedy.
    assert "BayLDA" in content and "Art. 79" in content and "§44 BDSG" in content
    assert register["supervisory_authority"]["address"] in content


def test_juergens_report_reads_in_words_not_codes(juergens_report: AccessReport) -> None:
    """Codes by the data map's labels, cents as euros, the register by version and date; the
    JSON keeps the stored values (and the register's hash, for accountability)."""
    language, req, collected, pdf = (juergens_report.language, juergens_report.request,
                                     juergens_report.collected, juergens_report.pdf)
    demo_services = juergens_report.services
    content = "\n".join(juergens_report.pages)
    if ARTIFACTS.is_dir():
        (ARTIFACTS / f"juergen-{language}.pdf").write_bytes(pdf)
    orders = next(t for found in collected for t in found["tables"] if t["table"] == "orders")
    names = [c["name"] for c in orders["columns"]]
    row = dict(zip(names, orders["rows"][0], strict=True))
    cents = row["total_cents"]
    euros = f"{cents // 100},{cents % 100:02d} €" if language == "de" \
        else f"€{cents // 100}.{cents % 100:02d}"
    assert euros.replace(".", "") in content.replace(".", "") or euros in content
    delivered = {"de": "geliefert", "en": "delivered"}[language]
    assert delivered in content
    assert {"de": "Rechnung", "en": "Invoice"}[language] in content
    for raw in ("Gesamtbetrag (Cent)", "Total (cents)", "TOML", "in_transit", "direct_debit",
                "double_opt_in"):
        assert raw not in content, raw
    as_of = {"de": "Stand des Verzeichnisses", "en": "Record of processing activities as of"}
    assert as_of[language] in content
    # Nothing of the register's hash in the PDF; it stays in the JSON.
    with demo_services.db.session() as session:
        doc = reports.latest_document(session, req.id, "report_json")
        payload = json.loads(demo_services.documents.read(doc))
    assert "TOML" in payload["register"]["version"]
    digest = payload["register"]["version"].split("·")[-1].strip()
    assert digest not in content.replace("\n", "")
    json_orders = next(t for s in payload["sections"] for t in s["tables"]
                       if t["table"] == "orders")
    assert cents in [r[json_orders["columns"].index(
        next(c for c in json_orders["columns"] if c["name"] == "total_cents"))]
        for r in json_orders["rows"]]
    status = next(c for c in json_orders["columns"] if c["name"] == "status")
    assert status["value_labels"]["delivered"] == delivered


@pytest.mark.parametrize("language", ["de", "en"])
def test_a_waived_system_is_named_as_not_searched_in_time(
        demo_services: Services, demo_shop: dict[str, Any], language: str) -> None:
    """A coordinator waives one system's collect task: the answer names the system as not
    searched in time (its data follows), without the coordinator's internal reason."""
    services = demo_services
    request_id = submit_access(services, language)
    with services.db.session() as session:
        verify_and_process(services, session, request_id)
        task = session.scalars(select(Task).where(Task.request_id == request_id,
                                                  Task.kind == "collect",
                                                  Task.connector == "newsletter")).one()
        outbox.waive(session, task, "Dienstleister antwortet nicht, intern eskaliert")
    run_pending(services)
    with services.db.session() as session:
        pdf = services.documents.read(reports.latest_document(session, request_id, "report_pdf"))
    content = re.sub(r"\s+", " ", "\n".join(pdf_pages(pdf)))
    label = services.config.connectors["newsletter"]["label"][language]
    shop = services.config.connectors["shop"]["label"][language]
    expected = {"de": f"Diese Systeme konnten wir nicht rechtzeitig durchsuchen: {label}.",
                "en": f"We could not search these systems in time: {label}."}[language]
    assert expected in content
    assert ({"de": "Durchsuchte Systeme: ", "en": "Systems searched: "}[language] + shop) in content
    assert "eskaliert" not in content
