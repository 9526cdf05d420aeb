"""A rectification by row and field, end to end through the task outbox (service database on
SQLite and PostgreSQL, the demo shop on SQLite, PostgreSQL and MariaDB): the editor proposes
the account's and the address book's surname, leaves billing and delivery address to the
coordinator, who picks the billing address only; only the picked fields change, the issued
invoices keep their address. Art. 19: the carrier that still carries his parcels is told the
new street and surname, named by its tracking numbers; the payment provider that never had
his address only the surname; the bureau and the carriers of years ago nothing — and the
confirmation says so, with the reason, as the coordinator's page does."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from connectors.base import Subject
from dsr.changes import operations as changes
from dsr.changes import rectification
from dsr.changes.models import ChangePlan
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.requests.subjects import subject_for
from tests.support.clock import CLOCK
from tests.workflows.test_jobs_changes import (  # noqa: F401  (fixtures)
    NAME,
    Sink,
    approve_and_release,
    services,
    shop,
    smtp,
)
from workflows.runner import run_pending
from workflows.states import State

WANTED = {"last_name": "Weiss-Neumann", "street": "Leopoldstraße 200"}


def _rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(sa.text(sql), params)]
    engine.dispose()
    return found


def test_only_the_picked_rows_change_and_each_recipient_hears_only_what_it_received(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:  # noqa: F811
    address = shop["summary"].sample_customer_email
    requested = rectification.RequestedCorrections(WANTED, "Seit der Heirat; falsche Straße")
    columns = rectification.field_columns(services.connectors)
    with services.db.session() as session:
        req = submit(session, Submission(
            types=["rectification"], name=NAME, email=address, channel=Channel.FORM.value,
            received_at=CLOCK.now(), requested_corrections=requested,
            extra_claims=rectification.claims_for(requested, columns, ["rectification"])),
            calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        # The editor: every row holding a requested field, with stored and new value.
        keys = [list(k) for k in subject_for(req, "shop").keys]
        wanted = changes.change_request(services, session, req, "shop", keys, CLOCK.today())
        subject = Subject(tuple(tuple(k) for k in keys), {})
        found = {"shop": services.connectors["shop"].rectifiable_rows(subject, wanted)}
        rows = rectification.editor_rows(found, requested, {}, ())
        fields = {(row.table, dict(row.kinds).get("kind", ""), f.column): f
                  for row in rows for f in row.fields}
        assert fields[("customers", "", "customers.last_name")].picked
        assert fields[("addresses", "billing", "addresses.last_name")].picked  # equals his
        assert fields[("addresses", "delivery", "addresses.last_name")].picked
        billing = fields[("addresses", "billing", "addresses.street")]
        delivery = fields[("addresses", "delivery", "addresses.street")]
        assert billing.new == delivery.new == "Leopoldstraße 200"
        assert not billing.picked and not delivery.picked  # two addresses: his to choose
        invoice = [f for (table, _, column), f in fields.items() if table == "invoices"]
        assert invoice and not any(f.picked for f in invoice)
        assert all(f.recorded_beside_until for f in invoice)  # §146(4) AO
        # He picks the billing address and the surnames.
        picked = [f.token("shop", row.key) for row in rows for f in row.fields
                  if f.picked or f is billing]
        form = {f"new:{f.token('shop', row.key)}": f.new for row in rows for f in row.fields}
        changes.record_row_corrections(session, req, rectification.picks_from(
            form, picked, rows), actor="user:1")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
        cid = keys[0][0]
    old_delivery = _rows(shop["url"], "SELECT street FROM addresses WHERE customer_id = :c "
                         "AND kind = 'delivery'", c=cid)
    invoices_before = _rows(shop["url"], "SELECT id, billing_street FROM invoices ORDER BY id")
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        plan = changes.current_plan(session, request_id, "recipients")
        assert plan is not None
        withheld = {w["target"]: w["reason"] for w in plan.body["withheld"]}
    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
        assert session.query(ChangePlan).filter_by(request_id=request_id).count() >= 2

    assert _rows(shop["url"], "SELECT kind, street, last_name FROM addresses "
                 "WHERE customer_id = :c ORDER BY kind", c=cid) == [
        ("billing", "Leopoldstraße 200", "Weiss-Neumann"),
        ("delivery", old_delivery[0][0], "Weiss-Neumann")]
    assert _rows(shop["url"], "SELECT id, billing_street FROM invoices ORDER BY id") \
        == invoices_before

    # Art. 19: DPD carried his last parcels, PayPal took his last payment; nobody else hears.
    notices = {str(m["To"]).split("@")[1].split(".")[0]: m.get_content()
               for m in smtp[0].messages if str(m["To"]).startswith("datenschutz@")}
    assert set(notices) == {"dpd", "paypal"}, (set(notices), withheld)
    tracking = _rows(shop["url"], "SELECT s.tracking_no FROM shipments s JOIN orders o ON "
                     "o.id = s.order_id WHERE o.customer_id = :c AND s.carrier = 'DPD'", c=cid)
    assert all(number in notices["dpd"] for (number,) in tracking)
    assert "Leopoldstraße 200" in notices["dpd"] and "Weiss-Neumann" in notices["dpd"]
    assert "Leopoldstraße 200" not in notices["paypal"] and "Weiss-Neumann" in notices["paypal"]
    assert address not in notices["dpd"]  # named by what it knows, not by our identifiers
    assert withheld["schufa"] == withheld["dhl"] == withheld["stripe"] == "no_longer_processing"

    [confirmation] = [m for m in smtp[0].messages if str(m["To"]) == address
                      and "berichtigt" in str(m["Subject"])]
    text = confirmation.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Nicht informiert haben wir diese Empfänger (Art. 19 DSGVO):" in text
    assert "- SCHUFA Holding AG: verarbeitet die Daten nicht mehr (letzte Übermittlung am " in text
    assert "informiert (Art. 19 DSGVO): DPD Deutschland GmbH, PayPal" in text
