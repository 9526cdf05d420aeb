"""Rows for what a customer does besides buying: consents, lists, reviews, contests, surveys."""

from __future__ import annotations

from datetime import datetime, timedelta

from dsr.demo import pools
from dsr.demo.commerce import Purchase
from dsr.demo.context import Batch, Context
from dsr.demo.people import Person, random_time
from dsr.demo.showcase import SHOWCASE

PRODUCT_NAMES = {p[0]: p[1] for p in pools.PRODUCTS}
REVIEW_TEXTS = {
    5: ("Top!", "Schnelle Lieferung, Gerät läuft einwandfrei. Gerne wieder."),
    4: ("Gutes Produkt", "Macht was es soll. Die Einrichtung hat etwas gedauert."),
    3: ("Ganz okay", "Für den Preis in Ordnung, die Verarbeitung könnte besser sein."),
    2: ("Enttäuscht", "Nach zwei Wochen die ersten Probleme, der Support war aber freundlich."),
    1: ("Leider defekt", "Kam defekt an und musste zurückgeschickt werden."),
}
QUESTIONS = (
    ("Wie zufrieden sind Sie mit unserer Lieferzeit? (1-5)", ("5", "4", "4", "3", "2")),
    ("Würden Sie uns weiterempfehlen?", ("Ja", "Ja", "Eher ja", "Nein")),
    ("Was können wir besser machen?", ("Mehr Auswahl bei Druckern.", "Nichts, alles prima.",
                                       "Günstigere Versandkosten.", "Schnellere Antworten.")),
)


def add_activity(ctx: Context, person: Person, purchases: list[Purchase], batch: Batch) -> None:
    """Add consents, lists, reviews, sweepstakes entries and survey answers."""
    _newsletter_and_consents(ctx, person, batch)
    _lists(ctx, person, batch)
    _reviews(ctx, person, purchases, batch)
    _sweepstakes(ctx, person, batch)
    _questionnaire(ctx, person, batch)


def _policy_version(at: datetime) -> str:
    return [v for year, v in pools.NEWSLETTER_POLICY_VERSIONS if year <= at.year][-1]


def _consent(ctx: Context, person: Person, batch: Batch, kind: str, granted: datetime,
             withdrawn: datetime | None, source: str, ip: str | None) -> None:
    batch.add("consents", {
        "id": ctx.next_id("consents"), "customer_id": person.id, "kind": kind,
        "granted_at": granted, "withdrawn_at": withdrawn, "source": source,
        "policy_version": _policy_version(granted), "ip": ip})


def _newsletter_and_consents(ctx: Context, person: Person, batch: Batch) -> None:
    rng, now = ctx.rng, ctx.now
    wanted = person.profile.newsletter
    if wanted or (wanted is None and rng.random() < 0.25):
        subscribed = random_time(rng, person.created_at, now - timedelta(days=3))
        confirmed = (subscribed + timedelta(minutes=rng.randint(2, 2160))
                     if wanted or rng.random() < 0.88 else None)
        left = (random_time(rng, confirmed, now - timedelta(days=1))
                if confirmed and not wanted and rng.random() < 0.2 else None)
        confirm_ip = rng.choice(person.ips) if confirmed else None
        batch.add("newsletter_subscriptions", {
            "id": ctx.next_id("newsletter_subscriptions"), "customer_id": person.id,
            "email": person.email, "channel": rng.choice(("checkout", "account", "footer_form")),
            "policy_version": _policy_version(subscribed), "subscribed_at": subscribed,
            "signup_ip": person.ips[0], "confirmed_at": confirmed, "confirm_ip": confirm_ip,
            "unsubscribed_at": left})
        if confirmed:
            _consent(ctx, person, batch, "newsletter", confirmed, left, "double_opt_in",
                     confirm_ip)
    banner_from = max(person.created_at, datetime(2021, 12, 1))
    if banner_from < now and rng.random() < 0.35:
        granted = random_time(rng, banner_from, now - timedelta(days=1))
        withdrawn = random_time(rng, granted, now) if rng.random() < 0.1 else None
        _consent(ctx, person, batch, "analytics", granted, withdrawn, "cookie_banner",
                 rng.choice(person.ips))
    if rng.random() < 0.08:
        _consent(ctx, person, batch, "postal_advertising",
                 random_time(rng, person.created_at, now - timedelta(days=1)), None, "account",
                 None)


