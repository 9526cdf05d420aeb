"""Customer-service e-mails: questions about orders and the shop's replies.

Some customers mention other people (a neighbour who takes the parcel, a colleague it is for):
an Art. 15 copy of these e-mails must redact them (Art. 15(4) GDPR).
"""

from __future__ import annotations

from datetime import timedelta

from dsr.demo import pools
from dsr.demo.commerce import Purchase
from dsr.demo.context import Batch, Context
from dsr.demo.people import Person, phone_number, unique_email

QUESTIONS = (
    ("Frage zu meiner Bestellung {order_no}",
     "Guten Tag,\n\nich habe am {date} die Bestellung {order_no} aufgegeben. Wann wird sie "
     "versandt?\n\nViele Grüße\n{name}"),
    ("Rücksendung {order_no}",
     "Hallo,\n\nein Artikel aus der Bestellung {order_no} funktioniert leider nicht. Wie kann "
     "ich ihn zurücksenden?\n\nMit freundlichen Grüßen\n{name}"),
    ("Rechnung zur Bestellung {order_no}",
     "Sehr geehrte Damen und Herren,\n\nbitte senden Sie mir die Rechnung zur Bestellung "
     "{order_no} noch einmal zu.\n\nMit freundlichen Grüßen\n{name}"),
)
MENTIONS = (
    ("Zustellung der Bestellung {order_no}",
     "Guten Tag,\n\nfalls ich nicht zu Hause bin, geben Sie das Paket zur Bestellung {order_no} "
     "bitte bei meiner Nachbarin Frau {third} ab. Sie ist auch per E-Mail unter {third_email} "
     "erreichbar.\n\nDanke und viele Grüße\n{name}"),
    ("Bestellung {order_no} für meinen Kollegen",
     "Hallo,\n\ndie Bestellung {order_no} ist für meinen Kollegen Herrn {third}, Telefon "
     "{third_phone}. Bitte informieren Sie ihn über den Versand.\n\nGruß\n{name}"),
)
ANSWERS = (
    "Ihre Bestellung hat unser Lager bereits verlassen; die Sendungsnummer erhalten Sie "
    "gesondert.",
    "Wir haben Ihre Nachricht an die zuständige Abteilung weitergegeben und melden uns in Kürze.",
    "Anbei erhalten Sie das Gewünschte. Bei Fragen sind wir gerne für Sie da.",
)


def add_service_emails(ctx: Context, person: Person, purchases: list[Purchase],
                       batch: Batch) -> None:
    """Add a thread or two of customer-service e-mail for some of the customer's orders."""
    rng = ctx.rng
    shipped = [p.order for p in purchases if p.order["status"] not in ("processing", "cancelled")]
    third_party = person.profile.third_party_mail
    if not shipped or (third_party is None and rng.random() >= 0.15):
        return
    for number, order in enumerate(rng.sample(shipped, min(len(shipped), rng.randint(1, 2)))):
        if third_party and number == 0:
            subject, body = MENTIONS[0]
            third = third_party
        elif rng.random() < 0.3:
            subject, body = rng.choice(MENTIONS)
            female = subject.startswith("Zustellung")
            third = (f"{ctx.fake.first_name_female() if female else ctx.fake.first_name_male()} "
                     f"{ctx.fake.last_name()}")
        else:
            (subject, body), third = rng.choice(QUESTIONS), ""
        first, _, last = third.partition(" ")
        fields = {
            "order_no": order["order_no"], "date": order["ordered_at"].strftime("%d.%m.%Y"),
            "name": person.full_name, "third": third,
            "third_email": unique_email(rng, first, last, ctx.cast.used_emails) if third else "",
            "third_phone": phone_number(rng),
        }
        asked = order["ordered_at"] + timedelta(hours=rng.randint(2, 96))
        batch.add("service_emails", {
            "id": ctx.next_id("service_emails"), "customer_id": person.id,
            "order_id": order["id"], "direction": "in", "from_address": person.email,
            "to_address": pools.SERVICE_EMAIL, "sent_at": min(asked, ctx.now),
            "subject": subject.format(**fields), "body": body.format(**fields)})
        batch.add("service_emails", {
            "id": ctx.next_id("service_emails"), "customer_id": person.id,
            "order_id": order["id"], "direction": "out", "from_address": pools.SERVICE_EMAIL,
            "to_address": person.email,
            "sent_at": min(asked + timedelta(hours=rng.randint(1, 30)), ctx.now),
            "subject": "AW: " + subject.format(**fields),
            "body": f"{_greeting(person)}\n\nvielen Dank für Ihre Nachricht zur Bestellung "
                    f"{order['order_no']}. {rng.choice(ANSWERS)}\n\nMit freundlichen Grüßen\n"
                    "Ihr PSO-Kundenservice\nPSO GmbH"})


def _greeting(person: Person) -> str:
    name = f"{person.title} {person.last_name}" if person.title else person.last_name
    if person.salutation == "Herr":
        return f"Sehr geehrter Herr {name},"
    if person.salutation == "Frau":
        return f"Sehr geehrte Frau {name},"
    return f"Guten Tag {person.full_name},"
