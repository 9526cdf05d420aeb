"""``dsr demo``: the service database, a demo shop and demo logins, so one command shows it all."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import click
from sqlalchemy import select

from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx
from dsr.users.models import User
from dsr.users.operations import create_user

DEMO_USERS = (("koordinator", "coordinator"), ("servicedesk", "staff"), ("admin", "admin"))


def _demo_password(path: Path) -> str:
    """One generated password for the demo logins, kept (0600) so a second run prints it again."""
    if path.exists():
        return path.read_text().strip()
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(password)
    return password


@main.command()
@click.option("--customers", default=3000, show_default=True, type=click.IntRange(10, 2_000_000))
@click.option("--seed", default=2026, show_default=True, type=int)
@pass_ctx
def demo(ctx: Context, customers: int, seed: int) -> None:
    """Create the service database, a demo shop and demo logins (running it again changes nothing)."""
    from dsr.demo.generator import build_demo_shop

    services = ctx.services
    migrate_or_fail(services)
    shop = next((c for c in services.config.connectors.values() if c["kind"] == "shop_sql"), None)
    if shop is None:
        raise click.ClickException("no shop_sql connector is configured")
    with click.progressbar(length=customers, label="demo shop") as bar:
        summary = build_demo_shop(shop["url"], customers=customers, seed=seed,
                                  log_dir=services.config.shop_log_dir, progress=bar.update,
                                  today=services.clock.today())
    password = _demo_password(services.config.data_dir / "demo-password.txt")
    with services.db.session() as session:
        for username, role in DEMO_USERS:
            if session.scalar(select(User.id).where(User.username == username)) is None:
                create_user(session, username, password, role)
    click.echo(f"\nDemo ready in {services.config.data_dir}")
    click.echo(f"  shop: {summary.customers} customers (reserved example domains); customers to try:")
    for address, what in _showcases(summary):
        click.echo(f"    {address:40} {what}")
    click.echo("  sign in at http://127.0.0.1:5000/login")
    for username, role in DEMO_USERS:
        click.echo(f"    {role:12} {username} / {password}")
    click.echo(f"  outgoing e-mail lands in {services.config.mail_out_dir}")
    click.echo("  the web server: `dsr serve` (the README's first command starts it next)")


def _showcases(summary: object) -> list[tuple[str, str]]:
    """The demo's showcase customers and what each one shows."""
    s: Any = summary
    return [
        (s.sample_customer_email, "access (12 years of invoices, recipients, a credit check, "
                                  f"an e-mail naming {s.sample_third_party_name}: redact it), "
                                  "erasure + objection, rectification, contest"),
        (s.recipient_customer_email, "received a gift order: access shows only that delivery"),
        (s.collection_customer_email, "open debt collection: an erasure keeps the claim on hold (derived from the open case)"),
        (s.b2b_contact_email, f"contact person of {s.b2b_company_name} (B2B)"),
        (s.shared_ip_customer_emails[0], f"shares the IP {s.shared_ip} with "
                                         f"{s.shared_ip_customer_emails[1]} at other times"),
    ]
