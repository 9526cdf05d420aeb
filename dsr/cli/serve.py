"""``dsr serve``: the web app (waitress) and, on the embedded default, the worker thread."""

from __future__ import annotations

import re
import socket

import click

from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx


def derived_base_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches the server at: a wildcard host
    (0.0.0.0, ::) is reached through the machine's name."""
    if host in ("0.0.0.0", "::", ""):
        host = socket.gethostname() or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--base-url", default=None, metavar="URL",
              help="Where links in mails and letters point (default: [service] base_url, "
                   "else derived from --host and --port).")
@pass_ctx
def serve(ctx: Context, host: str, port: int, threads: int, base_url: str | None) -> None:
    """Serve the queue and the public pages."""
    if base_url is not None:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", base_url):
            raise click.BadParameter("an http(s) URL such as https://privacy.example.org",
                                     param_hint="--base-url")
        ctx.set_base_url(base_url)
    else:
        ctx.derive_base_url(derived_base_url(host, port))
    from waitress import serve as waitress_serve

    from dsr.app import create_app
    from workflows.runner import ThreadWorker

    services = ctx.services
    migrate_or_fail(services)
    app = create_app(services=services)
    worker = None
    if services.config.tasks["backend"] == "thread":
        worker = ThreadWorker(services)
        worker.start()
    click.echo(f"dsr serving on http://{host}:{port}  (tasks: {services.config.tasks['backend']};"
               f" data: {services.config.data_dir}; links: {services.config.base_url})")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="dsr")
    finally:
        if worker is not None:
            worker.stop()
