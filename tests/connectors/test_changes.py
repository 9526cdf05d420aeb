"""The plan and receipt values and retention arithmetic (every registered kind against the
Protocols: test_conformance.py)."""

from __future__ import annotations

from datetime import date

from connectors.changes import Plan, PlannedChange, RetentionRule


def test_retention_counts_from_the_end_of_the_issue_year() -> None:
    voucher = RetentionRule("accounting_voucher", "§147 AO", years=8)
    assert voucher.until(date(2018, 1, 2)) == date(2026, 12, 31)
    assert voucher.until(date(2018, 12, 31)) == date(2026, 12, 31)
    assert RetentionRule("x", "n", years=1, starts="creation").until(date(2024, 2, 29)) == \
        date(2025, 2, 28)
    assert RetentionRule("logs", "n", days=42, starts="creation").until(date(2026, 1, 1)) == \
        date(2026, 2, 12)


def test_summary_counts_rows_and_spans_dates_without_values() -> None:
    plan = Plan("shop", (
        PlannedChange("invoices", (1,), ("billing_name",), "block", "accounting_voucher",
                      "§147 AO", date(2030, 12, 31), {"billing_name": "null"}),
        PlannedChange("invoices", (2,), ("billing_name",), "block", "accounting_voucher",
                      "§147 AO", date(2033, 12, 31), {"billing_name": "null"}),
        PlannedChange("customers", (1,), ("email",), "set", "rectification", "Art. 16",
                      value="new@example.org")))
    blocked, changed = plan.summary()
    assert blocked["rows"] == 2 and blocked["retained_from"] == "2030-12-31"
    assert blocked["retained_until"] == "2033-12-31"
    assert "value" not in changed and "new@example.org" not in str(plan.summary())
    assert [target for target, _ in plan.steps()] == ["invoices", "customers"]
    assert Plan.from_json(plan.to_json()) == plan
