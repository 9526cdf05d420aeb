"""The identity verification policy: how sure the service must be of who asks, and whether
what has been shown so far is enough (EDPB Guidelines 01/2022: proportionate to the risk).

Pure domain code: :func:`assess` takes :class:`Facts` (built from the request, its match table
and its verification history) and the ``[verification]`` settings, and returns an
:class:`Assessment`. It never touches a database or a system.

- What the request does sets the base level: access and portability disclose, erasure and
  rectification change (``standard``); objection and consent withdrawal only reduce processing
  (``basic``). Configurable per type.
- An unauthenticated channel or a mismatch in the match table raises the level by one.
- A conflict, a subject found by name and address only or not at all, a request to deliver to
  another address, a representative or heir, and a postal channel need a coordinator
  (``elevated``): nothing passes automatically there.
- A change of e-mail or postal address is confirmed through the old channel: only the code to
  the address on file passes it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from workflows import states


class Level(IntEnum):
    BASIC = 1
    STANDARD = 2
    ELEVATED = 3


DEFAULT_LEVELS: dict[str, str] = {
    "access": "standard", "portability": "standard", "rectification": "standard",
    "restriction": "standard", "erasure": "standard", "objection": "basic",
    "consent_withdrawal": "basic", "contest_decision": "standard",
}
#: Channels on which staff record the evidence enclosed and a coordinator decides.
POSTAL_CHANNELS = frozenset({"letter", "fax", "phone"})
#: Claim kinds that ask to move contact details (confirmed through the old channel first).
CONTACT_CHANGES = frozenset({"new_email", "new_postal_address"})
#: Who may act for the subject (claim ``acting_as``); each needs the coordinator.
REPRESENTATIVES = frozenset({"lawyer", "relative", "heir", "other"})
#: Methods that can pass a check without a coordinator, strongest first.
AUTOMATIC_METHODS = states.AUTOMATIC_METHODS


@dataclass(frozen=True)
class Facts:
    """What the policy looks at, without personal data: request types, channel, the match
    table's verdicts, which claim kinds were made, and which methods have passed."""

    types: tuple[str, ...]
    channel: str
    channel_authenticated: bool | None
    match_table: Mapping[str, Mapping[str, Any]]
    claim_kinds: frozenset[str]
    acting_as: str | None = None
    passed: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Assessment:
    """The level needed, why, which methods may pass it without a coordinator, and the one
    that did (``satisfied_by``); ``flags`` are what the coordinator must see in red."""

    level: Level
    reasons: tuple[str, ...]
    accepts: tuple[str, ...]
    satisfied_by: str | None

    @property
    def automatic(self) -> bool:
        """True when the request may move to verified without a coordinator."""
        return self.satisfied_by is not None

    @property
    def flags(self) -> tuple[str, ...]:
        return tuple(r for r in self.reasons if not r.startswith("type:"))


def level_of(name: str) -> Level:
    return Level[name.upper()]


def _matched(table: Mapping[str, Mapping[str, Any]]) -> bool:
    """Exactly one subject, without conflict, in at least one system."""
    return any(found.get("subjects") == 1 and not found.get("conflict")
               for found in table.values())


def _mismatches(table: Mapping[str, Mapping[str, Any]]) -> list[str]:
    kinds = {kind for found in table.values()
             for kind, verdict in (found.get("claims") or {}).items() if verdict == "mismatch"}
    return sorted(kinds)


def _email_matches(table: Mapping[str, Mapping[str, Any]]) -> bool:
    return any((found.get("claims") or {}).get("email") == "match" for found in table.values())


def assess(facts: Facts, settings: Mapping[str, Any]) -> Assessment:
    """The level ``facts`` need under ``settings`` and whether a passed method meets it."""
    levels = {**DEFAULT_LEVELS, **(settings.get("levels") or {})}
    base = max((level_of(levels.get(t, "standard")) for t in facts.types),
               default=Level.STANDARD)
    reasons = [f"type:{base.name.lower()}"]
    level = base
    raise_by_one = False
    if facts.channel_authenticated is False:
        reasons.append("channel_unauthenticated")
        raise_by_one = True
    mismatched = _mismatches(facts.match_table)
    if mismatched:
        reasons += [f"mismatch:{kind}" for kind in mismatched]
        raise_by_one = True
    if raise_by_one:
        level = Level(min(level + 1, Level.ELEVATED))
    coordinator: list[str] = []
    if any(found.get("conflict") for found in facts.match_table.values()):
        coordinator.append("conflict")
    elif not _matched(facts.match_table):
        proposals = any(found.get("proposals") for found in facts.match_table.values())
        coordinator.append("proposed_only" if proposals else "not_matched")
    if "deliver_to" in facts.claim_kinds:
        coordinator.append("deliver_elsewhere")
    if facts.acting_as:
        coordinator.append(f"representative:{facts.acting_as}")
    if facts.channel in POSTAL_CHANNELS:
        coordinator.append("postal")
    if coordinator:
        reasons += coordinator
        level = Level.ELEVATED
    accepts: tuple[str, ...] = ()
    if level < Level.ELEVATED:
        accepts = ("email_code", "signed_in")
        if (level == Level.BASIC and settings.get("authenticated_channel_suffices", True)
                and facts.channel_authenticated and _email_matches(facts.match_table)):
            accepts += ("authenticated_channel",)
    if CONTACT_CHANGES & facts.claim_kinds:
        reasons.append("contact_change")
        accepts = tuple(m for m in accepts if m == "email_code")
    satisfied = next((m for m in AUTOMATIC_METHODS if m in accepts and m in facts.passed), None)
    return Assessment(level=level, reasons=tuple(reasons), accepts=accepts,
                      satisfied_by=satisfied)


def facts_for(request: Any, passed: Iterable[str]) -> Facts:
    """The facts of a :class:`dsr.models.Request` and the methods its history shows passed."""
    kinds = frozenset(c.kind for c in request.claims)
    acting_as = request.claim("acting_as")
    passed = set(passed) | ({"authenticated_channel"} if request.channel_authenticated else set())
    return Facts(types=tuple(request.types), channel=request.channel,
                 channel_authenticated=request.channel_authenticated,
                 match_table=request.match_table or {}, claim_kinds=kinds,
                 acting_as=acting_as if acting_as in REPRESENTATIVES else
                 ("other" if acting_as else None),
                 passed=frozenset(passed))
