"""Mail authentication: only Authentication-Results headers of the shop's own receiving server
count. With no trusted server named, a sender-written ``dkim=pass`` proves nothing, so a spoofed
objection is not verified; with one named, a forged header below the server's own is ignored."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from dsr.context import Services
from dsr.mail.ingest import fetch_all
from dsr.requests.models import Request
from tests.dsr.mail.test_mail_ingest import RECEIVED, _configure, _eml, _one
from tests.support.mail_samples import mail
from workflows.runner import run_pending

FORGED = "imap.pso.example.org; dkim=pass header.d=example.org; spf=pass; dmarc=pass"
OBJECTION = "Ich widerspreche jeder Nutzung meiner Daten für Werbung."


def test_a_forged_header_does_not_verify_a_spoofed_objection(demo_services: Services,
                                                             tmp_path: Path) -> None:
    eml, _ = _configure(demo_services, tmp_path)  # trusted_authserv_ids = [] (the default)
    _eml(eml, "a.eml", mail(OBJECTION, headers={"Authentication-Results": FORGED}), RECEIVED)
    fetch_all(demo_services)
    run_pending(demo_services)
    request = _one(demo_services, Request)
    assert request.channel_authenticated is not True
    assert request.status not in ("verified", "processing", "review", "executing", "completed")


def test_only_the_topmost_headers_of_the_trusted_server_count(services: Services,
                                                              tmp_path: Path) -> None:
    eml, _ = _configure(services, tmp_path)
    services.config.mail_ingest["trusted_authserv_ids"] = ["imap.pso.example.org"]
    message = mail(OBJECTION, message_id="<forged-below@example.org>")
    # Our server's verdict on top (nothing passed), the sender's forgery below it.
    message["Authentication-Results"] = "mx.other.example; none"
    message["Authentication-Results"] = FORGED
    _eml(eml, "b.eml", message, RECEIVED)
    fetch_all(services)
    with services.db.session() as session:
        assert session.scalars(select(Request.channel_authenticated)).one() is not True


def test_attachments_of_mail_for_triage_are_not_kept_inside_the_raw_mail(
        services: Services, tmp_path: Path) -> None:
    from dsr.documents import Document
    from dsr.mail.models import InboundMessage
    from tests.support.mail_samples import id_card_png

    eml, _ = _configure(services, tmp_path)
    scan = id_card_png()
    # A reply naming no known request: it goes to triage, with an ID copy attached.
    _eml(eml, "c.eml", mail("Anbei mein Ausweis.", subject="Re: Ihre Anfrage [DSR-UNKNOWN1]",
                            message_id="<triage@example.org>",
                            attachments=[("ausweis.png", "image/png", scan)]), RECEIVED)
    fetch_all(services)
    inbound = _one(services, InboundMessage, message_id="<triage@example.org>")
    assert inbound.action == "triage" and inbound.request_id is None
    [attachment] = inbound.attachments
    with services.db.session() as session:
        evidence = services.documents.read(session.get(Document, inbound.document_id))
        held = services.documents.read(session.get(Document, attachment["document_id"]))
    assert scan not in evidence and attachment["sha256"].encode() in evidence
    assert held == scan and attachment["kind"] == "held_apart"
