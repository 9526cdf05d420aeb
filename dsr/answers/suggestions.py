"""Suggestions of other people's data in free text (Art. 15(4) GDPR): names, e-mail addresses,
phone numbers and IBANs that a copy of correspondence would disclose to the requester.

No German language model can be installed where dsr runs, so names are found by a rule set
that a coordinator can follow and predict (docs/redaction.md explains it with examples):

1. **Title rule** -- a salutation or title (``Herr``, ``Herrn``, ``Frau``, ``Hr.``, ``Fr.``,
   ``Dr.``, ``Prof.``, ``Mr``, ``Mrs``, ``Ms``, ``Miss``), optionally followed by further titles
   (``Frau Dr.``), then one to three capitalised words, name particles (``von``, ``van``,
   ``de``, ``zu``, ``der``) allowed between them. The name is suggested, the title stays
   readable ("Frau ████ [1]").
2. **First-name rule** -- a word from the German and English first-name lists (the lists
   Faker ships for de_DE, de_AT, de_CH, en_US and en_GB, about 3,000 names) followed on the
   same line by one or two capitalised words that are not common German sentence words
   (``Die``, ``Bitte``, ``Mit`` ...).
3. A first name on its own is **not** suggested (too many are also words: "Ernst", "Frank");
   the coordinator selects it by hand.

E-mail addresses are found by pattern, phone numbers by Google's libphonenumber
(``phonenumbers``, German numbering plan by default, valid numbers only) and IBANs by pattern
with the ISO 13616 check digits verified (``python-stdnum``), so an order or invoice number is
never taken for one; a date such as 03.04.1971 is never taken for a phone number.

The requester's own data is never suggested: a name all of whose words belong to the
requester's name, the requester's e-mail addresses, phone numbers and IBANs, and addresses of
the controller's own mail domains (the shop's service desk) are left out (:class:`Known`).
This module is pure: no database, no Flask.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

import phonenumbers
from stdnum import iban as iban_number


class Kind(StrEnum):
    """What a suggestion is."""

    NAME = "name"
    EMAIL = "email"
    PHONE = "phone"
    IBAN = "iban"


@dataclass(frozen=True)
class Found:
    """One piece of another person's data in a text: ``text[start:end]``."""

    kind: Kind
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Known:
    """Data that is not a third party's: the requester's own, and the controller's domains."""

    name_words: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()  # E.164
    ibans: frozenset[str] = frozenset()  # compact, upper case
    own_domains: frozenset[str] = frozenset()

    @classmethod
    def of(cls, *, names: Iterable[str] = (), emails: Iterable[str] = (),
           phones: Iterable[str] = (), ibans: Iterable[str] = (),
           own_domains: Iterable[str] = (), region: str = "DE") -> Known:
        """Normalise the requester's values (full names, addresses, numbers as written)."""
        words = {w.casefold() for n in names for w in re.findall(r"[^\W\d_]+", n or "")}
        numbers = {e for e in (_e164(p, region) for p in phones if p) if e}
        return cls(frozenset(words), frozenset(e.strip().casefold() for e in emails if e),
                   frozenset(numbers), frozenset(iban_number.compact(i) for i in ibans if i),
                   frozenset(d.strip().casefold().lstrip("@") for d in own_domains if d))


@dataclass(frozen=True)
class Rules:
    """The detector's settings: the phone numbering region and extra first names."""

    region: str = "DE"
    extra_first_names: frozenset[str] = field(default_factory=frozenset)


TITLES = r"(?:Herrn?|Frau|Hr\.|Fr\.|Dr\.|Prof\.|Mrs?\.?|Ms\.?|Miss)"
WORD = r"[A-ZÄÖÜ][a-zäöüßéèêáàâíìîóòôúùûçñ]+(?:-[A-ZÄÖÜ][a-zäöüßéèêáàâíìîóòôúùûçñ]+)?"
PARTICLE = r"(?:von|van|de|zu|der|den|del)"
NAME = rf"{WORD}(?:[ \t]+(?:{PARTICLE}[ \t]+)*{WORD}){{0,2}}"
TITLE_RULE = re.compile(rf"\b{TITLES}(?:[ \t]+{TITLES})*[ \t]+(?P<name>{NAME})")
CAPITALISED = re.compile(rf"\b(?P<first>{WORD})(?P<rest>(?:[ \t]+(?:{PARTICLE}[ \t]+)*{WORD}){{1,2}})")
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
DATE = re.compile(r"\d{1,2}\.\d{1,2}\.(?:\d{2}|\d{4})")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}\b")

