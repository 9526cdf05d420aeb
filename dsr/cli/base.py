"""The ``dsr`` command group and what every command shares: its context (configuration and
service container, built on first use) and the migration guard."""

from __future__ import annotations

import logging

import click
from sqlalchemy.exc import ArgumentError, OperationalError

from connectors.base import ConnectorConfigError
from dsr.config import Config, ConfigError, load_config
from dsr.context import Services
from dsr.register.schema import RegisterError

log = logging.getLogger("dsr")


class Context:
    def __init__(self, config_path: str | None) -> None:
        self.config_path = config_path
        self._config: Config | None = None
        self._services: Services | None = None

    @property
    def config(self) -> Config:
        """The loaded configuration (before the services are built, so a command can still
        settle what it derives, such as :meth:`derive_base_url`)."""
        if self._config is None:
            try:
                self._config = load_config(self.config_path)
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._config

    def derive_base_url(self, url: str) -> None:
        """Links point at ``url`` unless the configuration names the address itself."""
        if self._services is not None:
            raise RuntimeError("the services are built: the base URL is settled")
        if not self.config.base_url_configured:
            self.config.base_url = url.rstrip("/")

    def set_base_url(self, url: str) -> None:
        """Links point at ``url`` (a command-line option, over the configuration)."""
        if self._services is not None:
            raise RuntimeError("the services are built: the base URL is settled")
        self.config.base_url = url.rstrip("/")

    @property
    def services(self) -> Services:
        if self._services is None:
            config = self.config
            try:
                services = Services(config)
            except ArgumentError:
                raise click.ClickException(
                    f"service.database_url: {_safe_url(config.database_url)} is not a database "
                    "URL (e.g. postgresql+psycopg://user@host/dsr)") from None
            try:
                services.register  # noqa: B018 - validate the register and connectors first
                services.connectors  # noqa: B018
            except (RegisterError, ConnectorConfigError, ArgumentError) as exc:
                raise click.ClickException(str(exc) if not isinstance(exc, ArgumentError)
                                           else "a connector's url is not a database URL") from None
            self._services = services
        return self._services


pass_ctx = click.make_pass_decorator(Context)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown as given
        return url


def migrate_or_fail(services: Services) -> None:
    """Bring the service database up to date, or stop with one line naming its URL."""
    from dsr.audit import ensure_head
    from dsr.migrate import upgrade

    services.config.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        upgrade(services.db.engine)
        with services.db.session() as session:
            ensure_head(session)
    except OperationalError as exc:
        reason = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise click.ClickException(
            f"service database {_safe_url(services.config.database_url)} is not reachable: {reason}"
        ) from None


@click.group()
@click.option("--config", "config_path", envvar="DSR_CONFIG", type=click.Path(dir_okay=False),
              help="TOML configuration (default: ./config.toml if present, else built-in).")
@click.option("-v", "--verbose", is_flag=True, help="Log more.")
@click.pass_context
def main(ctx: click.Context, config_path: str | None, verbose: bool) -> None:
    """dsr: GDPR data-subject requests, end to end."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if not verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)
    ctx.obj = Context(config_path)
