"""The summary of an irreversible step says exactly what will happen, and only the summary
shown is carried out: a changed plan is refused; four-eyes needs two different people."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from dsr.changes.models import ChangePlan
from dsr.context import Services
from dsr.requests import approvals, safe_actions
from dsr.requests import operations as actions
from dsr.requests.intake import Submission, submit
from dsr.requests.models import ApprovalRequest, Channel, Request
from dsr.requests.safe_actions import Step
from tests.support.clock import CLOCK
from workflows.runner import run_pending
from workflows.states import State, TransitionError


def _in_review(services: Services, types: list[str], email: str) -> int:
    with services.db.session() as session:
        request_id = submit(session, Submission(
            types=types, name="Jürgen Weiß", email=email, channel=Channel.FORM.value,
            received_at=CLOCK.now()), calendar=services.calendar,
            connectors=list(services.config.connectors)).id
    run_pending(services)
    with services.db.session() as session:
        req = session.get(Request, request_id)
        actions.verify(session, req, actor="user:0", method="manual")
        actions.process(session, req, actor="user:0",
                        connectors=list(services.config.connectors))
    run_pending(services)
    return request_id


@pytest.fixture
def erasure_id(demo_services: Services, demo_shop: dict[str, Any]) -> int:
    return _in_review(demo_services, ["erasure"], demo_shop["summary"].sample_customer_email)


def _decisions(session: Any, req: Request) -> list[actions.DecisionInput]:
    return actions.default_decisions(req, [])


def test_the_erasure_summary_names_systems_rows_and_what_is_kept_with_its_norm(
        demo_services: Services, erasure_id: int) -> None:
    with demo_services.db.session() as session:
        req = session.get(Request, erasure_id)
        summary = safe_actions.summarize(session, req, Step.EXECUTE,
                                         decisions=_decisions(session, req))
        assert "shop" in summary.systems and "newsletter" in summary.systems
        assert summary.rows_of("shop") > 0
        assert {c.action for c in summary.changes} >= {"delete", "anonymise"}
        invoices = [k for k in summary.kept if k.target == "invoices"]
        assert invoices and "§147" in invoices[0].norm and invoices[0].until is not None
        assert summary.to_subject == () and summary.address is None  # nothing goes out yet
        again = safe_actions.summarize(session, req, Step.EXECUTE,
                                       decisions=_decisions(session, req))
        assert again.digest() == summary.digest()
        other = safe_actions.summarize(session, req, Step.EXECUTE, decisions=[
            actions.DecisionInput("erasure", "*", "refused", "Art. 17 Abs. 3", "Forderung")])
        assert other.digest() != summary.digest()  # the decisions are part of what is shown


def test_a_plan_changed_after_the_summary_was_shown_is_refused(
        demo_services: Services, erasure_id: int) -> None:
    with demo_services.db.session() as session:
        req = session.get(Request, erasure_id)
        digest = safe_actions.summarize(session, req, Step.EXECUTE,
                                        decisions=_decisions(session, req)).digest()
        plan = session.scalars(select(ChangePlan).where(ChangePlan.request_id == erasure_id,
                                                        ChangePlan.connector == "shop")).one()
        plan.summary = [*plan.summary, {**plan.summary[0], "rows": 99}]  # one more target
        session.flush()
        with pytest.raises(safe_actions.SummaryChanged):
            safe_actions.confirm(session, req, Step.EXECUTE, digest=digest, actor="user:1",
                                 user_id=None, four_eyes=[], decisions=_decisions(session, req))
        assert req.status == State.REVIEW
        fresh = safe_actions.summarize(session, req, Step.EXECUTE,
                                       decisions=_decisions(session, req)).digest()
        assert safe_actions.confirm(session, req, Step.EXECUTE, digest=fresh, actor="user:1",
                                    user_id=None, four_eyes=[],
                                    decisions=_decisions(session, req)) == approvals.Outcome.GO
        assert req.status == State.EXECUTING


def test_four_eyes_needs_a_second_different_coordinator(
        demo_services: Services, erasure_id: int) -> None:
    with demo_services.db.session() as session:
        req = session.get(Request, erasure_id)
        decisions = _decisions(session, req)
        digest = safe_actions.summarize(session, req, Step.EXECUTE, decisions=decisions).digest()

        def confirm(who: str) -> approvals.Outcome:
            return safe_actions.confirm(session, req, Step.EXECUTE, digest=digest, actor=who,
                                        user_id=None, four_eyes=["erasure"], decisions=decisions)

        assert confirm("user:1") == approvals.Outcome.PENDING
        assert req.status == State.REVIEW
        with pytest.raises(approvals.SecondPersonNeeded):
            confirm("user:1")
        assert req.status == State.REVIEW
        assert confirm("user:2") == approvals.Outcome.GO
        assert req.status == State.EXECUTING
        record = session.scalars(select(ApprovalRequest)).one()
        assert (record.requested_by, record.confirmed_by, record.step) == (
            "user:1", "user:2", "execute")
        assert record.payload["decisions"][0]["right"] == "erasure"


def test_a_second_confirmation_of_another_summary_starts_over(
        demo_services: Services, erasure_id: int) -> None:
    with demo_services.db.session() as session:
        req = session.get(Request, erasure_id)
        granted = _decisions(session, req)
        refused = [actions.DecisionInput("erasure", "*", "partly_granted", "Art. 17 Abs. 3",
                                         "Offene Forderung")]
        for who, decisions in (("user:1", granted), ("user:2", refused)):
            digest = safe_actions.summarize(session, req, Step.EXECUTE,
                                            decisions=decisions).digest()
            assert safe_actions.confirm(
                session, req, Step.EXECUTE, digest=digest, actor=who, user_id=None,
                four_eyes=["erasure"], decisions=decisions) == approvals.Outcome.PENDING
        first, second = session.scalars(select(ApprovalRequest).order_by(ApprovalRequest.id))
        assert first.closed_why == "changed" and second.requested_by == "user:2"
        assert req.status == State.REVIEW


def test_which_steps_need_four_eyes() -> None:
    assert approvals.needs_four_eyes("execute", ["erasure", "objection"], ["erasure"])
    assert not approvals.needs_four_eyes("execute", ["objection"], ["erasure"])
    assert not approvals.needs_four_eyes("release", ["erasure"], ["erasure"])
    assert approvals.needs_four_eyes("release", ["access"], ["access"])
    assert not approvals.needs_four_eyes("execute", ["erasure"], [])


def test_the_release_summary_says_where_the_answer_goes(
        demo_services: Services, demo_shop: dict[str, Any]) -> None:
    email = demo_shop["summary"].sample_customer_email
    request_id = _in_review(demo_services, ["access"], email)
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        with pytest.raises(actions.ActionError):
            safe_actions.check_possible(session, req, Step.RELEASE)  # not approved yet
        actions.approve(session, req, actor="user:1", user_id=None,
                        decisions=_decisions(session, req))
        summary = safe_actions.summarize(session, req, Step.RELEASE)
        assert summary.to_subject == ("answer",) and summary.delivery == "portal"
        assert summary.address == email and summary.changes == ()
        with pytest.raises(TransitionError):
            safe_actions.check_possible(session, req, Step.EXECUTE, decisions=[])
        safe_actions.confirm(session, req, Step.RELEASE, digest=summary.digest(),
                             actor="user:1", user_id=None, four_eyes=[])
        assert req.released_at is not None
