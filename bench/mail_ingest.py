"""Benchmark: mail ingest from a Maildir (parse, recognise, store, dedupe) on PostgreSQL.

    python -m bench.mail_ingest [--messages 5000] [--profile]

Builds a Maildir of ``--messages`` varied messages in a temporary folder: bodies are the sample
letters of a corpus folder (access, erasure, rectification, objection, complaint… in German and
English; ``--corpus``), with different senders, subjects and delivery times; some are plain
text, some multipart with an HTML part, some carry a small PDF attachment, some have no
Message-ID, one in ten is a resend of an earlier message (same Message-ID: dedupe), some are
replies naming an earlier request's reference, and some are out-of-office or newsletter mail
(triage). A fresh service database on PostgreSQL and ``fetch_all`` then ingest them all the
way the periodic job does: one transaction per message (request with its claims, deadline,
audit event and discovery task in the outbox; the raw mail kept encrypted; the inbound row),
then the move to the processed folder. Prints messages per minute, the outcome counts, and the
load average. Tasks are committed to the outbox only (no queue is configured), which is what
ingest itself does; running them is the workers' part.
"""

from __future__ import annotations

import random
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import click

from bench.common import SECRET, create_database
from bench.counters import EngineCounter
from bench.machine import load_average

SERVICE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_mail"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "letters"

_NAMES = ["Jürgen Weiß", "Anna Schmidt", "Mehmet Yılmaz", "Claire Dubois", "Jan Nowak",
          "Sofia Rossi", "Lena Müller", "Tom Baker", "Ines Grün", "Olaf Kühn"]
_OUT_OF_OFFICE = ("Automatische Antwort: Ich bin bis zum 14. Dezember nicht im Büro und lese "
                  "meine E-Mails nicht. In dringenden Fällen wenden Sie sich an das Sekretariat.")
_NEWSLETTER = ("Unsere Angebote der Woche: 20 % auf Wintermäntel, kostenloser Versand ab 50 €. "
               "Zum Abmelden klicken Sie hier.")


def _letters(corpus: Path) -> list[str]:
    found = [p.read_text(errors="replace") for p in sorted(corpus.rglob("*.txt"))
             if "LICENSE" not in p.name]
    if not found:
        raise click.ClickException(f"no letters (*.txt) under {corpus}")
    return found


def _pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


