"""``dsr journal replay``: after a restore of a shop from backup, erase again what was erased
and set again what was rectified."""

from __future__ import annotations

import click

from connectors.base import ConnectorError
from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx
from dsr.crypto import DecryptionError


@main.group()
def journal() -> None:
    """The erasure journal (keyed hashes and row keys; rectified values only encrypted)."""


@journal.command("replay")
@pass_ctx
def journal_replay(ctx: Context) -> None:
    """Re-apply every journaled erasure and rectification and the suppression list to the
    restored systems.

    Safe to run more than once: rows that already match are not touched.
    """
    from dsr.changes.journal import replay

    migrate_or_fail(ctx.services)
    try:
        done = replay(ctx.services, actor="cli")
    except (ConnectorError, DecryptionError) as exc:
        raise click.ClickException(f"cannot replay: {exc}") from None
    click.echo(f"replayed: {done['changes']} change(s) in {done['plans']} plan(s), "
               f"{done['touched']} row(s) changed")
