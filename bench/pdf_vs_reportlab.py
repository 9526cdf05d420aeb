"""Benchmark: dsr's access answer PDF beside a bare reportlab document of the same rows.

    python -m bench.pdf_vs_reportlab [--customers 200] [--repeats 15] [--profile]

A throw-away embedded service (SQLite, the demo shop of ``--customers`` customers) answers one
access request for the demo's showcase customer (twelve years of invoices, recipients, a credit
check, correspondence) the way the worker does: submit, discover, verify, collect, compile. The
stored JSON of that answer is the payload the PDF is rendered from. Then, interleaved and
``--repeats`` times each, in this process:

- dsr: ``render_access_report(payload)`` (cover letter, contents, decisions, Art. 15 information,
  the copy of the data, own records, page furniture, embedded DejaVu subsets);
- bare: a ``SimpleDocTemplate`` with one unstyled ``Table`` per table of the payload, the same
  rows and columns, in reportlab's built-in Helvetica (nothing embedded).

Prints the medians, the ratio and the load average; ``--profile`` adds pyinstrument's (or
cProfile's) view of one dsr rendering. The first rendering of each (fonts, imports) is reported
apart and not counted.
"""

from __future__ import annotations

import io
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import click

from bench.machine import load_average


def _answer_payload(data_dir: Path, customers: int) -> dict[str, Any]:
    """The showcase customer's access answer, produced by dsr in a throw-away embedded service."""
    from sqlalchemy import select

    from dsr.answers import operations as reports
    from dsr.audit import ensure_head
    from dsr.config import load_config
    from dsr.context import Services
    from dsr.demo.generator import build_demo_shop
    from dsr.migrate import upgrade
    from dsr.requests import intake
    from dsr.requests import operations as actions
    from dsr.requests.models import Request
    from workflows.runner import run_pending
    from workflows.states import State

    config = load_config(path=None, env={}, overrides={
        "service": {"data_dir": str(data_dir), "secret_key": "bench-secret-" + "x" * 32},
        "tasks": {"backoff_seconds": 0}})
    services = Services(config)
    upgrade(services.db.engine)
    with services.db.session() as session:
        ensure_head(session)
    shop = config.connectors["shop"]
    summary = build_demo_shop(shop["url"], customers=customers, today=services.clock.today())
    connectors = ["shop"]
    submission = intake.Submission(types=["access"], name="Bench", channel="form",
                                   email=summary.sample_customer_email,
                                   received_at=services.clock.now())
    with services.db.session() as session:
        request_id = intake.submit(session, submission, calendar=services.calendar,
                                   connectors=connectors).id
    run_pending(services)
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        if request.status == State.AWAITING_VERIFICATION:
            actions.verify(session, request, actor="bench", method="manual")
        actions.process(session, request, actor="bench", connectors=connectors)
    run_pending(services)
    with services.db.session() as session:
        doc = reports.latest_document(session, request_id, "report_json")
        if doc is None:
            status = session.scalar(select(Request.status).where(Request.id == request_id))
            raise click.ClickException(f"no answer was compiled (request {status})")
        payload: dict[str, Any] = json.loads(services.documents.read(doc))
    services.db.engine.dispose()
    return payload


def _tables(payload: dict[str, Any]) -> list[tuple[str, list[str], list[list[str]]]]:
    """Every table of the copy of the data: name, column labels, rows as text."""
    found = []
    for section in payload.get("sections") or []:
        for table in section.get("tables") or []:
            columns = [c.get("label") or c.get("name") for c in table.get("columns") or []]
            keys = [c.get("name") for c in table.get("columns") or []]
            rows = []
            for row in table.get("rows") or []:
                values = row.get("values", row) if isinstance(row, dict) else row
                if isinstance(values, dict):
                    rows.append(["" if values.get(k) is None else str(values.get(k)) for k in keys])
                else:
                    rows.append(["" if v is None else str(v) for v in values])
            if rows:
                found.append((str(table.get("label") or table.get("name")), columns, rows))
    return found


