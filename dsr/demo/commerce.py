"""Rows for what a customer buys: addresses, orders and everything that hangs off an order."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import NamedTuple

from dsr.demo import pools
from dsr.demo.context import Batch, Context, Row
from dsr.demo.credit import CreditState, credit_check, hand_to_collection
from dsr.demo.people import Person, Place, random_place, random_time, unique_email, weighted
from dsr.demo.showcase import SHOWCASE_COUNT

YEAR = timedelta(days=365.25)
ALNUM = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"
DELIVERY_NOTES = ("Bitte vor 12 Uhr liefern.", "Lieferung an die Poststelle, Gebäude B.",
                  "Bitte nicht klingeln, Baby schläft.", "Bitte in die Garage stellen.")


class Purchase(NamedTuple):
    """An order row and the SKUs on it (for reviews and correspondence)."""

    order: Row
    skus: tuple[str, ...]


def add_commerce(ctx: Context, person: Person, batch: Batch) -> list[Purchase]:
    """Add a customer's addresses, orders and their follow-ups; return the orders."""
    company = ctx.cast.companies[person.company_id - 1] if person.company_id else None
    deliveries = _addresses(ctx, person, batch, company)
    orders = _orders(ctx, person, batch, deliveries, company)
    _payment_methods(ctx, person, batch, {str(p.order["payment_method"]) for p in orders})
    return orders


def _addresses(ctx: Context, person: Person, batch: Batch, company: Row | None) -> list[Place]:
    rng = ctx.rng
    places = [person.home]
    if rng.random() < 0.35:
        places.append(random_place(rng, ctx.fake))
    for number, place in enumerate(places):
        batch.add("addresses", {
            "id": ctx.next_id("addresses"), "customer_id": person.id,
            "kind": "billing" if number == 0 else "delivery", "is_default": True,
            "company_name": company["name"] if company and number == 0 else None,
            "first_name": person.first_name, "last_name": person.last_name,
            "street": place.street,
            "address_extra": rng.choice(("2. OG", "Hinterhaus", "App. 12")) if rng.random() < 0.08
            else None,
            "postcode": place.postcode, "city": place.city, "country": place.country,
            "created_at": random_time(rng, person.created_at, person.created_at + YEAR),
        })
    return places


def _order_times(ctx: Context, person: Person) -> list[datetime]:
    rng, profile, now = ctx.rng, person.profile, ctx.now
    if profile.orders is not None:
        count = profile.orders
    elif person.company_id:
        count = rng.randint(10, 60)
    else:
        roll = rng.random()
        count = 0 if roll < 0.08 else (min(10, 1 + int(rng.expovariate(1 / 3))) if roll < 0.9
                                       else rng.randint(11, 40))
    if profile.first_order_years_ago and count > 1:
        # Spread evenly so the showcase has invoices both inside and outside retention.
        span = profile.first_order_years_ago * YEAR - timedelta(days=20)
        return [(now - profile.first_order_years_ago * YEAR + span * k / (count - 1)
                 + timedelta(seconds=rng.randint(0, 72 * 3600))).replace(microsecond=0)
                for k in range(count)]
    earliest = max(person.created_at, now - 12 * YEAR + timedelta(days=5))
    # Customers drift away: most stop ordering some years after signing up.
    latest = min(now - timedelta(hours=1), person.created_at + rng.uniform(1, 14) * YEAR)
    return sorted(random_time(rng, earliest, max(earliest, latest)) for _ in range(count))


def _orders(ctx: Context, person: Person, batch: Batch, deliveries: list[Place],
            company: Row | None) -> list[Purchase]:
    rng, profile = ctx.rng, person.profile
    times = _order_times(ctx, person)
    credit: CreditState | None = None
    orders: list[Purchase] = []
    on_account: list[Row] = []  # invoices the customer pays after delivery
    for number, ordered_at in enumerate(times):
        forced = number < len(profile.methods)
        method = profile.methods[number] if forced else (
            "invoice" if company and rng.random() < 0.8 else weighted(rng, pools.PAYMENT_WEIGHTS))
        order_id = ctx.next_id("orders")
        if method in pools.CREDIT_CHECKED_METHODS and company is None:
            credit = credit_check(ctx, person, batch, order_id, ordered_at, method, credit)
            if method not in credit.options:
                method = rng.choice(("paypal", "prepayment", "credit_card"))
        gift = profile.gift_to if number == len(times) - 2 else None
        order = _order_row(ctx, person, order_id, ordered_at, method, deliveries, company, gift)
        order["status"] = _status(ctx, ordered_at, forced)
        batch.add("orders", order)
        net, skus = _items(ctx, batch, order, b2b=company is not None)
        if order["status"] not in ("processing", "cancelled"):
            shipped_at = _shipments(ctx, batch, order)
            invoice = _invoice(ctx, person, batch, order, net, shipped_at, company)
            if method in pools.CREDIT_CHECKED_METHODS:
                on_account.append(invoice)
        _transactions(ctx, person, batch, order)
        orders.append(Purchase(order, skus))
    if profile.collection or (rng.random() < 0.006 and person.index >= SHOWCASE_COUNT):
        hand_to_collection(ctx, person, batch, on_account, forced=profile.collection)
    return orders


