"""``dsr retention``: erase what has come due, and the legal holds that suspend erasure."""

from __future__ import annotations

import click

from dsr.changes import holds
from dsr.changes.models import HoldKind
from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx


@main.group()
def retention() -> None:
    """Retention periods and legal holds."""


@retention.command("run")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pretend it is this day (YYYY-MM-DD), e.g. to check what falls due.")
@pass_ctx
def retention_run(ctx: Context, today: object) -> None:
    """Erase every blocked field whose period has ended or whose legal hold was lifted."""
    from dsr.changes.retention import run_retention

    migrate_or_fail(ctx.services)
    day = today.date() if today is not None else None  # type: ignore[attr-defined]
    done = run_retention(ctx.services, day)
    click.echo(f"erased: {done['records']} blocked record(s) in {done['plans']} plan(s)")
    if done.get("overdue_plans"):
        click.echo(f"erased after release: {done['overdue_changes']} change(s) past their "
                   f"retention period in {done['overdue_plans']} plan(s)")


def _key(values: tuple[str, ...]) -> list[object]:
    return [int(v) if v.lstrip("-").isdigit() else v for v in values]


@retention.command("hold")
@click.option("--connector", default="shop", show_default=True)
@click.option("--key", "key", multiple=True, required=True,
              help="The subject's key value(s) in that connector (repeat for a composite key).")
@click.option("--kind", type=click.Choice([k.value for k in HoldKind]), required=True)
@click.option("--reason", required=True, help="Why (a file number, not personal data).")
@click.option("--reference", default="", help="The case's file number, if any.")
@pass_ctx
def hold(ctx: Context, connector: str, key: tuple[str, ...], kind: str, reason: str,
         reference: str) -> None:
    """Suspend erasure for one subject (open claim, collection, tax audit) until lifted."""
    if connector not in ctx.services.config.connectors:
        raise click.ClickException(f"--connector: no connector {connector!r} is configured")
    migrate_or_fail(ctx.services)
    with ctx.services.db.session() as session:
        try:
            row = holds.place_hold(session, connectors=ctx.services.config.connectors,
                                   connector=connector, subject_key=_key(key), kind=kind,
                                   reason=reason, reference=reference, actor="cli")
        except holds.HoldError as exc:
            raise click.ClickException(f"--{exc}") from None
        click.echo(f"hold {row.id} added")


@retention.command("lift")
@click.argument("hold_id", type=int)
@pass_ctx
def lift(ctx: Context, hold_id: int) -> None:
    """Lift a legal hold; the next retention run erases what it kept."""
    migrate_or_fail(ctx.services)
    with ctx.services.db.session() as session:
        try:
            holds.lift_hold(session, hold_id, actor="cli")
        except holds.HoldError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"hold {hold_id} lifted")
