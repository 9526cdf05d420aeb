"""docs/compliance.md cites real tests: every test file and ``::test_name`` in a proof cell
exists (a ``::name`` alone belongs to the file cited before it in the same cell)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
TEST_DIRS = tuple(p.name for p in TESTS.iterdir() if p.is_dir())


def cited(text: str) -> list[tuple[str, str | None]]:
    """(test file, test name or None) for each citation in the table's proof column."""
    found: list[tuple[str, str | None]] = []
    for line in text.splitlines():
        if not line.startswith("| ") or line.startswith("| duty") or line.startswith("| ---"):
            continue
        last = ""
        for ref in re.findall(r"`([^`]+)`", line.rsplit(" | ", 1)[-1]):
            path, _, name = ref.partition("::")
            if path and not (path.startswith(TEST_DIRS) and path.endswith(".py")
                             and Path(path).name.startswith("test_")):
                continue
            last = path or last
            found.append((last, name.split()[0] if name else None))
    return found


def test_every_test_the_compliance_map_cites_exists() -> None:
    refs = cited((ROOT / "docs" / "compliance.md").read_text(encoding="utf-8"))
    assert len(refs) > 40
    missing = []
    for path, name in refs:
        source = TESTS / path
        if not source.is_file():
            missing.append(path)
        elif name and not re.search(rf"^def {re.escape(name)}\(", source.read_text(
                encoding="utf-8"), re.M):
            missing.append(f"{path}::{name}")
    assert not missing, missing


def test_a_wrong_name_is_found() -> None:
    refs = cited("| Art. 1 | x | `m.py` | `dsr/test_audit.py::test_nothing_of_that_name` |")
    assert refs == [("dsr/test_audit.py", "test_nothing_of_that_name")]


DONE = {
    "BDSG §31 scoring": "connectors/test_recipient_mail.py::"
                        "test_each_recipient_is_told_only_what_it_received_while_it_processes_it",
}
"""Rows whose work is wired, with the test that proves it: the row cites it and says
"not yet" of nothing."""


def test_a_wired_path_is_not_called_not_yet() -> None:
    lines = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8").splitlines()
    for duty, proof in DONE.items():
        [row] = [line for line in lines if line.startswith(f"| {duty}")]
        assert "not yet" not in row.lower(), duty
        path, _, name = proof.partition("::")
        assert (path, name) in cited(row), duty
