"""Benchmark: dsr carrying out an erasure (with an objection) on the PostgreSQL shop.

    python -m bench.erasure_request --shop-url postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_shop

The request asks for erasure and objection (as customers usually write: "delete my data and
send me no more advertising"); the shop database's two connectors are configured: ``shop``
(customer, orders, invoices, ...) and ``newsletter`` (subscriptions and consents; the objection
ends them and puts the addresses on the suppression list). Each subject is submitted through
``intake.submit``, discovered and verified; then the measured window runs from *verified* to
*completed*:

1. ``actions.process`` + ``run_pending``: the plan tasks (one per connector; read-only, the plan
   stored before anything is touched) and the draft (compile: payload, PDF, JSON, ZIP);
2. ``actions.approve`` with the default decisions + ``run_pending``: the execute tasks (the
   plan's steps, the re-read that proves what is left, the receipt, the erasure journal,
   blocked records, suppression entries) and the final answer (finalise);
3. ``actions.release`` + ``run_pending``: the confirmation to the requester; completed.

Every customer is erased once (see ``bench.erasure_subjects``): the shop is changed for good,
so each run takes customers nobody erased before. The baseline (``bench.baseline_erasure``)
does the same customer's erasure with hand-written SQL in one transaction, measured before dsr
erases that customer, and rolls back.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
import psycopg
from sqlalchemy import select

from bench import baseline_erasure
from bench.access_request import WAITING, _difference, _failure, _status, prepare_services
from bench.build_shop import libpq_url
from bench.common import (
    COMPETITOR,
    DATA_DIR,
    SERVICE_URL,
    SHOP_AND_NEWSLETTER,
    SHOP_URL,
    summary,
)
from bench.counters import EngineCounter, EngineCounts
from bench.erasure_subjects import pick_erasure_subjects
from bench.stages import StageTimer, breakdown, grouped, profiled, top_functions
from bench.subjects import Subject, pick_subjects
from dsr.answers import operations as reports
from dsr.changes.models import ChangePlan, ChangeReceipt
from dsr.context import Services
from dsr.requests import intake
from dsr.requests import operations as actions
from dsr.requests.models import Request
from workflows.runner import run_pending
from workflows.states import State

TYPES = ["erasure", "objection"]

#: Timed stages of an erasure (see ``bench.stages``).
STAGES: tuple[tuple[str, str, str], ...] = (
    ("plan jobs", "workflows.jobs", "JOBS.plan"),
    ("compile job (draft)", "workflows.jobs", "JOBS.compile"),
    ("execute jobs", "workflows.jobs", "JOBS.execute"),
    ("finalise job (final answer)", "workflows.jobs", "JOBS.finalise"),
    ("confirm_changes job (confirmation e-mail)", "workflows.jobs", "JOBS.confirm_changes"),
    ("connector plan (reads)", "connectors.shop_sql", "ShopSqlConnector.plan"),
    ("connector execute (writes, re-read)", "connectors.shop_sql", "ShopSqlConnector.execute"),
    ("  of which the plan's steps (writes; the rest is the re-read)",
     "connectors.shop_sql_execute", "SqlExecutor.run"),
    ("  of which the step log (one service transaction per step)", "dsr.changes.operations",
     "DbStepLog.mark_done"),
    ("render PDF (reportlab), draft and final", "dsr.answers.report.pdf", "render_access_report"),
    ("store the receipt (journal, blocked records, suppressions)", "dsr.changes.operations",
     "record_receipt"),
)
JOB_STAGES = ("plan jobs", "compile job (draft)", "execute jobs", "finalise job (final answer)",
              "confirm_changes job (confirmation e-mail)")


@dataclass
class Measurement:
    """One subject's erasure, verified to completed."""

    subject: Subject
    seconds: float
    cpu_seconds: float
    phases: dict[str, float]
    service: EngineCounts
    shop: EngineCounts
    changes: int
    verified: bool
    stages: dict[str, float] = field(default_factory=dict)
    baseline: baseline_erasure.ErasureRun | None = None