def build_maildir(root: Path, count: int, letters: list[str], seed: int = 17) -> Counter[str]:
    """``count`` messages in ``root/new``; returns how many of each variety were written."""
    rng = random.Random(seed)
    for sub in ("new", "cur", "tmp"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    kinds: Counter[str] = Counter()
    start = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    earlier: list[bytes] = []
    for index in range(count):
        roll = rng.random()
        when = start + timedelta(seconds=7 * index)
        if earlier and roll < 0.1:  # a resend: the same message again
            raw, kind = rng.choice(earlier), "duplicate"
        else:
            message = EmailMessage()
            name = rng.choice(_NAMES)
            message["From"] = f"{name} <customer{index}@example.org>"
            message["To"] = "datenschutz@pso.example.org"
            message["Date"] = format_datetime(when)
            if roll < 0.15:
                kind, body = "reply", (f"Zu meiner Anfrage DSR-{rng.randrange(10**6, 10**7):07d}: "
                                       "gibt es schon eine Antwort?\n\n" + name)
                message["Subject"] = "Re: Ihre Anfrage"
            elif roll < 0.2:
                kind, body = "out_of_office", _OUT_OF_OFFICE
                message["Subject"] = "Abwesenheitsnotiz"
                message["Auto-Submitted"] = "auto-replied"
            elif roll < 0.25:
                kind, body = "newsletter", _NEWSLETTER
                message["Subject"] = "Angebote der Woche"
                message["List-Unsubscribe"] = "<mailto:unsubscribe@shop.example.com>"
            else:
                kind, body = "letter", rng.choice(letters).replace("{name}", name)
                message["Subject"] = body.strip().splitlines()[0][:120] or "Anfrage"
            if rng.random() > 0.05:
                message["Message-ID"] = make_msgid(domain="example.org")
            message.set_content(f"{body}\n\nKundennummer: K-{100000 + index % 5000}\n")
            variant = rng.random()
            if variant < 0.3:
                message.add_alternative(f"<html><body><p>{body[:2000]}</p></body></html>",
                                        subtype="html")
            elif variant < 0.4:
                message.add_attachment(_pdf_bytes(), maintype="application", subtype="pdf",
                                       filename="anlage.pdf")
            raw = bytes(message)
            earlier.append(raw)
        kinds[kind] += 1
        (root / "new" / f"{int(when.timestamp())}.M{index}P1.bench").write_bytes(raw)
    return kinds


def _services(data_dir: Path, maildir: Path, service_url: str, batch_size: int = 50) -> Any:
    from dsr.audit import ensure_head
    from dsr.config import load_config
    from dsr.context import Services
    from dsr.migrate import upgrade

    create_database(service_url, fresh=True)
    config = load_config(path=None, env={}, overrides={
        "service": {"data_dir": str(data_dir), "secret_key": SECRET, "database_url": service_url},
        "tasks": {"backend": "thread"},
        "mail_ingest": {"maildirs": [{"name": "privacy", "path": str(maildir)}],
                        "batch_size": batch_size}})
    services = Services(config)
    upgrade(services.db.engine)
    with services.db.session() as session:
        ensure_head(session)
    return services


def measure(messages: int = 5000, corpus: Path = CORPUS,
            service_url: str = SERVICE_URL, batch_size: int = 50) -> dict[str, Any]:
    """Build the Maildir, ingest it ``batch_size`` messages per transaction, and return the
    figures as plain data."""
    from dsr.mail.ingest import fetch_all

    letters = _letters(corpus)
    with tempfile.TemporaryDirectory(prefix="dsr-mail-bench-") as tmp:
        root = Path(tmp)
        kinds = build_maildir(root / "Maildir", messages, letters)
        services = _services(root / "data", root / "Maildir", service_url, batch_size)
        counter = EngineCounter(services.db.engine)
        counter.install()
        load_start = load_average()
        with counter.counting() as db:
            wall, cpu = time.perf_counter(), time.process_time()
            results = fetch_all(services)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        counts = results["privacy"].counts
        left = len(list((root / "Maildir" / "new").iterdir()))
        services.db.engine.dispose()
    handled = sum(counts.values())
    return {"messages": messages, "batch_size": batch_size, "letters": len(letters),
            "kinds": dict(kinds),
            "outcomes": dict(counts), "left": left, "handled": handled, "seconds": wall,
            "cpu_seconds": cpu, "per_minute": handled / wall * 60,
            "statements": db.statements / handled, "transactions": db.begins / handled,
            "load_start": load_start, "load_end": load_average()}


def print_figures(f: dict[str, Any]) -> None:
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(f["kinds"].items()))
    print(f"maildir: {f['messages']} messages ({kinds}) from {f['letters']} letters")
    print(f"outcomes: {dict(sorted(f['outcomes'].items()))}; left in new/: {f['left']}")
    print(f"ingest, {f['batch_size']} message(s) per transaction: {f['handled']} messages in {f['seconds']:.1f} s wall "
          f"({f['cpu_seconds']:.1f} s CPU of this process): {f['per_minute']:,.0f} messages per "
          f"minute ({f['seconds'] / f['handled'] * 1000:.1f} ms each; target >= 10,000 per minute)")
    print(f"service database: {f['statements']:.1f} statements and {f['transactions']:.2f} "
          "transactions per message")
    print(f"load average at start / end: {f['load_start']} / {f['load_end']}")


@click.command()
@click.option("--messages", default=5000, show_default=True, type=click.IntRange(10, 200_000))
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path), default=CORPUS,
              show_default=True, help="Folder of sample letters (*.txt) used as bodies.")
@click.option("--service-url", default=SERVICE_URL, show_default=True)
@click.option("--batch-size", default=50, show_default=True, type=click.IntRange(1, 1000),
              help="Messages per transaction ([mail_ingest] batch_size).")
@click.option("--compare", is_flag=True,
              help="Also ingest the same Maildir one message per transaction (batch size 1, "
                   "as before batching), interleaved: before, after, before, after.")
@click.option("--profile", is_flag=True,
              help="Only profile the ingest of 300 messages (pyinstrument), no timed run.")
def main(messages: int, corpus: Path, service_url: str, batch_size: int, compare: bool,
         profile: bool) -> None:
    """Time the ingest of a Maildir of varied messages."""
    if not profile:
        sizes = [1, batch_size, 1, batch_size] if compare else [batch_size]
        for size in sizes:
            print_figures(measure(messages, corpus, service_url, size))
            print()
        return
    with tempfile.TemporaryDirectory(prefix="dsr-mail-bench-") as tmp:
        root = Path(tmp)
        build_maildir(root / "Maildir", 300, _letters(corpus))
        services = _services(root / "data", root / "Maildir", service_url)
        _profile(services, root / "Maildir", 300)
        services.db.engine.dispose()


def _profile(services: Any, maildir: Path, count: int) -> None:
    """Ingest the first ``count`` messages under pyinstrument, from a copy of the Maildir."""
    from pyinstrument import Profiler

    from dsr.mail.ingest import fetch_source
    from dsr.mail.sources import MaildirSource

    for path in sorted((maildir / "new").iterdir())[count:]:
        path.unlink()
    source = MaildirSource({"name": "profile", "path": str(maildir), "processed_folder": "done"})
    profiler = Profiler(interval=0.0005)
    profiler.start()
    fetch_source(services, source)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False))


if __name__ == "__main__":
    main()
