"""The rectification editor, a page of its own (coordinator, before approval): every row of
the customer holding a rectifiable field — account, billing and delivery address apart, the
issued invoices — with the stored and the proposed value; the coordinator picks rows and
fields, and only those are stored for the plan. A forged or empty pick is a 400 with a clear
message; staff without the right to decide get no page."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from dsr.changes import operations as changes
from dsr.changes import rectification
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.web.test_change_review import _client, _csrf
from workflows.runner import run_pending

WANTED = {"last_name": "Weiss-Neumann", "street": "Leopoldstraße 200"}


def _rectification(services: Services, email: str) -> int:
    requested = rectification.RequestedCorrections(WANTED, "Seit der Heirat")
    with services.db.session() as session:
        req = submit(session, Submission(
            types=["rectification"], name="Jürgen Weiß", email=email,
            channel=Channel.FORM.value, received_at=CLOCK.now(),
            requested_corrections=requested), calendar=services.calendar,
            connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        actions.verify(session, session.get(Request, request_id), actor="user:0",
                       method="manual")
    return request_id


def _boxes(page: str) -> dict[str, tuple[str, bool]]:
    """Each field's token -> (its row's data-column, checked)."""
    found = {}
    for row in re.findall(r'<tr class="[^"]*" data-row="[^"]*" data-column="[^"]*">.*?</tr>',
                          page, re.S):
        column = re.search(r'data-column="([^"]+)"', row).group(1)  # type: ignore[union-attr]
        box = re.search(r'<input type="checkbox" name="pick" value="([^"]+)" ?(checked)?', row)
        assert box is not None
        found[box.group(1)] = (column, bool(box.group(2)))
    return found


def test_the_coordinator_picks_rows_and_fields_and_only_those_are_stored(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _rectification(demo_services, demo_shop["summary"].sample_customer_email)
    coordinator = _client(app, make_user, "coordinator")
    detail = coordinator.get(f"/queue/requests/{request_id}?tab=changes").get_data(as_text=True)
    path = f"/queue/requests/{request_id}/rectification"
    assert f'href="{path}"' in detail and 'id="rectification-editor-link"' in detail
    response = coordinator.get(path)
    assert response.status_code == 200
    page = unescape(response.get_data(as_text=True))
    assert "Rechnungsadresse" in page and "Lieferadresse" in page
    assert "Leopoldstraße 112" in page  # the stored street, beside the new one
    assert 'value="Leopoldstraße 200"' in page
    assert "wird daneben vermerkt" in page  # the invoices: §146(4) AO
    boxes = _boxes(page)
    streets = {t: checked for t, (column, checked) in boxes.items()
               if column == "addresses.street"}
    assert len(streets) == 2 and not any(streets.values())  # billing or delivery: his choice
    names = [checked for column, checked in boxes.values()
             if column in ("customers.last_name", "addresses.last_name")]
    assert names == [True, True, True]
    assert not any(checked for column, checked in boxes.values()
                   if column.startswith("invoices."))
    # The billing row comes first (the rows in key order: billing is #1).
    billing = sorted(streets, key=lambda t: t.rsplit("|", 1)[1])[0]
    picked = [t for t, (_, checked) in boxes.items() if checked] + [billing]
    form = {"csrf_token": _csrf(coordinator, path), "pick": picked}
    form.update({f"new:{t}": ("Leopoldstraße 200" if boxes[t][0].endswith("street")
                              else "Weiss-Neumann") for t in picked})
    saved = coordinator.post(path, data=form)
    assert saved.status_code == 302
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        rows = changes.row_corrections_of(session, req)
        assert sorted((r.column, r.value) for r in rows) == [
            ("addresses.last_name", "Weiss-Neumann"), ("addresses.last_name", "Weiss-Neumann"),
            ("addresses.street", "Leopoldstraße 200"), ("customers.last_name", "Weiss-Neumann")]
        assert changes.corrections_of(req) == {"customers.last_name": "Weiss-Neumann",
                                               "addresses.last_name": "Weiss-Neumann",
                                               "addresses.street": "Leopoldstraße 200"}
    again = unescape(coordinator.get(path).get_data(as_text=True))
    assert 'id="editor-saved"' in again
    assert sum(checked for _, checked in _boxes(again).values()) == 4

    english = unescape(coordinator.get(f"{path}?lang=en").get_data(as_text=True))
    assert "Rectification by row and field" in english and "Billing address" in english


def test_a_forged_or_empty_pick_is_refused_with_a_message(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    request_id = _rectification(demo_services, demo_shop["summary"].sample_customer_email)
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}/rectification"
    forged = coordinator.post(path, data={"csrf_token": _csrf(coordinator, path),
                                          "pick": ['shop|customers.last_name|[999]'],
                                          "new:shop|customers.last_name|[999]": "X"})
    assert forged.status_code == 400
    assert "gehört nicht zu der Person" in unescape(forged.get_data(as_text=True))
    empty = coordinator.post(path, data={"csrf_token": _csrf(coordinator, path)})
    assert empty.status_code == 400
    assert "mindestens ein Feld" in unescape(empty.get_data(as_text=True))
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        assert not changes.row_corrections_of(session, req)
    staff = _client(app, make_user, "staff")
    assert staff.get(path).status_code == 403


def test_the_editor_refuses_a_request_without_rectification_and_an_unknown_one(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    with demo_services.db.session() as session:
        req = submit(session, Submission(
            types=["access"], name="Jürgen Weiß", email=demo_shop["summary"].sample_customer_email,
            channel=Channel.FORM.value, received_at=CLOCK.now()), calendar=demo_services.calendar,
            connectors=list(demo_services.config.connectors))
        request_id = req.id
    coordinator = _client(app, make_user, "coordinator")
    path = f"/queue/requests/{request_id}/rectification"
    assert coordinator.get(path).status_code == 409
    refused = coordinator.post(path, data={"csrf_token": _csrf(coordinator, path.rsplit("/", 1)[0])})
    assert refused.status_code == 409
    assert coordinator.get("/queue/requests/999999/rectification").status_code == 404
