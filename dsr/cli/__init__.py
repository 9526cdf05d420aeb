"""The ``dsr`` command line: demo, serve, users, db, datamap, audit, tasks. Each command group
lives in a module of its own and registers itself on the group when imported here."""

from __future__ import annotations

from dsr.cli import (  # noqa: F401 - each registers its commands
    audit,
    connectors,
    data,
    demo,
    journal,
    mail,
    retention,
    serve,
    users,
    worker,
)
from dsr.cli.base import main

__all__ = ["main"]
