"""Mail ingest from a folder of .eml files and a Maildir: receipt times from the mailbox, never
the fetch; each message once; evidence kept without ID copies; replies and reminders attached;
everything else in triage. (IMAP against a real dovecot: test_mail_imap.py.)"""

from __future__ import annotations

import email
import hashlib
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dsr.audit import AuditEvent, verify_chain
from dsr.context import Services
from dsr.documents import Document
from dsr.mail import ingest as mail_ingest
from dsr.mail.ingest import fetch_all
from dsr.mail.models import InboundMessage, TriageEntry
from dsr.requests.models import Request
from tests.support.mail_samples import id_card_png, mail
from workflows.deadlines import due_date

RECEIVED = ("from mx.pso.example.org by imap.pso.example.org; Mon, 2 Mar 2026 23:55:00 +0100",
            "from mail.example.org by mx.pso.example.org; Mon, 2 Mar 2026 23:54:10 +0100")


def _configure(services: Services, tmp_path: Path) -> tuple[Path, Path]:
    eml, maildir = tmp_path / "inbox-eml", tmp_path / "Maildir"
    eml.mkdir()
    for sub in ("new", "cur", "tmp"):
        (maildir / sub).mkdir(parents=True)
    services.config.mail_ingest = {
        "mailboxes": [], "fax_senders": ["fax@gateway.example.org"], "trusted_authserv_ids": [],
        "batch_size": 50,
        "eml_folders": [{"name": "scans", "path": str(eml), "processed_folder": "processed",
                         "fax": False}],
        "maildirs": [{"name": "info", "path": str(maildir), "processed_folder": "processed",
                      "fax": False}]}
    return eml, maildir


def _eml(folder: Path, name: str, message: Any, received: tuple[str, ...] = ()) -> Path:
    for value in received:
        message["Received"] = value
    path = folder / name
    path.write_bytes(bytes(message))
    return path


def _one(services: Services, model: Any, **where: Any) -> Any:
    with services.db.session() as session:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return session.scalars(stmt).one()


def test_eml_folder_receipt_time_deadline_and_no_second_time(services: Services,
                                                             tmp_path: Path) -> None:
    eml, _ = _configure(services, tmp_path)
    _eml(eml, "a.eml", mail("Bitte löschen Sie mein Kundenkonto und alle meine Daten.",
                            subject="Löschung", reply_to="other@example.net"), RECEIVED)
    _eml(eml, "b.eml", mail("Please tell me what personal data you hold about me (Art. 15 GDPR).",
                            sender="Mary Smith <mary@example.com>", message_id="<m2@example.com>",
                            date=datetime(2026, 1, 31, 9, 0, tzinfo=UTC)))
    first = fetch_all(services)["scans"]
    assert dict(first.counts) == {"request": 2} and not first.error
    assert sorted(p.name for p in (eml / "processed").iterdir()) == ["a.eml", "b.eml"]
    assert not list(eml.glob("*.eml"))

    german = _one(services, InboundMessage, message_id="<m1@example.org>")
    assert german.received_basis == "received_header"
    assert german.received_at == datetime(2026, 3, 2, 22, 55, tzinfo=UTC)  # newest Received
    with services.db.session() as session:
        req = session.get(Request, german.request_id)
        assert req.channel == "email" and req.types == ["erasure"] and req.language == "de"
        assert req.received_at == german.received_at
        assert req.due_on == due_date(german.received_at, services.calendar)
        assert req.claim("email") == "juergen.weiss@example.org"  # From, never Reply-To
        english = session.get(Request, _one(services, InboundMessage,
                                            message_id="<m2@example.com>").request_id)
        assert english.language == "en" and english.types[0] == "access"
        assert english.due_on.isoformat() == "2026-03-02"  # 31 Jan + 1 month = 28 Feb, a Saturday

    # The same message delivered again (e.g. to both mailboxes): a no-op, and it leaves the inbox.
    shutil.copy(eml / "processed" / "a.eml", eml / "again.eml")
    assert dict(fetch_all(services)["scans"].counts) == {"already_handled": 1}
    assert not list(eml.glob("*.eml"))
    with services.db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 2
        assert verify_chain(session).ok


