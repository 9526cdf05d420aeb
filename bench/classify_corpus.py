"""Benchmark: `dsr mail classify` on the request letters in ../shared/corpus/letters/.

Each letter is turned into what a mailbox would receive: the generator markup stripped (see
``strip_markup``), wrapped as an .eml (From, To, Date; no subject, so nothing but the letter's
own words decides). All of them go through the real command (`python -m dsr.cli mail
classify`), and the JSON lines are scored against index.csv:

- primary type: the first of ``types`` when the action is ``request``; a reminder, a complaint
  or anything sent to triage counts as ``other`` (the index's label for letters that are not a
  new request);
- language: ``language``.

The rules were tuned on the ``datenanfragen-data`` templates only; the other sources are held
out and reported separately. Run: ``python bench/classify_corpus.py [--corpus DIR] [--write]``
(``--write`` updates bench/CLASSIFY.md).
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

# The shared folder lies beside the repository (as in CI); --corpus names another place.
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "letters"
TUNED_SOURCE = "datenanfragen-data"
LABELS = ["access", "portability", "rectification", "erasure", "restriction", "objection",
          "consent_withdrawal", "contest_decision", "other"]


def strip_markup(text: str, source: str) -> str:
    """The letter as a person would send it.

    - website letters: the instruction box up to the first ``---`` line is removed;
    - ``[flag>text]`` and ``[text]`` optional passages are kept (their text, not the brackets),
      ``[optional: text]`` keeps its text;
    - ``{variable}`` placeholders are removed; a fill-in with an example (``{… z. B.: text}``,
      ``{… e.g.: text}``) keeps the example, any other fill-in is removed;
    - ``<italic>`` and markdown emphasis/headings are removed.
    """
    if source == "datenanfragen-website" and "\n---" in text:
        text = text.split("\n---", 1)[1]
    text = re.sub(r"</?[a-z]+>", "", text)
    for _ in range(5):
        text = re.sub(r"\[(?:[a-z_]+>|optional:\s*)?([^\[\]]*)\]", r"\1", text)

    def fill(match: re.Match[str]) -> str:
        inner = match.group(1)
        example = re.search(r"(?:z\. ?B\.|e\.g\.)[:,]?\s*(.+)", inner, re.DOTALL)
        return example.group(1).strip() if example else ""

    text = re.sub(r"\{([^{}]*)\}", fill, text)
    text = re.sub(r"\*\*|^#+\s*", "", text, flags=re.MULTILINE)
    return text.strip() + "\n"


def as_eml(body: str, index: int) -> bytes:
    message = EmailMessage()
    message["From"] = f"Absender {index} <sender{index}@example.org>"
    message["To"] = "datenschutz@pso.example.org"
    message["Date"] = format_datetime(datetime(2026, 3, 2, 9, 30, tzinfo=UTC))
    message["Message-ID"] = f"<letter-{index}@example.org>"
    message.set_content(body)
    return bytes(message)


def predicted(line: dict[str, object]) -> str:
    types = line.get("types") or []
    return str(types[0]) if line.get("action") == "request" and types else "other"


def matrix(rows: list[tuple[str, str]]) -> str:
    labels = [lab for lab in LABELS if any(lab in r for r in rows)]
    short = {lab: lab[:8] for lab in labels}
    out = ["| expected \\ predicted | " + " | ".join(short[lab] for lab in labels) + " |",
           "| --- |" + " ---: |" * len(labels)]
    counts = Counter(rows)
    for exp in labels:
        out.append(f"| {exp} | " + " | ".join(str(counts[(exp, p)] or "·") for p in labels) + " |")
    return "\n".join(out)


def run(corpus: Path) -> dict[str, object]:
    entries = list(csv.DictReader((corpus / "index.csv").open(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, entry in enumerate(entries):
            text = (corpus / entry["file"]).read_text(encoding="utf-8")
            path = Path(tmp) / f"{i:03d}.eml"
            path.write_bytes(as_eml(strip_markup(text, entry["source"]), i))
            paths.append(str(path))
        done = subprocess.run([sys.executable, "-m", "dsr.cli", "mail", "classify", *paths],
                              capture_output=True, text=True, check=True,
                              cwd=Path(__file__).resolve().parents[1])
    lines = [json.loads(x) for x in done.stdout.splitlines() if x.strip()]
    results = []
    for entry, line in zip(entries, lines, strict=True):
        results.append({"file": entry["file"], "tuned": entry["source"] == TUNED_SOURCE,
                        "expected": entry["expected_type"], "predicted": predicted(line),
                        "language": entry["language"], "got_language": line["language"],
                        "action": line["action"], "types": line["types"],
                        "confidence": line["confidence"], "words": line["words"][:4]})
    return {"results": results}


def summary(results: list[dict[str, object]], title: str) -> str:
    n = len(results)
    if not n:
        return f"### {title}\n\nno letters\n"
    right = sum(r["expected"] == r["predicted"] for r in results)
    lang = sum(r["language"] == r["got_language"] for r in results)
    lines = [f"### {title} ({n} letters)", "",
             f"- primary type right: **{right}/{n} = {100 * right / n:.1f}%**",
             f"- language right: **{lang}/{n} = {100 * lang / n:.1f}%**", "",
             matrix([(str(r["expected"]), str(r["predicted"])) for r in results]), ""]
    others = Counter(str(r["action"]) for r in results if r["expected"] == "other")
    if others:
        lines += ["Letters expected as `other`, by action: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(others.items())), ""]
    wrong = [r for r in results if r["expected"] != r["predicted"] or r["language"] != r["got_language"]]
    if wrong:
        lines.append("Wrong:")
        for r in wrong:
            lines.append(f"- `{r['file']}`: expected {r['expected']}/{r['language']}, got "
                         f"{r['predicted']}/{r['got_language']} (action {r['action']}, types "
                         f"{r['types']}, words {r['words']})")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--write", action="store_true", help="update bench/CLASSIFY.md")
    parser.add_argument("--tuned-only", action="store_true",
                        help="score only the tuning letters (while changing the rules)")
    args = parser.parse_args()
    results = run(args.corpus)["results"]
    if args.tuned_only:
        print(summary([r for r in results if r["tuned"]], f"Tuned on: {TUNED_SOURCE}"))
        return
    tuned = [r for r in results if r["tuned"]]
    held = [r for r in results if not r["tuned"]]
    report = "\n".join([summary(tuned, f"Tuned on: {TUNED_SOURCE}"),
                        summary(held, "Held out: datenanfragen-website + good-lly-gdpr-documents"),
                        summary(results, "All")])
    print(report)
    if args.write:
        target = Path(__file__).with_name("CLASSIFY.md")
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        marker = "<!-- figures -->"
        head = text.split(marker)[0] if marker in text else "# Mail recognition benchmark\n\n"
        target.write_text(head + marker + "\n\n" + report + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
