"""The hand-shaped "showcase" customers that come first in every build.

Documentation and tests name them: Jürgen Weiß (K-100001) has a bit of everything, Renate
Köhler received one of his orders, Sabine Brandl and Tobias Huber share a carrier-NAT address
at different times, Dr. Martina Sommer is a B2B contact, Dieter Pöschl is in debt collection.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dsr.demo import pools
from dsr.demo.people import Person, Place, Profile


@dataclass(frozen=True)
class Showcase:
    """Hand-shaped customers that docs and tests rely on (indexes into the cast)."""

    sample: int = 0
    recipient: int = 1
    shared_ip_pair: tuple[int, int] = (2, 3)
    b2b_contact: int = 4
    collection: int = 5
    shared_ip: str = "203.0.113.45"
    company_name: str = "Alpenblick IT-Service GmbH"
    third_party_name: str = "Elke Brunner"


SHOWCASE = Showcase()
SHOWCASE_COUNT = 6
"""How many hand-shaped customers come first; a build needs at least this many customers."""


def showcase_people(now: datetime, used: set[str], ipv4: list[str]) -> list[Person]:
    """The showcase customers, taking their IPv4 addresses from *ipv4* and e-mails into *used*."""
    years = 365.25
    rows = [
        ("Herr", None, "Jürgen", "Weiß", "juergen.weiss@example.org", "089 99998112",
         date(1968, 4, 12), 12.2, Place("Leopoldstraße 112", "80802", "München", "DE"),
         Profile(orders=9, first_order_years_ago=11.5, newsletter=True, credit_check=True,
                 methods=("invoice", "paypal", "credit_card", "paypal", "direct_debit",
                          "invoice", "paypal", "klarna", "paypal"), score=98.4,
                 gift_to=SHOWCASE.recipient, third_party_mail=SHOWCASE.third_party_name,
                 recent_sessions=3)),
        ("Frau", None, "Renate", "Köhler", "renate.koehler@example.com", "089 99998345",
         date(1975, 9, 3), 6.5, Place("Maximilianstraße 17", "86150", "Augsburg", "DE"),
         Profile(orders=3, newsletter=False, recent_sessions=1)),
        ("Frau", None, "Sabine", "Brandl", "sabine.brandl@mail.example.net", "+49 30 23125077",
         date(1990, 1, 27), 4.0, Place("Lerchenweg 4", "93049", "Regensburg", "DE"),
         Profile(orders=4, recent_sessions=3)),
        ("Herr", None, "Tobias", "Huber", "tobias.huber@example.net", "040 66969214",
         date(1987, 11, 8), 3.1, Place("Donaustraße 31", "93059", "Regensburg", "DE"),
         Profile(orders=2, recent_sessions=3)),
        ("Frau", "Dr.", "Martina", "Sommer", "m.sommer@alpenblick-it.example.com",
         "089 99998640", None, 7.0, Place("Am Anger 3", "85354", "Freising", "DE"),
         Profile(orders=25)),
        ("Herr", None, "Dieter", "Pöschl", "dieter.poeschl@example.com", "089/99998-310",
         date(1961, 6, 30), 5.0, Place("Frauentorgraben 9", "90443", "Nürnberg", "DE"),
         Profile(orders=5, credit_check=True, collection=True, newsletter=False,
                 methods=("paypal", "prepayment", "invoice", "invoice", "invoice"), score=91.0)),
    ]
    people = []
    for index, (sal, title, first, last, email, phone, born, age, home, profile) in enumerate(rows):
        used.add(email)
        own = [pools.customer_ipv6(index, 0x1001)]
        if index in (0, 5):
            own.insert(0, ipv4.pop())
        person = Person(index, sal, title, first, last, email, phone, born,
                        (now - timedelta(days=age * years)).replace(microsecond=0),
                        home, tuple(own), profile=profile)
        if index in SHOWCASE.shared_ip_pair:
            person.nat_ip = SHOWCASE.shared_ip
        people.append(person)
    return people
