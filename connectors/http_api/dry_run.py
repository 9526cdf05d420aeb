"""A read-only dry run of an ``http_api`` connector for one address: what dsr would read and
what it would erase or unsubscribe there — counts and field names, never values.

Sends only the definition's searches and reads (the same requests as ``access`` and ``plan``),
nothing to a change endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from connectors.base import Subject
from connectors.changes import ChangeRequest
from connectors.http_api.connector import HttpApiConnector

DRY_RUN_TYPES = ("erasure", "objection", "consent_withdrawal")


@dataclass(frozen=True)
class DryRun:
    """What a request would read (per table: records and field names) and change (per
    operation target and action: records)."""

    connector: str
    role: str
    read: tuple[tuple[str, int, tuple[str, ...]], ...]
    changes: tuple[tuple[str, str, str, int], ...]

    def details(self) -> dict[str, Any]:
        """Counts only, for the audit event."""
        return {"connector": self.connector, "role": self.role,
                "read": {table: rows for table, rows, _ in self.read},
                "changes": [{"target": t, "action": a, "reason": r, "records": n}
                            for t, a, r, n in self.changes]}

    def lines(self) -> list[str]:
        """The dry run as a person reads it."""
        out = [f"{self.connector} ({self.role})"]
        if self.role != "processor":
            out.append("  separate controller: nothing is read or changed here; "
                       "the Art. 19 notice goes by e-mail")
        for table, rows, names in self.read:
            out.append(f"  read {table}: {rows} record(s); fields: {', '.join(names) or '-'}")
        for target, action, reason, count in self.changes:
            out.append(f"  {reason}: {action} {count} record(s) in {target}")
        if self.role == "processor" and not self.changes:
            out.append("  nothing would be erased or unsubscribed")
        return out


def dry_run(connector: HttpApiConnector, *, email: str | None = None,
            customer_number: str | None = None, today: date) -> DryRun:
    """Search, read and plan for the given identifiers without changing anything."""
    identifiers = {kind: (value,) for kind, value in (("email", email),
                                                      ("customer_number", customer_number))
                   if value}
    subject = Subject(keys=(("dry-run",),), identifiers=identifiers)
    result = connector.access(subject)
    read = tuple((t.table, len(t.rows), tuple(c.name for c in t.columns)) for t in result.tables)
    plan = connector.plan(subject, ChangeRequest(reference="DRY-RUN", types=DRY_RUN_TYPES,
                                                 today=today))
    counted: dict[tuple[str, str, str], int] = {}
    for change in plan.changes:
        key = (change.target, change.action, change.reason)
        counted[key] = counted.get(key, 0) + 1
    return DryRun(connector.name, connector.role, read,
                  tuple((t, a, r, n) for (t, a, r), n in counted.items()))
