"""``dsr users`` and ``dsr tokens``: people who sign in, and API tokens carrying their role."""

from __future__ import annotations

import click
from sqlalchemy import select

from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx
from dsr.users.models import Role, User
from dsr.users.operations import UserError, create_token, create_user


@main.group()
def users() -> None:
    """Users of the queue."""


@users.command("create")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--email", default="")
@click.password_option(envvar="DSR_NEW_PASSWORD", help="At least 10 characters.")
@pass_ctx
def users_create(ctx: Context, username: str, role: str, email: str, password: str) -> None:
    """Create a user."""
    services = ctx.services
    migrate_or_fail(services)
    try:
        with services.db.session() as session:
            create_user(session, username, password, role, email)
    except UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"created {role} {username}")


@users.command("list")
@pass_ctx
def users_list(ctx: Context) -> None:
    """List users and their roles."""
    with ctx.services.db.session() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            role = user.role or "-"
            if user.pending_role:
                role += f" ({user.pending_role} awaits confirmation)"
            click.echo(f"{user.username}\t{role}\t{'active' if user.active else 'inactive'}")


@main.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.option("--user", "username", required=True)
@click.option("--label", default="")
@pass_ctx
def tokens_create(ctx: Context, username: str, label: str) -> None:
    """Create an API token for a user; it is printed once and stored only as a hash."""
    with ctx.services.db.session() as session:
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            raise click.ClickException(f"no user {username!r}")
        click.echo(create_token(session, user, label))
