"""The negative answer (dsr.verification.jobs.send_no_data): it names every system that was
searched and says that the request itself is kept, and for how long (the register's period for
the proof of requests), on the service database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dsr.answers.article15 import request_retention
from dsr.context import Services
from dsr.requests import no_data
from dsr.requests.contracts import MatchTable
from dsr.requests.models import Request
from tests.support.verification import mails, new_request
from workflows.runner import run_pending


def test_no_data_answer_names_the_systems_searched_and_how_long_the_request_is_kept(
        demo_services: Services) -> None:
    request_id = new_request(demo_services, name="Niemand Bekannt",
                             email_address="nobody-here@example.net", customer_number="K-999999")
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        searched = list(MatchTable.of(req))
        no_data.answer_no_data(session, req, actor="user:1")
    run_pending(demo_services)
    [answer] = [m for m in mails(demo_services) if m["to"] == "nobody-here@example.net"
                and "Keine Daten" in m["subject"]]
    body = " ".join(answer["body"].split())
    assert searched
    for name in searched:
        assert demo_services.config.connectors[name]["label"]["de"] in body, name
    kept_for = request_retention(demo_services.register, "de")
    assert f"Ihre Anfrage und diese Antwort bewahren wir als Nachweis unserer Bearbeitung auf (Art. 5 Abs. 2 DSGVO): {kept_for}" in body
