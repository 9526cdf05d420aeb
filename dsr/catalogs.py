"""The message catalogs: every text a customer or coordinator reads, by message id and language.

The catalogs are gettext ``.po`` files, ``dsr/translations/<lang>/LC_MESSAGES/messages.po``
(and the same layout under each extra directory a deployment configures, which is how a
third language is added). A domain may keep its own texts in a file of its own beside it
(``LC_MESSAGES/<domain>.po``, e.g. ``workspace.po``): every ``.po`` file of a language's folder
is read, ``messages.po`` first, and a later file's entry wins for the same id. The message id is a stable key such as ``"status_received"``, not
the English text, so a reworded English entry never loses its German. Placeholders are
``str.format`` fields (``{n}``, ``{status}``), filled by :meth:`Catalogs.gettext`.

The ``.po`` files are compiled in memory when a language is first used (Babel's ``read_po``
and ``write_mo``), so there is no ``.mo`` file to build, ship or forget to rebuild. Every
language falls back to English, and English to the message id itself (never a crash).
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy, NullTranslations, Translations

CATALOG_ROOT = Path(__file__).parent / "translations"
DOMAIN = "messages"
FALLBACK = "en"
BUILTIN_LANGUAGES: tuple[str, ...] = ("de", "en")


def catalog_path(root: Path, language: str) -> Path:
    """Where ``language``'s catalog lives under ``root``."""
    return root / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def catalog_files(root: Path, language: str) -> list[Path]:
    """Every catalog file of ``language`` under ``root``: ``messages.po`` first, then the
    domains' own files by name."""
    folder = catalog_path(root, language).parent
    if not folder.is_dir():
        return []
    return sorted(folder.glob("*.po"), key=lambda path: (path.stem != DOMAIN, path.name))


def _read(paths: Sequence[Path]) -> Catalog:
    """The files' entries in one catalog; the first file's header (plural forms) holds."""
    if not paths:
        return Catalog(domain=DOMAIN)
    with paths[0].open("rb") as source:
        merged = read_po(source)
    for path in paths[1:]:
        with path.open("rb") as source:
            for message in read_po(source):
                if message.id:
                    merged.delete(message.id)     # assigning would keep the old text
                    merged[message.id] = message
    return merged


def compile_po(paths: Path | Sequence[Path]) -> Translations:
    """The translations of one ``.po`` file (or several, merged), compiled in memory."""
    catalog = _read([paths] if isinstance(paths, Path) else paths)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class Catalogs:
    """The catalogs of the configured languages, searched in ``dirs`` (first match wins),
    each compiled once and chained to the English one for entries it lacks."""

    def __init__(self, languages: Sequence[str] = BUILTIN_LANGUAGES,
                 dirs: Iterable[Path] = ()) -> None:
        self.languages: tuple[str, ...] = tuple(languages)
        self.dirs: tuple[Path, ...] = (*(Path(d) for d in dirs), CATALOG_ROOT)
        self._loaded: dict[str, NullTranslations] = {}
        self._entries: dict[str, dict[str, str]] = {}

    def _files(self, language: str) -> list[Path]:
        for root in self.dirs:
            files = catalog_files(root, language)
            if files:
                return files
        return []

    def translations(self, language: str) -> NullTranslations:
        """The translations for ``language`` (English for an unknown one)."""
        if language not in self.languages:
            language = FALLBACK
        loaded = self._loaded.get(language)
        if loaded is None:
            files = self._files(language)
            loaded = compile_po(files) if files else NullTranslations()
            if language != FALLBACK:
                loaded.add_fallback(self.translations(FALLBACK))
            self._loaded[language] = loaded
        return loaded

    def entries(self, language: str) -> dict[str, str]:
        """``language``'s own entries (message id -> text, without the English fallback)."""
        if language not in self._entries:
            found: dict[str, str] = {}
            for m in _read(self._files(language)):
                if m.id and isinstance(m.id, str):
                    found[m.id] = str(m.string)
                elif m.id:  # a plural entry: the singular id its first form, the plural its last
                    forms = [str(form) for form in (m.string or ())]
                    found[str(m.id[0])], found[str(m.id[1])] = forms[0], forms[-1]
            self._entries[language] = found
        return dict(self._entries[language])

    def has_message(self, msgid: str) -> bool:
        """Whether the English catalog (which every language falls back to) has ``msgid``."""
        return self.translations(FALLBACK).gettext(msgid) != msgid

    def gettext(self, language: str, msgid: str, **values: object) -> str:
        """The text of ``msgid`` in ``language``, its ``{fields}`` filled from ``values``."""
        text = self.translations(language).gettext(msgid)
        return text.format(**values) if values else text

    def ngettext(self, language: str, singular: str, plural: str, n: int,
                 **values: object) -> str:
        """The singular or plural text for ``n`` (``{n}`` is filled too)."""
        text = self.translations(language).ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def lazy_gettext(self, language: str, msgid: str, **values: object) -> LazyProxy:
        """:meth:`gettext`, evaluated when the text is used."""
        return LazyProxy(self.gettext, language, msgid, enable_cache=False, **values)


@lru_cache(maxsize=1)
def builtin() -> Catalogs:
    """The catalogs shipped with the service (German and English), for code outside a page:
    the report, letters and mails."""
    return Catalogs()


def gettext(language: str, msgid: str, **values: object) -> str:
    """``msgid`` in ``language`` from the shipped catalogs."""
    return builtin().gettext(language, msgid, **values)


def extract_python_ids(fileobj: IO[bytes], keywords: Any, comment_tags: Collection[str],
                       options: Any) -> Iterator[tuple[Any, ...]]:
    """A Babel extraction method (``babel.cfg``, ``[extractors]``):
    the ``_()``/``gettext()`` calls Babel's Python extractor finds, and the message ids that
    services give their errors as ``msgid="..."`` (see :mod:`dsr.errors`)."""
    source = fileobj.read()
    yield from extract_python(BytesIO(source), keywords, comment_tags, options)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if (keyword.arg == "msgid" and isinstance(keyword.value, ast.Constant)
                        and isinstance(keyword.value.value, str)):
                    yield keyword.value.lineno, "_", keyword.value.value, []
