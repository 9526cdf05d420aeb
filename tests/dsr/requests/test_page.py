"""The request page's sections and the coordinator's next step per status."""

from __future__ import annotations

import pytest

from dsr.requests.page import NextStep, Section, next_step, sections
from workflows.states import State


def test_staff_see_every_section_but_the_draft_answer() -> None:
    assert sections(True) == tuple(Section)
    assert Section.DRAFT not in sections(False)
    assert sections(False)[0] == Section.OVERVIEW


@pytest.mark.parametrize(("status", "released", "failed", "waiting", "expected"), [
    (State.AWAITING_VERIFICATION, False, 0, 0, NextStep("next_verify", Section.IDENTITY)),
    (State.VERIFIED, False, 0, 0, NextStep("next_process", Section.SYSTEMS)),
    (State.REVIEW, False, 0, 0, NextStep("next_review", Section.DRAFT)),
    (State.REVIEW, False, 1, 0, NextStep("next_failed_task", Section.SYSTEMS)),
    (State.EXECUTING, False, 0, 2, NextStep("next_release", Section.DRAFT)),
    (State.EXECUTING, True, 0, 2, NextStep("next_notices", Section.CHANGES)),
    (State.EXECUTING, True, 0, 0, NextStep("next_executing", Section.SYSTEMS)),
    (State.COMPLETED, True, 1, 0, NextStep("next_completed", None)),
    (State.REJECTED, False, 0, 0, NextStep("next_closed", None)),
])
def test_the_next_step_names_where_it_is_taken(status: State, released: bool, failed: int,
                                               waiting: int, expected: NextStep) -> None:
    assert next_step(status, released=released, failed_tasks=failed,
                     waiting_notices=waiting) == expected


def test_every_status_has_a_next_step() -> None:
    for status in State:
        assert next_step(status, released=False, failed_tasks=0, waiting_notices=0).key
