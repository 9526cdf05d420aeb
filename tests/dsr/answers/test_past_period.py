"""The answer's note on entries kept past their period speaks of one entry in the singular and
of several in the plural (the catalogs' plural forms), in German and English."""

from __future__ import annotations

from datetime import date

import pytest

from dsr.answers.past_period import past_period
from dsr.changes.overdue import OverdueGroup

REGISTER = {"retention": {"tax": {"label": {"de": "Steuerliche Aufbewahrung",
                                            "en": "Tax retention"}}}}


def _note(keys: tuple[tuple[int, ...], ...], action: str, language: str) -> str:
    group = OverdueGroup("shop", "invoices", action, ("email",), "tax", "§147 AO",
                         date(2025, 12, 31), keys)
    [found] = past_period([group], [], REGISTER, language)
    return str(found["text"])


@pytest.mark.parametrize(("language", "one", "many"), [
    ("de", ("Bei dem Eintrag mit der Kennung 7 ", "löschen wir diesen Eintrag vollständig"),
     ("Bei den Einträgen mit den Kennungen 7, 8 ", "löschen wir diese Einträge vollständig")),
    ("en", ("for the entry with the key 7,", "we delete this entry entirely"),
     ("for the entries with the keys 7, 8,", "we delete these entries entirely")),
])
def test_one_entry_is_named_in_the_singular_several_in_the_plural(
        language: str, one: tuple[str, str], many: tuple[str, str]) -> None:
    single = _note(((7,),), "delete", language)
    assert all(part in single for part in one), single
    assert "Einträgen" not in single and "entries" not in single
    several = _note(((7,), (8,)), "delete", language)
    assert all(part in several for part in many), several
    assert ("Wir geben ihn Ihnen" in single and "Wir geben sie Ihnen" in several
            if language == "de" else "It is disclosed" in single and "They are" in several)
    one_field, many_fields = (("bei diesem Eintrag: email", "bei diesen Einträgen: email")
                              if language == "de"
                              else ("these details of it: email", "these details of them: email"))
    assert one_field in _note(((7,),), "null", language)
    assert many_fields in _note(((7,), (8,)), "null", language)
