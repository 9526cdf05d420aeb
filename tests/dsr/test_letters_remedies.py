"""Art. 12(4) GDPR in letters: a letter that names the judicial remedy (Art. 79) also names the
court of the subject's habitual residence (§44 BDSG) — in German and in English — unless it
points to the enclosed answer, which names both (issue 14, wording)."""

from __future__ import annotations

from pathlib import Path

import pytest

LETTERS = Path(__file__).resolve().parents[2] / "templates" / "letters"


@pytest.mark.parametrize("language", ["de", "en"])
def test_art_12_4_every_letter_naming_art_79_names_section_44_bdsg(language: str) -> None:
    naming = {path.name: path.read_text(encoding="utf-8")
              for path in sorted((LETTERS / language).glob("*.txt"))
              if "Art. 79" in path.read_text(encoding="utf-8")}
    assert "refusal.txt" in naming
    lacking = [name for name, text in naming.items() if "§44 BDSG" not in text
               and "beigefügten Dokument" not in text and "enclosed document" not in text]
    assert not lacking