def _order_row(ctx: Context, person: Person, order_id: int, at: datetime, method: str,
               deliveries: list[Place], company: Row | None, gift: int | None) -> Row:
    rng = ctx.rng
    name, place, email, phone = person.full_name, rng.choice(deliveries), None, None
    firm = str(company["name"]) if company else None
    roll = rng.random()
    if gift is not None or (roll < 0.02 and person.index >= SHOWCASE_COUNT):
        other = ctx.cast.people[gift if gift is not None else rng.randrange(len(ctx.cast.people))]
        if other.index != person.index:
            name, place, email, firm = other.full_name, other.home, other.email, None
            phone = other.phone if rng.random() < 0.3 else None
    elif roll < 0.08:
        first, last = ctx.fake.first_name(), ctx.fake.last_name()
        name, place, firm = f"{first} {last}", random_place(rng, ctx.fake), None
        email = unique_email(rng, first, last, ctx.cast.used_emails) if rng.random() < 0.6 else None
        phone = None if rng.random() < 0.7 else f"089 99998{rng.randint(0, 999):03d}"
    note = None
    if rng.random() < 0.05:
        note = (f"Bitte bei Familie {ctx.fake.last_name()} im EG abgeben."
                if rng.random() < 0.5 else rng.choice(DELIVERY_NOTES))
    return {
        "id": order_id, "customer_id": person.id, "order_no": f"B{at.year}-{order_id:07d}",
        "ordered_at": at, "status": "new", "payment_method": method, "currency": "EUR",
        "total_cents": 0, "shipping_cents": 0, "customer_note": note,
        "recipient_name": name, "recipient_company": firm, "recipient_street": place.street,
        "recipient_postcode": place.postcode, "recipient_city": place.city,
        "recipient_country": place.country, "recipient_email": email, "recipient_phone": phone,
    }


def _status(ctx: Context, at: datetime, forced: bool) -> str:
    age, roll = ctx.now - at, ctx.rng.random()
    if age < timedelta(days=2):
        return "processing"
    if not forced and roll < 0.03:
        return "cancelled"
    if not forced and roll < 0.07:
        return "returned"
    return "shipped" if age < timedelta(days=5) else "delivered"


def _items(ctx: Context, batch: Batch, order: Row, b2b: bool) -> tuple[int, tuple[str, ...]]:
    """Add the order lines and set the order's totals; return the net cents and the SKUs."""
    rng = ctx.rng
    subtotal = net = 0
    products = rng.sample(pools.PRODUCTS, rng.randint(1, 6 if b2b else 4))
    for line_no, (sku, name, _, price, vat) in enumerate(products, start=1):
        quantity = rng.randint(1, 10) if b2b else (rng.randint(1, 5) if price < 3000 else 1)
        subtotal += quantity * price
        net += round(quantity * price * 100 / (100 + vat))
        batch.add("order_items", {
            "order_id": order["id"], "line_no": line_no, "sku": sku, "product_name": name,
            "quantity": quantity, "unit_price_cents": price, "vat_rate": vat,
        })
    order["shipping_cents"] = 0 if subtotal >= 5000 else 595
    order["total_cents"] = subtotal + order["shipping_cents"]
    return net + round(order["shipping_cents"] * 100 / 119), tuple(p[0] for p in products)


def _shipments(ctx: Context, batch: Batch, order: Row) -> datetime:
    rng, now = ctx.rng, ctx.now
    shipped_at = min(order["ordered_at"] + timedelta(minutes=rng.randint(120, 2880)),
                     now - timedelta(hours=1))
    carrier = weighted(rng, pools.CARRIERS)
    for part in range(2 if rng.random() < 0.05 else 1):
        delivered = shipped_at + timedelta(hours=rng.randint(18, 70) + part * 24)
        batch.add("shipments", {
            "id": ctx.next_id("shipments"), "order_id": order["id"], "carrier": carrier,
            "service": "Express" if rng.random() < 0.05 else "Paket",
            "tracking_no": _tracking_no(ctx, carrier), "shipped_at": shipped_at,
            "delivered_at": delivered if delivered < now else None,
            "status": "delivered" if delivered < now else "in_transit",
        })
    return shipped_at


