"""Where incoming mail comes from: IMAP mailboxes, Maildirs, folders of .eml files.

Each source yields :class:`Fetched` messages with the mailbox's own arrival time and, once the
caller has committed what the message became, moves it to the processed folder (``done``).
Nothing is moved or deleted before that.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from dsr.mail.parse import newest_received


@dataclass(frozen=True)
class Fetched:
    """One message as the source holds it."""

    key: str
    raw: bytes
    received_at: datetime
    basis: str


class MailSource(Protocol):
    name: str
    fax: bool
    batch_size: int
    """How many messages ingest handles in one transaction (and an IMAP fetch asks for)."""

    def fetch(self) -> Iterator[Fetched]: ...

    def done(self, item: Fetched) -> None: ...

    def close(self) -> None: ...


class ImapSource:
    """One IMAP mailbox (imapclient): TLS by default; INTERNALDATE is the receipt time."""

    def __init__(self, settings: dict[str, Any], batch_size: int = 50) -> None:
        self.name = settings["name"]
        self.fax = bool(settings.get("fax"))
        self.settings = settings
        self.batch_size = batch_size
        self._client: Any = None

    def _connect(self) -> Any:
        from imapclient import IMAPClient

        s = self.settings
        client = IMAPClient(s["host"], port=s["port"], ssl=s["tls"], timeout=30)
        client.normalise_times = False  # keep INTERNALDATE's own offset
        client.login(s["user"], s["password"])
        if not client.folder_exists(s["processed_folder"]):
            client.create_folder(s["processed_folder"])
        client.select_folder(s["folder"])
        return client

    def fetch(self) -> Iterator[Fetched]:
        self._client = self._client or self._connect()
        uids = sorted(self._client.search(["ALL"]))
        for start in range(0, len(uids), self.batch_size):
            batch = uids[start:start + self.batch_size]
            data = self._client.fetch(batch, ["BODY.PEEK[]", "INTERNALDATE"])
            for uid in batch:
                item = data.get(uid)
                if not item:
                    continue  # expunged meanwhile by someone else
                arrived = item[b"INTERNALDATE"]
                if arrived.tzinfo is None:
                    arrived = arrived.replace(tzinfo=UTC)
                yield Fetched(key=str(uid), raw=bytes(item[b"BODY[]"]), received_at=arrived,
                              basis="imap_internaldate")

    def done(self, item: Fetched) -> None:
        uid = int(item.key)
        target = self.settings["processed_folder"]
        if self._client.has_capability("MOVE"):
            self._client.move([uid], target)
        else:
            self._client.copy([uid], target)
            self._client.delete_messages([uid])
            if self._client.has_capability("UIDPLUS"):
                self._client.uid_expunge([uid])
            else:
                self._client.expunge()

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):  # the connection may be gone already
                self._client.logout()
            self._client = None


_DELIVERY = re.compile(r"^(\d{9,11})(?:\.|$)")


class MaildirSource:
    """A Maildir: ``new/`` and ``cur/``; the delivery time is the timestamp the delivery agent
    put at the start of the file name (the file's mtime if the name has none)."""

    def __init__(self, settings: dict[str, Any], batch_size: int = 50) -> None:
        self.name = settings["name"]
        self.fax = bool(settings.get("fax"))
        self.batch_size = batch_size
        self.root = Path(settings["path"])
        self.processed = self.root / ("." + settings["processed_folder"].lstrip("."))

    def fetch(self) -> Iterator[Fetched]:
        for sub in ("new", "cur"):
            folder = self.root / sub
            if not folder.is_dir():
                continue
            for path in sorted(folder.iterdir()):
                if not path.is_file() or path.name.startswith("."):
                    continue
                stamp = _DELIVERY.match(path.name)
                seconds = int(stamp.group(1)) if stamp else path.stat().st_mtime
                yield Fetched(key=str(path), raw=path.read_bytes(),
                              received_at=datetime.fromtimestamp(seconds, UTC),
                              basis="maildir_delivery")

    def done(self, item: Fetched) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.processed / sub).mkdir(parents=True, exist_ok=True)
        path = Path(item.key)
        name = path.name if ":2," in path.name else path.name + ":2,S"
        os.replace(path, self.processed / "cur" / name)

    def close(self) -> None:
        return None


class EmlFolderSource:
    """A folder of ``.eml`` files: the newest ``Received`` header is the receipt time, else the
    ``Date`` header, else (a file without either) the time the file was put there."""

    def __init__(self, settings: dict[str, Any], batch_size: int = 50) -> None:
        self.name = settings["name"]
        self.fax = bool(settings.get("fax"))
        self.batch_size = batch_size
        self.root = Path(settings["path"])
        self.processed = self.root / settings["processed_folder"]

    def fetch(self) -> Iterator[Fetched]:
        from email import message_from_bytes, policy

        from dsr.mail.parse import header_date

        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*.eml")):
            raw = path.read_bytes()
            headers = message_from_bytes(raw, policy=policy.compat32)
            received = newest_received([str(v) for v in headers.get_all("Received", [])])
            dated = header_date(str(headers.get("Date", "")))
            if received is not None:
                when, basis = received, "received_header"
            elif dated is not None:
                when, basis = dated, "date_header"
            else:
                when, basis = datetime.fromtimestamp(path.stat().st_mtime, UTC), "file_mtime"
            yield Fetched(key=str(path), raw=raw, received_at=when, basis=basis)

    def done(self, item: Fetched) -> None:
        self.processed.mkdir(parents=True, exist_ok=True)
        path = Path(item.key)
        os.replace(path, self.processed / path.name)

    def close(self) -> None:
        return None


def configured_sources(settings: dict[str, Any]) -> list[MailSource]:
    """Every source of ``[mail_ingest]``, in the order configured."""
    batch = settings.get("batch_size", 50)
    return [*(ImapSource(m, batch) for m in settings.get("mailboxes", [])),
            *(MaildirSource(m, batch) for m in settings.get("maildirs", [])),
            *(EmlFolderSource(m, batch) for m in settings.get("eml_folders", []))]
