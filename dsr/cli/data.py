"""``dsr db``, ``dsr datamap`` and ``dsr tasks``: the service database, the data map, the outbox."""

from __future__ import annotations

import click

from dsr.cli import Context, main, migrate_or_fail, pass_ctx


@main.group()
def db() -> None:
    """The service database."""


@db.command("upgrade")
@pass_ctx
def db_upgrade(ctx: Context) -> None:
    """Create or migrate the service database to the newest schema."""
    migrate_or_fail(ctx.services)
    click.echo("service database is up to date")


@main.group()
def datamap() -> None:
    """The data map."""


@datamap.command("check")
@pass_ctx
def datamap_check(ctx: Context) -> None:
    """Report broken paths and unmapped columns that look personal; exit 1 on errors."""
    from sqlalchemy.exc import SQLAlchemyError

    from connectors.capabilities import DataMapped
    from connectors.datamap import DataMapError, check_against_database
    from dsr.recipients.check import recipient_findings

    services = ctx.services
    errors = 0
    for where, message in recipient_findings(services.config.connectors, services.register):
        errors += 1
        click.echo(f"error   {where}: {message}")
    for name, settings in services.config.connectors.items():
        if not settings.get("datamap"):
            continue
        try:
            connector = services.capable(name, DataMapped)
        except DataMapError as exc:
            raise click.ClickException(f"{settings['datamap']}: {exc}") from None
        if connector is None:
            continue
        try:
            findings = check_against_database(connector.datamap, connector.engine, connector=name)
        except SQLAlchemyError as exc:
            raise click.ClickException(f"connector {name}: database not reachable "
                                       f"({type(exc).__name__})") from None
        for finding in findings:
            errors += finding.level == "error"
            click.echo(f"{finding.level:7} {name}: {finding.where}: {finding.message}")
        if not findings:
            click.echo(f"ok      {name}: every table and column is mapped and every path joins")
    raise SystemExit(1 if errors else 0)


@main.group()
def tasks() -> None:
    """The task outbox."""


@tasks.command("run")
@pass_ctx
def tasks_run(ctx: Context) -> None:
    """Run every task that is due now, then exit (the embedded worker does this continuously)."""
    from workflows.runner import run_pending

    migrate_or_fail(ctx.services)
    click.echo(f"ran {run_pending(ctx.services)} tasks")
