"""Warnings of a web process reach its log even when nothing configured Python's logging.

Under gunicorn (without ``--log-config``) no handler is installed: dsr's own warnings would go
out bare through ``logging.lastResort`` and Flask-Limiter's not at all (its logger carries a
``NullHandler``), so the line *falling back to in-memory storage* of a Redis outage would never
be seen. :func:`log_warnings_to_stderr` gives those loggers a handler writing WARNING and above
to stderr (which gunicorn keeps in its error log), unless a handler already takes them.

What it writes holds no personal data: the messages of dsr and the limiter name no person
(the limiter's lines with a client address are INFO), and a traceback shows where the error
arose and its type, never the exception's message (a database error's message may quote the
values of a request).
"""

from __future__ import annotations

import logging
import sys
import traceback
from types import TracebackType

#: The loggers whose warnings a web process must show: dsr's and the rate limiter's.
LOGGERS = ("dsr", "flask-limiter")

FORMAT = "%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s"


class WithoutExceptionMessages(logging.Formatter):
    """The traceback's frames and the exception's type, not its message."""

    def formatException(  # noqa: N802 - logging's name
            self, ei: tuple[type[BaseException], BaseException, TracebackType | None]
            | tuple[None, None, None]) -> str:
        kind, _value, tb = ei
        frames = "".join(traceback.format_tb(tb)) if tb is not None else ""
        name = kind.__name__ if kind is not None else "Exception"
        return f"Traceback (most recent call last):\n{frames}{name} (message not logged)"


class StderrWarnings(logging.StreamHandler):
    """WARNING and above to the process's stderr as it is at each record (a server or a test
    may replace ``sys.stderr`` after the handler was made)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)
        self.setLevel(logging.WARNING)
        self.setFormatter(WithoutExceptionMessages(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _handled(logger: logging.Logger) -> bool:
    """True when a handler (other than a NullHandler) on ``logger`` or a logger it propagates
    to already takes its warnings."""
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(handler, logging.NullHandler) and handler.level <= logging.WARNING
               for handler in current.handlers):
            return True
        if not current.propagate:
            return False
        current = current.parent
    return False


def log_warnings_to_stderr() -> None:
    """Give each of :data:`LOGGERS` a :class:`StderrWarnings` handler unless its warnings are
    handled already (``dsr serve`` and the CLI configure logging; so may gunicorn's
    ``--log-config``); calling it again adds nothing."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not _handled(logger):
            logger.addHandler(StderrWarnings())
