"""IMAP ingest against Debian's dovecot (a throw-away server per test): requests, the attached
reply and reminder, triage entries, deadlines from INTERNALDATE, a second run that adds nothing,
and a fetch cut off mid-batch that loses nothing and repeats nothing. The acknowledgement goes
out over SMTP with the reference in its subject, so the reply threads back."""

from __future__ import annotations

import email
from collections.abc import Iterator
from datetime import UTC, date, datetime
from email import policy
from typing import Any

import pytest
from sqlalchemy import func, select

from dsr.context import Services
from dsr.correspondence.mailer import SmtpMailer
from dsr.mail.ingest import fetch_all, fetch_source
from dsr.mail.models import InboundMessage, TriageEntry
from dsr.mail.sources import ImapSource
from dsr.requests.models import Request
from tests.support.dovecot import DOVECOT, Dovecot, free_port
from tests.support.mail_samples import id_card_png, mail
from workflows.runner import run_pending

pytestmark = pytest.mark.skipif(not DOVECOT.exists(),
                                reason="Debian's dovecot (/usr/sbin/dovecot) is not installed")


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    server = Dovecot()
    server.start()
    yield server
    server.cleanup()


@pytest.fixture
def smtp() -> Iterator[list[bytes]]:
    """A local SMTP server (aiosmtpd) that keeps every message it receives."""
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Keep:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=free_port())
    controller.start()
    received.append(str(controller.port).encode())
    yield received
    controller.stop()


def _ingest_config(services: Services, server: Dovecot) -> None:
    services.config.mail_ingest = {"mailboxes": [server.settings], "maildirs": [],
                                   "eml_folders": [], "fax_senders": [],
                                   "trusted_authserv_ids": [], "batch_size": 3}


