"""Periodic jobs, declared as data: what runs, how often, on which queue.

One scheduler runs them: rq's own ``CronScheduler`` under ``dsr scheduler`` in production (it
ships with rq, so no second package and no second source of truth), the worker thread on the
embedded default. Each entry names a function taking the services.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from croniter import croniter

if TYPE_CHECKING:
    from dsr.context import Services


@dataclass(frozen=True)
class Periodic:
    """One periodic job: ``every`` seconds or a ``cron`` expression (server local time)."""

    name: str
    func: str
    every: int | None = None
    cron: str | None = None
    queue: str = "connectors"

    def resolve(self) -> Callable[[Services], Any]:
        module, _, attr = self.func.rpartition(".")
        return getattr(importlib.import_module(module), attr)

    def next_after(self, moment: datetime) -> datetime:
        if self.every is not None:
            return moment.fromtimestamp(moment.timestamp() + self.every, tz=moment.tzinfo)
        return croniter(self.cron, moment).get_next(datetime)


SCHEDULE: tuple[Periodic, ...] = (
    # Tasks committed while Redis was down, and tasks whose worker died, are run again.
    Periodic("sweep_outbox", "workflows.queueing.sweep_outbox", every=30),
    # Coordinators hear of requests due within three days, overdue, or waiting on the subject
    # past the deadline (escalated, never left to lapse).
    Periodic("deadline_reminders", "dsr.requests.periodic.deadline_reminders", cron="0 7 * * *"),
    # Working copies of the subject's data are deleted once a request is closed.
    Periodic("expire_working_copies", "dsr.requests.periodic.expire_working_copies",
             cron="15 * * * *", queue="reports"),
    # Closed requests past the accountability period are reduced to what accountability needs.
    Periodic("reduce_closed_requests", "dsr.requests.periodic.reduce_closed_requests",
             cron="30 2 * * *"),
    # Requests waiting for identity with nothing found anywhere get the negative answer before
    # their deadline; ID copies kept after the decision (if configured) are deleted.
    Periodic("answer_unmatched", "dsr.verification.jobs.answer_unmatched", cron="30 7 * * *"),
    Periodic("expire_id_copies", "dsr.verification.jobs.expire_id_copies", cron="45 * * * *"),
    # Portal links past their expiry lose their files; sealed answers past the accountability
    # period lose their copy (the hash stays).
    Periodic("expire_answers", "dsr.answers.jobs.expire_answers", cron="45 * * * *",
             queue="reports"),
    # Blocked fields whose retention period ended (or whose legal hold was lifted) are erased.
    Periodic("retention_run", "dsr.changes.retention.run_retention", cron="45 3 * * *"),
    # The audit chain's head hash goes to the coordinators, outside the database.
    # A policy override in a shop with one coordinator takes effect after its waiting period.
    Periodic("apply_waited_overrides", "dsr.requests.periodic.apply_waited_overrides",
             every=900),
    Periodic("audit_digest", "dsr.requests.periodic.audit_digest", cron="0 6 * * *", queue="mail"),
    # Processors that answer through OpenGDPR: erasure requests still waiting are asked again.
    Periodic("poll_processors", "dsr.changes.jobs.poll_processors", every=900),
    # Recipients that have not confirmed an Art. 19 e-mail after [workflow] recipient_reminder_days
    # are reminded once.
    Periodic("remind_recipients", "dsr.changes.jobs.remind_recipients", cron="15 8 * * *",
             queue="mail"),
    # Incoming mail: every configured mailbox, Maildir and .eml folder ([mail_ingest]).
    Periodic("fetch_mail", "dsr.mail.jobs.fetch_mail", every=120, queue="mail"),
    # Received mail past the accountability period is reduced like closed requests.
    Periodic("reduce_inbound", "dsr.mail.jobs.reduce_inbound", cron="40 2 * * *"),
)

BY_NAME = {entry.name: entry for entry in SCHEDULE}
