"""Irreversible steps on the pages and the API: a summary first and nothing done; the
confirmation carries the summary's digest (a stale one is refused with the new summary);
four-eyes needs a second, different coordinator."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dsr.context import Services
from dsr.requests.models import Request
from dsr.users.operations import create_token
from tests.dsr.requests.test_safe_actions import _in_review
from tests.support.safe_steps import summary_digest
from workflows.runner import run_pending

PASSWORD = "correct horse battery"


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _coordinator(app: Any, make_user: Any, name: str) -> Any:
    make_user(name, "coordinator")
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": _csrf(client, "/login"),
                                           "username": name, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _status(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return str(session.get(Request, request_id).status)


def test_approving_an_erasure_shows_the_summary_and_does_nothing_before_the_confirmation(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    client = _coordinator(app, make_user, "koord-a")
    path = f"/queue/requests/{request_id}"
    page = client.get(f"{path}?tab=draft").get_data(as_text=True)
    assert "Änderungen ausführen…" in page and "Freigeben<" not in page
    assert "nichts geschieht, bevor Sie dort bestätigen" in page
    token = _csrf(client, path)
    shown = client.post(f"{path}/approve", data={"csrf_token": token})
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "Änderungen ausführen – Zusammenfassung" in text
    assert "Shop-Datenbank" in text and "Newsletter" in text
    kept = text[text.index('id="safe-kept"'):text.index('id="safe-recipients"')] \
        if 'id="safe-recipients"' in text else text[text.index('id="safe-kept"'):]
    assert "Rechnungen" in kept and "§147" in kept
    assert re.search(r"Shop-Datenbank: \d+ Datensätze", text)
    assert "Änderungen jetzt unwiderruflich ausführen" in text
    assert _status(demo_services, request_id) == "review"
    done = client.post(f"{path}/approve", data={"csrf_token": token,
                                                "digest": summary_digest(text)})
    assert done.status_code == 302
    assert _status(demo_services, request_id) == "executing"


def test_the_rows_per_system_are_counted_in_the_singular_and_the_plural(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """"1 Datensatz", never "1 Datensätze" (plural forms of the catalogs, both languages)."""
    from dsr.requests.safe_actions import Summary

    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    client = _coordinator(app, make_user, "koord-rows")
    path = f"/queue/requests/{request_id}"
    token = _csrf(client, path)
    for n, german, english in ((1, "1 Datensatz", "1 row"), (3, "3 Datensätze", "3 rows")):
        monkeypatch.setattr(Summary, "rows_of", lambda self, connector, n=n: n)
        for lang, expected in (("de", german), ("en", english)):
            text = client.post(f"{path}/approve?lang={lang}",
                               data={"csrf_token": token}).get_data(as_text=True)
            rows = re.search(r'id="safe-rows">(.*?)</p>', text, re.S)
            assert rows is not None
            assert rows.group(1).count(f": {expected}") >= 2, rows.group(1)  # shop, newsletter
            assert "1 Datensätze" not in text and "1 rows" not in text


def test_a_stale_summary_is_refused_and_the_new_one_shown(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    client = _coordinator(app, make_user, "koord-a")
    path = f"/queue/requests/{request_id}"
    token = _csrf(client, path)
    refused = client.post(f"{path}/approve", data={"csrf_token": token, "digest": "0" * 64})
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Die Zusammenfassung hat sich geändert" in text
    assert summary_digest(text) != "0" * 64 and 'id="safe-changes"' in text
    assert _status(demo_services, request_id) == "review"


def test_four_eyes_on_the_pages_needs_a_second_different_coordinator(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    demo_services.config.workflow["four_eyes"] = ["erasure"]
    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    first = _coordinator(app, make_user, "koord-a")
    path = f"/queue/requests/{request_id}"
    token = _csrf(first, path)
    shown = first.post(f"{path}/approve", data={"csrf_token": token}).get_data(as_text=True)
    assert 'id="four-eyes-first"' in shown and "Als erste Bestätigung vormerken" in shown
    digest = summary_digest(shown)
    recorded = first.post(f"{path}/approve", data={"csrf_token": token, "digest": digest},
                          follow_redirects=True).get_data(as_text=True)
    assert "Ihre Bestätigung ist vorgemerkt" in recorded and 'id="open-approval"' in recorded
    assert _status(demo_services, request_id) == "review"
    link = re.search(r'id="open-approval-link" href="([^"]+)"', recorded).group(1)
    mine = first.get(link).get_data(as_text=True)
    assert 'id="four-eyes-mine"' in mine and 'id="confirm-form"' not in mine
    again = first.post(f"{path}/approve", data={"csrf_token": token, "digest": digest},
                       follow_redirects=True).get_data(as_text=True)
    assert "zweiter, anderer Koordinator muss bestätigen" in again
    assert _status(demo_services, request_id) == "review"

    second = _coordinator(app, make_user, "koord-b")
    page = second.get(link).get_data(as_text=True)
    assert 'id="four-eyes-second"' in page and "koord-a" in page
    assert "Änderungen jetzt unwiderruflich ausführen" in page
    assert summary_digest(page) == digest
    decisions = dict(re.findall(r'name="(d_\w+)" value="([^"]*)"', page))
    done = second.post(f"{path}/approve", data={"csrf_token": _csrf(second, path),
                                                "digest": digest, **decisions})
    assert done.status_code == 302
    assert _status(demo_services, request_id) == "executing"


def test_the_api_enforces_four_eyes_too(app: Any, make_user: Any, demo_services: Services,
                                        demo_shop: dict[str, Any]) -> None:
    demo_services.config.workflow["four_eyes"] = ["erasure"]
    request_id = _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)
    tokens = []
    for name in ("koord-a", "koord-b"):
        user = make_user(name, "coordinator")
        with demo_services.db.session() as session:
            tokens.append({"Authorization": f"Bearer {create_token(session, user)}"})
    client = app.test_client()
    url = f"/api/v1/requests/{request_id}/approve"
    first = client.post(url, headers=tokens[0])
    assert first.status_code == 202 and first.get_json()["status"] == "review"
    same = client.post(url, headers=tokens[0])
    assert same.status_code == 409 and "different coordinator" in same.get_json()["message"]
    second = client.post(url, headers=tokens[1])
    assert second.status_code == 200 and second.get_json()["status"] == "executing"


def test_sending_the_answer_names_the_address_and_asks_once_more(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    email = demo_shop["summary"].sample_customer_email
    request_id = _in_review(demo_services, ["access"], email)
    client = _coordinator(app, make_user, "koord-a")
    path = f"/queue/requests/{request_id}"
    token = _csrf(client, path)
    shown = client.post(f"{path}/approve", data={"csrf_token": token}).get_data(as_text=True)
    assert "Entscheidungen festhalten" in client.get(f"{path}?tab=draft").get_data(as_text=True)
    client.post(f"{path}/approve", data={"csrf_token": token, "digest": summary_digest(shown)})
    run_pending(demo_services)
    page = client.get(f"{path}?tab=draft").get_data(as_text=True)
    assert "Antwort versenden…" in page and "Antwort herausgeben" not in page
    summary = client.post(f"{path}/release", data={"csrf_token": token}).get_data(as_text=True)
    assert f'id="safe-address">{email}<' in summary and "Portal" in summary
    assert "Antwort jetzt versenden" in summary
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).released_at is None
    client.post(f"{path}/release", data={"csrf_token": token, "digest": summary_digest(summary)})
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).released_at is not None


def test_the_summary_names_the_objection_purposes_by_their_labels(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    from tests.web.test_objection_purposes_review import _decision_fields, _objection_in_review
    request_id = _objection_in_review(demo_services, demo_shop["summary"].sample_customer_email)
    client = _coordinator(app, make_user, "koord-a")
    path = f"/queue/requests/{request_id}"
    fields = _decision_fields(client.get(f"{path}?tab=draft").get_data(as_text=True))
    # Review preselects no purpose's outcome: the coordinator decides each.
    fields["d_outcome"] = [o or "granted" for o in fields["d_outcome"]]
    token = _csrf(client, path)
    for lang, labels in (("de", ("Marktforschung", "Übermittlung an Auskunfteien")),
                         ("en", ("Market research", "Transfers to credit bureaus"))):
        text = client.post(f"{path}/approve?lang={lang}",
                           data={"csrf_token": token, **fields}).get_data(as_text=True)
        table = text[text.index('id="safe-decisions"'):text.index("</table>",
                                                                   text.index('id="safe-decisions"'))]
        assert all(f"<td>{label}</td>" in table for label in labels)
        assert "market_research" not in table.replace('value="market_research"', "")
        assert "credit_transfer" not in table.replace('value="credit_transfer"', "")


@pytest.mark.parametrize(("lang", "title", "button", "done"), [
    ("de", "Entscheidungen festhalten – Zusammenfassung", "Entscheidungen jetzt festhalten",
     "Die Entscheidungen sind festgehalten."),
    ("en", "Record the decisions – summary", "Record the decisions now",
     "The decisions are recorded."),
])
def test_an_access_request_only_records_its_decisions_and_says_so(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any],
        lang: str, title: str, button: str, done: str) -> None:
    request_id = _in_review(demo_services, ["access"], demo_shop["summary"].sample_customer_email)
    client = _coordinator(app, make_user, "koord-a")
    path = f"/queue/requests/{request_id}"
    token = _csrf(client, path)
    text = client.post(f"{path}/approve?lang={lang}",
                       data={"csrf_token": token}).get_data(as_text=True)
    assert f"· {title}</h1>" in text and f">{button}</button>" in text
    assert 'id="safe-decide-only"' in text and 'id="safe-changes"' not in text
    for execute_only in ("Änderungen ausführen", "unwiderruflich", "Empfänger werden",
                         "Carry out the changes", "irreversibly", "recipients are told"):
        assert execute_only not in text
    assert 'id="safe-recipients"' not in text and 'id="safe-kept"' not in text
    after = client.post(f"{path}/approve?lang={lang}", follow_redirects=True,
                        data={"csrf_token": token, "digest": summary_digest(text)})
    assert done in after.get_data(as_text=True)
    assert _status(demo_services, request_id) == "executing"
