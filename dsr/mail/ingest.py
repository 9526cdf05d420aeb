"""Mail ingest: each received message becomes a request, is attached to one, or goes to triage.

Nothing lost, nothing twice: a batch of messages is handled in one transaction (each one's
request, evidence and :class:`InboundMessage` row), and only after that commit does the source
move them out of the inbox. A message whose ``dedupe_key`` is known is not handled again, only moved, so
a fetch cut off between commit and move repeats nothing.

The raw message is kept encrypted as evidence without its ID-copy attachments: those go to
the identity verification (``dsr.verification.id_copies``), the kept copy records their hashes.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.correspondence.models import OutgoingMail
from dsr.mail.authentication import channel_authenticated
from dsr.mail.models import InboundMessage, TriageEntry
from dsr.mail.parse import ID_COPY_TYPES, Attachment, ParsedMail, parse_message, without_parts
from dsr.mail.recognition import Recognition, classify, classify_text, fax_pdf_text
from dsr.mail.sources import Fetched, MailSource, configured_sources
from dsr.requests import intake
from dsr.requests.models import IdentityClaim, Request
from workflows.states import OPEN_STATES

if TYPE_CHECKING:
    from dsr.context import Services

log = logging.getLogger(__name__)
ACTOR = "mail"
#: Requests recognised with less confidence than this wait in triage for a coordinator to confirm.
CONFIRM_BELOW = 0.6
#: The audit action of mail matched to an open request, by what it was recognised as.
MATCHED = {"reply": AuditAction.MAIL_REPLY, "reminder": AuditAction.MAIL_REMINDER}
_CUSTOMER_NUMBER = re.compile(r"\b(K-\d{6})\b|Kunden-?(?:nummer|nr\.?)\s*:?\s*([A-Z0-9-]{4,20})",
                              re.IGNORECASE)


@dataclass
class FetchResult:
    counts: Counter[str] = field(default_factory=Counter)
    error: str = ""


def dedupe_key(mail: ParsedMail, raw: bytes) -> str:
    """``mid:`` + hash of the Message-ID, or ``raw:`` + hash of the bytes when there is none."""
    if mail.message_id:
        return "mid:" + hashlib.sha256(mail.message_id.lower().encode()).hexdigest()
    return "raw:" + hashlib.sha256(raw).hexdigest()


def find_request(session: Session, references: list[str], message_ids: list[str]) -> Request | None:
    """Our request named by a reference in the subject or by one of our Message-IDs."""
    if references:
        found = session.scalars(select(Request).where(Request.reference.in_(references))).first()
        if found is not None:
            return found
    if message_ids:
        request_id = session.scalar(select(OutgoingMail.request_id).where(
            OutgoingMail.message_id.in_(message_ids), OutgoingMail.request_id.is_not(None)))
        if request_id is not None:
            return session.get(Request, request_id)
    return None


def open_request_of(session: Session, address: str) -> Request | None:
    """The newest open request whose e-mail claim is ``address`` (for a reminder without a
    reference)."""
    if not address:
        return None
    return session.scalars(
        select(Request).join(IdentityClaim, IdentityClaim.request_id == Request.id)
        .where(IdentityClaim.kind == "email", IdentityClaim.value == address,
               Request.status.in_([s.value for s in OPEN_STATES]))
        .order_by(Request.received_at.desc())).first()


def _recognise(session: Session, mail: ParsedMail, fax: bool) -> Recognition:
    if fax:
        text = fax_pdf_text(mail) or ""
        rec = classify_text(mail.subject, (mail.text + "\n\n" + text).strip())
        if not text:
            rec.action, rec.reason, rec.words = "triage", "fax_without_text", []
        return rec
    return classify(mail, is_ours=lambda refs, ids: find_request(session, refs, ids) is not None)


def _hand_over_id_copy(services: Services, session: Session, request: Request,
                       attachment: Attachment) -> dict[str, Any]:
    try:
        from dsr.verification import id_copies
    except ImportError:  # the verification pipeline is not installed: keep it for a coordinator
        doc = services.documents.put(session, request_id=request.id, kind="id_copy_pending",
                                     filename=attachment.filename[:200],
                                     content_type=attachment.content_type, data=attachment.data)
        return {"document_id": doc.id, "verification": "pending"}
    try:
        doc = id_copies.store(session, services.documents, request, attachment.data,
                              settings=services.config.verification, actor=ACTOR,
                              uploaded_by_id=None)
    except id_copies.IdCopyRefused as exc:
        return {"verification": "refused", "why": exc.code}
    return {"document_id": doc.id, "verification": "stored"}


def _submit(services: Services, session: Session, mail: ParsedMail, rec: Recognition, *,
            channel: str, received_at: datetime, authenticated: bool | None) -> Request:
    name, address = mail.original_from or (mail.from_name, mail.from_address)
    number = _CUSTOMER_NUMBER.search(mail.text)
    return intake.submit(session, intake.Submission(
        types=rec.types, name=name[:200], email="" if channel == "fax" else address,
        channel=channel, received_at=received_at, language=rec.language,
        customer_number=(number.group(1) or number.group(2)) if number else "",
        message=mail.text[:10000], channel_authenticated=authenticated),
        calendar=services.calendar, connectors=list(services.config.connectors), actor=ACTOR)


def stored_keys(session: Session, keys: list[str]) -> set[str]:
    """Which of ``keys`` an :class:`InboundMessage` of this transaction's view already has."""
    wanted = sorted(set(keys))
    return set(session.scalars(select(InboundMessage.dedupe_key)
                               .where(InboundMessage.dedupe_key.in_(wanted)))) if wanted else set()


