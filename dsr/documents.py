"""The document store: files encrypted on disk, their metadata in the service database."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import datetime
from pathlib import Path

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from dsr.clock import Clock, stamp
from dsr.crypto import Cipher
from dsr.db import Base


class DocumentStore:
    """Writes and reads encrypted documents under one directory."""

    def __init__(self, root: Path, cipher: Cipher, clock: Clock) -> None:
        self.root = root
        self.cipher = cipher
        self.clock = clock

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key

    def put(self, session: Session, *, request_id: int | None, kind: str, filename: str,
            content_type: str, data: bytes, created_by_id: int | None = None,
            flush: bool = True) -> Document:
        """Encrypt and write ``data`` atomically, then record it; flushes unless told not to
        (several documents stored together go to the database in one insert)."""
        key = secrets.token_hex(16)
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(self.cipher.encrypt(data))
        os.replace(tmp, path)
        doc = Document(request_id=request_id, kind=kind, filename=filename,
                       content_type=content_type, size=len(data),
                       sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
                       created_by_id=created_by_id)
        session.add(doc)
        if flush:
            session.flush()
        return doc

    def read(self, doc: Document) -> bytes:
        if doc.deleted_at is not None:
            raise FileNotFoundError(f"document {doc.id} was deleted")
        return self.cipher.decrypt(self._path(doc.storage_key).read_bytes())

    def delete(self, doc: Document) -> None:
        """Remove the file and mark the row deleted (the row stays as a record)."""
        self._path(doc.storage_key).unlink(missing_ok=True)
        doc.deleted_at = self.clock.now()


class Document(Base):
    """Metadata of one encrypted file; the bytes live in the document store."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"),
                                                   index=True)
    kind: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=stamp)
    deleted_at: Mapped[datetime | None]
