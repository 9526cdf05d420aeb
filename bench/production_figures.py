"""The figures of the production path beside their targets, written into ``bench/RESULTS.md``.

    python -m bench.production_figures [--competitor] [--fides-venv DIR] [--scales 10000,1000000]

Runs, one after another in this run: the answer PDF against a bare reportlab document
(``bench.pdf_vs_reportlab``), the Maildir ingest (``bench.mail_ingest``), the public API's
intake under load on gunicorn (``bench.intake_load``) and, with ``--competitor``, dsr beside
ethyca-fides (``bench.compare``, which installs it into a venv of its own). Each figure is
printed with the load average around it and written into its own section of the results file,
between the markers below, which this script alone rewrites; the rest of the file is
``bench.run_all``'s. A figure not measured in this run says so (and keeps no old number).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import click

from bench import compare, intake_load, mail_ingest, pdf_vs_reportlab
from bench.machine import describe, load_average

RESULTS = Path(__file__).with_name("RESULTS.md")
BEGIN = "<!-- production figures: begin (written by python -m bench.production_figures) -->"
END = "<!-- production figures: end -->"


def _pdf_rows(f: dict[str, Any]) -> list[str]:
    ratio, cpu_ratio = f["dsr_ms"] / f["bare_ms"], f["dsr_cpu_ms"] / f["bare_cpu_ms"]
    return [
        "### The answer document against a bare reportlab document of the same rows",
        "",
        f"The showcase customer's access answer ({f['rows']} rows in {f['tables']} tables), "
        f"rendered {f['repeats']} times each, interleaved (`python -m bench.pdf_vs_reportlab`).",
        "",
        "| | dsr | bare reportlab | ratio | target |",
        "| --- | ---: | ---: | ---: | ---: |",
        f"| render, median wall | {f['dsr_ms']:.1f} ms | {f['bare_ms']:.1f} ms | {ratio:.2f}× | ≤ 3× |",
        f"| render, median CPU | {f['dsr_cpu_ms']:.1f} ms | {f['bare_cpu_ms']:.1f} ms | "
        f"{cpu_ratio:.2f}× | ≤ 3× |",
        f"| pages / size | {f['dsr_pages']} / {f['dsr_kib']} KiB | {f['bare_pages']} / "
        f"{f['bare_kib']} KiB | | |",
        f"| CPU per page | {f['dsr_cpu_ms'] / f['dsr_pages']:.1f} ms | "
        f"{f['bare_cpu_ms'] / f['bare_pages']:.1f} ms | "
        f"{(f['dsr_cpu_ms'] / f['dsr_pages']) / (f['bare_cpu_ms'] / f['bare_pages']):.2f}× | |",
        "",
        f"Load average at start / end: {f['load_start']} / {f['load_end']}. Target "
        f"{'met' if cpu_ratio <= 3 else 'not met'}; see bench/README.md (\"The answer document\") "
        "for the profile of what is left.",
        "",
    ]


def _mail_rows(f: dict[str, Any]) -> list[str]:
    return [
        "### Mail ingest from a Maildir",
        "",
        f"{f['messages']:,} messages built from {f['letters']} sample letters "
        f"({', '.join(f'{k} {v}' for k, v in sorted(f['kinds'].items()))}), ingested by "
        "`fetch_all` on PostgreSQL: parse, recognise, store (request, claims, audit event, "
        "tasks, encrypted raw mail, inbound row), dedupe (`python -m bench.mail_ingest`).",
        "",
        "| | measured | target |",
        "| --- | ---: | ---: |",
        f"| messages per minute | {f['per_minute']:,.0f} | ≥ 10,000 |",
        f"| wall / CPU per message | {f['seconds'] / f['handled'] * 1000:.1f} / "
        f"{f['cpu_seconds'] / f['handled'] * 1000:.1f} ms | |",
        f"| statements / transactions per message | {f['statements']:.1f} / "
        f"{f['transactions']:.2f} | |",
        f"| outcomes | {', '.join(f'{k} {v}' for k, v in sorted(f['outcomes'].items()))} | |",
        "",
        f"Load average at start / end: {f['load_start']} / {f['load_end']}. Target "
        f"{'met' if f['per_minute'] >= 10_000 else 'not met'}.",
        "",
    ]


def _intake_rows(f: dict[str, Any]) -> list[str]:
    rps = f["requests"] / f["seconds"]
    return [
        "### Intake under load: the public API on gunicorn, PostgreSQL, Redis",
        "",
        f"gunicorn {f['gunicorn']} (workers × threads, as docs/deploy.md), rq on Redis with one "
        f"`dsr worker` running the discovery, the rate limiter on Redis keyed by "
        f"`X-Forwarded-For` behind one trusted proxy; wrk {f['wrk_threads']} threads × "
        f"{f['connections']} connections for {f['duration']} s, a new client address every "
        "two requests (`python -m bench.intake_load`).",
        "",
        "| | measured | target |",
        "| --- | ---: | ---: |",
        f"| requests per second | {rps:.0f} | ≥ 200 |",
        f"| latency p50 / p90 / p99 | {f['p50_ms']:.0f} / {f['p90_ms']:.0f} / "
        f"{f['p99_ms']:.0f} ms | p99 < 100 ms |",
        f"| status codes | {', '.join(f'{k}: {v}' for k, v in sorted(f['statuses'].items()))} | |",
        f"| limiter, one address 12 times | {' '.join(str(c) for c in f['limiter_check'])} | "
        "10 × 201, then 429 |",
        *_cpu_rows(f),
        "",
        f"Load average at start / end: {f['load_start']} / {f['load_end']}. Target "
        f"{'met' if rps >= 200 and f['p99_ms'] < 100 else 'not met'}.",
        "",
    ]


def _cpu_rows(f: dict[str, Any]) -> list[str]:
    """CPU per request by part, and the throughput the machine's cores allow at that cost."""
    cpu = f.get("cpu_ms_per_request") or {}
    if not cpu:
        return []
    total = sum(cpu.values())
    cores = os.cpu_count() or 1
    rows = [f"| CPU per request: {', '.join(f'{k} {v:.1f} ms' for k, v in cpu.items())} | "
            f"{total:.1f} ms | ≤ {cores * 1000 / 200:.0f} ms for 200 req/s on {cores} cores |",
            f"| the most {cores} cores can serve at that CPU cost | {cores * 1000 / total:.0f} "
            "req/s | |"]
    stored = f.get("stored") or {}
    done, tasks = stored.get("tasks done", 0), stored.get("tasks", 0)
    if done and tasks > done:
        # The worker fell behind: its CPU above paid for the tasks it finished only.
        worker = cpu.get("dsr worker", 0.0) * tasks / done
        rows.append(f"| the worker finished {done:,} of {tasks:,} tasks by the end (the rest "
                    f"waited in its queue); all of them at its cost per task: about "
                    f"{worker:.1f} ms per request, {total - cpu.get('dsr worker', 0.0) + worker:.1f} "
                    f"ms in all, at most {cores * 1000 / (total - cpu.get('dsr worker', 0.0) + worker):.0f} "
                    "req/s | | |")
    return rows


