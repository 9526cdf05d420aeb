"""What a view needs of the web request it serves: the service clock, the service database
session (committed at the request's end by the app), and the request named in the URL."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, g

from dsr.clock import Clock
from dsr.requests.models import Request


def clock() -> Clock:
    """The service clock of this app (every page reads the time from it)."""
    clock: Clock = current_app.extensions["dsr"].clock
    return clock


def db_session() -> Any:
    """The service database session of this web request (committed at its end)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["dsr"].db.sessionmaker()
    return g.db_session


def request_or_404(request_id: int) -> Request:
    """The request of this URL, or the 404 page."""
    found = db_session().get(Request, request_id)
    if found is None:
        abort(404)
    return found
