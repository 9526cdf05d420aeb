"""``dsr db``, ``dsr datamap`` and ``dsr tasks``: the service database, the data map, the outbox."""

from __future__ import annotations

import click

from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx


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
    from connectors.introspect.content_check import check_content
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
            content = check_content(connector.datamap, connector.engine, connector=name)
        except SQLAlchemyError as exc:
            raise click.ClickException(f"connector {name}: database not reachable "
                                       f"({type(exc).__name__})") from None
        # A name that looks personal is no warning when the sample shows nothing personal.
        # So is a table the sample shows nothing personal in (a lookup table's `name`).
        flagged = {f.where for f in content.findings}
        findings = [f for f in findings if not (
            ("looks personal" in f.message and tuple(f.where.split(".")[1::2]) in content.cleared)
            or (f.where.startswith("database.") and f.where not in flagged
                and f.where.removeprefix("database.") in content.sampled))]
        findings += content.findings
        for finding in findings:
            errors += finding.level == "error"
            click.echo(f"{finding.level:7} {name}: {finding.where}: {finding.message}")
        if not findings:
            click.echo(f"ok      {name}: every table and column is mapped and every path joins")
    raise SystemExit(1 if errors else 0)


@datamap.command("propose")
@click.option("--url", required=True, help="The shop database (read-only credentials suffice).")
@click.option("--preset", default=None, help="Start from a shipped preset (prestashop, ...).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False))
@click.option("--register-out", "register_out", type=click.Path(dir_okay=False), default=None)
def datamap_propose(url: str, preset: str | None, out: str, register_out: str | None) -> None:
    """Draft a data map (and a starter register) from the database; guesses marked TODO."""
    from pathlib import Path

    import sqlalchemy as sa

    from connectors.introspect.presets import adapt, register_notes
    from connectors.introspect.propose import propose, starter_register

    engine = sa.create_engine(url)
    try:
        if preset:
            try:
                text, notes = adapt(preset, engine)
            except ValueError as exc:
                raise click.ClickException(str(exc)) from None
            summary = f"preset {preset}: {len(notes)} change(s) for this database"
            register = starter_register(register_notes(engine))
        else:
            proposal = propose(engine)
            text, register = proposal.datamap, proposal.register
            summary = (f"subject table {proposal.subject}; {len(proposal.tables)} table(s); "
                       f"{proposal.unsure} TODO(s); {len(proposal.unlinked)} table(s) with "
                       "personal-looking columns not linked")
    except sa.exc.SQLAlchemyError as exc:
        raise click.ClickException(f"database not readable ({type(exc).__name__})") from None
    finally:
        engine.dispose()
    Path(out).write_text(text, encoding="utf-8")
    if register_out:
        Path(register_out).write_text(register, encoding="utf-8")
    click.echo(f"wrote {out}" + (f" and {register_out}" if register_out else "") + f": {summary}")


@datamap.command("coverage")
@click.option("--email", default=None, help="The test subject's e-mail address.")
@click.option("--customer-number", "customer_number", default=None)
@click.option("--connector", "name", default=None, help="The shop connector (default: the "
              "first with a data map).")
@click.option("--row-budget", "row_budget", default=100_000, show_default=True,
              help="Rows read per table at most.")
@pass_ctx
def datamap_coverage(ctx: Context, email: str | None, customer_number: str | None,
                     name: str | None, row_budget: int) -> None:
    """Dry run for one test subject: rows per mapped table and path, and the places in the
    database holding the subject's identifiers that the map does not reach (no values)."""
    import getpass

    from connectors.base import Identity
    from connectors.capabilities import DataMapped
    from connectors.introspect.coverage import coverage, format_report
    from dsr.audit import AuditAction, append_event

    if not email and not customer_number:
        raise click.UsageError("give --email or --customer-number")
    services = ctx.services
    names = [n for n, s in services.config.connectors.items() if s.get("datamap")]
    name = name or (names[0] if names else None)
    if name is None or name not in names:
        raise click.ClickException("no shop connector with a data map in the configuration")
    connector = services.require(name, DataMapped)
    tables = connector.datamap.tables
    import sqlalchemy as sa

    total = len(sa.inspect(connector.engine).get_table_names())
    with click.progressbar(length=total, label="searching tables", show_pos=True) as bar:
        report = coverage(services.config.connectors[name]["url"], connector.datamap,
                          Identity(email=email, customer_number=customer_number),
                          row_budget=row_budget, progress=lambda table: bar.update(1))
    # The dry run reads one person's data: audited like an access (who, which connector,
    # how many places; the identifiers themselves are not written to the chain).
    migrate_or_fail(services)
    with services.db.session() as session:
        append_event(session, actor=f"cli:{getpass.getuser()}", action=AuditAction.DATAMAP_COVERAGE,
                     details={"connector": name, "subjects": report.subjects,
                              "unreached_places": len(report.unreached)})

    for line in format_report(report, tables):
        click.echo(line)


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
