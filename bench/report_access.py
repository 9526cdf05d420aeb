"""The access benchmark's figures as Markdown: printed by the benchmark, kept in RESULTS.md."""

from __future__ import annotations

from typing import Any

import click


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def _counts_line(label: str, counts: dict[str, float]) -> str:
    return (f"| {label} | {counts['statements']:g} | {counts['begins']:g} | "
            f"{counts['commits']:g} | {counts['rollbacks']:g} | {counts['checkouts']:g} |")


def access_markdown(r: dict[str, Any]) -> str:
    """Timing, counts, per-subject output, where the time goes, and the profile's top list."""
    ours, base, comp = r["ours"], r["baseline"], r["competitor"]
    lines = [
        "## Access request, verified → review",
        "",
        f"{len(r['subjects'])} customers with the median number of orders "
        f"({r['median_orders']}), one warm-up request first (not counted)"
        + (f"; each asked {r['repeats']} times, the fastest kept (dsr and baseline alike)."
           if r.get("repeats", 1) > 1 else "."),
        "",
        "| | median | min | max |",
        "| --- | ---: | ---: | ---: |",
        f"| dsr (process + collect + compile: payload, PDF, JSON, encrypted) | "
        f"{_ms(ours['median'])} | {_ms(ours['min'])} | {_ms(ours['max'])} |",
        f"| dsr, CPU time of the benchmark process | {_ms(r['ours_cpu']['median'])} | "
        f"{_ms(r['ours_cpu']['min'])} | {_ms(r['ours_cpu']['max'])} |",
        f"| baseline (hand-written SQL + bare reportlab PDF) | {_ms(base['median'])} | "
        f"{_ms(base['min'])} | {_ms(base['max'])} |",
        f"| baseline, SQL only | {_ms(r['baseline_sql_median'])} | | |",
        f"| competitor (published) | {_ms(comp['access_s'])} | | |",
        "",
        f"- dsr / baseline: **{r['ratio_baseline']:.1f}×**; "
        f"dsr / competitor: **{r['ratio_competitor_time']:.2f}×**",
        f"- first request after start (warm-up, cold caches): {_ms(r['cold_seconds'])}",
        f"- transactions in the window (service + shop): **{r['transactions']:g}**, "
        f"against the competitor's ~{comp['transactions']} per request: "
        f"**{r['ratio_competitor_transactions']:.2f}×**",
        "",
        "Statements and transactions per request (median over the subjects; `begins` = "
        "transactions; `checkouts` = pool checkouts, each one a pre-ping round trip):",
        "",
        "| engine | statements | begins | commits | rollbacks | checkouts |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        _counts_line("service, verified → review", r["counts"]["service"]),
        _counts_line("shop, verified → review", r["counts"]["shop"]),
        _counts_line("service, submit → review (whole way)", r["counts"]["to_review_service"]),
        _counts_line("shop, submit → review (whole way)", r["counts"]["to_review_shop"]),
        "",
        "Per subject:",
        "",
        "| customer | orders | dsr | rows read | PDF pages | PDF size | baseline | baseline rows "
        "| baseline pages |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in [*r["subjects"], r["showcase"]]:
        b = row["baseline"] or {}
        name = row["customer_no"] + (" (showcase, not in the median)"
                                     if row is r["showcase"] else "")
        lines.append(f"| {name} | {row['orders']} | {_ms(row['seconds'])} | {row['rows']} | "
                     f"{row['pages']} | {row['pdf_bytes'] / 1024:,.0f} KiB | "
                     f"{_ms(b.get('seconds', 0))} | {b.get('rows', 0)} | {b.get('pages', 0)} |")
    lines += ["", "Where dsr's time goes (median per request, wall clock):", "",
              "| stage | time | share |", "| --- | ---: | ---: |"]
    total = ours["median"]
    for stage, seconds in r["stages"].items():
        lines.append(f"| {stage} | {_ms(seconds)} | {seconds / total:.0%} |")
    if r.get("profile"):
        lines += _profile_lines(r["profile"])
    return "\n".join(lines) + "\n"


def _profile_lines(profile: dict[str, Any]) -> list[str]:
    lines = ["", "cProfile of one more request (own time; cProfile slows Python code more "
             "than database waits):", "", "| library | own time |", "| --- | ---: |"]
    lines += [f"| {group} | {_ms(seconds)} |" for group, seconds in profile["groups"]]
    lines += ["", "| function | calls | own | cumulative |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| `{func}` | {calls} | {_ms(own)} | {_ms(cum)} |"
              for func, calls, own, cum in profile["top"]]
    return lines


def print_results(results: dict[str, Any]) -> None:
    click.echo(access_markdown(results))
