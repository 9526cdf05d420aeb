"""Outgoing mail: a folder of .eml files on the embedded default, SMTP in production."""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any, Protocol

from workflows.deadlines import BERLIN


class Mailer(Protocol):
    """Hands one finished message to the outside world."""

    def send(self, message: EmailMessage) -> None: ...


class FolderMailer:
    """Writes each message as an .eml file (the embedded default: nothing leaves the machine)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = message["Message-ID"].strip("<>").replace("@", "_at_").replace("/", "_")
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(bytes(message))
        tmp.rename(self.folder / f"{name}.eml")


class SmtpMailer:
    """Sends over SMTP, with STARTTLS and a login when configured."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = settings

    def send(self, message: EmailMessage) -> None:
        s = self.settings
        with smtplib.SMTP(s["smtp_host"], s["smtp_port"], timeout=30) as smtp:
            if s["smtp_starttls"]:
                smtp.starttls()
            if s["smtp_user"]:
                smtp.login(s["smtp_user"], s["smtp_password"])
            smtp.send_message(message)


def build_message(*, sender: str, to: str, subject: str, text: str, sent_at: datetime,
                  html: str | None = None, reference: str | None = None) -> EmailMessage:
    """A text (and optional HTML) message; the request reference goes into the subject."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"{subject} [{reference}]" if reference else subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1])
    message["Date"] = format_datetime(sent_at.astimezone(BERLIN))
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def make_mailer(settings: dict[str, Any], folder: Path) -> Mailer:
    return SmtpMailer(settings) if settings["backend"] == "smtp" else FolderMailer(folder)
