"""``dsr mail``: fetch the configured mailboxes, classify .eml files without storing anything."""

from __future__ import annotations

import json
from pathlib import Path

import click

from dsr.cli.base import Context, main, pass_ctx


@main.group()
def mail() -> None:
    """Incoming mail: the privacy and general mailboxes, Maildirs and .eml folders."""


@mail.command("classify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def classify(files: tuple[str, ...]) -> None:
    """Print one JSON line per .eml: types (primary first), language, confidence, action and
    the deciding words. Stores nothing, looks nothing up."""
    from dsr.mail.recognition import classify_raw

    failed = 0
    for name in files:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            click.echo(json.dumps({"file": name, "error": exc.strerror or type(exc).__name__}))
            failed += 1
            continue
        rec = classify_raw(raw)
        click.echo(json.dumps({"file": name, "types": rec.types, "language": rec.language,
                               "confidence": rec.confidence, "action": rec.action,
                               "reason": rec.reason, "words": rec.words},
                              ensure_ascii=False))
    if failed:
        raise SystemExit(1)


@mail.command("fetch")
@pass_ctx
def fetch(ctx: Context) -> None:
    """Fetch every configured mailbox, Maildir and .eml folder once."""
    from dsr.cli.base import migrate_or_fail
    from dsr.mail.ingest import fetch_all

    services = ctx.services
    migrate_or_fail(services)
    results = fetch_all(services)
    for source, result in results.items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items())) or "no new mail"
        click.echo(f"{source}: {counts}" + (f" (stopped: {result.error})" if result.error else ""))
    if not results:
        click.echo("no mail source configured (see [mail_ingest] in config.example.toml)")
    if any(r.error for r in results.values()):
        raise SystemExit(1)
