"""The erasure benchmark's figures as Markdown: printed by the benchmark, kept in RESULTS.md."""

from __future__ import annotations

from typing import Any

from bench.report_access import _counts_line, _ms, _profile_lines


def erasure_markdown(r: dict[str, Any]) -> str:
    """Timing, phases, counts, per-subject outcome, where the time goes, the profile."""
    ours, base, comp = r["ours"], r["baseline"], r["competitor"]
    lines = [
        "## Erasure request (erasure + objection), verified → completed",
        "",
        f"{len(r['subjects'])} customers with the median number of orders "
        f"({r['median_orders']}) and at least one invoice, each erased once (customers nobody "
        "erased before), one warm-up erasure first (not counted). Connectors: `shop` and "
        "`newsletter` (the shop database's). The window: process → plan tasks and draft → "
        "approve (default decisions) → execute tasks and final answer → release → "
        "confirmation → completed.",
        "",
        "| | median | min | max |",
        "| --- | ---: | ---: | ---: |",
        f"| dsr (plan, draft, execute, receipt, final answer, confirmation) | "
        f"{_ms(ours['median'])} | {_ms(ours['min'])} | {_ms(ours['max'])} |",
        f"| dsr, CPU time of the benchmark process | {_ms(r['ours_cpu']['median'])} | "
        f"{_ms(r['ours_cpu']['min'])} | {_ms(r['ours_cpu']['max'])} |",
        f"| baseline (hand-written SQL: read, {r['baseline_statements']:g} statements in one "
        f"transaction, rolled back) | {_ms(base['median'])} | {_ms(base['min'])} | "
        f"{_ms(base['max'])} |",
        f"| competitor (published) | {_ms(comp['erasure_s'])} | | |",
        "",
        f"- dsr / baseline: **{r['ratio_baseline']:.1f}×**; "
        f"dsr / competitor: **{r['ratio_competitor_time']:.2f}×**",
        f"- first erasure after start (warm-up, cold caches): {_ms(r['cold_seconds'])}",
        f"- transactions in the window (service + shop): **{r['transactions']:g}**, "
        f"against the competitor's ~{comp['transactions']} per request: "
        f"**{r['ratio_competitor_transactions']:.2f}×**",
        f"- every receipt verified (a fresh read shows only the blocked fields): "
        f"{'yes' if r['all_verified'] else '**no**'}",
        "",
        "Phases (median):",
        "",
        "| phase | time |",
        "| --- | ---: |",
        *(f"| {name} | {_ms(seconds)} |" for name, seconds in r["phases"].items()),
        "",
        "Statements and transactions per erasure (median; `begins` = transactions):",
        "",
        "| engine | statements | begins | commits | rollbacks | checkouts |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        _counts_line("service, verified → completed", r["counts"]["service"]),
        _counts_line("shop, verified → completed", r["counts"]["shop"]),
        "",
        "Per subject:",
        "",
        "| customer | orders | dsr | planned changes | verified | service tx | shop tx | "
        "baseline | baseline rows changed |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for row in r["subjects"]:
        b = row["baseline"] or {}
        lines.append(f"| {row['customer_no']} | {row['orders']} | {_ms(row['seconds'])} | "
                     f"{row['changes']} | {'yes' if row['verified'] else 'no'} | "
                     f"{row['service']['begins']} | {row['shop']['begins']} | "
                     f"{_ms(b.get('seconds', 0))} | {b.get('rows_changed', 0)} |")
    lines += ["", "Where dsr's time goes (median per erasure, wall clock; connector stages are "
              "inside the jobs):", "", "| stage | time | share |", "| --- | ---: | ---: |"]
    total = ours["median"]
    for stage, seconds in r["stages"].items():
        lines.append(f"| {stage} | {_ms(seconds)} | {seconds / total:.0%} |")
    if r.get("profile"):
        lines += _profile_lines(r["profile"])
    return "\n".join(lines) + "\n"
