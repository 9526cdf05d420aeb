"""The processing register in force: versions the coordinator saves in the queue, seeded from
the TOML file. Every change is a new version (never an update) and an audit event; answers
quote the version they were built with."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from dsr.answers.models import RegisterVersion
from dsr.audit import AuditAction, append_event
from dsr.register.schema import RegisterError, parse_register

if TYPE_CHECKING:
    from dsr.context import Services

MAX_REGISTER_BYTES = 512 * 1024


@dataclass(frozen=True)
class InForce:
    """The register an answer is built from, and how the answer names its version."""

    number: int | None  # None: the TOML file, no version saved yet
    sha256: str
    toml: str
    data: dict[str, Any]
    created_at: str | None = None

    @property
    def label(self) -> str:
        """'v3 · 2026-11-27 · 1a2b3c4d5e6f' (or 'TOML · 1a2b3c4d5e6f' while no version is
        saved): what the answer quotes, the same in every language."""
        if self.number is None:
            return f"TOML · {self.sha256[:12]}"
        return f"v{self.number} · {(self.created_at or '')[:10]} · {self.sha256[:12]}"


@lru_cache(maxsize=32)
def _parsed(toml: str, sha256: str, source: str) -> dict[str, Any]:
    """The parsed register (a pure function of its text: parsed once per text and place)."""
    return parse_register(toml, source)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def from_file(path: Path) -> InForce:
    """The register as the TOML file has it (raises RegisterError)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RegisterError(f"{path}: register file not found") from None
    digest = _digest(text)
    return InForce(None, digest, text, _parsed(text, digest, str(path)))


def in_force(session: Session, path: Path) -> InForce:
    """The newest saved version, else the TOML file."""
    newest = session.scalars(select(RegisterVersion)
                             .order_by(RegisterVersion.number.desc()).limit(1)).first()
    if newest is None:
        return from_file(path)
    return InForce(newest.number, newest.sha256, newest.toml,
                   _parsed(newest.toml, newest.sha256, f"register version {newest.number}"),
                   newest.created_at.isoformat())


def services_register(services: Services) -> dict[str, Any]:
    """The register in force for code that has no session at hand (falls back to the file
    while the service database has no register table yet)."""
    try:
        with services.db.session() as session:
            return in_force(session, services.config.register_path).data
    except (OperationalError, ProgrammingError):
        return from_file(services.config.register_path).data


_SAVED = "dsr_register_saved"
"""``session.info`` key: this transaction saved a register version."""


def install_saved_hook(factory: sessionmaker[Session], saved: Callable[[], None]) -> None:
    """After each commit of a session from ``factory`` that saved a version, call ``saved``
    (``Services`` drops the register it read)."""

    @event.listens_for(factory, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop(_SAVED, False):
            saved()

    @event.listens_for(factory, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop(_SAVED, None)


def save_version(session: Session, text: str, *, path: Path, actor: str,
                 user_id: int | None, note: str = "") -> RegisterVersion:
    """Validate ``text`` and store it as the next version; the first save also records the
    file it replaces as version 1. Raises RegisterError (naming the key) on a bad register."""
    if len(text.encode("utf-8")) > MAX_REGISTER_BYTES:
        raise RegisterError("register: larger than 512 KiB")
    text = text.replace("\r\n", "\n")
    parse_register(text, "register")
    current = in_force(session, path)
    if current.sha256 == _digest(text):
        raise RegisterError("register: no change to the version in force")
    number = int(session.scalar(select(func.max(RegisterVersion.number))) or 0)
    if number == 0:
        session.add(RegisterVersion(number=1, toml=current.toml, sha256=current.sha256,
                                    note="seeded from the TOML file"))
        append_event(session, actor=actor, action=AuditAction.REGISTER_SEEDED,
                     details={"version": 1, "sha256": current.sha256})
        number = 1
    version = RegisterVersion(number=number + 1, toml=text, sha256=_digest(text),
                              note=note.strip()[:500], created_by_id=user_id)
    session.add(version)
    session.flush()
    session.info[_SAVED] = True
    append_event(session, actor=actor, action=AuditAction.REGISTER_CHANGED,
                 details={"version": version.number, "sha256": version.sha256})
    return version


def versions(session: Session) -> list[RegisterVersion]:
    """Every saved version, newest first."""
    return list(session.scalars(select(RegisterVersion).order_by(RegisterVersion.number.desc())))
