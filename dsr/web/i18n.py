"""The pages' language and texts: the language comes from ?lang=, a cookie, or the browser;
the texts from the gettext catalogs (:mod:`dsr.catalogs`) of the configured languages."""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from babel.support import LazyProxy
from flask import Flask, current_app, g, has_app_context, request

from dsr.catalogs import Catalogs, builtin
from dsr.clock import BERLIN
from dsr.errors import ServiceError

EXTENSION = "dsr.catalogs"


def init_app(app: Flask, languages: list[str], dirs: list[Path]) -> Catalogs:
    """Attach the catalogs of ``languages`` to ``app`` and give its templates ``_()``,
    ``gettext`` and ``ngettext`` (Jinja's i18n extension with the callables below)."""
    catalogs = Catalogs(languages, dirs)
    app.extensions[EXTENSION] = catalogs
    app.jinja_env.add_extension("jinja2.ext.i18n")
    # Old-style callables: the template's _() is gettext() below as it is, so placeholders
    # are str.format fields and a text is escaped like any other string.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=False)
    return catalogs


def catalogs() -> Catalogs:
    if has_app_context() and EXTENSION in current_app.extensions:
        found: Catalogs = current_app.extensions[EXTENSION]
        return found
    return builtin()


def languages() -> tuple[str, ...]:
    """The configured languages, the default first."""
    return catalogs().languages


def pick_language() -> str:
    offered = languages()
    chosen = request.args.get("lang") or request.cookies.get("lang")
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or offered[0]


def current_language() -> str:
    return str(g.get("lang") or languages()[0])


def gettext(msgid: str, **values: object) -> str:
    """The text for ``msgid`` in the page's language (English, then the id, if missing)."""
    return catalogs().gettext(current_language(), msgid, **values)


_ = gettext


def ngettext(singular: str, plural: str, n: int, **values: object) -> str:
    return catalogs().ngettext(current_language(), singular, plural, n, **values)


def has_message(msgid: str) -> bool:
    """Whether the catalogs have a text for ``msgid`` (for labels built from codes)."""
    return catalogs().has_message(msgid)


def lazy_gettext(msgid: str, **values: object) -> LazyProxy:
    """:func:`gettext` evaluated when the text is used (for module-level labels)."""
    return LazyProxy(gettext, msgid, enable_cache=False, **values)


def fmt_number(value: float | None, digits: int = 1) -> str:
    """A number in the page's language (``2,5`` in German, ``2.5`` in English)."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0",
                          locale=g.get("lang", "de"))


def fmt_day(value: datetime | None) -> str:
    """The calendar day of a moment in Europe/Berlin (a receipt, a deadline's start): a
    letter stamped 27.11. and stored as 00:00 Berlin (23:00 UTC the day before) reads 27.11."""
    return fmt_date(value.astimezone(BERLIN).date() if value is not None else None)


def fmt_date(value: date | datetime | str | None) -> str:
    """A day or a moment in the page's language (``31.12.2029``, ``31 Dec 2029``); a day in ISO
    form (``2029-12-31``, as a stored plan carries it) is read as that day."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    lang = g.get("lang", "de")
    if isinstance(value, datetime):
        return format_datetime(value, "dd.MM.yyyy HH:mm" if lang == "de" else "d MMM yyyy HH:mm",
                               tzinfo=BERLIN, locale=lang)
    return format_date(value, "dd.MM.yyyy" if lang == "de" else "d MMM yyyy", locale=lang)


#: marshmallow's own (English) validation messages: the pattern recognises one, the message id
#: names its text in the catalogs, the groups fill the named fields.
_SCHEMA_MESSAGES: tuple[tuple[re.Pattern[str], str, tuple[str, ...]], ...] = (
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), "schema_length_between",
     ("min", "max")),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), "schema_length_min", ("min",)),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), "schema_length_max", ("max",)),
    (re.compile(r"^Missing data for required field\.$"), "schema_required", ()),
    (re.compile(r"^Not a valid integer\.$"), "schema_integer", ()),
    (re.compile(r"^Must be greater than or equal to (\d+) and less than or equal to (\d+)\.$"),
     "schema_range", ("min", "max")),
    (re.compile(r"^Must be one of: (.*)\.$"), "schema_one_of", ("choices",)),
    (re.compile(r"^Not a valid email address\.$"), "schema_email", ()),
)


def error_text(message: str) -> str:
    """A schema's validation message in the page's language (marshmallow writes English;
    a message id of the catalogs is translated; any other message stays as it is)."""
    for pattern, msgid, names in _SCHEMA_MESSAGES:
        if match := pattern.match(message):
            return gettext(msgid, **dict(zip(names, match.groups(), strict=True)))
    if has_message(message):   # a schema's own message, given as a message id
        return gettext(message)
    return message


def service_error(exc: Exception) -> str:
    """A service's refusal in the page's language: a :class:`ServiceError` with a message id
    is translated with its parameters; any other error reads as its plain text."""
    if isinstance(exc, ServiceError) and exc.msgid:
        return gettext(exc.msgid, **exc.params)
    return str(exc)
