"""Normalising and comparing what a request claims with what a system holds.

Pure functions, shared by every connector that matches identities: e-mail and customer-number
normalisation, a loose parser for German postal addresses, and name and street comparison that
tolerate umlauts, ``Str.``/``Straße`` and punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from connectors.base import Outcome

_POSTCODE_LINE = re.compile(r"^(?:D\s*-\s*)?(\d{5})\b\s*(.*)$", re.IGNORECASE)
_STREET_WORD = re.compile(r"(strasse|str)\b\.?")
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise(value: object, how: str) -> str:
    """A stored or claimed identifier in comparable form.

    ``casefold`` lower-cases with :meth:`str.lower` rather than :meth:`str.casefold` so that the
    result equals what SQL ``lower()`` gives for the stored value; ``strip`` trims; ``none``
    only turns the value into text.
    """
    text = str(value)
    if how == "casefold":
        return text.strip().lower()
    if how == "strip":
        return text.strip()
    return text


@dataclass(frozen=True)
class PostalAddress:
    """The parts of a postal address claim this module can read; each may be missing."""

    street: str | None
    postcode: str | None
    city: str | None


def parse_postal_address(text: str) -> PostalAddress:
    """Read a free-text German address loosely.

    The first line holding a five-digit postcode gives postcode and city; the line before it the
    street. A single line is split at commas (``Hauptstr. 5, 80331 München``).
    """
    lines = [line.strip() for line in text.replace("\r", "\n").split("\n") if line.strip()]
    if len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    for index, line in enumerate(lines):
        found = _POSTCODE_LINE.match(line)
        if found:
            street = lines[index - 1] if index > 0 else None
            return PostalAddress(street, found.group(1), found.group(2).strip() or None)
    return PostalAddress(None, None, None)


def _fold(text: str) -> str:
    """Lower case, umlauts spelt out, other accents dropped."""
    text = text.casefold().translate(_UMLAUTS)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def street_key(street: str) -> str:
    """A street in comparable form: ``Haupt-Straße 5 a`` and ``hauptstr.5a`` give the same key."""
    return _NOT_ALNUM.sub("", _STREET_WORD.sub("str", _fold(street)))


def name_words(text: str) -> list[str]:
    """The words of a name, folded: ``Müller-Lüdenscheidt, Jörg`` -> mueller luedenscheidt joerg."""
    return [word for word in _NOT_ALNUM.split(_fold(text)) if word]


def name_matches(claim: str, first_name: object, last_name: object) -> bool:
    """True when the claimed full name holds every word of the last name on file and the first
    given name (a middle name on either side does not stop a match; order does not matter)."""
    claimed = set(name_words(claim))
    last = name_words(str(last_name or ""))
    given = name_words(str(first_name or ""))
    return bool(last and given) and set(last) <= claimed and given[0] in claimed


def address_matches(claim: PostalAddress, street: object, postcode: object) -> bool:
    """True when postcode and street (in comparable form) of the claim equal those on file."""
    if not (claim.postcode and claim.street and street and postcode):
        return False
    return str(postcode).strip() == claim.postcode and street_key(str(street)) == street_key(
        claim.street
    )


def compare(found: bool, on_file: bool) -> Outcome:
    """The outcome of one claim: it matched a value, or values exist but differ, or none exist."""
    if found:
        return "match"
    return "mismatch" if on_file else "not_on_file"