def test_maildir_delivery_time_and_message_without_id_hashed(services: Services,
                                                             tmp_path: Path) -> None:
    _, maildir = _configure(services, tmp_path)
    delivered = 1772491500  # 2026-03-02 22:45:00 UTC
    message = mail("Bitte keine Werbung mehr, ich möchte die Sperrung.", message_id=None,
                   subject="Sperrung")
    (maildir / "new" / f"{delivered}.M1P2.host").write_bytes(bytes(message))
    assert dict(fetch_all(services)["info"].counts) == {"request": 1}
    inbound = _one(services, InboundMessage, source="info")
    assert inbound.received_basis == "maildir_delivery"
    assert inbound.received_at == datetime.fromtimestamp(delivered, UTC)
    assert inbound.dedupe_key == "raw:" + hashlib.sha256(bytes(message)).hexdigest()
    assert inbound.types[0] == "objection"
    moved = list((maildir / ".processed" / "cur").iterdir())
    assert len(moved) == 1 and moved[0].name.startswith(str(delivered))
    assert not list((maildir / "new").iterdir())


def test_reply_with_id_copy_is_attached_and_evidence_keeps_only_its_hash(
        services: Services, tmp_path: Path) -> None:
    eml, _ = _configure(services, tmp_path)
    _eml(eml, "a.eml", mail("Ich bitte um Auskunft über meine Daten nach Art. 15 DSGVO."), RECEIVED)
    fetch_all(services)
    reference = _one(services, Request).reference
    scan = id_card_png()
    _eml(eml, "b.eml", mail("Anbei wie gewünscht mein Ausweis.", subject=f"Re: Ihre Anfrage [{reference}]",
                            message_id="<reply@example.org>",
                            attachments=[("ausweis.png", "image/png", scan)]), RECEIVED)
    assert dict(fetch_all(services)["scans"].counts) == {"reply": 1}
    reply = _one(services, InboundMessage, message_id="<reply@example.org>")
    assert reply.action == "reply" and reply.request_id == _one(services, Request).id
    [attachment] = reply.attachments
    assert attachment["kind"] == "id_copy" and attachment["sha256"] == hashlib.sha256(scan).hexdigest()
    with services.db.session() as session:
        evidence = services.documents.read(session.get(Document, reply.document_id))
        kinds = set(session.scalars(select(Document.kind).where(Document.request_id == reply.request_id)))
        events = set(session.scalars(select(AuditEvent.action).where(
            AuditEvent.request_id == reply.request_id)))
    assert scan not in evidence and attachment["sha256"].encode() in evidence
    assert "Anbei wie gew" in email.message_from_bytes(evidence).get_payload()[0].get_payload(decode=True).decode()
    assert kinds >= {"inbound_mail", "id_copy"}  # stored by dsr.verification.id_copies
    assert attachment["verification"] == "stored"
    assert "mail_reply" in events


def test_reminder_is_attached_by_sender_and_unknown_ones_go_to_triage(
        services: Services, tmp_path: Path) -> None:
    eml, _ = _configure(services, tmp_path)
    _eml(eml, "a.eml", mail("Bitte den Newsletter abbestellen."), RECEIVED)
    fetch_all(services)
    _eml(eml, "b.eml", mail("Ich habe bisher keine Antwort erhalten, die Frist von einem Monat ist "
                            "überschritten. Mahnung!", subject="Meine Anfrage",
                            message_id="<rem@example.org>"), RECEIVED)
    _eml(eml, "c.eml", mail("Ich habe bisher keine Antwort erhalten, die Frist ist überschritten.",
                            sender="stranger@example.net", message_id="<rem2@example.net>"), RECEIVED)
    assert dict(fetch_all(services)["scans"].counts) == {"reminder": 1, "triage": 1}
    reminder = _one(services, InboundMessage, message_id="<rem@example.org>")
    assert reminder.request_id == _one(services, Request).id
    entry = _one(services, TriageEntry, reason="reminder_unmatched")
    assert entry.status == "open" and entry.request_id is None