def _competitor_rows(f: dict[str, Any] | None) -> list[str]:
    head = ["### dsr beside the competitor (ethyca-fides 2.78.2, eager mode), same run", ""]
    if f is None:
        return [*head, "Not measured in this run (`--competitor` not given): no competitor "
                "figure here is current.", ""]
    rows = ["| figure | dsr | competitor | ratio |", "| --- | ---: | ---: | ---: |"]
    rows += ["| " + " | ".join(row) + " |" for row in compare.table(f)]
    return [
        *head,
        f"The shared shop schema with {f['customers']:,} customers and {f['orders']:,} orders on "
        "PostgreSQL, dsr's data map `bench/fides/shop_datamap.toml`, the competitor configured "
        "over its API; access pairs on the same customers, erasures on neighbouring ones "
        "(`python -m bench.compare`).",
        "",
        *rows,
        "",
        f"Load average at start / end: {f['load_start']} / {f['load_end']}. "
        + _scale_note(f),
        "",
    ]


def _scale_note(f: dict[str, Any]) -> str:
    scale = f.get("scale") or {}
    if not scale:
        return "Access at other shop sizes was not measured in this run (`--scales ''`)."
    parts = []
    for size, found in sorted(scale.items(), key=lambda item: int(item[0])):
        loaded = found["loaded_s"]
        parts.append(f"{int(size):,} customers ({int(size) * compare.ORDERS_PER:,} orders; "
                     + ("kept from an earlier run" if loaded is None else
                        f"loaded in this run in {loaded:.0f} s") + ")")
    return ("The sizes row is dsr alone (the competitor's access at other sizes is not timed): "
            "each size a shop of its own, " + ", ".join(parts) + ". The web servers' figure is "
            "VmRSS (one process each); the workers' is the proportional set size of the whole "
            "process tree, shared pages counted once: the competitor's worker is its Celery worker "
            "with its pool processes, started as its non-eager set-up runs it; `dsr worker` runs "
            "its jobs in-process, beside rq's scheduler process.")


