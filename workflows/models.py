"""Tasks: the outbox of work to do per request, connector and step, with their attempts."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dsr.clock import stamp
from dsr.db import Base


class TaskStatus(StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    WAIVED = "waived"


class TaskKind(StrEnum):
    """Every kind of task: one job each (``workflows.jobs.job``), one label each
    (``task_<kind>`` in the catalogs); stored as its string in ``tasks.kind``."""

    ACKNOWLEDGE = "acknowledge"
    DISCOVER = "discover"
    COLLECT = "collect"
    COMPILE = "compile"
    FINALISE = "finalise"
    VERIFY_IDENTITY = "verify_identity"
    SEND_NO_DATA = "send_no_data"
    PLAN = "plan"
    EXECUTE = "execute"
    SUPPRESS = "suppress"
    STOP_ADVERTISING = "stop_advertising"
    CONFIRM_CHANGES = "confirm_changes"
    DELIVER = "deliver"
    NOTIFY_REFUSAL = "notify_refusal"
    NOTIFY_EXTENSION = "notify_extension"
    NOTIFY_OVERRIDE = "notify_override"
    NOTIFY_CONTEST = "notify_contest"


class Phase(IntEnum):
    """The phases of a request's tasks, in order: a task is claimable once every task of the
    same request in an earlier phase is done or waived (``workflows.outbox.claimable``).
    Stored as its number in ``tasks.phase``, so a number never changes: queued tasks would
    run in another order."""

    #: The first: the search for the subject in every system (with the acknowledgement and
    #: the stop on intake), and every later task that waits for nothing (a notice, a new code).
    DISCOVER = 0
    #: Once every system is searched: the identity check; after verification, collecting the
    #: subject's data and planning the changes in every system.
    COLLECT = 1
    #: The draft answer, from everything collected.
    COMPILE = 2
    #: The approved plans carried out.
    EXECUTE = 3
    #: The approved answer rendered with its decisions, once every change is made.
    FINALISE = 4
    #: After release, once the answer is final: the answer delivered, the changes confirmed,
    #: the review's outcome sent.
    DELIVER = 5


class Task(Base):
    """One unit of work. The row is committed first, then run (thread or rq worker)."""

    __tablename__ = "tasks"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'running', 'done', 'failed', 'waived')",
                        name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                                   index=True)
    kind: Mapped[str] = mapped_column(String(40))
    connector: Mapped[str] = mapped_column(String(60), default="")
    queue: Mapped[str] = mapped_column(String(20), default="connectors")
    #: A request's tasks run phase by phase: a task is claimable once every task of the same
    #: request in an earlier phase is done or waived (a :class:`Phase`, stored as its number).
    phase: Mapped[int] = mapped_column(default=Phase.DISCOVER)
    status: Mapped[str] = mapped_column(String(10), default=TaskStatus.PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=5)
    run_after: Mapped[datetime] = mapped_column(default=stamp)
    lease_until: Mapped[datetime | None]
    worker: Mapped[str | None] = mapped_column(String(120))
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    finished_at: Mapped[datetime | None]

    attempt_log: Mapped[list[TaskAttempt]] = relationship(
        back_populates="task", cascade="all, delete-orphan", order_by="TaskAttempt.number")


class TaskAttempt(Base):
    """A record of one run of a task: when, by which worker, and how it ended."""

    __tablename__ = "task_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    worker: Mapped[str] = mapped_column(String(120), default="")
    started_at: Mapped[datetime] = mapped_column(default=stamp)
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str] = mapped_column(String(10), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    task: Mapped[Task] = relationship(back_populates="attempt_log")