#: Capitalised words that follow a first name without being a surname ("Paul Bitte" cannot
#: happen often, "Maria Die ..." can at a line start after a signature).
NOT_SURNAMES = frozenset(["aber", "als", "am", "an", "auch", "auf", "aus", "bei", "bitte", "da", "danke", "das", "dass", "dein", "der", "des", "die", "dies", "diese", "dieser", "ein", "eine", "einen", "einem", "er", "es", "für", "gmbh", "hallo", "ich", "ihr", "ihre", "im", "in", "ist", "ja", "kg", "mit", "nach", "nein", "nicht", "noch", "nur", "oder", "per", "sehr", "sie", "so", "und", "uns", "vom", "von", "vor", "wir", "zu", "zum", "zur", "ag", "ug", "the", "and", "for", "with", "dear", "from", "to", "of", "in", "on", "at", "is", "are", "was", "we", "you", "your", "our", "hello", "hi", "thanks", "regards", "kind", "best"])


@cache
def first_names() -> frozenset[str]:
    """German and English first names (case-folded) from Faker's locale lists."""
    from faker.providers.person.de_AT import Provider as AT
    from faker.providers.person.de_CH import Provider as CH
    from faker.providers.person.de_DE import Provider as DE
    from faker.providers.person.en_GB import Provider as GB
    from faker.providers.person.en_US import Provider as US

    names: set[str] = set()
    for provider in (DE, AT, CH, GB, US):
        for attr in ("first_names_male", "first_names_female", "first_names"):
            names.update(str(n).casefold() for n in getattr(provider, attr, ()) or ())
    return frozenset(n for n in names if len(n) > 1)


def _e164(raw: str, region: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _emails(text: str, known: Known) -> Iterable[Found]:
    for m in EMAIL.finditer(text):
        address = m.group(0).rstrip(".")
        folded = address.casefold()
        if folded in known.emails or folded.rsplit("@", 1)[1] in known.own_domains:
            continue
        yield Found(Kind.EMAIL, m.start(), m.start() + len(address), address)


def _ibans(text: str, known: Known) -> Iterable[Found]:
    """The longest prefix of each candidate whose check digits are right."""
    for m in IBAN.finditer(text):
        candidate = m.group(0)
        for end in range(len(candidate), 14, -1):
            part = candidate[:end].rstrip()
            if part != candidate[:end] or not iban_number.is_valid(part):
                continue
            if iban_number.compact(part) not in known.ibans:
                yield Found(Kind.IBAN, m.start(), m.start() + end, part)
            break


def _phones(text: str, known: Known, region: str) -> Iterable[Found]:
    for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        if DATE.fullmatch(m.raw_string.strip()):  # 03.04.1971 is a valid number, and a date
            continue
        e164 = phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in known.phones:
            yield Found(Kind.PHONE, m.start, m.end, m.raw_string)


def _is_own(name: str, known: Known) -> bool:
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", name)]
    return bool(words) and all(w in known.name_words for w in words)


def _names(text: str, known: Known, rules: Rules) -> Iterable[Found]:
    for m in TITLE_RULE.finditer(text):
        words = list(re.finditer(r"\S+", m.group("name")))
        # "Frau Krüger Bitte ..." -> drop trailing sentence words the pattern took along
        while len(words) > 1 and words[-1].group(0).casefold() in NOT_SURNAMES:
            words.pop()
        start, end = m.start("name"), m.start("name") + words[-1].end()
        name = text[start:end]
        if words[0].group(0).casefold() in NOT_SURNAMES or _is_own(name, known):
            continue
        yield Found(Kind.NAME, start, end, name)
    names = first_names() | rules.extra_first_names
    for m in CAPITALISED.finditer(text):
        if m.group("first").casefold() not in names:
            continue
        rest = m.group("rest").split()
        kept: list[str] = []
        for word in rest:
            if word.casefold() in NOT_SURNAMES:
                break
            kept.append(word)
        if not kept:
            continue
        end = m.start("rest") + m.group("rest").index(kept[-1]) + len(kept[-1])
        name = text[m.start():end]
        if not _is_own(name, known):
            yield Found(Kind.NAME, m.start(), end, name)


def find(text: str, known: Known = Known(), rules: Rules = Rules()) -> list[Found]:
    """Every piece of other people's data in ``text``, in reading order, none overlapping
    (an e-mail address wins over a name inside it, an IBAN over a phone number in it, the
    longer of two overlapping names wins)."""
    chosen: list[Found] = []
    passes: list[Iterable[Found]] = [_emails(text, known), _ibans(text, known),
                                     _phones(text, known, rules.region)]
    for found in passes:
        for item in found:
            if not any(item.start < c.end and c.start < item.end for c in chosen):
                chosen.append(item)
    names = sorted(_names(text, known, rules), key=lambda f: (f.start, -(f.end - f.start)))
    for item in names:
        if not any(item.start < c.end and c.start < item.end for c in chosen):
            chosen.append(item)
    return sorted(chosen, key=lambda f: f.start)


def occurrences(text: str, term: str) -> list[tuple[int, int]]:
    """Where ``term`` stands in ``text`` as a whole word or number (case-insensitive): how a
    term found in one e-mail is looked for in the others of the same request."""
    pattern = re.compile(r"(?<!\w)" + re.escape(term) + r"(?!\w)", re.IGNORECASE)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]
