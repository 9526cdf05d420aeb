"""Change requests end to end through the task outbox, on the demo shop (SQLite, PostgreSQL,
MariaDB) with its newsletter tables, rotated access logs and recipients; Art. 19 mail captured
by a real SMTP server (aiosmtpd). Plans are stored before any system is touched; every task
run twice, and every task killed between a system's commit and its receipt's, ends in the same
state with one receipt."""

from __future__ import annotations

import email
import gzip
import socket
from collections.abc import Iterator
from datetime import date, timedelta
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from connectors.access_logs import Windows
from connectors.base import Identity
from dsr.changes import holds
from dsr.changes import operations as changes
from dsr.changes.models import (
    ChangePlan,
    ChangeReceipt,
    ErasureJournalEntry,
    LegalHold,
    RecipientNotice,
    RetainedRecord,
    SuppressionEntry,
)
from dsr.config import DEMO_RECIPIENTS
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.shops import BACKENDS, find_everywhere, fresh_shop
from workflows.jobs import JOBS
from workflows.models import Task
from workflows.runner import run_pending
from workflows.states import State

NAME = "Jürgen Weiß"
PHONE = "089 99998112"


class Sink:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=default_policy))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Sink, int]]:
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, request.param, tmp_path, demo_shop)


@pytest.fixture
def services(tmp_path: Path, service_db_url: str, shop: dict[str, Any],
             smtp: tuple[Sink, int]) -> Iterator[Services]:
    from dsr.audit import ensure_head
    from tests.conftest import make_config

    endpoints = {key: {"email": f"datenschutz@{key.replace('_', '-')}.example.org",
                       "credit_bureau": key == "schufa"} for key in DEMO_RECIPIENTS}
    config = make_config(tmp_path, database_url=service_db_url, shop_url=shop["url"], extra={
        "connectors": {
            "logs": {"kind": "access_logs", "subject_from": "shop",
                     "directory": str(shop["log_dir"])},
            "recipients": {"kind": "recipient_mail", "subject_from": "shop",
                           "endpoints": endpoints}},
        "mail": {"backend": "smtp", "smtp_host": "127.0.0.1", "smtp_port": smtp[1]}})
    built = Services(config)
    with built.db.session() as session:
        ensure_head(session)
    yield built
    built.close()


def in_review(services: Services, email_address: str, name: str, types: list[str]) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name=name, email=email_address,
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = req.id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:1", method="manual")
        actions.process(session, req, actor="user:1", connectors=list(services.config.connectors))
    run_pending(services)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
    return request_id


def approve_and_release(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))
    run_pending(services)
    with services.db.session() as session:
        actions.release(session, session.get(Request, request_id), actor="user:1")
    run_pending(services)


def counts(services: Services) -> dict[str, int]:
    with services.db.session() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (ChangePlan, ChangeReceipt, ErasureJournalEntry, RetainedRecord,
                              SuppressionEntry, RecipientNotice)}


def own_windows(services: Services, email_address: str) -> Windows:
    shop = services.connectors["shop"]
    found = shop.discover(Identity(email=email_address))
    subject = services.connectors["logs"].derive_subject(shop, _subject(found))
    return Windows(subject.identifiers["ip_window"], None)


def _subject(found: Any) -> Any:
    from connectors.base import Subject

    return Subject.from_matches(found.matches)


