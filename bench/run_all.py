"""Run every benchmark and write ``bench/RESULTS.md``.

    python -m bench.run_all                # build the shop if needed, measure, write the file
    python -m bench.run_all --rebuild      # drop the shop first, so the build is timed too
    python -m bench.run_all --no-competitor --no-production   # the in-process figures only

One run writes the whole file: the in-process figures against the hand-written baseline, the
rq path, the queue with 100,000 requests, and the production path's figures with the
competitor (ethyca-fides, installed into a virtual environment of its own) measured beside dsr.

Benchmarks print figures; none asserts a timing.
"""

from __future__ import annotations

import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy.engine import make_url

from bench import (
    access_request,
    compare,
    erasure_request,
    memory,
    production_figures,
    queue_100k,
    rq_path,
)
from bench.build_shop import BuildReport, build_record, build_shop
from bench.common import (
    COMPETITOR,
    CUSTOMERS,
    DATA_DIR,
    REDIS_URL,
    SERVICE_URL,
    SHOP_URL,
    create_database,
)
from bench.machine import describe, load_average
from bench.memory import memory_markdown
from bench.report_access import access_markdown
from bench.report_erasure import erasure_markdown

RESULTS = Path(__file__).with_name("RESULTS.md")
REPRODUCE = """\
```sh
# from the repository root, with PostgreSQL on 127.0.0.1:5432 (user postgres) and Redis on :6379
python -m bench.run_all --rebuild        # all of it; writes bench/RESULTS.md
# or step by step:
python -m bench.build_shop --customers {customers} --url {shop}
python -m bench.access_request --shop-url {shop} --subjects {subjects} --repeats {repeats}
python -m bench.erasure_request --shop-url {shop} --subjects {erasures}   # erases customers for good
python -m bench.memory --shop-url {shop}
```
"""


def wait_for_idle(seconds: int, threshold: float = 0.5) -> bool:
    """Wait up to ``seconds`` for the 1-minute load average to fall below ``threshold``."""
    deadline = time.monotonic() + seconds
    while float(load_average().split()[0]) >= threshold:
        if time.monotonic() >= deadline:
            return False
        time.sleep(5)
    return True


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def headline(access: dict[str, Any], erasure: dict[str, Any], mem: dict[str, Any]) -> str:
    """One table: ours, the baseline and the competitor side by side, with the ratios."""
    ours, base = access["ours"]["median"], access["baseline"]["median"]
    e_ours, e_base = erasure["ours"]["median"], erasure["baseline"]["median"]
    e_counts = erasure["counts"]
    e_statements = e_counts["service"]["statements"] + e_counts["shop"]["statements"]
    counts = access["counts"]
    statements = counts["service"]["statements"] + counts["shop"]["statements"]
    web_idle = mem["web"]["pages"]["rss"]
    worker_idle = mem["worker"]["answered"]["rss"]
    return "\n".join([
        "| figure | dsr | baseline | competitor | dsr / baseline | dsr / competitor |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        f"| access request, verified → review (median) | {_ms(ours)} | {_ms(base)} | "
        f"{_ms(COMPETITOR['access_s'])} | {ours / base:.1f}× | "
        f"{ours / COMPETITOR['access_s']:.2f}× |",
        f"| erasure + objection, verified → completed (median) | {_ms(e_ours)} | {_ms(e_base)} | "
        f"{_ms(COMPETITOR['erasure_s'])} | {e_ours / e_base:.1f}× | "
        f"{e_ours / COMPETITOR['erasure_s']:.2f}× |",
        f"| transactions per access request (service + shop) | {access['transactions']:g} | 1 | "
        f"~{COMPETITOR['transactions']} | | {access['ratio_competitor_transactions']:.2f}× |",
        f"| transactions per erasure (service {e_counts['service']['begins']:g} + shop "
        f"{e_counts['shop']['begins']:g}) | {erasure['transactions']:g} | 1 | "
        f"~{COMPETITOR['transactions']} | | {erasure['ratio_competitor_transactions']:.2f}× |",
        f"| SQL statements per access request (service {counts['service']['statements']:g} + shop "
        f"{counts['shop']['statements']:g}) | {statements:g} | {access['baseline_statements']} "
        f"| | {statements / access['baseline_statements']:.1f}× | |",
        f"| SQL statements per erasure (service {e_counts['service']['statements']:g} + shop "
        f"{e_counts['shop']['statements']:g}) | {e_statements:g} | "
        f"{erasure['baseline_statements']:g} | | "
        f"{e_statements / erasure['baseline_statements']:.1f}× | |",
        f"| idle memory, `dsr serve` | {web_idle:.0f} MB | | {COMPETITOR['idle_mb']} MB | | "
        f"{web_idle / COMPETITOR['idle_mb']:.2f}× |",
        f"| idle memory, `dsr worker` | {worker_idle:.0f} MB | | | | "
        f"{worker_idle / COMPETITOR['idle_mb']:.2f}× |",
    ]) + "\n"


def build_section(report: BuildReport | None, fresh: bool) -> str:
    if report is None:
        return "The shop was not built by `bench.build_shop`; no build time is known.\n"
    phases = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in report.seconds.items())
    when = "in this run" if fresh else "in an earlier run (kept; `--rebuild` times it again)"
    return (f"{report.customers:,} customers, {report.rows:,} rows, built {when} in "
            f"**{report.total_seconds:.0f} s** ({phases}).\n")


