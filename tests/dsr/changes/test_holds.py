"""Legal holds as a service: placed and lifted with an audit event that names the hold, its
kind and system (never the key, reason or file number); bad input is one clear line and stores
nothing; a hold on a subject whose erasure plan is in review makes that plan stale. Runs on
SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from dsr.audit import AuditEvent
from dsr.changes import holds
from dsr.changes.models import ChangePlan, LegalHold
from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from tests.support.clock import CLOCK
from tests.support.lifecycle import walk_to
from workflows.states import State

CONNECTORS = ("shop", "newsletter")


def place(session: Any, **changes: Any) -> LegalHold:
    args: dict[str, Any] = {"connectors": CONNECTORS, "connector": "shop", "subject_key": [6],
                            "kind": "collection", "reason": "Forderung offen",
                            "reference": "IK-2026-17", "actor": "user:1"} | changes
    return holds.place_hold(session, **args)


def request_in(services: Services, state: State, types: list[str],
               keys: dict[str, Any] | None = None) -> int:
    """A request moved to ``state`` with the subject found in the shop (key [6])."""
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name="Jürgen Weiß",
                                         email="juergen.weiss@example.org",
                                         channel=Channel.FORM.value, received_at=CLOCK.now()),
                     calendar=services.calendar, connectors=[])
        req.subject_keys = keys if keys is not None else {
            "shop": {"keys": [[6]], "identifiers": {"email": ["juergen.weiss@example.org"]}}}
        if state != State.RECEIVED:
            walk_to(session, req, state, actor="user:1")
        return req.id


def add_plan(services: Services, request_id: int, minutes_ago: int, round_: int = 0) -> None:
    with services.db.session() as session:
        session.add(ChangePlan(request_id=request_id, connector="shop", round=round_,
                               status="planned", body={}, summary=[],
                               created_at=CLOCK.now() - timedelta(minutes=minutes_ago)))


def test_a_hold_is_placed_and_lifted_with_an_audit_event_and_no_personal_data(
        services: Services) -> None:
    with services.db.session() as session:
        hold_id = place(session, request_id=None).id
    with services.db.session() as session:
        row = session.get(LegalHold, hold_id)
        assert (row.connector, row.subject_key, row.kind, row.reference, row.created_by) == (
            "shop", [6], "collection", "IK-2026-17", "user:1")
        assert [r.id for r in holds.list_holds(session)] == [hold_id]
        lifted = holds.lift_hold(session, hold_id, actor="user:2")
        assert lifted.lifted_by == "user:2" and lifted.lifted_at is not None
    with services.db.session() as session:
        assert holds.list_holds(session) == []
        assert [r.id for r in holds.list_holds(session, active_only=False)] == [hold_id]
        with pytest.raises(holds.HoldLifted, match=f"no active hold {hold_id}: it was lifted"):
            holds.lift_hold(session, hold_id, actor="user:1")
        with pytest.raises(holds.HoldNotFound, match="no hold 999"):
            holds.lift_hold(session, 999, actor="user:1")
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(["legal_hold_added", "legal_hold_lifted"]))
            .order_by(AuditEvent.seq)).all()
    assert [(e.action, e.actor) for e in events] == [("legal_hold_added", "user:1"),
                                                     ("legal_hold_lifted", "user:2")]
    for event in events:
        assert {k: event.details[k] for k in ("hold", "kind", "connector")} == {
            "hold": hold_id, "kind": "collection", "connector": "shop"}
        assert "IK-2026" not in json.dumps(event.details)


@pytest.mark.parametrize("changes,message", [
    ({"connector": "erp"}, "connector: no connector 'erp' is configured"),
    ({"kind": "grudge"}, "kind: one of open_claim, collection, tax_audit"),
    ({"reason": "   "}, "reason: say why"),
    ({"reason": "x" * 501}, "reason: at most 500 characters"),
    ({"reference": "x" * 121}, "reference: at most 120 characters"),
    ({"subject_key": []}, "key: the subject's key"),
    ({"subject_key": [{"id": 6}]}, "key: the subject's key"),
])
def test_bad_input_is_one_clear_line_and_stores_nothing(
        services: Services, changes: dict[str, Any], message: str) -> None:
    with services.db.session() as session, pytest.raises(holds.HoldError) as info:
        place(session, **changes)
    assert message in str(info.value) and "\n" not in str(info.value)
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(LegalHold)) == 0
        assert session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "legal_hold_added")) is None


def test_the_holds_of_a_subject_are_found_by_its_keys_in_each_system(
        services: Services) -> None:
    with services.db.session() as session:
        mine = place(session).id
        place(session, subject_key=[7])  # another customer
        place(session, connector="newsletter")  # key [6] of another system
        lifted = place(session, kind="tax_audit").id
        holds.lift_hold(session, lifted, actor="user:1")
        newest = place(session, kind="open_claim").id
    reviewed = request_in(services, State.REVIEW, ["erasure"])
    unconfirmed = request_in(services, State.AWAITING_VERIFICATION, ["erasure"])
    with services.db.session() as session:
        keys = holds.subject_keys(session.get(Request, reviewed))
        assert keys == {"shop": [[6]]}
        assert holds.subject_keys(session.get(Request, unconfirmed)) == {}
        found = holds.holds_for_subject(session, keys)
        assert [r.id for r in found] == [newest, mine, lifted]  # active first, newest first
        assert [r.id for r in holds.holds_for_subject(session, keys, active_only=True)] == [
            newest, mine]
        assert holds.hold_of_subject(session, mine, keys).id == mine
        with pytest.raises(holds.HoldNotFound):
            holds.hold_of_subject(session, mine + 1, keys)  # key [7]: not this subject's


def test_a_hold_is_offered_only_where_the_plans_look_it_up(services: Services) -> None:
    """The newsletter found the subject too (its own search), but it derives its subject from
    the shop, whose holds its plans follow: a hold there would stop nothing."""
    found_twice = {"shop": {"keys": [[6]], "identifiers": {}},
                   "newsletter": {"keys": [[6]], "identifiers": {}}}
    reviewed = request_in(services, State.REVIEW, ["erasure"], keys=found_twice)
    with services.db.session() as session:
        req = session.get(Request, reviewed)
        assert holds.subject_keys(req) == {"shop": [[6]], "newsletter": [[6]]}
        assert holds.hold_targets(req, services.connectors) == {"shop": [[6]]}
        assert holds.holding_systems(services.connectors) == {"shop"}


def test_a_hold_placed_after_the_plan_makes_an_erasure_in_review_plan_again(
        services: Services) -> None:
    erasure = request_in(services, State.REVIEW, ["erasure"])
    access = request_in(services, State.REVIEW, ["access"])
    verified = request_in(services, State.VERIFIED, ["erasure"])
    for request_id in (erasure, access, verified):
        add_plan(services, request_id, minutes_ago=5)
    with services.db.session() as session:
        assert not holds.needs_replan(session, session.get(Request, erasure))  # no hold yet
        hold_id = place(session).id
    with services.db.session() as session:
        assert holds.needs_replan(session, session.get(Request, erasure))
        assert not holds.needs_replan(session, session.get(Request, access))
        assert not holds.needs_replan(session, session.get(Request, verified))
        assert [r.id for r in holds.requests_to_replan(session, "shop", [6])] == [erasure]
        assert holds.requests_to_replan(session, "shop", [7]) == []
        for plan in session.scalars(select(ChangePlan).where(ChangePlan.request_id == erasure)):
            plan.status = "superseded"  # the coordinator processed it again ...
    add_plan(services, erasure, minutes_ago=0, round_=1)  # ... and the new plan knows the hold
    with services.db.session() as session:
        assert not holds.needs_replan(session, session.get(Request, erasure))
        holds.lift_hold(session, hold_id, actor="user:1")
    with services.db.session() as session:  # lifting changes the plan again
        assert holds.needs_replan(session, session.get(Request, erasure))
