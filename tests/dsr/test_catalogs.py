"""The message catalogs are complete: every message id the code and the page templates use has
a German and an English text, and no German text merely repeats the English one."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from dsr.catalogs import BUILTIN_LANGUAGES, Catalogs, builtin

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}

#: German texts that are the same word in English: the word is German as well (a loan word,
#: a name or an abbreviation), so the German entry is not a missing translation.
SAME_IN_BOTH = frozenset({
    "API", "Code", "Fax", "Hash", "optional", "PSO Computer", "Score (%)", "Spam", "Status",
    "System", "Text",
})


def _used_ids() -> dict[str, list[str]]:
    """Message id -> where it is used, as ``pybabel extract -F babel.cfg`` finds them."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    # parse_mapping_cfg resolves the [extractors] section (dsr_python -> the module:function
    # that also finds the services' msgid="..." ids), as pybabel does
    used: dict[str, list[str]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS):
        for msgid in (message if isinstance(message, tuple) else (message,)):
            if msgid:
                used.setdefault(msgid, []).append(f"{filename}:{line}")
    return used


def test_extraction_finds_the_pages_and_the_services() -> None:
    used = _used_ids()
    assert len(used) > 300
    assert {"form_title", "nav_status", "err_extend_state", "ct_title"} <= set(used)
    assert any(where.startswith("templates/web/") for places in used.values() for where in places)


def test_every_used_message_id_is_in_both_catalogs() -> None:
    catalogs = builtin()
    missing = sorted(f"{lang}: {msgid} ({places[0]})" for msgid, places in _used_ids().items()
                     for lang in BUILTIN_LANGUAGES if msgid not in catalogs.entries(lang))
    assert missing == []


def test_german_and_english_have_the_same_ids_and_no_empty_text() -> None:
    de, en = builtin().entries("de"), builtin().entries("en")
    assert set(de) == set(en)
    assert sorted(k for k, v in de.items() if not v.strip()) == []
    assert sorted(k for k, v in en.items() if not v.strip()) == []


def test_no_german_entry_merely_repeats_the_english() -> None:
    de, en = builtin().entries("de"), builtin().entries("en")
    repeated = sorted(f"{k}: {de[k]!r}" for k in de if de[k] == en.get(k)
                      and de[k] not in SAME_IN_BOTH)
    assert repeated == []
    # the allow-list stays minimal: each word is used, and none is a sentence
    assert {de[k] for k in de if de[k] == en[k]} == SAME_IN_BOTH
    assert all(len(word.split()) <= 2 for word in SAME_IN_BOTH)


def test_placeholders_agree_between_german_and_english() -> None:
    import string

    def fields(text: str) -> set[str]:
        return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}

    de, en = builtin().entries("de"), builtin().entries("en")
    differ = sorted(k for k in de if fields(de[k]) != fields(en[k]))
    assert differ == []


def test_a_count_has_a_singular_and_a_plural_in_both_languages() -> None:
    """"1 Datensatz", "1 row": each plural entry of the shipped catalogs has both forms in
    German and English, the singular differing from the plural; the counts the customer and
    the coordinator read use them."""
    from babel.messages.pofile import read_po

    from dsr.catalogs import catalog_files, ngettext

    def plurals(language: str) -> dict[str, tuple[str, ...]]:
        found: dict[str, tuple[str, ...]] = {}
        for path in catalog_files(ROOT / "dsr" / "translations", language):
            with path.open("rb") as source:
                found.update({str(m.id[0]): tuple(m.string) for m in read_po(source)
                              if isinstance(m.id, tuple)})
        return found

    de, en = plurals("de"), plurals("en")
    assert set(de) == set(en) and {"safe_rows", "law_overdue_lead", "law_overdue_delete"} <= set(de)
    for forms in (*de.values(), *en.values()):
        assert len(forms) == 2 and all(forms) and forms[0] != forms[1], forms
    assert ngettext("de", "safe_rows", "safe_rows_plural", 1) == "1 Datensatz"
    assert ngettext("de", "safe_rows", "safe_rows_plural", 2) == "2 Datensätze"
    assert ngettext("en", "safe_rows", "safe_rows_plural", 1) == "1 row"
    entries = builtin().entries("de")  # both ids are the catalog's, so extraction checks them
    assert entries["safe_rows"] == "{n} Datensatz" and entries["safe_rows_plural"] == "{n} Datensätze"


def test_a_missing_entry_falls_back_to_english_then_to_the_id(tmp_path: Path) -> None:
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "submit"\nmsgstr "Envoyer la demande"\n', encoding="utf-8")
    catalogs = Catalogs(("de", "en", "fr"), [tmp_path])
    assert catalogs.gettext("fr", "submit") == "Envoyer la demande"
    assert catalogs.gettext("fr", "show_status") == "Show status"
    assert catalogs.gettext("fr", "no_such_message_id") == "no_such_message_id"
    assert catalogs.gettext("de", "days_left", n=3) == "noch 3 Tage"
    assert catalogs.gettext("xx", "submit") == "Send request"  # a language not configured


def test_plural_forms_follow_the_catalog(tmp_path: Path) -> None:
    po = tmp_path / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
                  '"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
                  'msgid "file_count"\nmsgid_plural "file_count_plural"\n'
                  'msgstr[0] "{n} fichier"\nmsgstr[1] "{n} fichiers"\n', encoding="utf-8")
    catalogs = Catalogs(("de", "en", "fr"), [tmp_path])
    assert catalogs.ngettext("fr", "file_count", "file_count_plural", 0) == "0 fichier"
    assert catalogs.ngettext("fr", "file_count", "file_count_plural", 3) == "3 fichiers"


def test_a_domain_keeps_its_texts_in_a_file_of_its_own(tmp_path: Path) -> None:
    folder = tmp_path / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n > 1);\\n"\n\n'
        'msgid "form_title"\nmsgstr "Demande"\n\nmsgid "n_items"\nmsgid_plural "n_items"\n'
        'msgstr[0] "{n} article"\nmsgstr[1] "{n} articles"\n', encoding="utf-8")
    (folder / "queue.po").write_text(
        'msgid "queue_title"\nmsgstr "File"\n\nmsgid "form_title"\nmsgstr "Formulaire"\n',
        encoding="utf-8")
    catalogs = Catalogs(languages=("fr", "en"), dirs=[tmp_path])
    assert catalogs.gettext("fr", "queue_title") == "File"
    assert catalogs.gettext("fr", "form_title") == "Formulaire"   # the later file wins
    assert catalogs.entries("fr")["queue_title"] == "File"
    # the plural rule of messages.po holds for the merged catalog (French: 0 is singular)
    assert catalogs.ngettext("fr", "n_items", "n_items", 0) == "0 article"
