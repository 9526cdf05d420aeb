"""``dsr audit``: print the head hash to publish, verify the chain against a published one."""

from __future__ import annotations

import click

from dsr.audit import head, verify_chain
from dsr.cli.base import Context, main, pass_ctx


@main.group()
def audit() -> None:
    """The audit chain."""


@audit.command("head")
@pass_ctx
def audit_head(ctx: Context) -> None:
    """Print the newest sequence number and hash (publish it outside the database)."""
    with ctx.services.db.session() as session:
        seq, digest = head(session)
    click.echo(f"{seq} {digest}")


@audit.command("verify")
@click.option("--head", "published", default=None,
              help="A head hash published earlier: also finds a truncated tail.")
@pass_ctx
def audit_verify(ctx: Context, published: str | None) -> None:
    """Recompute the chain; exit 1 and list what is wrong if anything is."""
    if published and " " in published.strip():
        published = published.split()[-1]
    with ctx.services.db.session() as session:
        result = verify_chain(session, published)
    if result.ok:
        click.echo(f"ok: {result.events} events, head {result.head_hash}")
        return
    for problem in result.problems:
        click.echo(f"FAIL: {problem}", err=True)
    raise SystemExit(1)
