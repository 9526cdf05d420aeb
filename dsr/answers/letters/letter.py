"""What a letter says (:class:`Letter`) and why it cannot be printed (:class:`LetterError`):
plain values, so that code building letters does not load the PDF renderer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Letter:
    """Everything a letter says; German or English labels from ``language``."""

    sender_name: str
    sender_lines: Sequence[str]
    recipient: Sequence[str]
    letter_date: date
    subject: str
    body: Sequence[str]
    reference: str = ""
    your_reference: str = ""
    language: str = "de"
    return_line: str = ""
    notes: Sequence[str] = ()
    closing: str = ""
    signature: Sequence[str] = ()
    attachments: Sequence[str] = ()
    contact: Sequence[str] = field(default_factory=tuple)


class LetterError(ValueError):
    """The letter cannot be printed as given (e.g. the address does not fit the window)."""