def test_spam_bounce_auto_reply_and_fax_scan_are_triaged_not_dropped(
        services: Services, tmp_path: Path) -> None:
    from tests.support.mail_samples import pdf_without_text

    eml, _ = _configure(services, tmp_path)
    _eml(eml, "1.eml", mail("You have won! Claim your bitcoin casino bonus.", message_id="<s@x>",
                            sender="promo@spam.example.net"), RECEIVED)
    _eml(eml, "2.eml", mail("Delivery failed.", subject="Undelivered Mail Returned to Sender",
                            sender="MAILER-DAEMON@mx.example.org", message_id="<b@x>"), RECEIVED)
    _eml(eml, "3.eml", mail("Bin im Urlaub.", subject="Automatische Antwort: Auskunft",
                            headers={"Auto-Submitted": "auto-replied"}, message_id="<a@x>"), RECEIVED)
    _eml(eml, "4.eml", mail("", subject="Fax", sender="fax@gateway.example.org", message_id="<f@x>",
                            attachments=[("fax.pdf", "application/pdf", pdf_without_text())]), RECEIVED)
    assert dict(fetch_all(services)["scans"].counts) == {"triage": 4}
    with services.db.session() as session:
        reasons = sorted(session.scalars(select(TriageEntry.reason)))
        assert reasons == ["auto_reply", "bounce", "fax_without_text", "spam"]
        assert session.scalar(select(func.count(Request.id))) == 0
        assert session.scalar(select(func.count(Document.id)).where(
            Document.kind == "inbound_mail")) == 4
        fax = session.scalars(select(InboundMessage).where(InboundMessage.channel == "fax")).one()
        assert fax.attachments[0]["kind"] == "kept"  # the fax page is the letter itself


@pytest.mark.parametrize(("results", "expected"), [
    ("imap.pso.example.org; dkim=pass header.d=example.org; spf=pass; dmarc=pass", True),
    ("imap.pso.example.org; dkim=pass header.d=example.org; spf=none", True),
    ("imap.pso.example.org; dkim=pass header.d=evil.example.net; spf=none", False),
    ("imap.pso.example.org; spf=fail smtp.mailfrom=example.org; dkim=none", False),
    ("imap.pso.example.org; dmarc=fail header.from=example.org", False),
    (None, None),
])
def test_channel_is_authenticated_only_by_passing_dkim_or_dmarc(
        services: Services, tmp_path: Path, results: str | None, expected: bool | None) -> None:
    eml, _ = _configure(services, tmp_path)
    services.config.mail_ingest["trusted_authserv_ids"] = ["imap.pso.example.org"]
    headers = {"Authentication-Results": results} if results else {}
    _eml(eml, "a.eml", mail("Bitte löschen Sie alle meine Daten.", headers=headers), RECEIVED)
    fetch_all(services)
    assert _one(services, Request).channel_authenticated is expected


def test_a_text_naming_another_address_is_not_authenticated(services: Services,
                                                            tmp_path: Path) -> None:
    eml, _ = _configure(services, tmp_path)
    _eml(eml, "a.eml", mail("Bitte löschen Sie alle Daten zu renate.koehler@example.com.",
                            headers={"Authentication-Results": "mx; dkim=pass header.d=example.org"}),
         RECEIVED)
    fetch_all(services)
    assert _one(services, Request).channel_authenticated is False


