"""A coordinator's form that the service refuses comes back with everything chosen and typed,
and the message in the page's language (German first, English for a user who chose English).
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from dsr.contest.models import DecisionReview
from dsr.context import Services
from dsr.requests.models import Decision, Request
from tests.support.safe_steps import confirmed
from tests.web.test_contest_pages import _submit
from tests.web.test_queue import _client, _csrf, _request_in_review
from workflows.states import State


@pytest.fixture
def review_id(demo_services: Services, demo_shop: dict[str, Any]) -> int:
    return _request_in_review(demo_services, demo_shop["summary"].sample_customer_email)


def _rows(page: str) -> list[str]:
    form = page.split('id="decisions-form"', 1)[1].split("</form>", 1)[0]
    return re.findall(r"<tr[^>]*>.*?</tr>", form, re.S)[1:]  # without the header


def _approve_form(page: str, token: str) -> dict[str, Any]:
    categories = re.findall(r'name="d_category" value="([^"]+)"', page)
    n = len(categories)
    return {"csrf_token": token, "d_right": ["access"] * n, "d_category": categories,
            "d_outcome": ["granted"] * n, "d_norm": ["Art. 15 DSGVO"] * n, "d_reason": [""] * n}


@pytest.mark.parametrize("lang,message", [
    ("de", "Entscheidungen: Ein teilweise gewährtes oder abgelehntes Recht braucht eine Begründung."),
    ("en", "Decisions: a partly granted or refused right needs a reason."),
])
def test_refused_approval_keeps_every_choice_and_text(app: Any, make_user: Any, review_id: int,
                                                      demo_services: Services, lang: str,
                                                      message: str) -> None:
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{review_id}"
    coordinator.get(f"{path}?lang={lang}")  # the staff user's choice, kept in a cookie
    page = coordinator.get(f"{path}?tab=draft").get_data(as_text=True)
    form = _approve_form(page, _csrf(coordinator, path))
    assert len(form["d_category"]) >= 3
    form["d_outcome"][0] = "partly_granted"
    form["d_reason"][0] = "Rechnungen Dritter geschwärzt (Art. 15 Abs. 4)"
    form["d_outcome"][2] = "refused"  # no reason
    form["d_norm"][2] = "Art. 15 Abs. 4 DSGVO, § 34 BDSG"

    response = coordinator.post(f"{path}/approve", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f'class="flash error">{html.escape(message)}' in text
    assert "needs a reason" not in text or lang == "en"
    rows = _rows(text)
    assert len(rows) == len(form["d_category"])
    assert 'value="partly_granted" selected' in rows[0]
    assert html.escape("Rechnungen Dritter geschwärzt (Art. 15 Abs. 4)") in rows[0]
    assert 'value="refused" selected' in rows[2] and 'class="row-error"' in rows[2]
    assert html.escape("Art. 15 Abs. 4 DSGVO, § 34 BDSG") in rows[2]
    assert 'aria-invalid="true"' in rows[2] and "row-error" not in rows[0] + rows[1]
    with demo_services.db.session() as session:
        assert session.get(Request, review_id).status == State.REVIEW
        assert not session.scalars(select(Decision).where(
            Decision.request_id == review_id)).all()

    form["d_reason"][2] = "Geschäftsgeheimnis des Auskunfteivertrags"
    assert confirmed(coordinator, f"{path}/approve", data=form).status_code == 302
    with demo_services.db.session() as session:
        assert session.get(Request, review_id).status == State.EXECUTING


def test_refused_decision_row_from_the_schema_is_named_in_german(
        app: Any, make_user: Any, review_id: int) -> None:
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{review_id}"
    page = coordinator.get(f"{path}?tab=draft").get_data(as_text=True)
    form = _approve_form(page, _csrf(coordinator, path))
    form["d_norm"][1] = "x"  # too short
    form["d_reason"][0] = "bleibt stehen"
    response = coordinator.post(f"{path}/approve", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert 'class="flash error">Rechtsgrundlage: Bitte 3 bis 200 Zeichen.' in text
    rows = _rows(text)
    assert 'class="row-error"' in rows[1] and 'value="bleibt stehen"' in rows[0]


def test_refused_contest_review_keeps_outcome_reasons_and_role(
        app: Any, make_user: Any, demo_services: Services) -> None:
    reference = _submit(app)
    from workflows.runner import run_pending

    run_pending(demo_services)
    with demo_services.db.session() as session:
        request_id = session.scalars(select(Request.id).where(
            Request.reference == reference)).one()
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}"
    for action in ("verify", "process"):
        coordinator.post(f"{path}/{action}", data={"csrf_token": _csrf(coordinator, path)})
        run_pending(demo_services)
    page = coordinator.get(f"{path}?tab=draft").get_data(as_text=True)
    checks = re.findall(r'name="check" value="(credit_check:\d+)"', page)
    assert len(checks) >= 2
    reasons = ("Die Auskunftei hat den Score nach Begleichung der Forderung neu berechnet; "
               "die Einschränkung entfällt ab sofort.")
    assert len(reasons) > 100
    form = {"csrf_token": _csrf(coordinator, path), "check": checks[1], "outcome": "changed",
            "reasons": reasons, "reviewer_role": "credit_management"}  # no options ticked

    response = coordinator.post(f"{path}/contest-review", data=form)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert ("Bei „geändert“ bitte die jetzt angebotenen Zahlungsarten wählen." in text
            and "for 'changed'" not in text and " / " not in text.split('class="flash error">')[1]
            .split("<")[0])
    section = text.split('id="contest-form"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'value="changed" checked', section)
    assert not re.search(r'value="upheld" checked', section)
    assert f">{html.escape(reasons)}</textarea>" in section
    assert re.search(r'value="credit_management" selected', section)
    assert re.search(rf'name="check" value="{checks[1]}" form="contest-form" [^>]*checked', text)
    assert not re.search(rf'name="check" value="{checks[0]}" form="contest-form" [^>]*checked',
                         text)
    with demo_services.db.session() as session:
        assert session.scalar(select(DecisionReview.id)) is None

    coordinator.get(f"{path}?lang=en")
    response = coordinator.post(f"{path}/contest-review", data=form)
    assert "For “changed”, choose the payment options now offered." in \
        html.unescape(response.get_data(as_text=True))