def ingest_raw(services: Services, session: Session, raw: bytes, *, received_at: datetime,
               basis: str, source: str, fax: bool = False, parsed: ParsedMail | None = None,
               unseen: bool = False) -> InboundMessage | None:
    """Handle one message in the caller's transaction; ``None`` when it was handled before.

    ``parsed`` is the message already parsed from ``raw``; ``unseen`` says that the caller
    looked its key up in this transaction (:func:`stored_keys`) and found none."""
    mail = parse_message(raw) if parsed is None else parsed
    key = dedupe_key(mail, raw)
    if not unseen and stored_keys(session, [key]):
        return None
    settings = services.config.mail_ingest
    fax = fax or mail.from_address in {s.lower() for s in settings["fax_senders"]}
    own = {services.config.mail["sender"].rsplit("@", 1)[-1].lower()} | {
        m["user"].rsplit("@", 1)[-1].lower() for m in settings["mailboxes"] if "@" in m["user"]}
    authenticated, results = ((False, {}) if fax else
                              channel_authenticated(mail, settings["trusted_authserv_ids"], own))
    rec = _recognise(session, mail, fax)
    request: Request | None = None
    if rec.action in ("reply", "reminder"):
        request = (find_request(session, rec.references, mail.in_reply_to + mail.references)
                   or open_request_of(session, (mail.original_from or ("", mail.from_address))[1]))
        if request is None:
            rec.action, rec.reason = "triage", f"{rec.action}_unmatched"
    elif rec.action == "request":
        request = _submit(services, session, mail, rec, channel="fax" if fax else "email",
                          received_at=received_at, authenticated=authenticated)
    removed: set[int] = set()
    attachments = []
    for att in mail.attachments:
        entry: dict[str, Any] = {"filename": att.filename[:200], "content_type": att.content_type,
                                 "size": len(att.data), "sha256": att.sha256, "kind": "kept"}
        if request is not None and not fax and att.content_type in ID_COPY_TYPES:
            entry.update(kind="id_copy", **_hand_over_id_copy(services, session, request, att))
            removed.add(att.part_index)
        elif request is None and not fax and att.content_type in ID_COPY_TYPES:
            # Mail for triage may carry an ID copy too: it is kept apart (encrypted, for the
            # coordinator's triage decision), never inside the stored raw mail.
            held = services.documents.put(session, request_id=None, kind="triage_attachment",
                                          filename=att.filename[:200],
                                          content_type=att.content_type, data=att.data)
            entry.update(kind="held_apart", document_id=held.id)
            removed.add(att.part_index)
        attachments.append(entry)
    evidence = (without_parts(raw, removed, "ID copy removed, handed to identity verification"
                              if request is not None else "attachment removed, kept apart")
                if removed else raw)
    doc = services.documents.put(session, request_id=request.id if request else None,
                                 kind="inbound_mail", filename=f"message-{key[4:16]}.eml",
                                 content_type="message/rfc822", data=evidence)
    inbound = InboundMessage(
        dedupe_key=key, source=source[:80], channel="fax" if fax else "email",
        received_at=received_at, received_basis=basis, message_id=mail.message_id[:300],
        from_address=mail.from_address[:254], from_name=mail.from_name[:200],
        subject=mail.subject[:2000], action=rec.action, reason=rec.reason, types=rec.types,
        language=rec.language, confidence=rec.confidence, words=rec.words,
        channel_authenticated=authenticated, auth=results,
        request_id=request.id if request else None, document_id=doc.id, attachments=attachments)
    session.add(inbound)
    session.flush()
    _follow_up(session, inbound, request, rec)
    return inbound


