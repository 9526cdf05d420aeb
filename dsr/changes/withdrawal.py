"""Consent withdrawal per consent (Art. 7(3)) and the ground of a restriction (Art. 18(1)).

The customer names the consents withdrawn (the shop's consent kinds, as the newsletter
connector's data map labels them; none named: every consent), and only those end. A
restriction records its ground, lit. a-d, given by the requester or set by the coordinator;
the confirmation states it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from connectors.capabilities import NamesConsents, capable
from dsr.audit import AuditAction, append_event
from dsr.errors import ServiceError
from dsr.requests.models import Request, RequestType

#: Art. 18(1) GDPR, lit. a-d (the texts: catalog ``sup_ground_<x>``, confirmations
#: ``_restriction_ground.txt``).
GROUNDS = ("a", "b", "c", "d")


class RestrictionGroundError(ServiceError):
    """The ground cannot be set (unknown, or the request is no restriction)."""


def consent_kinds(connectors: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Every consent kind the configured systems hold -> its label by language."""
    found: dict[str, dict[str, str]] = {}
    for connector in connectors.values():
        names = capable(connector, NamesConsents)
        if names is not None:
            for kind, label in names.consent_kinds().items():
                found.setdefault(kind, label)
    return found


def unknown_consents(named: Iterable[str], known: Mapping[str, Any]) -> list[str]:
    """The named consents no system holds."""
    return [kind for kind in named if kind not in known]


def withdrawn_labels(request: Request, known: Mapping[str, Mapping[str, str]],
                     language: str) -> list[str]:
    """The consents the withdrawal named, by label (empty: every consent was withdrawn)."""
    return [str(known.get(kind, {}).get(language, kind))
            for kind in request.withdrawn_consents or ()]


def set_restriction_ground(session: Session, request: Request, ground: str, *,
                           actor: str) -> None:
    """The coordinator records (or changes) the Art. 18(1) ground; audited; flushes."""
    if RequestType.RESTRICTION not in request.types:
        raise RestrictionGroundError("restriction ground: the request is no restriction",
                                     msgid="err_restriction_ground_type")
    if ground not in GROUNDS:
        raise RestrictionGroundError("restriction ground: one of a, b, c, d",
                                     msgid="err_restriction_ground")
    before = request.restriction_ground
    request.restriction_ground = ground
    append_event(session, actor=actor, action=AuditAction.RESTRICTION_GROUND_SET,
                 request_id=request.id, details={"ground": ground, "before": before})
    session.flush()
