"""A legal hold placed after planning stops the erasure: approval is refused until the plan is
made again, and a hold placed after approval makes the execute task fail with nothing changed
(the user trial found an erasure carried out despite an active hold)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from connectors.base import Identity
from dsr.changes import holds
from dsr.context import Services
from dsr.requests import operations as actions
from dsr.requests.models import Request
from tests.support.shops import fresh_shop
from tests.workflows import test_jobs_changes as base
from tests.workflows.test_jobs_changes import NAME, in_review
from workflows.models import Task
from workflows.runner import run_pending
from workflows.states import State

ADDRESS = "juergen.weiss@example.org"
services = base.services  # the fixture, shared
smtp = base.smtp  # the fixture, shared


@pytest.fixture
def shop(request: pytest.FixtureRequest, tmp_path: Path,
         demo_shop: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from fresh_shop(request, "sqlite", tmp_path, demo_shop)


def place(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        key = req.subject_keys["shop"]["keys"][0]
        holds.place_hold(session, connectors=services.config.connectors, connector="shop",
                         subject_key=key, kind=holds.KINDS[1], reason="Inkasso offen",
                         actor="user:1", request_id=request_id)


def approve(services: Services, request_id: int) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=actions.default_decisions(req, []))


def test_approval_waits_for_a_new_plan_after_a_hold(services: Services) -> None:
    request_id = in_review(services, ADDRESS, NAME, ["erasure", "objection"])
    place(services, request_id)
    with pytest.raises(actions.ActionError, match="Plan neu erstellen"):
        approve(services, request_id)
    with services.db.session() as session:
        assert session.get(Request, request_id).status == State.REVIEW
        actions.process(session, session.get(Request, request_id), actor="user:1",
                        connectors=list(services.config.connectors))
    run_pending(services)
    approve(services, request_id)  # the new plan keeps what the hold covers
    run_pending(services)
    with services.db.session() as session:
        failed = session.scalars(select(Task).where(Task.request_id == request_id,
                                                    Task.status == "failed")).all()
        assert not failed


def test_a_hold_placed_after_approval_stops_the_erasure(services: Services) -> None:
    request_id = in_review(services, ADDRESS, NAME, ["erasure", "objection"])
    approve(services, request_id)
    place(services, request_id)  # before the execute tasks ran
    services.config.tasks["max_attempts"] = 1
    run_pending(services)
    with services.db.session() as session:
        shop_task = session.scalars(select(Task).where(
            Task.request_id == request_id, Task.kind == "execute",
            Task.connector == "shop")).one()
        assert shop_task.status in ("failed", "pending")
        assert "placed after this plan was made" in (shop_task.last_error or "")
    assert services.connectors["shop"].discover(Identity(email=ADDRESS)).found  # untouched
