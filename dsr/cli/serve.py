"""``dsr serve``: the web app (waitress) and, on the embedded default, the worker thread."""

from __future__ import annotations

import click

from dsr.cli.base import Context, main, migrate_or_fail, pass_ctx


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@pass_ctx
def serve(ctx: Context, host: str, port: int, threads: int) -> None:
    """Serve the queue and the public pages."""
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
               f" data: {services.config.data_dir})")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="dsr")
    finally:
        if worker is not None:
            worker.stop()
