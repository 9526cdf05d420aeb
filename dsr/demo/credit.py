"""Credit checks before delivery on account, and unpaid invoices handed to collection.

The check is the automated decision the register describes (automated_decisions.credit_check):
the bureau's score picks a band of ``pools.CREDIT_BANDS``, the band the payment options.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dsr.demo import pools
from dsr.demo.context import Batch, Context, Row
from dsr.demo.people import Person, random_time


@dataclass
class CreditState:
    """The last credit check of a customer and the payment options it allowed."""

    checked_at: datetime
    options: tuple[str, ...]


def credit_check(ctx: Context, person: Person, batch: Batch, order_id: int,
                 at: datetime, method: str, last: CreditState | None) -> CreditState:
    """Ask the bureau unless a check from the last 90 days can be reused."""
    if last is not None and at - last.checked_at < timedelta(days=90):
        return last
    rng = ctx.rng
    if person.profile.score:
        score = rng.gauss(person.profile.score, 0.8)
    else:  # most people pay reliably; a minority has negative entries
        score = rng.gauss(97.6, 1.4) if rng.random() < 0.9 else rng.gauss(91.0, 5.0)
    score = round(min(99.9, max(60.0, score)), 2)
    decision, options = next((d, o) for floor, d, o in pools.CREDIT_BANDS if score >= floor)
    batch.add("credit_checks", {
        "id": ctx.next_id("credit_checks"), "customer_id": person.id, "order_id": order_id,
        "bureau": pools.CREDIT_BUREAU, "bureau_reference": f"SA-{rng.randint(10**9, 10**10 - 1)}",
        "checked_at": at - timedelta(seconds=rng.randint(5, 50)), "requested_payment": method,
        "score": score, "decision": decision, "payment_options_offered": ",".join(options),
    })
    return CreditState(at, options)


def hand_to_collection(ctx: Context, person: Person, batch: Batch, invoices: list[Row],
                       forced: bool) -> None:
    """Hand an unpaid invoice on account to the collection agency."""
    rng, today = ctx.rng, ctx.now.date()
    candidates = [i for i in invoices
                  if i["due_on"] < today - timedelta(days=45) and i["status"] == "paid"]
    if not candidates:
        return
    invoice = candidates[-1]
    opened = datetime.combine(invoice["due_on"] + timedelta(days=rng.randint(30, 40)),
                              datetime.min.time()) + timedelta(hours=9)
    status = "open" if forced else rng.choice(("open", "settled", "settled", "written_off"))
    closed = None if status == "open" else random_time(rng, opened, ctx.now - timedelta(days=1))
    invoice["status"] = "paid" if status == "settled" else "overdue"
    invoice["paid_on"] = closed.date() if status == "settled" and closed else None
    batch.add("collection_cases", {
        "id": ctx.next_id("collection_cases"), "customer_id": person.id,
        "invoice_id": invoice["id"], "agency": pools.COLLECTION_AGENCY,
        "agency_file_no": f"IK-{opened.year}-{rng.randint(10000, 99999)}", "opened_at": opened,
        "closed_at": closed, "status": status,
        "amount_cents": invoice["gross_cents"] + rng.choice((500, 1500, 3750)),
    })
