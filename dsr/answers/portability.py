"""The portability answer (Art. 20 GDPR) as its own kind of answer, and the direct
transmission to another controller (Art. 20(2)).

A request for portability without access gets an Art. 20 answer: only the data the subject
provided, which (WP242 rev.01) includes the data observed while they used the service
(sessions, searches, consents, reviews); no Art. 15 information. The copy is the export ZIP
(JSON, its JSON Schema and CSV). A direct transmission is offered where the other controller
takes the copy through an interface (``delivery.portability_receivers``); the subject names
it with the claim ``transmit_to``, and the ZIP is posted there once, after release, audited.
Where there is no such interface the answer says why a transmission is not feasible.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, AuditEvent, append_event
from dsr.catalogs import gettext
from dsr.documents import Document
from dsr.requests.models import Request

if TYPE_CHECKING:
    from dsr.context import Services

TRANSMIT_CLAIM = "transmit_to"
"""The claim naming the controller the subject wants the copy transmitted to."""
TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Receiver:
    """A controller with an interface that takes the portability copy."""

    name: str
    label: Mapping[str, str]
    url: str
    token: str

    def named(self, language: str) -> str:
        return self.label.get(language) or next(iter(self.label.values()), self.name)


def is_portability_answer(types: list[str]) -> bool:
    """True when the answer is an Art. 20 answer (portability asked for, access not)."""
    return "portability" in types and "access" not in types


def receivers(delivery_settings: Mapping[str, Any]) -> dict[str, Receiver]:
    """The configured receivers (``delivery.portability_receivers``) by name."""
    return {name: Receiver(name, dict(r["label"]), r["url"], r.get("token", ""))
            for name, r in (delivery_settings.get("portability_receivers") or {}).items()}


def receiver_for(request: Request, known: Mapping[str, Receiver]) -> Receiver | None:
    """The receiver the subject named, by its name or its label in any language."""
    wanted = (request.claim(TRANSMIT_CLAIM) or "").strip().casefold()
    if not wanted:
        return None
    return next((r for r in known.values() if wanted == r.name.casefold()
                 or wanted in {label.casefold() for label in r.label.values()}), None)


def transmission(request: Request, known: Mapping[str, Receiver], lang: str) -> dict[str, Any]:
    """What the answer says about Art. 20(2): the transmission that will be made, why the one
    asked for is not feasible, or which controllers it can be made to."""
    wanted = (request.claim(TRANSMIT_CLAIM) or "").strip()
    available = sorted(r.named(lang) for r in known.values())
    if wanted:
        receiver = receiver_for(request, known)
        if receiver is not None:
            return {"requested": receiver.named(lang), "offered": True, "available": available,
                    "text": gettext(lang, "report_art20_transmit_yes",
                                    receiver=receiver.named(lang))}
        return {"requested": wanted, "offered": False, "available": available,
                "text": gettext(lang, "report_art20_transmit_not_feasible", receiver=wanted)}
    text = (gettext(lang, "report_art20_transmit_offer", receivers=", ".join(available))
            if available else gettext(lang, "report_art20_transmit_none"))
    return {"requested": None, "offered": bool(available), "available": available, "text": text}


def transmit(services: Services, session: Session, request: Request) -> dict[str, Any]:
    """Post the released export ZIP to the receiver the subject named, once (audited with the
    receiver, its HTTP status and the ZIP's hash); flushes. A receiver's error raises, so the
    job is retried. Returns a small result (no personal data)."""
    if "portability" not in request.types:
        return {"transmitted": False, "why": "no portability request"}
    receiver = receiver_for(request, receivers(services.config.delivery))
    if receiver is None:
        return {"transmitted": False, "why": "no receiver with an interface named"}
    done = session.scalars(select(AuditEvent.id).where(
        AuditEvent.request_id == request.id,
        AuditEvent.action == AuditAction.PORTABILITY_TRANSMITTED)).first()
    if done is not None:
        return {"transmitted": False, "why": "already transmitted"}
    doc = session.scalars(select(Document).where(
        Document.request_id == request.id, Document.kind == "report_zip",
        Document.deleted_at.is_(None)).order_by(Document.id.desc())).first()
    if doc is None:
        raise LookupError(f"request {request.id}: no export to transmit")
    headers = {"Content-Type": "application/zip", "X-DSR-Reference": request.reference}
    if receiver.token:
        headers["Authorization"] = f"Bearer {receiver.token}"
    call = urllib.request.Request(receiver.url, data=services.documents.read(doc),
                                  headers=headers, method="POST")
    with urllib.request.urlopen(call, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
        status = int(response.status)
    append_event(session, actor="system", action=AuditAction.PORTABILITY_TRANSMITTED,
                 request_id=request.id,
                 details={"receiver": receiver.name, "status": status, "sha256": doc.sha256})
    return {"transmitted": True, "receiver": receiver.name, "status": status}
