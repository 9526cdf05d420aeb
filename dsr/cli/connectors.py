"""``dsr connectors test NAME --email ADDRESS``: a read-only dry run against a configured
hosted service (``http_api``): what it would read and erase, as counts and field names."""

from __future__ import annotations

import click

from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx


@main.group()
def connectors() -> None:
    """The configured connectors."""


@connectors.command("test")
@click.argument("name")
@click.option("--email", default=None, help="The address to look up there.")
@click.option("--customer-number", default=None, help="The customer number (GA4 User-ID …).")
@pass_ctx
def test_connector(ctx: Context, name: str, email: str | None,
                   customer_number: str | None) -> None:
    """Dry run: search and read at the service, print counts and field names (no values);
    nothing is changed there. Audited, without the address."""
    from connectors.base import ConnectorError
    from connectors.http_api import HttpApiConnector
    from connectors.http_api.dry_run import dry_run
    from dsr.audit import AuditAction, append_event

    if not (email or customer_number):
        raise click.ClickException("give --email or --customer-number")
    connector = ctx.services.connectors.get(name)
    if connector is None:
        raise click.ClickException(f"NAME: no connector {name!r} is configured")
    if not isinstance(connector, HttpApiConnector):
        raise click.ClickException(f"NAME: {name!r} is not an http_api connector")
    migrate_or_fail(ctx.services)
    try:
        found = dry_run(connector, email=email, customer_number=customer_number,
                        today=ctx.services.clock.today())
    except ConnectorError as exc:
        raise click.ClickException(str(exc)) from None
    with ctx.services.db.session() as session:
        append_event(session, actor="cli", action=AuditAction.CONNECTOR_DRY_RUN,
                     details=found.details())
    for line in found.lines():
        click.echo(line)