def _tracking_no(ctx: Context, carrier: str) -> str:
    digits = "".join(ctx.rng.choices("0123456789", k=16))
    return {"DHL": f"0034{digits}", "DPD": f"0{digits[:13]}", "Hermes": f"H10{digits}",
            "UPS": f"1Z{''.join(ctx.rng.choices(ALNUM, k=16))}"
            }[carrier]


def _invoice(ctx: Context, person: Person, batch: Batch, order: Row, net: int,
             shipped_at: datetime, company: Row | None) -> Row:
    rng = ctx.rng
    invoice_id = ctx.next_id("invoices")
    issued = shipped_at.date()
    on_account = order["payment_method"] in pools.CREDIT_CHECKED_METHODS
    terms = int(company["payment_terms_days"]) if company else (30 if on_account else 14)
    gross = order["total_cents"]
    due = issued + timedelta(days=terms)
    today = ctx.now.date()
    if not on_account:
        status, paid_on = "paid", min(order["ordered_at"].date() + timedelta(days=1), today)
    elif due >= today:
        status, paid_on = "open", None
    else:
        status, paid_on = "paid", min(issued + timedelta(days=rng.randint(3, terms + 5)), today)
    if order["status"] == "returned":
        status = "credited"
    billing = person.home if not company else Place(str(company["street"]),
                                                    str(company["postcode"]),
                                                    str(company["city"]), str(company["country"]))
    return batch.add("invoices", {
        "id": invoice_id, "order_id": order["id"], "invoice_no": f"RE{issued.year}-{invoice_id:07d}",
        "issued_on": issued, "due_on": due, "billing_name": person.full_name,
        "billing_company": company["name"] if company else None, "billing_street": billing.street,
        "billing_postcode": billing.postcode, "billing_city": billing.city,
        "billing_country": billing.country, "vat_id": company["vat_id"] if company else None,
        "net_cents": net, "vat_cents": gross - net, "gross_cents": gross, "status": status,
        "paid_on": paid_on, "sent_to_email": person.email,
    })


def _transactions(ctx: Context, person: Person, batch: Batch, order: Row) -> None:
    provider = pools.PAYMENT_PROVIDERS[order["payment_method"]]
    if provider is None:
        return
    rng = ctx.rng
    reference = {"PayPal": lambda: "".join(rng.choices(ALNUM, k=17)),
                 "Stripe": lambda: "pi_3" + "".join(rng.choices(ALNUM + ALNUM.lower(), k=23)),
                 "Klarna": lambda: f"{rng.getrandbits(128):032x}"}[provider]
    status = {"processing": "authorized", "cancelled": "voided"}.get(order["status"], "completed")
    kinds = [("capture", order["ordered_at"] + timedelta(seconds=rng.randint(20, 300)))]
    if order["status"] == "returned":
        kinds.append(("refund", order["ordered_at"] + timedelta(days=rng.randint(10, 30))))
    for kind, at in kinds:
        batch.add("payment_transactions", {
            "id": ctx.next_id("payment_transactions"), "order_id": order["id"],
            "provider": provider, "provider_reference": reference(), "kind": kind,
            "amount_cents": order["total_cents"] * (-1 if kind == "refund" else 1),
            "currency": "EUR", "status": status, "created_at": min(at, ctx.now),
            "payer_email": person.email if provider != "Stripe" else None,
        })


def _payment_methods(ctx: Context, person: Person, batch: Batch, used: set[str]) -> None:
    rng = ctx.rng
    for kind in ("direct_debit", "credit_card", "paypal"):
        if kind not in used or rng.random() < 0.4:
            continue
        brand = rng.choice(("Visa", "Mastercard", "American Express"))
        last4 = {"Visa": "4242", "Mastercard": "4444", "American Express": "0005"}[brand]
        expiry = date(ctx.now.year + rng.randint(0, 4), rng.randint(1, 12), 1)
        batch.add("payment_methods", {
            "id": ctx.next_id("payment_methods"), "customer_id": person.id, "kind": kind,
            "account_holder": person.full_name if kind != "paypal" else None,
            "iban_masked": f"DE{rng.randint(10, 99)} **** **** **** {rng.randint(0, 9999):04d}"
            if kind == "direct_debit" else None,
            "mandate_reference": f"PSO-{person.customer_no}-{rng.randint(1, 9)}"
            if kind == "direct_debit" else None,
            "card_brand": brand if kind == "credit_card" else None,
            "card_masked": f"**** **** **** {last4}" if kind == "credit_card" else None,
            "card_expiry": expiry.strftime("%m/%y") if kind == "credit_card" else None,
            "paypal_email": person.email if kind == "paypal" else None,
            "is_default": kind == "direct_debit", "created_at": random_time(
                rng, person.created_at, ctx.now - timedelta(days=1)),
        })
