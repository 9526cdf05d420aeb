"""Legal norms as the reader's language cites them: "Art. 6 Abs. 1 lit. b DSGVO" in German,
"Art. 6(1)(b) GDPR" in English.

A norm the service stores as one string (a decision's ``norm``, a plan's or a blocked record's
norm, a register norm given as one text) is kept as the German citation — the form the
controller's law is written in and the one a coordinator types — and rendered per answer
language by :func:`cite`. The register can give its own texts per language instead
(``{de = "...", en = "..."}``, :func:`norm_in`); those are quoted as written.

Older stored norms read "Art. 15 DSGVO / GDPR" or "Art. 7(3) DSGVO / GDPR": :func:`cite` reads
them too, so decisions and plans stored before render in one language as well.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def in_language(value: str | dict[str, str], language: str) -> str:
    """A text given as one string or per language (the register's ``TextOrLabel``) in
    ``language``: the German text where that language is missing."""
    if isinstance(value, str):
        return value
    return value.get(language) or value.get("de") or next(iter(value.values()), "")


_BOTH = re.compile(r"\s*/\s*GDPR\b")
"""The English half of an older bilingual norm ("Art. 15 DSGVO")."""

_QUALIFIER = r"(?:Abs\.|UAbs\.|lit\.|Satz|S\.|Nr\.)"
_VALUES = r"[0-9]+[a-z]?|[a-z]"
_GERMAN = re.compile(
    rf"(?P<head>Art\.\s?|§§?\s?)(?P<num>\d+[a-z]?)"
    rf"(?P<tail>(?:,?\s{_QUALIFIER}\s(?:{_VALUES})\b(?:,\s(?:{_VALUES})\b(?!\.))*)*)")
_PART = re.compile(rf"(,?)\s({_QUALIFIER})\s((?:{_VALUES})\b(?:,\s(?:{_VALUES})\b(?!\.))*)")
_ENGLISH = re.compile(r"(?P<head>Art\.\s?)(?P<num>\d+[a-z]?)(?P<tail>(?:\((?:\d+|[a-z])\))+)"
                      r"(?P<more>(?:,\s\((?:\d+|[a-z])\))*)")
_WORDS = {"en": ((re.compile(r"\bi\.\s?V\.\s?m\.\s?"), "in conjunction with "),
                 (re.compile(r"\bDSGVO\b"), "GDPR"),
                 (re.compile(r"\bDS-GVO\b"), "GDPR")),
          "de": ((re.compile(r"\bGDPR\b"), "DSGVO"),)}


def _to_english(match: re.Match[str]) -> str:
    article = match.group("head").startswith("Art")
    out = match.group("head") + match.group("num")
    for comma, qualifier, listed in _PART.findall(match.group("tail")):
        values = [v.strip() for v in listed.split(",")]
        if qualifier in ("Abs.", "lit.") or (qualifier == "Nr." and article):
            out += ("," + " " if comma else "") + ", ".join(f"({v})" for v in values)
        elif qualifier == "Nr.":
            out += (("," if comma else "") + (" no. " if len(values) == 1 else " nos. ")
                    + ", ".join(values))
        elif qualifier == "UAbs.":
            out += ("," if comma else "") + " subpara. " + ", ".join(values)
        else:  # Satz, S.
            out += ("," if comma else "") + " sentence " + ", ".join(values)
    return out


def _to_german(match: re.Match[str]) -> str:
    out = match.group("head") + match.group("num")
    first = True
    for value in re.findall(r"\((\d+|[a-z])\)", match.group("tail")):
        if value.isdigit():
            out += f" Abs. {value}" if first else f" UAbs. {value}"
        else:
            out += f" lit. {value}"
        first = False
    more = re.findall(r"\((\d+|[a-z])\)", match.group("more"))
    if more:
        out += ", " + ", ".join(more)
    return out


def cite(norm: str, lang: str) -> str:
    """A norm stored as one string, cited as ``lang`` writes it (German or English); text
    that is no citation is left as it is."""
    text = _BOTH.sub("", norm or "")
    to_de = lang == "de"
    text = _ENGLISH.sub(_to_german, text) if to_de else _GERMAN.sub(_to_english, text)
    for pattern, replacement in _WORDS["de" if to_de else "en"]:
        text = pattern.sub(replacement, text)
    return text


def norm_in(value: str | Mapping[str, str] | None, lang: str) -> str:
    """A register norm or legal basis (``TextOrLabel``) in ``lang``: its own text in that
    language where the register gives one per language, else the one text cited."""
    if isinstance(value, Mapping):
        return in_language(dict(value), lang)
    return cite(value or "", lang)


def rule_norm(register: Mapping[str, Any], rule: str, stored: str, lang: str) -> str:
    """The norm of retention rule ``rule`` in ``lang``: the register's text where the rule is
    still in it, else the norm stored with the plan or record, cited."""
    raw = register.get("retention", {}).get(rule)
    if isinstance(raw, Mapping) and raw.get("norm"):
        return norm_in(raw["norm"], lang)
    return cite(stored, lang)


def german(value: str | Mapping[str, str] | None) -> str:
    """The German text of a ``TextOrLabel`` (what a plan or record stores)."""
    if isinstance(value, Mapping):
        return in_language(dict(value), "de")
    return value or ""
