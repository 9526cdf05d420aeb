"""Jinja for letters, e-mails and pages outside Flask: strict undefined, German and English."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dsr.norms import cite, in_language

TEMPLATE_ROOT = Path(str(files("templates")))


@lru_cache(maxsize=1)
def template_env() -> Environment:
    """The environment for mail and letter templates (``templates/mail/<lang>/...``)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_ROOT)), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["de_date"] = lambda d: d.strftime("%d.%m.%Y")
    env.filters["en_date"] = english_date
    env.filters["en_datetime"] = lambda d: english_date(d, time=True)
    env.filters["cite"] = cite  # a stored norm as the letter's language cites it
    env.filters["tl"] = in_language  # a register text given per language (TextOrLabel)
    return env


def english_date(value: Any, time: bool = False) -> str:
    """A date as English letters write it: ``2 December 2026`` (no leading zero), with
    ``, 14:30`` after it when ``time``. A stand-in that only knows ``strftime`` (the marker
    of a preview, filled in when the message is sent) gives its own text."""
    if not isinstance(value, date):
        return str(value.strftime("%d %B %Y"))
    text = f"{value.day} {value:%B %Y}"
    return f"{text}, {value:%H:%M}" if time and isinstance(value, datetime) else text


def render_mail(name: str, language: str, **context: object) -> tuple[str, str]:
    """Render ``templates/mail/<language>/<name>.txt``: the first line is the subject."""
    text = template_env().get_template(f"mail/{language}/{name}.txt").render(**context)
    subject, _, body = text.partition("\n")
    return subject.removeprefix("Subject:").strip(), body.lstrip("\n")


@lru_cache(maxsize=1)
def correspondence_languages() -> tuple[str, ...]:
    """The languages the mails and letters are written in: those with a template folder in
    both ``templates/mail/<lang>/`` and ``templates/letters/<lang>/`` (the report takes its
    texts from the catalogs, English where a language has none)."""
    def folders(kind: str) -> set[str]:
        return {p.name for p in (TEMPLATE_ROOT / kind).iterdir() if p.is_dir()}

    return tuple(sorted(folders("mail") & folders("letters")))


def correspondence_language(page_language: str) -> str:
    """The language to write to a requester who used the pages in ``page_language``: that
    language when the correspondence exists in it, else English."""
    return page_language if page_language in correspondence_languages() else "en"
