"""The service container: everything a web request, a CLI command or a job needs, built once.

Built by ``create_app`` and by the workers from the same :class:`Config`; nothing here does
I/O at import.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any, TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from connectors.base import Connector, ConnectorConfigError, build_connector
from connectors.capabilities import AcceptsCallbacks, Closes, capable
from dsr.clock import Clock
from dsr.config import Config
from dsr.correspondence.mailer import Mailer, make_mailer
from dsr.crypto import Cipher
from dsr.db import Database
from dsr.documents import DocumentStore
from workflows import outbox
from workflows.deadlines import Calendar
from workflows.models import Task

JOB_MODULES = ("dsr.requests.jobs", "dsr.verification.jobs", "dsr.changes.jobs",
               "dsr.answers.jobs", "dsr.mail.jobs", "dsr.contest.jobs")
"""The domains' job modules: each registers its task kinds when imported."""

C = TypeVar("C")

REGISTER_SECONDS = 2.0
"""How long a read of the register in force is reused (see ``Services.register``)."""


class Services:
    """Lazily built collaborators sharing one configuration."""

    def __init__(self, config: Config, database: Database | None = None,
                 clock: Clock | None = None) -> None:
        self.config = config
        #: The service clock: every domain path reads the time from it (or from its session).
        self.clock = database.clock if database else (clock or Clock(config.clock_start))
        #: The register last read (``Services.register``), and when (monotonic seconds).
        self._register: tuple[float, dict[str, Any]] | None = None
        for module in (*JOB_MODULES, *config.tasks["job_modules"]):  # + plugins' job kinds
            importlib.import_module(module)
        self.db = database or Database(config.database_url, self.clock)
        #: Told the ids of tasks committed to the outbox (worker thread or rq); may be replaced.
        self.dispatch: Callable[[list[int]], None] = lambda ids: None
        outbox.install_dispatch_hook(self.db.sessionmaker, lambda ids: self.dispatch(ids),
                                     self._dispatch_new)
        from dsr.register import store as register_store

        register_store.install_saved_hook(self.db.sessionmaker, self._forget_register)
        if config.tasks["backend"] == "rq":
            from workflows.queueing import RqDispatcher, connect

            self.dispatch = RqDispatcher(self, connect(config.tasks["redis_url"]))

    def _dispatch_new(self, tasks: list[outbox.NewTask]) -> None:
        """The tasks a commit inserted: to a dispatcher that takes them as they are (rq), else
        by their ids (whichever dispatcher is in place now: tests and the worker thread swap
        it)."""
        if isinstance(self.dispatch, outbox.DispatchesNew):
            self.dispatch.new_tasks(tasks)
        else:
            self.dispatch([task.task_id for task in tasks])

    @cached_property
    def cipher(self) -> Cipher:
        return Cipher(self.config.encryption_keys, self.config.secret_key)

    @cached_property
    def documents(self) -> DocumentStore:
        return DocumentStore(self.config.documents_dir, self.cipher, self.clock)

    @cached_property
    def mailer(self) -> Mailer:
        return make_mailer(self.config.mail, self.config.mail_out_dir)

    @cached_property
    def calendar(self) -> Calendar:
        return Calendar(subdivision=self.config.holiday_subdivision)

    @property
    def register(self) -> dict[str, Any]:
        """The processing register (Art. 30 record) in force: the newest version saved in the
        queue, else the TOML file; validated (raises RegisterError).

        Read at most every ``REGISTER_SECONDS`` (a request's jobs ask for it many times); a
        version saved through these services is seen once its transaction commits, one saved
        elsewhere (another process) within those seconds."""
        from dsr.register import store as register_store

        now = time.monotonic()
        cached = self._register
        if cached is not None and now - cached[0] < REGISTER_SECONDS:
            return cached[1]
        data = register_store.services_register(self)
        self._register = (now, data)
        return data

    def _forget_register(self) -> None:
        self._register = None

    @cached_property
    def connectors(self) -> dict[str, Connector]:
        """Every configured connector, built once, by name."""
        built: dict[str, Connector] = {}
        for name, settings in self.config.connectors.items():
            options = {k: v for k, v in settings.items() if k not in ("name", "label")}
            if options.get("datamap"):
                options["retention_rules"] = sorted(self.register.get("retention", {}))
            built[name] = build_connector(name, options)
            called = capable(built[name], AcceptsCallbacks)
            if called is not None:  # processors post their status callbacks here
                called.use_callback(
                    f"{self.config.base_url.rstrip('/')}/callbacks/opengdpr/{name}")
        return built

    def load_task(self, session: Session, task_id: int) -> tuple[Task, object]:
        """The task and its request in one statement, for the job about to run: the request
        is returned beside the task for the caller to hold until its transaction ends, so
        that the job and :meth:`task_finished` find it in the session instead of reading it
        again (a session keeps unchanged objects only while someone holds them)."""
        from dsr.requests.models import Request

        row = session.execute(select(Task, Request).outerjoin(
            Request, Request.id == Task.request_id).where(Task.id == task_id)).first()
        if row is None:
            raise LookupError(f"task {task_id} is gone")
        return row[0], row[1]

    def task_finished(self, session: Session, request_id: int) -> list[int]:
        """After a task of request ``request_id`` finished, in its transaction: return the ids
        of the request's tasks that became due, or, when none did, complete the request if
        that was its last task (the check locks the request row first). A request with a due
        task has an unfinished one, so the completion check would find nothing to do."""
        from dsr.requests.models import Request
        from dsr.requests.operations import complete_if_done
        from workflows.states import State

        due = outbox.due_task_ids_for_request(session, request_id)
        if due:  # a task of the request is still to run: it cannot be complete yet
            return due
        request = session.get(Request, request_id)
        # Only an executing request completes with its last task. One in another state here
        # (the job has just moved it to review, say) gets its execute tasks from the approval,
        # and the last of those checks again; release checks on its side.
        if request is not None and request.status == State.EXECUTING:
            complete_if_done(session, request, actor="system")
        return []

    def capable(self, name: str, capability: Callable[..., C]) -> C | None:
        """Connector ``name`` typed as ``capability`` (a Protocol of
        ``connectors.capabilities``); None when it lacks it or is not configured."""
        return capable(self.connectors.get(name), capability)

    def require(self, name: str, capability: Callable[..., C]) -> C:
        """Connector ``name`` as ``capability``; raises ConnectorConfigError when it lacks it
        (a stored plan of a connector that can no longer carry it out)."""
        found = self.capable(name, capability)
        if found is None:
            raise ConnectorConfigError(f"connector {name!r} is not configured or lacks "
                                       f"{cast(type, capability).__name__}")
        return found

    def all_capable(self, capability: Callable[..., C]) -> Iterator[tuple[str, C]]:
        """``(name, connector)`` of every configured connector that has ``capability``."""
        for name, connector in self.connectors.items():
            found = capable(connector, capability)
            if found is not None:
                yield name, found

    def built_connectors(self) -> list[Connector]:
        """The connectors built so far (none when nothing asked for them yet)."""
        return list(self.__dict__.get("connectors", {}).values())

    def close(self) -> None:
        for connector in self.built_connectors():
            closes = capable(connector, Closes)
            if closes is not None:
                closes.close()
        self.db.dispose()