def test_a_failing_message_stays_in_the_inbox_and_the_rest_go_on(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    eml, _ = _configure(services, tmp_path)
    _eml(eml, "a.eml", mail("Bitte löschen Sie alle meine Daten.", message_id="<bad@x>"), RECEIVED)
    _eml(eml, "b.eml", mail("Bitte den Newsletter abbestellen.", message_id="<good@x>"), RECEIVED)
    real = mail_ingest.ingest_raw

    def flaky(services_: Services, session: Any, raw: bytes, **kw: Any) -> Any:
        if b"<bad@x>" in raw:
            raise OSError("disk full")
        return real(services_, session, raw, **kw)

    monkeypatch.setattr(mail_ingest, "ingest_raw", flaky)
    result = fetch_all(services)["scans"]
    assert dict(result.counts) == {"failed": 1, "request": 1} and not result.error
    assert (eml / "a.eml").exists() and not (eml / "b.eml").exists()
    monkeypatch.setattr(mail_ingest, "ingest_raw", real)
    assert dict(fetch_all(services)["scans"].counts) == {"request": 1}
    assert not list(eml.glob("*.eml"))


def test_periodic_job_and_cli_fetch(services: Services, tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from dsr.cli import main
    from dsr.mail.jobs import fetch_mail
    from workflows.schedule import BY_NAME

    assert BY_NAME["fetch_mail"].resolve() is fetch_mail
    eml, _ = _configure(services, tmp_path)
    _eml(eml, "a.eml", mail("Bitte löschen Sie alle meine Daten."), RECEIVED)
    assert fetch_mail(services) == {"scans": {"request": 1}, "info": {}}

    monkeypatch.chdir(tmp_path)
    for name in ("DSR_CONFIG", "DSR_DATABASE_URL", "DSR_DATA_DIR", "DSR_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    cli_inbox = tmp_path / "cli-inbox"
    cli_inbox.mkdir()
    _eml(cli_inbox, "x.eml", mail("Please unsubscribe me from the newsletter.",
                                  message_id="<cli@example.org>"), RECEIVED)
    (tmp_path / "config.toml").write_text(
        '[service]\ndata_dir = "data"\n[[mail_ingest.eml_folders]]\nname = "inbox"\npath = "cli-inbox"\n'
        '[[mail_ingest.mailboxes]]\nname = "down"\nhost = "127.0.0.1"\nport = 9\ntls = false\nuser = "x"\n')
    result = CliRunner().invoke(main, ["mail", "fetch"], catch_exceptions=False)
    assert "inbox: request 1" in result.output
    assert "down: no new mail (stopped: " in result.output and result.exit_code == 1
    assert (cli_inbox / "processed" / "x.eml").exists()


def test_old_mail_is_reduced_to_what_accountability_needs(services: Services, tmp_path: Path) -> None:
    from datetime import timedelta

    from dsr.mail.jobs import reduce_inbound

    eml, _ = _configure(services, tmp_path)
    _eml(eml, "1.eml", mail("You have won! Claim your bitcoin casino bonus.", message_id="<s@x>",
                            sender="promo@spam.example.net"), RECEIVED)
    _eml(eml, "2.eml", mail("Bitte löschen Sie alle meine Daten.", message_id="<open@x>"), RECEIVED)
    fetch_all(services)
    with services.db.session() as session:
        for row in session.scalars(select(InboundMessage)):
            row.created_at = row.created_at - timedelta(days=365 * 4)
    assert reduce_inbound(services) == {"reduced": 1}  # the open request's mail stays
    spam = _one(services, InboundMessage, message_id="<s@x>")
    assert (spam.from_address, spam.subject, spam.words) == ("", "", []) and spam.action == "triage"
    with services.db.session() as session:
        assert session.get(Document, spam.document_id).deleted_at is not None
    assert _one(services, InboundMessage, message_id="<open@x>").from_address
    assert reduce_inbound(services) == {"reduced": 0}


def test_a_batch_of_messages_is_one_transaction_and_a_resend_inside_it_is_found(
        services: Services, tmp_path: Path) -> None:
    from sqlalchemy import event

    eml, _ = _configure(services, tmp_path)
    for i in range(4):
        _eml(eml, f"{i}.eml", mail(f"Bitte löschen Sie alle meine Daten. ({i})",
                                   sender=f"Kunde {i} <kunde{i}@example.org>",
                                   message_id=f"<batch{i}@example.org>"), RECEIVED)
    _eml(eml, "4.eml", mail("Bitte löschen Sie alle meine Daten. (0)",
                            sender="Kunde 0 <kunde0@example.org>",
                            message_id="<batch0@example.org>"), RECEIVED)  # the first, resent
    begins: list[object] = []

    def began(connection: object) -> None:
        begins.append(connection)

    event.listen(services.db.engine, "begin", began)
    try:
        counts = fetch_all(services)["scans"].counts
    finally:
        event.remove(services.db.engine, "begin", began)
    assert dict(counts) == {"request": 4, "already_handled": 1}
    assert len(begins) == 1  # the five messages in one transaction
    assert not list(eml.glob("*.eml"))
    with services.db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 4
        assert session.scalar(select(func.count(InboundMessage.id))) == 4
        assert verify_chain(session).ok


def test_a_failing_message_of_a_batch_fails_alone(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    eml, _ = _configure(services, tmp_path)
    services.config.mail_ingest["batch_size"] = 3
    for i in range(5):
        _eml(eml, f"{i}.eml", mail(f"Bitte löschen Sie alle meine Daten. ({i})",
                                   sender=f"kunde{i}@example.org",
                                   message_id=f"<fail{i}@example.org>"), RECEIVED)
    real = mail_ingest.ingest_raw

    def flaky(services_: Services, session: Any, raw: bytes, **kw: Any) -> Any:
        if b"<fail1@example.org>" in raw:
            raise OSError("disk full")
        return real(services_, session, raw, **kw)

    monkeypatch.setattr(mail_ingest, "ingest_raw", flaky)
    assert dict(fetch_all(services)["scans"].counts) == {"failed": 1, "request": 4}
    assert [p.name for p in eml.glob("*.eml")] == ["1.eml"]
    with services.db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 4
        assert verify_chain(session).ok


def test_resends_within_and_across_batches_and_a_hostile_message_in_a_batch(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of three: a resend inside a batch (the Message-ID in other case), the same bytes
    without a Message-ID in the next batch, the first message again in the last; a message
    that cannot even be parsed fails alone and the others of its batch are stored."""
    eml, _ = _configure(services, tmp_path)
    services.config.mail_ingest["batch_size"] = 3

    def request(i: int, message_id: str | None) -> Any:
        return mail(f"Bitte löschen Sie alle meine Daten. ({i})", sender=f"kunde{i}@example.org",
                    message_id=message_id)

    _eml(eml, "0.eml", request(0, "<x0@example.org>"), RECEIVED)
    no_id = _eml(eml, "1.eml", request(1, None), RECEIVED)
    _eml(eml, "2.eml", request(2, "<X0@EXAMPLE.ORG>"), RECEIVED)
    shutil.copy(no_id, eml / "3.eml")
    _eml(eml, "4.eml", request(4, "<hostile@example.org>"), RECEIVED)
    _eml(eml, "5.eml", request(5, "<x5@example.org>"), RECEIVED)
    _eml(eml, "6.eml", request(6, "<x0@example.org>"), RECEIVED)
    real = mail_ingest.parse_message

    def hostile(raw: bytes) -> Any:
        if b"<hostile@example.org>" in raw:
            raise RecursionError("nested too deep")
        return real(raw)

    monkeypatch.setattr(mail_ingest, "parse_message", hostile)
    counts = fetch_all(services)["scans"].counts
    assert dict(counts) == {"request": 3, "already_handled": 3, "failed": 1}
    assert [p.name for p in eml.glob("*.eml")] == ["4.eml"]
    with services.db.session() as session:
        stored = session.scalars(select(InboundMessage).order_by(InboundMessage.id)).all()
        assert [m.message_id for m in stored] == ["<x0@example.org>", "", "<x5@example.org>"]
        assert all(m.document_id for m in stored)  # the raw mail kept, encrypted
        assert session.scalar(select(func.count(Request.id))) == 3
        assert verify_chain(session).ok
    monkeypatch.setattr(mail_ingest, "parse_message", real)
    assert dict(fetch_all(services)["scans"].counts) == {"request": 1}