def _lists(ctx: Context, person: Person, batch: Batch) -> None:
    rng, now = ctx.rng, ctx.now
    if rng.random() < 0.18:
        for sku, name, *_ in rng.sample(pools.PRODUCTS, rng.randint(1, 6)):
            batch.add("wishlist_items", {
                "id": ctx.next_id("wishlist_items"), "customer_id": person.id, "sku": sku,
                "product_name": name,
                "note": rng.choice(("Für Weihnachten", "Geschenk für Papa", "Fürs Büro"))
                if rng.random() < 0.2 else None,
                "added_at": random_time(rng, person.created_at, now - timedelta(hours=1))})
    if rng.random() < 0.1:
        since = max(person.created_at, now - timedelta(days=60))
        for sku, name, _, price, _ in rng.sample(pools.PRODUCTS, rng.randint(1, 3)):
            batch.add("cart_items", {
                "id": ctx.next_id("cart_items"), "customer_id": person.id, "sku": sku,
                "product_name": name, "quantity": 1 if price > 3000 else rng.randint(1, 4),
                "added_at": random_time(rng, since, now - timedelta(minutes=10))})


def _reviews(ctx: Context, person: Person, purchases: list[Purchase], batch: Batch) -> None:
    rng = ctx.rng
    delivered = [p for p in purchases if p.order["status"] == "delivered"]
    chance = 1.0 if person.index == SHOWCASE.sample else 0.1
    if not delivered or rng.random() >= chance:
        return
    for purchase in rng.sample(delivered, min(len(delivered), rng.randint(1, 2))):
        sku = rng.choice(purchase.skus)
        rating = rng.choices((5, 4, 3, 2, 1), weights=(45, 30, 12, 7, 6))[0]
        title, body = REVIEW_TEXTS[rating]
        batch.add("reviews", {
            "id": ctx.next_id("reviews"), "customer_id": person.id, "sku": sku,
            "product_name": PRODUCT_NAMES[sku], "rating": rating, "title": title, "body": body,
            "author_display_name": f"{person.first_name} {person.last_name[:1]}.",
            "published": rng.random() < 0.95,
            "created_at": random_time(rng, purchase.order["ordered_at"] + timedelta(days=3),
                                      purchase.order["ordered_at"] + timedelta(days=40))
            if purchase.order["ordered_at"] < ctx.now - timedelta(days=45)
            else ctx.now - timedelta(hours=3)})


def _sweepstakes(ctx: Context, person: Person, batch: Batch) -> None:
    rng = ctx.rng
    if rng.random() >= 0.05:
        return
    year = rng.randint(ctx.now.year - 5, ctx.now.year - 1)
    start, end = datetime(year, 6, 1), datetime(year, 8, 31, 23, 59)
    if person.created_at > end:
        return
    entered = random_time(rng, max(start, person.created_at), end)
    ip = rng.choice(person.ips)
    batch.add("sweepstakes_entries", {
        "id": ctx.next_id("sweepstakes_entries"), "customer_id": person.id,
        "campaign": f"Sommer-Gewinnspiel {year}: Notebook gewinnen",
        "answer": rng.choice(("A", "B", "C")), "entered_at": entered, "ip": ip,
        "won": rng.random() < 0.01})
    _consent(ctx, person, batch, "sweepstakes", entered,
             random_time(rng, entered, ctx.now) if rng.random() < 0.3 else None,
             "sweepstakes_form", ip)


def _questionnaire(ctx: Context, person: Person, batch: Batch) -> None:
    rng = ctx.rng
    if rng.random() >= 0.04:
        return
    year = rng.randint(max(person.created_at.year, ctx.now.year - 6), ctx.now.year)
    answered = random_time(rng, max(person.created_at, datetime(year, 1, 1)),
                           min(ctx.now - timedelta(hours=1), datetime(year, 12, 31)))
    for question, answers in QUESTIONS:
        batch.add("questionnaire_answers", {
            "id": ctx.next_id("questionnaire_answers"), "customer_id": person.id,
            "questionnaire": f"Kundenzufriedenheitsumfrage {year}", "question": question,
            "answer": rng.choice(answers), "answered_at": answered})