def _submit_and_verify(services: Services, subject: Subject, connectors: list[str]) -> int:
    submission = intake.Submission(types=list(TYPES), name=subject.name, email=subject.email,
                                   channel="form", received_at=datetime.now(UTC))
    with services.db.session() as session:
        request_id = intake.submit(session, submission, calendar=services.calendar,
                                   connectors=connectors).id
    run_pending(services)
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        if request.status not in WAITING or "shop" not in (request.subject_keys or {}):
            raise click.ClickException(f"discovery did not find {subject.customer_no}: "
                                       f"{request.status}, {request.match_table}")
        if request.status == State.AWAITING_VERIFICATION:
            actions.verify(session, request, actor="bench", method="manual")
    return request_id


def _erase(services: Services, request_id: int, connectors: list[str]) -> dict[str, float]:
    """The measured work: process, approve, release, each followed by the due tasks.
    Returns the seconds of each phase."""
    phases: dict[str, float] = {}
    started = time.perf_counter()
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        actions.process(session, request, actor="bench", connectors=connectors)
    run_pending(services)
    phases["process → review (plan, draft)"] = time.perf_counter() - started
    started = time.perf_counter()
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        if request.status != State.REVIEW:
            raise click.ClickException(f"request {request_id} is {request.status}, not review: "
                                       f"{_failure(services, request_id)}")
        decisions = actions.default_decisions(request,
                                              reports.found_categories(session, request_id))
        actions.approve(session, request, actor="bench", user_id=None, decisions=decisions)
    run_pending(services)
    phases["approve → executed (execute, final answer)"] = time.perf_counter() - started
    started = time.perf_counter()
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        actions.release(session, request, actor="bench")
    run_pending(services)
    phases["release → completed (confirmation)"] = time.perf_counter() - started
    return phases


def _outcome(services: Services, request_id: int) -> tuple[int, bool]:
    """Planned changes in all systems, and whether every receipt proved the plan carried out."""
    with services.db.session() as session:
        plans = list(session.scalars(select(ChangePlan).where(
            ChangePlan.request_id == request_id)))
        receipts = list(session.scalars(select(ChangeReceipt).where(
            ChangeReceipt.plan_id.in_([p.id for p in plans]))))
    changes = sum(row["rows"] for p in plans for row in (p.summary or []))
    return changes, bool(receipts) and all(r.verified for r in receipts)


def measure(services: Services, counters: tuple[EngineCounter, EngineCounter],
            subject: Subject, timer: StageTimer, connectors: list[str]) -> Measurement:
    """One erasure for ``subject``: the measured window, the counts, the outcome."""
    service_counter, shop_counter = counters
    request_id = _submit_and_verify(services, subject, connectors)
    with service_counter.counting() as service, shop_counter.counting() as shop, \
            timer.timing() as stage_seconds:
        started, cpu = time.perf_counter(), time.process_time()
        phases = _erase(services, request_id, connectors)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    if _status(services, request_id) != State.COMPLETED:
        raise click.ClickException(f"erasure for {subject.customer_no} did not complete: "
                                   f"{_status(services, request_id)}, "
                                   f"{_failure(services, request_id)}")
    changes, verified = _outcome(services, request_id)
    stages = dict(breakdown(dict(stage_seconds), seconds, STAGES, JOB_STAGES))
    return Measurement(subject, seconds, cpu, phases, _difference(service, EngineCounts()),
                       _difference(shop, EngineCounts()), changes, verified, stages)


