"""``dsr worker`` and ``dsr scheduler``: rq workers on Redis and the one periodic-job scheduler."""

from __future__ import annotations

import itertools
import os
import socket
from typing import TYPE_CHECKING

import click

from dsr.cli.base import Context, main, pass_ctx
from dsr.context import Services
from dsr.reconnect import run_scheduler, run_worker, wait_for_redis
from workflows.outbox import QUEUES

if TYPE_CHECKING:
    from rq import SimpleWorker, Worker


def _redis(services: Services):  # type: ignore[no-untyped-def]
    from workflows.queueing import connect

    url = services.config.tasks["redis_url"]
    if services.config.tasks["backend"] != "rq" or not url:
        raise click.ClickException("tasks.backend must be 'rq' with tasks.redis_url set "
                                   "(the embedded default runs tasks inside `dsr serve`)")
    connection = connect(url)
    wait_for_redis(connection, "starting")  # Redis may come up after us (boot order)
    return connection


def _require_migrated(services: Services) -> None:
    from dsr.migrate import pending

    if pending(services.db.engine):
        raise click.ClickException("the service database is not up to date: run `dsr db upgrade`")


def preload(services: Services) -> None:
    """Load in the worker, before its first job, what the jobs use: the connectors (their data
    maps and engines), the register, the cipher and document store, the reportlab fonts, the
    mail and letter templates and the catalogs. The worker (which by default runs its jobs
    itself) pays it once instead of on its first job; with ``--fork`` each work horse inherits
    it (shared copy-on-write) instead of building it again for every job."""
    from dsr.answers.letters import din5008
    from dsr.answers.report import layout
    from dsr.catalogs import builtin
    from dsr.rendering import template_env

    services.connectors  # noqa: B018 - a cached property: builds every connector
    services.register  # noqa: B018
    services.cipher, services.documents, services.mailer, services.calendar  # noqa: B018
    layout.register_fonts()
    din5008.register_fonts()
    env = template_env()
    for name in env.list_templates(filter_func=lambda n: n.startswith(("mail/", "letters/"))):
        env.get_template(name)
    catalogs = builtin()
    for language in ("de", "en"):
        catalogs.translations(language)
    import pypdf  # noqa: F401 - the ID copies and the answer's attachments
    from PIL import Image  # noqa: F401


@main.command()
@click.option("--queues", default=",".join(QUEUES), show_default=True,
              help="Comma-separated queues to work on, in priority order.")
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
@click.option("--fork/--no-fork", default=False, show_default=True,
              help="Run each job in the worker process itself (the default: warm pools and "
                   "caches) or in a work horse forked per job (isolated; see docs/deploy.md "
                   "for the trade-off).")
@pass_ctx
def worker(ctx: Context, queues: str, burst: bool, fork: bool) -> None:
    """Run an rq worker for the task outbox (start as many as you like, on any machine)."""
    from rq import Queue

    from workflows import queueing

    services = ctx.services
    connection = _redis(services)
    _require_migrated(services)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = sorted(set(names) - set(QUEUES))
    if unknown:
        raise click.ClickException(f"unknown queue(s): {', '.join(unknown)}; known: {', '.join(QUEUES)}")
    preload(services)
    if fork:
        queueing.install_fork_safety(services)
    holder = queueing.WorkerServices(services, tuple(names))
    queueing.sweep_outbox(services)  # what was committed while no worker or Redis was up
    started = itertools.count()

    def make_worker() -> Worker | SimpleWorker:
        run = next(started)
        return queueing.make_rq_worker(
            holder, fork=fork, queues=[Queue(n, connection=connection) for n in names],
            connection=connection,
            name=f"dsr-{socket.gethostname()}-{os.getpid()}" + (f"-{run}" if run else ""))

    # A Redis outage does not end the worker: it waits with back-off, sweeps the outbox and
    # goes on (see dsr.reconnect).
    run_worker(connection, make_worker, burst=burst,
               on_reconnect=lambda: queueing.sweep_outbox(services))


@main.command()
@pass_ctx
def scheduler(ctx: Context) -> None:
    """Run the periodic jobs of workflows/schedule.py (run exactly one of these)."""
    from rq.cron import CronScheduler

    from workflows.queueing import run_periodic
    from workflows.schedule import SCHEDULE

    services = ctx.services
    connection = _redis(services)

    def make_scheduler() -> CronScheduler:
        cron = CronScheduler(connection=connection, name=f"dsr-scheduler-{socket.gethostname()}")
        for entry in SCHEDULE:
            cron.register(run_periodic, queue_name=entry.queue, args=(entry.name,),
                          interval=entry.every, cron=entry.cron, name=entry.name)
        return cron

    click.echo(f"scheduling {len(SCHEDULE)} periodic jobs")
    run_scheduler(connection, make_scheduler)  # survives a Redis outage (dsr.reconnect)