def section(pdf: dict[str, Any], mail: dict[str, Any], intake: dict[str, Any],
            competitor: dict[str, Any] | None, machine: dict[str, str]) -> str:
    lines = [
        BEGIN,
        "## The production path: intake, answer document, mail ingest, competitor",
        "",
        "Measured in one run of `python -m bench.production_figures`, one benchmark after the "
        "other, on the machine below (shared: the load average is printed beside each figure).",
        "",
        *_pdf_rows(pdf), *_mail_rows(mail), *_intake_rows(intake), *_competitor_rows(competitor),
        "Machine: " + "; ".join(f"{k} {v}" for k, v in machine.items()) + ".",
        END,
    ]
    return "\n".join(lines) + "\n"


def run_into(path: Path, *, competitor: bool, fides_venv: Path, pairs: int, messages: int,
             duration: int, scales: tuple[int, ...]) -> None:
    """Measure every figure of this section and write it into ``path`` (``bench.run_all``)."""
    click.echo(f"load average: {load_average()}")
    pdf = pdf_vs_reportlab.measure()
    pdf_vs_reportlab.print_figures(pdf)
    mail = mail_ingest.measure(messages)
    mail_ingest.print_figures(mail)
    intake = intake_load.run(duration, 16, 2, 3, 4, 8937, 1000, 30)
    intake_load.print_result(intake)
    figures = None
    if competitor:
        figures = compare.run(pairs, 100_000, fides_venv, compare.SCHEMA, False, 8941, 10, scales)
        compare.print_figures(figures)
    write(section(pdf, mail, intake, figures, describe(compare.SERVICE_URL)), path)
    click.echo(f"written: {path}")


def write(text: str, path: Path = RESULTS) -> None:
    current = path.read_text() if path.exists() else ""
    if BEGIN in current and END in current:
        before, rest = current.split(BEGIN, 1)
        after = rest.split(END, 1)[1].lstrip("\n")
        updated = before + text + ("\n" + after if after else "")
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    path.write_text(updated)


@click.command()
@click.option("--competitor", is_flag=True, help="Also run bench.compare (installs the "
                                                  "competitor into a venv of its own).")
@click.option("--fides-venv", type=click.Path(file_okay=False, path_type=Path),
              default=Path(tempfile.gettempdir()) / "dsr-bench-fides-venv", show_default=True)
@click.option("--pairs", default=23, show_default=True, type=click.IntRange(1, 500))
@click.option("--messages", default=5000, show_default=True, type=click.IntRange(10, 200_000))
@click.option("--duration", default=20, show_default=True, type=click.IntRange(3, 300))
@click.option("--scales", default=compare.SCALES, show_default=True,
              help="With --competitor: other shop sizes at which dsr's access is timed.")
def main(competitor: bool, fides_venv: Path, pairs: int, messages: int, duration: int,
         scales: str) -> None:
    """Measure the production path's figures and write them into bench/RESULTS.md."""
    run_into(RESULTS, competitor=competitor, fides_venv=fides_venv, pairs=pairs,
             messages=messages, duration=duration, scales=compare.parse_scales(scales))


if __name__ == "__main__":
    main()