def test_imap_ingest_requests_reply_reminder_triage_and_deadlines_from_internaldate(
        services: Services, dovecot: Dovecot, smtp: list[bytes]) -> None:
    port = int(smtp.pop(0))
    services.mailer = SmtpMailer({"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_user": "",
                                  "smtp_password": "", "smtp_starttls": False})
    _ingest_config(services, dovecot)
    # 31 Jan 23:30 in Berlin: one month ends 28 Feb 2026, a Saturday -> Monday 2 March.
    late_january = datetime(2026, 1, 31, 22, 30, tzinfo=UTC)
    dovecot.deliver(bytes(mail("Sehr geehrte Damen und Herren, bitte löschen Sie alle meine Daten "
                               "nach Art. 17 DSGVO.", subject="Löschung meiner Daten",
                               date=datetime(2026, 2, 5, 8, 0, tzinfo=UTC),
                               reply_to="someone-else@example.net")), late_january)
    dovecot.deliver(bytes(mail("Dear Sir or Madam, I request access to my personal data under "
                               "Article 15 GDPR.", subject="Subject access request",
                               sender="Mary Smith <mary.smith@example.com>",
                               message_id="<en1@example.com>")),
                    datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    dovecot.deliver(bytes(mail("You have won! Claim your casino bonus now.", subject="Winner",
                               sender="promo@spam.example.net", message_id="<spam@x>")),
                    datetime(2026, 3, 10, 9, 5, tzinfo=UTC))
    dovecot.deliver(bytes(mail("Delivery to the following recipient failed permanently.",
                               subject="Delivery Status Notification (Failure)",
                               sender="MAILER-DAEMON@mx.example.net", message_id="<bounce@x>")),
                    datetime(2026, 3, 10, 9, 6, tzinfo=UTC))
    assert {k: dict(v.counts) for k, v in fetch_all(services).items()} == \
        {"privacy": {"request": 2, "triage": 2}}
    run_pending(services)  # the acknowledgements go out over SMTP

    acks = [email.message_from_bytes(raw, policy=policy.default) for raw in smtp]
    assert {str(a["To"]) for a in acks} == {"juergen.weiss@example.org", "mary.smith@example.com"}
    german_ack = next(a for a in acks if a["To"] == "juergen.weiss@example.org")
    with services.db.session() as session:
        german = session.scalars(select(Request).where(Request.language == "de")).one()
        english = session.scalars(select(Request).where(Request.language == "en")).one()
        assert f"[{german.reference}]" in str(german_ack["Subject"])
        assert german.received_at == late_january and german.due_on == date(2026, 3, 2)
        assert german.types == ["erasure"] and english.types == ["access"]
        assert english.due_on == date(2026, 4, 10)

    # The requester replies to the acknowledgement (threading header, not a typed reference),
    # an out-of-office answers it, and the English requester sends a reminder.
    reply = mail("Anbei mein Ausweis.", subject="Re: " + str(german_ack["Subject"]).split(" [")[0],
                 headers={"In-Reply-To": str(german_ack["Message-ID"])},
                 message_id="<reply@example.org>",
                 attachments=[("ausweis.png", "image/png", id_card_png())])
    dovecot.deliver(bytes(reply), datetime(2026, 2, 3, 10, 0, tzinfo=UTC))
    dovecot.deliver(bytes(mail("I am out of the office.", subject="Out of Office: " + str(german_ack["Subject"]),
                               headers={"Auto-Submitted": "auto-replied"}, message_id="<ooo@x>")),
                    datetime(2026, 2, 3, 10, 1, tzinfo=UTC))
    dovecot.deliver(bytes(mail("I have not received an answer so far; the period of one month has "
                               "passed. This is a reminder.", subject="My request",
                               sender="mary.smith@example.com", message_id="<rem@example.com>")),
                    datetime(2026, 4, 14, 8, 0, tzinfo=UTC))
    assert dict(fetch_all(services)["privacy"].counts) == {"reply": 1, "triage": 1, "reminder": 1}
    assert dict(fetch_all(services)["privacy"].counts) == {}  # a second run adds nothing
    assert dovecot.count("INBOX") == 0 and dovecot.count("DSR-Processed") == 7

    with services.db.session() as session:
        rows = {m.message_id: m for m in session.scalars(select(InboundMessage))}
        assert rows["<reply@example.org>"].request_id == german.id
        assert rows["<reply@example.org>"].attachments[0]["kind"] == "id_copy"
        assert rows["<rem@example.com>"].request_id == english.id
        assert sorted(session.scalars(select(TriageEntry.reason))) == ["auto_reply", "bounce", "spam"]
        assert session.scalar(select(func.count(Request.id))) == 2
        assert rows["<en1@example.com>"].received_basis == "imap_internaldate"


def test_imap_fetch_cut_off_mid_batch_loses_nothing_and_repeats_nothing(
        services: Services, dovecot: Dovecot) -> None:
    _ingest_config(services, dovecot)
    for i in range(7):
        dovecot.deliver(bytes(mail(f"Bitte löschen Sie alle meine Daten. ({i})",
                                   sender=f"kunde{i}@example.org", message_id=f"<cut{i}@example.org>")),
                        datetime(2026, 3, 2, 9, i, tzinfo=UTC))
    committed: list[str] = []

    def stop_after_three(item: Any) -> None:
        committed.append(item.key)
        if len(committed) == 3:
            dovecot.stop()  # the server goes away between the commit and the move

    with pytest.raises(Exception):  # noqa: B017 - whatever the IMAP library raises on a dead socket
        fetch_source(services, ImapSource(dovecot.settings, batch_size=3), on_committed=stop_after_three)
    with services.db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 3
    dovecot.start()
    assert dovecot.count("INBOX") == 5  # two moved, the third committed but not moved
    counts = fetch_all(services)["privacy"].counts
    assert dict(counts) == {"already_handled": 1, "request": 4}
    assert dovecot.count("INBOX") == 0 and dovecot.count("DSR-Processed") == 7
    with services.db.session() as session:
        assert session.scalar(select(func.count(Request.id))) == 7
        assert session.scalar(select(func.count(func.distinct(InboundMessage.message_id)))) == 7
