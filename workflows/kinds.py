"""The names the engine stores: task kinds and task phases.

They are enums so that a misspelt kind fails at import, not in the worker; the values are the
strings and numbers stored in ``tasks.kind`` and ``tasks.phase`` since the first migration, so
nothing stored changes.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class TaskKind(StrEnum):
    """One kind of task, run by the job registered under it (``workflows.jobs.job``)."""

    ACKNOWLEDGE = "acknowledge"
    DISCOVER = "discover"
    VERIFY_IDENTITY = "verify_identity"
    SEND_NO_DATA = "send_no_data"
    COLLECT = "collect"
    PLAN = "plan"
    COMPILE = "compile"
    EXECUTE = "execute"
    FINALISE = "finalise"
    DELIVER = "deliver"
    CONFIRM_CHANGES = "confirm_changes"
    NOTIFY_CONTEST = "notify_contest"
    NOTIFY_REFUSAL = "notify_refusal"
    NOTIFY_EXTENSION = "notify_extension"


class Phase(IntEnum):
    """A request's tasks run phase by phase: a task waits until every task of its request in
    an earlier phase is finished (see ``outbox.claimable``)."""

    DISCOVER = 0
    #: Collecting and planning; the identity check waits here for every system's match too.
    COLLECT = 1
    COMPILE = 2
    EXECUTE = 3
    FINALISE = 4
    #: After the answer is final: delivery, confirmations, the contest's outcome.
    DELIVER = 5
