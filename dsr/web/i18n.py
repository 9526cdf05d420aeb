"""German and English for the pages: the language comes from ?lang=, a cookie, or the browser."""

from __future__ import annotations

import re
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from flask import g, request

from dsr.clock import BERLIN
from dsr.web.strings import STRINGS

LANGUAGES = ("de", "en")


def pick_language() -> str:
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "de"


def t(key: str, **values: object) -> str:
    """The text for ``key`` in the page's language (the key itself if missing, never a crash)."""
    text = STRINGS.get(g.get("lang", "de"), {}).get(key) or STRINGS["en"].get(key) or key
    return text.format(**values) if values else text


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return "—"
    lang = g.get("lang", "de")
    if isinstance(value, datetime):
        return format_datetime(value, "dd.MM.yyyy HH:mm" if lang == "de" else "d MMM yyyy HH:mm",
                               tzinfo=BERLIN, locale=lang)
    return format_date(value, "dd.MM.yyyy" if lang == "de" else "d MMM yyyy", locale=lang)


_GERMAN_ERRORS = (
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "Bitte {0} bis {1} Zeichen."),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "Bitte mindestens {0} Zeichen."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "Bitte höchstens {0} Zeichen."),
    (re.compile(r"^Missing data for required field\.$"), "Pflichtangabe."),
    (re.compile(r"^Not a valid integer\.$"), "Bitte eine ganze Zahl."),
    (re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$"),
     "Bitte eine Zahl von {0} bis {1}."),
    (re.compile(r"^Must be one of: (.*)\.$"), "Bitte einen dieser Werte: {0}."),
    (re.compile(r"^Not a valid email address\.$"), "Keine gültige E-Mail-Adresse."),
)


def error_text(message: str) -> str:
    """A schema's (English) validation message in the page's language."""
    if g.get("lang", "de") != "de":
        return message
    for pattern, german in _GERMAN_ERRORS:
        if match := pattern.match(message):
            return german.format(*match.groups())
    return message