def markdown(access: dict[str, Any], erasure: dict[str, Any], mem: dict[str, Any],
             build: BuildReport | None,
             fresh: bool, machine: dict[str, str], load: tuple[str, str], started: datetime,
             settings: dict[str, Any]) -> str:
    """The whole results file."""
    lines = [
        "# Benchmark results",
        "",
        f"Run {started:%Y-%m-%d %H:%M} UTC by `python -m bench.run_all`; written by the script, "
        "do not edit by hand (see `bench/README.md` for what is measured and why).",
        "",
        headline(access, erasure, mem),
        "The baseline was measured in the same run, on the same subjects. The competitor column "
        "of this table holds the competitor's published figures (another machine, another shop); "
        "the competitor measured in this run, on the same shop and customers as dsr, is in the "
        "section \"dsr beside the competitor\" below (when the run was not told "
        "`--no-competitor`).",
        "",
        "## Machine",
        "",
        "| | |",
        "| --- | --- |",
        *(f"| {key} | {value} |" for key, value in machine.items()),
        f"| load average at start / end | {load[0]} / {load[1]} |",
        "",
        "## Shop",
        "",
        build_section(build, fresh),
        access_markdown(access),
        erasure_markdown(erasure),
        memory_markdown(mem),
        "## Reproduce",
        "",
        REPRODUCE.format(**settings),
    ]
    return "\n".join(lines)


@click.command()
@click.option("--customers", default=CUSTOMERS, show_default=True, type=click.IntRange(10))
@click.option("--subjects", default=5, show_default=True, type=click.IntRange(1, 50))
@click.option("--rebuild", is_flag=True, help="Drop the shop database first (times the build).")
@click.option("--shop-url", default=SHOP_URL, show_default=True)
@click.option("--service-url", default=SERVICE_URL, show_default=True)
@click.option("--erasures", default=15, show_default=True, type=click.IntRange(1, 200),
              help="Customers erased (each once, for good) for the erasure median.")
@click.option("--repeats", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Requests per subject; the fastest counts (dsr and baseline alike).")
@click.option("--wait-idle", default=600, show_default=True, type=click.IntRange(0),
              help="Seconds to wait for the machine to go quiet (1-minute load < 0.5) before "
                   "measuring; 0 measures at once.")
@click.option("--output", default=str(RESULTS), show_default=True, type=click.Path())
@click.option("--production/--no-production", default=True, show_default=True,
              help="Also measure the queue with 100,000 requests and the production path "
                   "(answer PDF, mail ingest, intake under load on gunicorn).")
@click.option("--competitor/--no-competitor", default=True, show_default=True,
              help="With --production: measure the competitor beside dsr (bench.compare).")
@click.option("--fides-venv", type=click.Path(file_okay=False, path_type=Path),
              default=Path(tempfile.gettempdir()) / "dsr-bench-fides-venv", show_default=True,
              help="The competitor's own virtual environment (created when missing).")
@click.option("--pairs", default=23, show_default=True, type=click.IntRange(1, 500),
              help="Competitor comparison: access and erasure pairs.")
@click.option("--scales", default=compare.SCALES, show_default=True,
              help="Competitor comparison: other shop sizes at which dsr's access is timed.")
def main(customers: int, subjects: int, erasures: int, rebuild: bool, shop_url: str,
         service_url: str, repeats: int, wait_idle: int, output: str, production: bool,
         competitor: bool, fides_venv: Path, pairs: int, scales: str) -> None:
    """Build the shop, measure the access request, the erasure and the memory, write the
    results file."""
    if not wait_for_idle(wait_idle):
        click.echo(f"the machine did not go quiet within {wait_idle} s; measuring anyway")
    started, load_start = datetime.now(UTC), load_average()
    if rebuild:
        create_database(shop_url, fresh=True)
    click.echo(f"shop: {make_url(shop_url).database} ({customers} customers)")
    built = build_shop(shop_url, customers)
    click.echo("access request ...")
    access = access_request.run(shop_url, service_url, DATA_DIR, subjects, repeats=repeats)
    click.echo(access_markdown(access))
    click.echo("erasure request ...")
    erasure = erasure_request.run(shop_url, service_url, DATA_DIR, erasures)
    click.echo(erasure_markdown(erasure))
    click.echo("memory ...")
    mem = memory.run(shop_url, service_url, DATA_DIR, REDIS_URL)
    click.echo(memory_markdown(mem))
    settings = {"customers": customers, "shop": shop_url, "subjects": subjects,
                "repeats": repeats, "erasures": erasures}
    text = markdown(access, erasure, mem, build_record(shop_url), built.created, describe(shop_url),
                    (load_start, load_average()), started, settings)
    Path(output).write_text(text, encoding="utf-8")
    rq_path.run_into(shop_url, customers, Path(output), REDIS_URL)  # its own section
    if production:
        click.echo("queue with 100,000 requests ...")
        queue_table = queue_100k.markdown(queue_100k.run(
            queue_100k.QUEUE_URL, queue_100k.REQUESTS, 20, queue_100k.SEED))
        click.echo(queue_table)
        queue_100k.write_section(queue_table, Path(output))
        queue_100k.drop(queue_100k.QUEUE_URL)
        production_figures.run_into(Path(output), competitor=competitor, fides_venv=fides_venv,
                                    pairs=pairs, messages=5000, duration=20,
                                    scales=compare.parse_scales(scales))
    click.echo(f"wrote {output}")


if __name__ == "__main__":
    main()
