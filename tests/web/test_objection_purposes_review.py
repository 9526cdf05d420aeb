"""Review decides an objection per purpose (Art. 21 GDPR; issue 14, point 1): advertising ends
without weighing; market research and credit-bureau transfers each get a decision — granted,
or not granted with the compelling grounds — recorded with the approval. No system carries
these two out, so nothing is preselected and the page says so."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Decision, Request
from tests.support.clock import CLOCK
from tests.support.safe_steps import confirmed
from tests.web.test_queue import _client, _csrf
from workflows.runner import run_pending
from workflows.states import State

FIELDS = ("d_right", "d_category", "d_outcome", "d_norm", "d_reason")


def _objection_in_review(services: Services, email: str) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=["objection"], name="Jürgen Weiß", email=email,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0", connectors=list(services.config.connectors))
    run_pending(services)
    return request_id


def _decision_fields(page: str) -> dict[str, list[str]]:
    """What a browser submits with the approval form: its own rows and every field that names
    it with ``form="decisions-form"``, in document order (selects at their selected option)."""
    found: dict[str, list[str]] = {name: [] for name in FIELDS}
    for match in re.finditer(r'<select[^>]*name="(d_[a-z]+)"[^>]*>(.*?)</select>'
                             r'|<input[^>]*name="(d_[a-z]+)"[^>]*>', page, re.S):
        if match.group(1):
            chosen = re.search(r'<option value="([^"]+)"\s*selected', match.group(2))
            found[match.group(1)].append(chosen.group(1) if chosen else "")
        else:
            value = re.search(r'value="([^"]*)"', match.group(0))
            found[match.group(3)].append(value.group(1) if value else "")
    return found


def test_art_21_1_each_purpose_is_decided_in_review_and_grounds_are_required(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _objection_in_review(demo_services, demo_shop["summary"].sample_customer_email)
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get(f"/queue/requests/{request_id}?tab=draft").get_data(as_text=True)
    assert 'id="objection-purposes"' in page
    assert 'id="purpose-market_research"' in page and 'id="purpose-credit_transfer"' in page
    fields = _decision_fields(page)
    purposes = [c for c in fields["d_category"] if c in ("market_research", "credit_transfer")]
    assert purposes == ["market_research", "credit_transfer"]
    research = fields["d_category"].index("market_research")
    credit = fields["d_category"].index("credit_transfer")
    assert len({len(values) for values in fields.values()}) == 1  # whole rows only
    # nothing carries these purposes out: no decision is preselected, and the page says so
    assert fields["d_outcome"][research] == fields["d_outcome"][credit] == ""
    purposes = page[page.index('id="objection-purposes"'):].split("</table>", 1)[0]
    assert purposes.count("kein System setzt das um") == 2
    assert "stattgegeben – nur vermerkt" in purposes
    english = coordinator.get(f"/queue/requests/{request_id}?tab=draft&lang=en").get_data(
        as_text=True)
    assert english.count("no system carries this out") == 2
    token = _csrf(coordinator, f"/queue/requests/{request_id}")
    undecided = coordinator.post(f"/queue/requests/{request_id}/approve",
                                 data={"csrf_token": token, **fields})
    assert undecided.status_code == 422  # a purpose left undecided is not approved
    fields["d_outcome"][research] = "granted"
    fields["d_outcome"][credit] = "refused"  # credit-bureau transfers kept, but no grounds given
    response = coordinator.post(f"/queue/requests/{request_id}/approve",
                                data={"csrf_token": token, **fields})
    assert response.status_code == 422
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
    grounds = "Offene Forderung aus Rechnung 2026-0042, Meldung nach §31 BDSG"
    fields["d_reason"][credit] = grounds
    confirmed(coordinator, f"/queue/requests/{request_id}/approve",
              data={"csrf_token": token, **fields})
    with demo_services.db.session() as session:
        assert session.get(Request, request_id).status == State.EXECUTING
        decided = {d.category: d for d in session.scalars(select(Decision).where(
            Decision.request_id == request_id, Decision.right == "objection"))}
    assert decided["market_research"].outcome == "granted"
    assert decided["credit_transfer"].outcome == "refused"
    assert decided["credit_transfer"].reason == grounds
    assert decided["credit_transfer"].norm.startswith("Art. 21 Abs. 1")


def test_an_access_request_has_no_purpose_controls(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    from tests.web.test_queue import _request_in_review

    request_id = _request_in_review(demo_services, demo_shop["summary"].sample_customer_email)
    page = _client(app, make_user, "coordinator").get(
        f"/queue/requests/{request_id}").get_data(as_text=True)
    assert 'id="objection-purposes"' not in page
