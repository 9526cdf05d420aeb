"""Art. 19 without over-disclosure: what each recipient of the register received of the
subject, until when it processes it, and what it knows the subject by.

The register says per recipient which of the form's fields it received (``receives``), how
many days after its last disclosure it still processes them (``processes_days``) and by which
values it knows a person (``identified_by``: its own reference, a tracking number, the name
and date of birth it was given). The subject's rows say when it last received data (the
register's ``evidence``) and what those values are. A recipient connector plans from the
:class:`RecipientTerms` built here: each recipient is told only the corrected fields it
received, only while it processes them, identified by what it knows; a recipient left out is
recorded with the reason (the plan's ``withheld``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from connectors.base import Subject
from connectors.changes import (
    KnownValue,
    KnowsRecipients,
    RecipientEvidence,
    RecipientTerms,
    WithheldNotice,
)


def evidence_of(raw: Mapping[str, Any]) -> list[RecipientEvidence]:
    """A register recipient's evidence entries as values."""
    return [RecipientEvidence(str(item["table"]), str(item["column"]),
                              (str(item["value"]),) if "value" in item else (),
                              str(item["date"]) if item.get("date") else None)
            for item in raw.get("evidence", ())]


def recipient_terms(register: Mapping[str, Any], source: KnowsRecipients | None,
                    subject: Subject) -> dict[str, RecipientTerms]:
    """The terms of every recipient of the register that states any; the subject's rows are
    read (through ``source``) only for a recipient with a processing period or identifiers."""
    found: dict[str, RecipientTerms] = {}
    for key, raw in register.get("recipients", {}).items():
        stated = ("receives" in raw, "processes_days" in raw, "identified_by" in raw)
        if not any(stated):
            continue
        last: date | None = None
        known: list[KnownValue] = []
        read = tuple(str(name) for name in raw.get("identified_by", ()))
        if source is not None and subject.keys and (stated[1] or stated[2]):
            for evidence in evidence_of(raw):
                facts = source.known_to(subject, evidence, read)
                if facts.last_disclosed is not None:
                    last = max(last or facts.last_disclosed, facts.last_disclosed)
                known += [k for k in facts.known_by if k not in known]
        receives = tuple(str(f) for f in raw["receives"]) if stated[0] else None
        days = int(raw["processes_days"]) if stated[1] else None
        found[str(key)] = RecipientTerms(receives, days, last, tuple(known))
    return found


def withheld_of(plans: Sequence[Mapping[str, Any]]) -> list[WithheldNotice]:
    """The notices the stored plans (their JSON bodies) leave out, in plan order."""
    return [WithheldNotice.from_json(raw) for body in plans
            for raw in body.get("withheld", ())]
