"""A request's assignee: set and removed one at a time or for many, every change audited,
only to users who may move requests on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from dsr.audit import AuditEvent
from dsr.context import Services
from dsr.requests import assignment
from dsr.requests.models import Request
from dsr.users.operations import create_user
from tests.support.clock import CLOCK


def _request(session: Any, reference: str) -> Request:
    req = Request(reference=reference, status="verified", types=["access"], channel="form",
                  received_at=CLOCK.now(), due_on=CLOCK.today() + timedelta(days=30))
    session.add(req)
    session.flush()
    return req


def _events(session: Any, request_id: int) -> list[tuple[str, dict[str, Any]]]:
    return [(e.action, e.details) for e in session.scalars(
        select(AuditEvent).where(AuditEvent.request_id == request_id).order_by(AuditEvent.seq))]


@pytest.fixture
def setting(services: Services) -> Any:
    with services.db.session() as session:
        dpo = create_user(session, "dpo", "correct horse battery", "coordinator")
        other = create_user(session, "deputy", "correct horse battery", "coordinator")
        staff = create_user(session, "desk", "correct horse battery", "staff")
        yield session, dpo.id, other.id, staff.id


def test_assigning_is_audited_and_a_repeat_writes_nothing(setting: Any) -> None:
    session, dpo, other, _ = setting
    req = _request(session, "DSR-ASSIGN1")
    assert assignment.assign(session, req, dpo, actor=f"user:{dpo}")
    assert not assignment.assign(session, req, dpo, actor=f"user:{dpo}")
    assert assignment.assign(session, req, other, actor=f"user:{dpo}")
    assert assignment.assign(session, req, None, actor=f"user:{other}")
    assert req.assignee_id is None
    assert _events(session, req.id) == [
        ("assigned", {"assignee": dpo, "previous": None}),
        ("assigned", {"assignee": other, "previous": dpo}),
        ("unassigned", {"assignee": None, "previous": other})]


def test_only_active_users_who_decide_can_be_given_requests(setting: Any) -> None:
    session, dpo, other, staff = setting
    req = _request(session, "DSR-ASSIGN2")
    for refused in (staff, 424242):
        with pytest.raises(assignment.AssignmentError) as caught:
            assignment.assign(session, req, refused, actor=f"user:{dpo}")
        assert caught.value.msgid == "err_assign_user"
    assert req.assignee_id is None and _events(session, req.id) == []
    assert [u.username for u in assignment.assignable_users(session)] == ["deputy", "dpo"]


def test_bulk_assignment_counts_the_requests_it_changed(setting: Any) -> None:
    session, dpo, other, _ = setting
    first, second, third = (_request(session, f"DSR-BULK00{i}") for i in range(3))
    assignment.assign(session, first, dpo, actor=f"user:{dpo}")
    assert assignment.assign_many(session, [first.id, second.id, third.id, 999], dpo,
                                  actor=f"user:{dpo}") == 2
    assert {first.assignee_id, second.assignee_id, third.assignee_id} == {dpo}
    assert assignment.assign_many(session, [first.id, second.id], None, actor=f"user:{other}") == 2
    assert third.assignee_id == dpo and first.assignee_id is None
    assert [a for a, _ in _events(session, first.id)] == ["assigned", "unassigned"]


def test_saved_views_are_a_users_own_and_always_readable(setting: Any) -> None:
    from dsr.requests import saved_views
    from dsr.requests.queue import QueueQuery, parse_args

    session, dpo, other, _ = setting
    view = saved_views.save_view(session, dpo, "  Late   letters ", {
        "channel": "letter", "overdue": "1", "after": "cursor", "csrf_token": "x", "q": ""})
    assert (view.name, view.args) == ("Late letters", {"channel": "letter", "overdue": "1"})
    assert parse_args(view.args, dpo) == QueueQuery(channel="letter", overdue=True)
    again = saved_views.save_view(session, dpo, "Late letters", {"channel": "fax"})
    assert again.id == view.id and again.args == {"channel": "fax"}
    for name, args in (("", {}), ("x" * 61, {}), ("bad", {"status": "lost"})):
        with pytest.raises(saved_views.SavedViewError):
            saved_views.save_view(session, dpo, name, args)
    assert saved_views.saved_views(session, other) == []
    assert not saved_views.delete_view(session, other, view.id)  # not theirs
    assert saved_views.delete_view(session, dpo, view.id)
    assert saved_views.saved_views(session, dpo) == []