def _follow_up(session: Session, inbound: InboundMessage, request: Request | None,
               rec: Recognition) -> None:
    """Audit events for attached mail, triage entries for what a person must look at."""
    from dsr.mail.triage import merge_candidates

    if rec.action == "triage":
        session.add(TriageEntry(inbound_id=inbound.id, reason=rec.reason or "unclear"))
    elif request is not None and rec.action in MATCHED:
        append_event(session, actor=ACTOR, action=MATCHED[rec.action], request_id=request.id,
                     details={"inbound": inbound.id, "id_copies": sum(
                         a["kind"] == "id_copy" for a in inbound.attachments)})
    elif request is not None:
        if rec.confidence < CONFIRM_BELOW:
            session.add(TriageEntry(inbound_id=inbound.id, request_id=request.id,
                                    reason="confirm_type"))
        if merge_candidates(session, request):
            session.add(TriageEntry(inbound_id=inbound.id, request_id=request.id,
                                    reason="merge_offer"))
    session.flush()


def fetch_source(services: Services, source: MailSource,
                 on_committed: Callable[[Fetched], None] | None = None,
                 counts: Counter[str] | None = None) -> Counter[str]:
    """Handle every message of one source: commit, then move it out of the inbox.

    Up to ``source.batch_size`` messages share one transaction, and only after its commit are
    they moved. Dedupe stays exact: the batch's keys are looked up at once in its
    transaction, and a key met earlier in the batch counts as handled too. When one message
    of a batch fails, the batch is rolled back and handled again one message per
    transaction, so that one fails alone and stays in the inbox while the others are
    committed. (A savepoint per message would do the same for two more statements per
    message; on a loaded database every statement's round trip costs about what the commit
    it saves does.) The batch holds the audit chain's head from its first event to its
    commit, so a batch is kept to one source fetch's worth."""
    counts = Counter() if counts is None else counts
    batch: list[Fetched] = []
    try:
        for item in source.fetch():
            batch.append(item)
            if len(batch) >= max(1, source.batch_size):
                _ingest_batch(services, source, batch, on_committed, counts)
                batch = []
    finally:
        try:
            if batch:  # what was fetched before the source failed is still handled
                _ingest_batch(services, source, batch, on_committed, counts)
        finally:
            source.close()
    return counts


def _ingest_batch(services: Services, source: MailSource, batch: list[Fetched],
                  on_committed: Callable[[Fetched], None] | None,
                  counts: Counter[str]) -> None:
    """``batch`` in one transaction, then the moves; one transaction per message when any
    of them fails."""
    outcomes: list[str] = []
    try:
        with services.db.session() as session:
            mails = [parse_message(item.raw) for item in batch]
            keys = [dedupe_key(mail, item.raw) for mail, item in zip(mails, batch, strict=True)]
            seen = stored_keys(session, keys)  # one look-up for the batch
            for item, mail, key in zip(batch, mails, keys, strict=True):
                if key in seen:  # stored before, or earlier in this batch (a resend)
                    outcomes.append("already_handled")
                    continue
                inbound = ingest_raw(services, session, item.raw, received_at=item.received_at,
                                     basis=item.basis, source=source.name, fax=source.fax,
                                     parsed=mail, unseen=True)
                seen.add(key)
                outcomes.append(inbound.action if inbound else "already_handled")
    except Exception as exc:  # noqa: BLE001 - rolled back: the batch's messages are still in the inbox
        if len(batch) > 1:
            for item in batch:
                _ingest_batch(services, source, [item], on_committed, counts)
        elif isinstance(exc, IntegrityError):  # another fetcher committed it first (and moves it)
            counts["already_handled"] += 1
        else:  # this message stays in the inbox for the next run
            counts["failed"] += 1
            log.error("mail source %s: message %s not handled (%s); it stays in the inbox",
                      source.name, batch[0].key.rsplit("/", 1)[-1], type(exc).__name__)
        return
    for item, outcome in zip(batch, outcomes, strict=True):
        counts[outcome] += 1
        _moved(source, item, on_committed)


def _moved(source: MailSource, item: Fetched,
           on_committed: Callable[[Fetched], None] | None) -> None:
    """After the commit: tell the caller, and move the message out of the inbox."""
    if on_committed is not None:
        on_committed(item)
    source.done(item)


def fetch_all(services: Services) -> dict[str, FetchResult]:
    """Fetch every configured source once; one unreachable source does not stop the others."""
    results: dict[str, FetchResult] = {}
    for source in configured_sources(services.config.mail_ingest):
        result = results.setdefault(source.name, FetchResult())
        try:
            fetch_source(services, source, counts=result.counts)
        except Exception as exc:  # noqa: BLE001 - IMAP/OS errors: reported, the mail stays put
            result.error = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("mail source %s failed: %s", source.name, type(exc).__name__)
    return results