def rotated_lines(log_dir: Path) -> Iterator[str]:
    for path in sorted(log_dir.glob("access.log.*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            yield from handle


def test_erasure_and_objection_leave_exactly_what_must_stay(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int]) -> None:
    summary = shop["summary"]
    address = summary.sample_customer_email
    windows = own_windows(services, address)
    logs = services.connectors["logs"]
    before_lines = sum(1 for line in rotated_lines(shop["log_dir"])
                       if logs._matches(line, windows))
    assert before_lines > 0
    request_id = in_review(services, address, NAME, ["erasure", "objection"])

    # Review: every plan is stored, and no system has been touched yet.
    with services.db.session() as session:
        plans = {p.connector: p for p in session.scalars(select(ChangePlan))}
    assert set(plans) == {"shop", "newsletter", "logs", "recipients"}
    assert services.connectors["shop"].discover(Identity(email=address)).found
    assert not [m for m in smtp[0].messages if str(m["To"]) != address]

    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
        receipts = list(session.scalars(select(ChangeReceipt)))
        retained = list(session.scalars(select(RetainedRecord)))
        suppression = list(session.scalars(select(SuppressionEntry)))
        notices = list(session.scalars(select(RecipientNotice)))
        stored = [changes.Plan.from_json(p.body) for p in session.scalars(select(ChangePlan))]
    # one per system's plan, and the newsletter's advertising stop on intake
    assert len(receipts) == 5 and all(r.verified for r in receipts)

    # The shop: only blocked fields still name him (invoices and orders under retention, the
    # double-opt-in proof); everything else is gone.
    allowed = {(c.target, tuple(c.key), f) for plan in stored for c in plan.changes
               if c.action == "block" for f in c.fields}
    hits = find_everywhere(shop["url"], [address, NAME, PHONE])
    assert {h[0] for h in hits} >= {"invoices", "newsletter_subscriptions"}
    assert all(hit in allowed for hit in hits), [h for h in hits if h not in allowed]
    invoices = [r for r in retained if r.target == "invoices"]
    assert invoices and all(r.retained_until and r.retained_until.month == 12
                            and r.retained_until.day == 31 for r in invoices)
    proof = [r for r in retained if r.target == "newsletter_subscriptions"]
    assert proof and all(r.rule == "consent_proof" for r in proof)

    # The suppression list: keyed hashes of his e-mail and postal address, per channel.
    newsletter = services.connectors["newsletter"]
    [(_, mail_hash)] = newsletter.suppression_hashes(email=f"  {address.upper()} ")
    assert {e.channel for e in suppression if e.hash == mail_hash} == {
        "newsletter", "existing_customer_email", "postal"}
    assert {e.kind for e in suppression} == {"email", "postal"}
    with services.db.session() as session:
        assert changes.suppressed(session, [mail_hash], "newsletter")
        # An import of his address (any spelling) is refused; someone else's is not.
        assert changes.check_import(session, newsletter, [
            {"email": "someone.else@example.org"}, {"email": address.upper()},
            {"email": "new@example.org", "street": "Leopoldstr. 112", "postcode": "80802"},
        ]) == ([0], [1, 2])

    # The logs: his lines in the rotated files carry truncated addresses, nobody else's changed.
    assert not any(logs._matches(line, windows) for line in rotated_lines(shop["log_dir"]))
    assert sum(1 for line in rotated_lines(shop["log_dir"])
               if line.split(" ", 1)[0].endswith((".0", "::"))) >= before_lines

    # Art. 19: one e-mail to each recipient of his data that still processes it (the
    # register's period after its last disclosure), tracked until confirmed; the others are
    # recorded in the plan with the reason.
    art19 = [m for m in smtp[0].messages if str(m["To"]).startswith("datenschutz@")]
    disclosed = {d["value"] for d in stored_disclosures(stored)}
    values = changes.recipient_values(services.register)  # the register's evidence
    received = {key for key in DEMO_RECIPIENTS if set(values[key]) & disclosed}
    [recipients_plan] = [p for p in stored if p.system == "recipients"]
    withheld = {w.target: w.reason for w in recipients_plan.withheld}
    assert {"schufa", "stripe", "dhl"} <= set(withheld) < received  # checks and parcels of 2022
    assert set(withheld.values()) == {"no_longer_processing"}
    expected = received - set(withheld)
    assert {"paypal", "dpd"} <= expected
    assert sorted(str(m["To"]) for m in art19) == sorted(
        f"datenschutz@{k.replace('_', '-')}.example.org" for k in expected)
    with services.db.session() as session:
        reference = session.get(Request, request_id).reference
    assert all(reference in str(m["Subject"]) for m in art19)
    # Each names him by what the recipient knows (its tracking numbers, its payment
    # references), not by our customer number, and is signed by the controller.
    by_to = {str(m["To"]).split("@")[1].split(".")[0]: m for m in art19}
    assert "Sendungsnummer: " in by_to["dpd"].get_content()
    assert "Referenz des Zahlungsdienstleisters: " in by_to["paypal"].get_content()
    for message in by_to.values():
        assert "Kundennummer" not in message.get_content()
        assert "PSO GmbH – Datenschutz" in message.get_content()
    assert all(str(m["Subject"]).startswith("Mitteilung nach Art. 19 DSGVO – Löschung")
               for m in by_to.values())
    assert {n.recipient for n in notices} == expected
    assert {n.status for n in notices} == {"waiting"}


def stored_disclosures(plans: list[Any]) -> list[dict[str, Any]]:
    [recipients] = [p for p in plans if p.system == "recipients"]
    return [{"value": v} for v in recipients.subject["identifiers"]["disclosed_to"]]


def test_every_task_twice_and_killed_between_commits_ends_the_same(
        services: Services, shop: dict[str, Any], smtp: tuple[Sink, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    address = shop["summary"].sample_customer_email
    request_id = in_review(services, address, NAME, ["erasure", "objection"])
    # Kill each execute task once right after its systems committed, before the receipt.
    killed: list[int] = []
    real = changes.record_receipt

    def dies_once(services_: Any, session: Any, plan_row: Any, plan: Any, receipt: Any) -> Any:
        if plan_row.id not in killed:
            killed.append(plan_row.id)
            raise RuntimeError("worker killed between the system's commit and the receipt")
        return real(services_, session, plan_row, plan, receipt)

    monkeypatch.setattr(changes, "record_receipt", dies_once)
    approve_and_release(services, request_id)
    assert len(killed) == 4
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
        executes = list(session.scalars(select(Task).where(Task.kind == "execute")))
        assert all(t.attempts == 2 and t.status == "done" for t in executes)
        receipts = list(session.scalars(select(ChangeReceipt)))
    # one per system's plan, and the newsletter's advertising stop on intake
    assert len(receipts) == 5 and all(r.verified for r in receipts)
    for receipt in receipts:  # the re-run found every step done or nothing left to change
        if receipt.plan_id in killed:  # (the stop on intake ran once, before any kill)
            assert all(step["done_before"] or not step["touched"]
                       for step in receipt.body["steps"])
    assert sorted(r.plan_id for r in receipts if r.plan_id in killed) == sorted(killed)
    state = counts(services)
    mails = len(smtp[0].messages)

    # Every task of the request, run again: nothing new anywhere.
    with services.db.session() as session:
        task_ids = list(session.scalars(select(Task.id).where(Task.request_id == request_id)))
    for task_id in task_ids:
        session = services.db.sessionmaker()
        try:
            task = session.get(Task, task_id)
            if task.kind in ("plan", "execute"):
                JOBS[task.kind](services, session, task)
            session.commit()
        finally:
            session.close()
    assert counts(services) == state
    assert len(smtp[0].messages) == mails


def test_a_crash_inside_a_step_sequence_resumes_where_it_stopped(
        services: Services, shop: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    address = shop["summary"].sample_customer_email
    request_id = in_review(services, address, NAME, ["erasure"])
    real = changes.DbStepLog.mark_done
    calls: list[int] = []

    def dies_at_third(self: Any, index: int, touched: int) -> None:
        # The shop's third step only: the other systems' plans may run before or after it.
        with services.db.session() as session:
            plan = session.get(ChangePlan, self.plan_id)
        if plan is not None and plan.connector == "shop":
            calls.append(index)
            if len(calls) == 3:
                raise RuntimeError("killed after the shop committed step 3")
        real(self, index, touched)

    monkeypatch.setattr(changes.DbStepLog, "mark_done", dies_at_third)
    approve_and_release(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.COMPLETED
        [plan] = session.scalars(select(ChangePlan).where(ChangePlan.connector == "shop"))
        [receipt] = session.scalars(select(ChangeReceipt).where(ChangeReceipt.plan_id == plan.id))
    assert receipt.verified
    steps = receipt.body["steps"]
    crashed = steps[2]
    assert not crashed["done_before"] and crashed["touched"] == 0  # committed before the crash
    assert all(s["done_before"] for s in steps[:2])
    assert not services.connectors["shop"].discover(Identity(email=address)).found


def test_access_to_logs_returns_only_the_subjects_windows_of_a_shared_address(
        services: Services, shop: dict[str, Any]) -> None:
    first, second = shop["summary"].shared_ip_customer_emails
    shared = shop["summary"].shared_ip
    logs, source = services.connectors["logs"], services.connectors["shop"]
    mine = logs.access(logs.derive_subject(source, _subject(source.discover(
        Identity(email=first)))))
    theirs = own_windows(services, second)
    lines = [row[1] for row in mine.tables[0].rows]
    shared_lines = [line for line in lines if line.startswith(shared + " ")]
    assert shared_lines, "the showcase pair used the shared address inside the logs' period"
    every_shared = [line for line in rotated_lines(shop["log_dir"])
                    if line.startswith(shared + " ")]
    assert len(every_shared) > len(shared_lines)
    assert not any(logs._matches(line, theirs) for line in lines)


def test_the_retention_run_erases_what_has_come_due_and_holds_suspend_erasure(
        services: Services, shop: dict[str, Any]) -> None:
    from dsr.changes.retention import run_retention

    summary = shop["summary"]
    with services.db.session() as session:
        session.add(LegalHold(connector="shop", subject_key=[6], kind="collection",
                              reason="IK-2026-1", created_by="test"))
    first = in_review(services, summary.sample_customer_email, NAME, ["erasure"])
    approve_and_release(services, first)
    held = in_review(services, summary.collection_customer_email, "Dieter Pöschl", ["erasure"])
    approve_and_release(services, held)
    with services.db.session() as session:
        records = list(session.scalars(select(RetainedRecord).where(
            RetainedRecord.connector == "shop")))
    invoices = sorted((r for r in records if r.target == "invoices"),
                      key=lambda r: r.retained_until or date.max)
    soonest = invoices[0].retained_until
    on_hold = [r for r in records if r.hold_id is not None]
    assert soonest is not None and on_hold and all(r.retained_until is None for r in on_hold)
    assert run_retention(services, soonest) == {"plans": 0, "records": 0}  # the last day: kept

    with services.db.session() as session:  # a claim that came up after the erasure
        key = session.get(Request, first).subject_keys["shop"]["keys"][0]
        late = holds.place_hold(session, connectors=services.config.connectors,
                                connector="shop", subject_key=key, kind="open_claim",
                                reason="Rückforderung", actor="user:1").id
    assert run_retention(services, soonest + timedelta(days=1)) == {"plans": 0, "records": 0}
    with services.db.session() as session:
        holds.lift_hold(session, late, actor="user:1")
    done = run_retention(services, soonest + timedelta(days=1))
    due = [r for r in records if r.retained_until == soonest]
    assert done["records"] >= len(due) > 0
    billing = "SELECT billing_name FROM invoices WHERE id = :i"
    for record in due:
        if record.target == "invoices":
            assert rows(shop["url"], billing, i=record.row_key[0]) == [(None,)]
    later = [r for r in invoices if r.retained_until and r.retained_until > soonest]
    assert later and rows(shop["url"], billing, i=later[0].row_key[0])[0][0]
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(ErasureJournalEntry).join(
            ChangePlan).where(ChangePlan.purpose == "retention")) > 0
        # The claim is settled: the coordinator's hold and the ones its open collection case
        # and unpaid invoices placed when the erasure was planned are lifted.
        for hold in session.scalars(select(LegalHold).where(LegalHold.lifted_at.is_(None))):
            hold.lifted_at = CLOCK.now()
    assert services.connectors["shop"].discover(
        Identity(email=summary.collection_customer_email)).found  # held: nothing erased yet
    run_retention(services)
    assert not services.connectors["shop"].discover(
        Identity(email=summary.collection_customer_email)).found
    with services.db.session() as session:
        assert all(r.erased_at for r in session.scalars(select(RetainedRecord).where(
            RetainedRecord.hold_id.is_not(None))))
        # What a rule still keeps is blocked again, with its date, in the fresh plan.
        fresh = session.scalars(select(RetainedRecord).join(ChangePlan).where(
            ChangePlan.purpose == "retention", RetainedRecord.hold_id.is_(None))).all()
        assert fresh and all(r.retained_until for r in fresh)


def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as connection:
        found = [tuple(row) for row in connection.execute(sa.text(sql), params)]
    engine.dispose()
    return found


def test_access_of_a_recipient_returns_her_delivery_address_and_nothing_of_the_buyer(
        services: Services, shop: dict[str, Any]) -> None:
    summary = shop["summary"]
    source = services.connectors["shop"]
    found = source.access(_subject(source.discover(Identity(email=summary.recipient_customer_email))))
    received = [t for t in found.tables if t.recipient_only]
    assert [t.table for t in received if t.rows] == ["orders"]
    [orders] = [t for t in received if t.table == "orders"]
    assert {c.name for c in orders.columns} == {
        "recipient_name", "recipient_company", "recipient_street", "recipient_postcode",
        "recipient_city", "recipient_country", "recipient_email", "recipient_phone"}
    text = str([t.rows for t in found.tables])
    assert summary.sample_customer_email not in text and PHONE not in text and NAME not in text
    assert "Renate" in str(orders.rows)
