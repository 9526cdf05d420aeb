"""The request page's sections and the coordinator's next step per status."""

from __future__ import annotations

import pytest

from dsr.requests.page import (
    DECIDE,
    EXECUTE,
    PROCESS,
    RELEASE,
    RETRY,
    VERIFY,
    WAIVE,
    NextStep,
    Section,
    approve_button,
    next_step,
    sections,
)
from workflows.states import State


def test_staff_see_every_section_but_the_draft_answer() -> None:
    assert sections(True) == tuple(Section)
    assert Section.DRAFT not in sections(False)
    assert sections(False)[0] == Section.OVERVIEW


@pytest.mark.parametrize(("status", "released", "failed", "waiting", "changes", "expected"), [
    (State.AWAITING_VERIFICATION, False, 0, 0, False,
     NextStep("next_verify", Section.IDENTITY, (VERIFY,))),
    (State.VERIFIED, False, 0, 0, False, NextStep("next_process", Section.SYSTEMS, (PROCESS,))),
    (State.REVIEW, False, 0, 0, True, NextStep("next_review", Section.DRAFT, (EXECUTE, RELEASE))),
    (State.REVIEW, False, 0, 0, False, NextStep("next_review", Section.DRAFT, (DECIDE, RELEASE))),
    (State.REVIEW, False, 1, 0, True,
     NextStep("next_failed_task", Section.SYSTEMS, (RETRY, WAIVE))),
    (State.EXECUTING, False, 0, 2, True, NextStep("next_release", Section.DRAFT, (RELEASE,))),
    (State.EXECUTING, True, 0, 2, True,
     NextStep("next_notices", Section.CHANGES, ("ch_confirm_save",))),
    (State.EXECUTING, True, 0, 0, True,
     NextStep("next_executing", Section.SYSTEMS, (EXECUTE, RELEASE))),
    (State.EXECUTING, True, 0, 0, False,
     NextStep("next_delivering", Section.SYSTEMS, (DECIDE, RELEASE))),
    (State.COMPLETED, True, 1, 0, True, NextStep("next_completed", None)),
    (State.REJECTED, False, 0, 0, False, NextStep("next_closed", None)),
])
def test_the_next_step_names_where_it_is_taken(status: State, released: bool, failed: int,
                                               waiting: int, changes: bool,
                                               expected: NextStep) -> None:
    assert next_step(status, released=released, failed_tasks=failed, waiting_notices=waiting,
                     changes=changes) == expected


def test_every_status_has_a_next_step() -> None:
    for status in State:
        assert next_step(status, released=False, failed_tasks=0, waiting_notices=0,
                         changes=False).key


def test_the_approve_button_reads_by_what_the_request_changes() -> None:
    assert approve_button(["access"]) == approve_button(["contest_decision"]) == DECIDE
    assert approve_button(["access", "erasure"]) == approve_button(["objection"]) == EXECUTE