def run(shop_url: str = SHOP_URL, service_url: str = SERVICE_URL, data_dir: Path = DATA_DIR,
        count: int = 15, profile: bool = True) -> dict[str, Any]:
    """Erase ``count`` customers (plus a warm-up and, with ``profile``, one more under cProfile)
    with dsr, after timing the baseline on each; the figures as plain data."""
    connectors = list(SHOP_AND_NEWSLETTER)
    services = prepare_services(shop_url, service_url, data_dir, SHOP_AND_NEWSLETTER)
    try:
        shop_engine = services.connectors["shop"].engine
        access = pick_subjects(shop_engine, 5)  # never erase the access benchmark's customers
        excluded = [s.id for s in (access.warmup, *access.measured, access.showcase)]
        chosen = pick_erasure_subjects(shop_engine, count + (1 if profile else 0),
                                       access.median_orders, excluded)
        warmup, measured = chosen[0], chosen[1:count + 1]
        plan = baseline_erasure.statements()
        with psycopg.connect(libpq_url(shop_url)) as conn:
            baseline_erasure.run(conn, plan, warmup.id, warmup.email)  # warm-up, rolled back
            baselines = {s.id: baseline_erasure.run(conn, plan, s.id, s.email)
                         for s in measured}
        counters = (EngineCounter(services.db.engine), EngineCounter(shop_engine))
        for counter in counters:
            counter.install()
        timer = StageTimer(STAGES)
        cold = measure(services, counters, warmup, timer, connectors)
        results = []
        for subject in measured:
            item = measure(services, counters, subject, timer, connectors)
            item.baseline = baselines[subject.id]
            results.append(item)
        profile_data = (_profile(services, chosen[count + 1], connectors)
                        if profile and len(chosen) > count + 1 else {})
    finally:
        services.close()
    return _results(access.median_orders, cold, results, profile_data)


def _profile(services: Services, subject: Subject, connectors: list[str]) -> dict[str, Any]:
    """cProfile over one more (uncounted) erasure's measured window."""
    request_id = _submit_and_verify(services, subject, connectors)
    with profiled() as profile:
        _erase(services, request_id, connectors)
    return {"top": top_functions(profile), "groups": grouped(profile)[:12]}


def _results(median_orders: int, cold: Measurement, measured: list[Measurement],
             profile: dict[str, Any]) -> dict[str, Any]:
    ours = summary([m.seconds for m in measured])
    base = summary([m.baseline.seconds for m in measured if m.baseline])
    counts = {name: {key: statistics.median(getattr(m, name).as_dict()[key] for m in measured)
                     for key in EngineCounts().as_dict()} for name in ("service", "shop")}
    transactions = counts["service"]["begins"] + counts["shop"]["begins"]
    return {
        "median_orders": median_orders,
        "ours": ours, "baseline": base, "cold_seconds": cold.seconds,
        "ours_cpu": summary([m.cpu_seconds for m in measured]),
        "ratio_baseline": ours["median"] / base["median"],
        "baseline_statements": statistics.median(m.baseline.statements for m in measured
                                                 if m.baseline),
        "counts": counts, "transactions": transactions,
        "competitor": COMPETITOR,
        "ratio_competitor_time": ours["median"] / COMPETITOR["erasure_s"],
        "ratio_competitor_transactions": transactions / COMPETITOR["transactions"],
        "phases": {name: statistics.median(m.phases[name] for m in measured)
                   for name in measured[0].phases},
        "stages": {name: statistics.median(m.stages[name] for m in measured)
                   for name in measured[0].stages},
        "subjects": [_subject_row(m) for m in measured],
        "all_verified": all(m.verified for m in measured),
        "profile": profile,
    }


def _subject_row(m: Measurement) -> dict[str, Any]:
    return {**asdict(m.subject), "seconds": m.seconds, "cpu_seconds": m.cpu_seconds,
            "changes": m.changes, "verified": m.verified, "service": m.service.as_dict(),
            "shop": m.shop.as_dict(), "baseline": asdict(m.baseline) if m.baseline else None}


@click.command()
@click.option("--shop-url", default=SHOP_URL, show_default=True)
@click.option("--service-url", default=SERVICE_URL, show_default=True,
              help="Dropped and created afresh.")
@click.option("--data-dir", default=str(DATA_DIR), show_default=True,
              type=click.Path(file_okay=False), help="Emptied first.")
@click.option("--subjects", "count", default=15, show_default=True,
              type=click.IntRange(1, 200), help="Customers erased (each once) for the median.")
@click.option("--profile/--no-profile", default=True, show_default=True,
              help="cProfile one more erasure to show where the time goes.")
def main(shop_url: str, service_url: str, data_dir: str, count: int, profile: bool) -> None:
    """Measure erasure + objection, verified to completed, beside the baseline; print it."""
    from bench.report_erasure import erasure_markdown

    click.echo(erasure_markdown(run(shop_url, service_url, Path(data_dir), count, profile)))


if __name__ == "__main__":
    main()
