"""Looking up the report's German and English texts (the ``report_*`` entries of the message
catalogs, :mod:`dsr.catalogs`) and formatting dates and values as readers of each language
expect them."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import lru_cache

from babel.dates import format_date as babel_format_date

from dsr.catalogs import builtin
from dsr.rendering import correspondence_languages

__all__ = ["OUTCOMES", "RECIPIENT_KINDS", "REDACTION_REASONS", "RIGHTS", "STATUSES", "TEXTS",
           "display_value", "format_date", "normalise_language", "outcome_label",
           "recipient_kind_label", "redaction_reason_label", "right_label", "status_label",
           "texts_for"]

SUPPORTED_LANGUAGES: tuple[str, ...] = correspondence_languages()
DEFAULT_LANGUAGE = "de"


class CatalogTexts(Mapping[str, str]):
    """One language's catalog entries whose id starts with ``prefix``, keyed without it
    (``TEXTS["de"]["title"]`` is the German of ``report_title``)."""

    def __init__(self, language: str, prefix: str) -> None:
        self.language, self.prefix = language, prefix

    def _keys(self) -> list[str]:
        return [k.removeprefix(self.prefix) for k in builtin().entries(self.language)
                if k.startswith(self.prefix)]

    def __getitem__(self, key: str) -> str:
        msgid = self.prefix + key
        if not builtin().has_message(msgid):
            raise KeyError(key)
        return builtin().gettext(self.language, msgid)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


def _table(prefix: str) -> Mapping[str, Mapping[str, str]]:
    return {lang: CatalogTexts(lang, prefix) for lang in SUPPORTED_LANGUAGES}


TEXTS = _table("report_")
RIGHTS = _table("label_right_")
OUTCOMES = _table("label_outcome_")
STATUSES = _table("label_status_")
RECIPIENT_KINDS = _table("label_recipient_kind_")
REDACTION_REASONS = _table("label_redaction_reason_")


def normalise_language(language: object) -> str:
    """Return a supported language code, falling back to German."""
    code = str(language or "").split("-")[0].split("_")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def texts_for(language: str) -> Mapping[str, str]:
    """Return the static texts for ``language`` (unknown codes fall back to German)."""
    return TEXTS[normalise_language(language)]


def _lookup(table: Mapping[str, Mapping[str, str]], language: str, key: object) -> str:
    """Translate ``key`` via ``table``; unknown keys are returned unchanged."""
    value = "" if key is None else str(key)
    return table[normalise_language(language)].get(value, value)


def right_label(language: str, right: object) -> str:
    """Translate a data-subject right code such as ``"access"``."""
    return _lookup(RIGHTS, language, right)


def outcome_label(language: str, outcome: object) -> str:
    """Translate a decision outcome code such as ``"granted"``."""
    return _lookup(OUTCOMES, language, outcome)


def recipient_kind_label(language: str, kind: object) -> str:
    """Translate a recipient kind (``"processor"`` or ``"controller"``)."""
    return _lookup(RECIPIENT_KINDS, language, kind)


def status_label(language: str, status: object) -> str:
    """Translate a request status as the subject reads it."""
    return _lookup(STATUSES, language, status)


def redaction_reason_label(language: str, reason: object) -> str:
    """Translate a redaction reason code such as ``"third_party"``."""
    return _lookup(REDACTION_REASONS, language, reason)


def format_date(value: object, language: str) -> str:
    """Format an ISO date/datetime string as readers of ``language`` expect it.

    German gives ``27.11.2026``, English ``27 Nov 2026``. The date is taken in the
    value's own time zone; unparsable values are returned unchanged, empty ones as "—".
    """
    if not value:
        return "—"
    return _format_date(str(value), language)


@lru_cache(maxsize=4096)
def _format_date(value: str, language: str) -> str:
    """:func:`format_date` of a non-empty string; babel is slow and a report repeats dates,
    so the results are remembered (pure: the text depends only on the arguments) until
    :func:`clear_caches`, which the report calls after each rendering."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return str(value)
    locale = "de_DE" if normalise_language(language) == "de" else "en_GB"
    return babel_format_date(parsed.date(), format="medium", locale=locale)


def clear_caches() -> None:
    """Forget the remembered dates (they may be a subject's, such as a date of birth)."""
    _format_date.cache_clear()


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")


def display_value(value: object, language: str) -> object:
    """A stored value as a reader expects it: dates and times in the language's format,
    booleans as words; anything else unchanged (the JSON export keeps the stored form)."""
    lang = normalise_language(language)
    if isinstance(value, bool):
        return builtin().gettext(lang, "value_yes" if value else "value_no")
    if not isinstance(value, str):
        return value
    if _ISO_DATE.match(value):
        return format_date(value, lang)
    if _ISO_DATETIME.match(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return f"{format_date(value, lang)} {moment.strftime('%H:%M')}"
    return value
