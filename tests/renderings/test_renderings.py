"""The German and English pages, mails, letters and reports read as they did when the golden
files were written (before the code moved into domain packages): each capture is compared with
``golden/<name>.<lang>.txt`` and a difference is shown as a unified diff.

Write the golden files from the current code with
``python -m pytest tests/renderings --update-renderings``.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import pytest

from dsr.context import Services
from tests.renderings.capture import (
    Renderings,
    capture_access,
    capture_erasure,
    capture_letters,
)

GOLDEN = Path(__file__).parent / "golden"
LANGUAGES = ["de", "en"]
NAME = "Jürgen Weiß"

EXPECTED = {
    "access": {"form_page", "submitted_page", "mail_acknowledgement", "mail_verification_code",
               "status_page", "status_page_verified", "queue_page", "request_page_review",
               "report_pdf", "report_json", "mail_answer", "request_page_completed"},
    "erasure": {"request_page_review", "mail_erasure_confirmation", "mail_art19_notice",
                "request_page_completed"},
    "letters": {"staff_keyed_page", "letter_acknowledgement", "letter_refusal"},
}


def compare(scenario: str, lang: str, found: Renderings, update: bool) -> None:
    """Every rendering equal to its golden file (or the golden files rewritten on update)."""
    missing = EXPECTED[scenario] - set(found)
    assert not missing, f"{scenario}/{lang}: nothing captured for {sorted(missing)}"
    problems = []
    for name, text in sorted(found.items()):
        path = GOLDEN / f"{scenario}.{name}.{lang}.txt"
        if update:
            GOLDEN.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            continue
        if not path.exists():
            problems.append(f"{path.name}: no golden file (run with --update-renderings)")
            continue
        golden = path.read_text(encoding="utf-8")
        if golden != text:
            problems.append("".join(difflib.unified_diff(
                golden.splitlines(keepends=True), text.splitlines(keepends=True),
                fromfile=f"golden/{path.name}", tofile=f"now/{path.name}")))
    known = {p.name for p in GOLDEN.glob(f"{scenario}.*.{lang}.txt")}
    gone = known - {f"{scenario}.{name}.{lang}.txt" for name in found}
    if gone and update:  # an update leaves no golden file of a rendering that is gone
        for name in gone:
            (GOLDEN / name).unlink()
    elif gone:
        problems.append(f"no longer rendered: {sorted(gone)}")
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_access_request_reads_as_before(lang: str, app: Any, make_user: Any,
                                        demo_services: Services, demo_shop: dict[str, Any],
                                        update_renderings: bool) -> None:
    found = capture_access(app, demo_services, make_user, lang,
                           demo_shop["summary"].sample_customer_email, NAME)
    compare("access", lang, found, update_renderings)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_erasure_and_objection_read_as_before(lang: str, change_app: Any, make_change_user: Any,
                                              change_services: Services,
                                              demo_shop: dict[str, Any],
                                              update_renderings: bool) -> None:
    found = capture_erasure(change_app, change_services, make_change_user, lang,
                            demo_shop["summary"].sample_customer_email, NAME)
    compare("erasure", lang, found, update_renderings)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_letters_read_as_before(lang: str, app: Any, make_user: Any, demo_services: Services,
                                update_renderings: bool) -> None:
    found = capture_letters(app, demo_services, make_user, lang)
    compare("letters", lang, found, update_renderings)
