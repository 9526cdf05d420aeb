"""Workers and the scheduler outlive a Redis outage: they wait with back-off and carry on.

rq's ``Worker.work`` and ``CronScheduler.start`` end on the first Redis error ("unhandled
exception, quitting"); a process supervisor would restart them, but only if there is one. Here
each is run in a loop: when it stops because Redis went away, the process waits (1 s, 2 s,
4 s ... at most ``max_wait``) until Redis answers again, logs each step and starts afresh; a
stop asked for by a signal, or a burst that found the queues empty, ends the loop.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import time
from collections.abc import Callable
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 30.0


class Backoff:
    """Doubling waits between reconnection attempts, from ``first`` up to ``maximum`` seconds."""

    def __init__(self, first: float = 1.0, maximum: float = MAX_WAIT_SECONDS) -> None:
        self.first = first
        self.maximum = maximum
        self.current = first

    def next(self) -> float:
        wait, self.current = self.current, min(self.maximum, self.current * 2)
        return wait

    def reset(self) -> None:
        self.current = self.first


def reachable(connection: Redis) -> bool:
    """True when Redis answers a ping."""
    try:
        return bool(connection.ping())
    except RedisError:
        return False


def wait_for_redis(connection: Redis, what: str, backoff: Backoff | None = None,
                   sleep: Callable[[float], None] = time.sleep) -> None:
    """Block until Redis answers, waiting longer after each failed ping (logged)."""
    backoff = backoff or Backoff()
    while not reachable(connection):
        wait = backoff.next()
        log.warning("%s: Redis is not reachable; trying again in %.0f s", what, wait)
        sleep(wait)
    log.info("%s: Redis is reachable", what)


class _Stop:
    """Remembers a SIGTERM/SIGINT received while waiting for Redis (rq's handlers are gone)."""

    def __init__(self) -> None:
        self.requested = False

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, _signum: int, _frame: Any) -> None:
        self.requested = True
        raise SystemExit(0)


def shutdown_requested(rq_worker: Any) -> bool:
    """True when a SIGTERM/SIGINT asked ``rq_worker`` to stop, idle or busy.

    rq sets its ``_stop_requested`` only for a signal that comes during a job; an idle worker
    ends its loop with ``StopRequested`` and keeps no flag (its ``shutdown_requested_date``
    is read from Redis, which may be the very thing that is gone). dsr's worker classes
    record every warm shutdown request in ``shutdown_requested``
    (``workflows.queueing.ServicesWorker``)."""
    return bool(getattr(rq_worker, "shutdown_requested", False)
                or getattr(rq_worker, "_stop_requested", False))


def end_subscription(rq_worker: Any) -> None:
    """End ``rq_worker``'s pubsub thread after a Redis failure. rq's teardown failed before it
    got there (its ``register_death`` needs Redis), and the thread would live on, reconnect
    and log, one more after each outage. ``unsubscribe`` tells Redis when it answers; when it
    does not, the thread is stopped here (it ends within its 2 s retry pause)."""
    try:
        rq_worker.unsubscribe()
        return
    except RedisError:
        pass
    thread = getattr(rq_worker, "pubsub_thread", None)
    if thread is not None:
        thread.stop()
    pubsub = getattr(rq_worker, "pubsub", None)
    if pubsub is not None:
        with contextlib.suppress(RedisError, OSError):
            pubsub.close()


def run_worker(connection: Redis, make_worker: Callable[[], Any], *, burst: bool,
               on_reconnect: Callable[[], object], backoff: Backoff | None = None) -> None:
    """Run rq workers from ``make_worker`` until one stops on request (a signal, idle or
    during a job, whether or not Redis answers) or a burst ends; after a Redis outage wait
    for Redis, call ``on_reconnect`` (the outbox sweep) and go on."""
    backoff = backoff or Backoff()
    stop = _Stop()
    while True:
        rq_worker = make_worker()
        try:
            rq_worker.work(with_scheduler=True, burst=burst)
        except RedisError as exc:  # raised by rq's teardown once Redis is gone
            log.warning("worker %s: Redis failed (%s)", rq_worker.name, type(exc).__name__)
            end_subscription(rq_worker)
        if shutdown_requested(rq_worker):
            log.info("worker %s: stopped on request", rq_worker.name)
            return
        if burst and reachable(connection):
            return
        stop.install()
        log.warning("worker %s stopped on a Redis failure; reconnecting", rq_worker.name)
        wait_for_redis(connection, "worker", backoff)
        backoff.reset()
        on_reconnect()


def run_scheduler(connection: Redis, make_scheduler: Callable[[], Any],
                  backoff: Backoff | None = None) -> None:
    """Run rq's cron scheduler; after a Redis outage wait for Redis and start a new one (its
    interval jobs run again at once, its cron jobs at their next time)."""
    backoff = backoff or Backoff()
    stop = _Stop()
    while True:
        cron = make_scheduler()
        try:
            cron.start()
        except RedisError as exc:
            log.warning("scheduler %s: Redis failed (%s)", cron.name, type(exc).__name__)
        else:
            return  # stopped on request (KeyboardInterrupt / SIGTERM, handled by rq)
        stop.install()
        wait_for_redis(connection, "scheduler", backoff)
        backoff.reset()