def bare_pdf(tables: list[tuple[str, list[str], list[list[str]]]]) -> bytes:
    """A heading and one unstyled table per table, reportlab's defaults (as bench.baseline)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4)
    heading = getSampleStyleSheet()["Heading3"]
    story: list[Any] = []
    for name, columns, rows in tables:
        width = doc.width / max(1, len(columns))
        story += [Paragraph(name, heading),
                  Table([columns, *rows], colWidths=[width] * len(columns), repeatRows=1)]
    doc.build(story)
    return buffer.getvalue()


def _timed(fn: Any, *args: Any) -> tuple[float, float, bytes]:
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return time.perf_counter() - wall, time.process_time() - cpu, out


def _profile(payload: dict[str, Any]) -> None:
    from dsr.answers.report.pdf import render_access_report

    try:
        from pyinstrument import Profiler
    except ImportError:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(render_access_report, payload)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(5):
        render_access_report(payload)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def measure(customers: int = 200, repeats: int = 15,
            payload: dict[str, Any] | None = None) -> dict[str, Any]:
    """Both renderings, interleaved ``repeats`` times; the figures as plain data."""
    from pypdf import PdfReader

    from dsr.answers.report.pdf import render_access_report

    load_start = load_average()
    if payload is None:
        with tempfile.TemporaryDirectory(prefix="dsr-pdf-bench-") as tmp:
            payload = _answer_payload(Path(tmp), customers)
    tables = _tables(payload)
    first_dsr = _timed(render_access_report, payload)
    first_bare = _timed(bare_pdf, tables)
    dsr_wall, dsr_cpu, bare_wall, bare_cpu = [], [], [], []
    pdf = bare = b""
    for _ in range(repeats):  # interleaved, so load changes touch both alike
        wall, cpu, pdf = _timed(render_access_report, payload)
        dsr_wall.append(wall)
        dsr_cpu.append(cpu)
        wall, cpu, bare = _timed(bare_pdf, tables)
        bare_wall.append(wall)
        bare_cpu.append(cpu)
    return {
        "rows": sum(len(t[2]) for t in tables), "tables": len(tables), "repeats": repeats,
        "dsr_pages": len(PdfReader(io.BytesIO(pdf)).pages), "dsr_kib": len(pdf) // 1024,
        "bare_pages": len(PdfReader(io.BytesIO(bare)).pages), "bare_kib": len(bare) // 1024,
        "first_dsr_ms": first_dsr[0] * 1000, "first_bare_ms": first_bare[0] * 1000,
        "dsr_ms": statistics.median(dsr_wall) * 1000, "dsr_cpu_ms": statistics.median(dsr_cpu) * 1000,
        "bare_ms": statistics.median(bare_wall) * 1000,
        "bare_cpu_ms": statistics.median(bare_cpu) * 1000,
        "dsr_min_ms": min(dsr_wall) * 1000, "bare_min_ms": min(bare_wall) * 1000,
        "load_start": load_start, "load_end": load_average(),
    }


def print_figures(f: dict[str, Any]) -> None:
    print(f"rows: {f['rows']} in {f['tables']} tables; dsr PDF {f['dsr_pages']} pages "
          f"{f['dsr_kib']} KiB, bare PDF {f['bare_pages']} pages {f['bare_kib']} KiB")
    print(f"first rendering (not counted): dsr {f['first_dsr_ms']:.0f} ms, "
          f"bare {f['first_bare_ms']:.0f} ms")
    print(f"dsr PDF:   median {f['dsr_ms']:.1f} ms wall, {f['dsr_cpu_ms']:.1f} ms CPU "
          f"(min {f['dsr_min_ms']:.1f} ms, {f['repeats']} runs)")
    print(f"bare PDF:  median {f['bare_ms']:.1f} ms wall, {f['bare_cpu_ms']:.1f} ms CPU "
          f"(min {f['bare_min_ms']:.1f} ms)")
    print(f"ratio dsr / bare: {f['dsr_ms'] / f['bare_ms']:.2f}x wall, "
          f"{f['dsr_cpu_ms'] / f['bare_cpu_ms']:.2f}x CPU (target <= 3x); per page "
          f"{f['dsr_cpu_ms'] / f['dsr_pages']:.1f} against {f['bare_cpu_ms'] / f['bare_pages']:.1f} ms CPU")
    print(f"load average at start / end: {f['load_start']} / {f['load_end']}")


@click.command()
@click.option("--customers", default=200, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--repeats", default=15, show_default=True, type=click.IntRange(3, 1000))
@click.option("--profile", is_flag=True, help="Profile five dsr renderings (pyinstrument).")
@click.option("--payload", "payload_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Render this stored payload (report JSON) instead of building one.")
def main(customers: int, repeats: int, profile: bool, payload_file: Path | None) -> None:
    """Time dsr's answer PDF against a bare reportlab document of the same rows."""
    payload = json.loads(payload_file.read_text()) if payload_file is not None else None
    if payload is None:
        with tempfile.TemporaryDirectory(prefix="dsr-pdf-bench-") as tmp:
            payload = _answer_payload(Path(tmp), customers)
    print_figures(measure(customers, repeats, payload))
    if profile:
        _profile(payload)


if __name__ == "__main__":
    main()
