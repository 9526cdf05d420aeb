"""The people of the demo shop: a customer planned before any row, and how to invent one.

Names come from Faker's German locale; addresses from real cities and postcode ranges; e-mail
addresses, telephone numbers and IP addresses only from reserved or fictitious ranges (pools).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from faker import Faker

from dsr.demo import pools


@dataclass(frozen=True)
class Place:
    """A postal address without the person."""

    street: str
    postcode: str
    city: str
    country: str


@dataclass
class Profile:
    """What a customer's history must contain; ``None`` leaves it to chance."""

    orders: int | None = None
    methods: tuple[str, ...] = ()  # payment method requested for the first orders, in order
    first_order_years_ago: float | None = None
    score: float | None = None  # centre of the customer's credit scores
    newsletter: bool | None = None
    credit_check: bool = False
    collection: bool = False
    gift_to: int | None = None  # index of the customer who receives one of the orders
    third_party_mail: str | None = None  # name of a third party mentioned in a service e-mail
    recent_sessions: int = 0  # at least this many sessions inside the last 42 days


@dataclass(eq=False)  # identity, not field equality: list.remove on thousands stays linear
class Person:
    """One customer, planned before rows are generated."""

    index: int
    salutation: str | None
    title: str | None
    first_name: str
    last_name: str
    email: str
    phone: str | None
    birth_date: date | None
    created_at: datetime
    home: Place
    ips: tuple[str, ...]
    company_id: int | None = None
    nat_ip: str | None = None
    nat_windows: list[tuple[datetime, datetime]] = field(default_factory=list)
    profile: Profile = field(default_factory=Profile)

    @property
    def id(self) -> int:
        """Primary key of the customer row."""
        return self.index + 1

    @property
    def customer_no(self) -> str:
        """The customer number printed on letters (K-100001, ...)."""
        return f"K-{100001 + self.index}"

    @property
    def full_name(self) -> str:
        """First and last name, with an academic title if any."""
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


# How likely people are to be busy with the shop at each hour (UTC; Germany is UTC+1/+2).
HOUR_WEIGHTS = (2, 1, 1, 1, 2, 4, 6, 8, 8, 8, 9, 8, 8, 8, 8, 9, 10, 11, 10, 9, 7, 4, 3, 2)


def random_time(rng: random.Random, start: datetime, end: datetime) -> datetime:
    """A time between *start* and *end*, to the second; over longer spans mostly by day."""
    span = max(0, int((end - start).total_seconds()))
    moment = start + timedelta(seconds=rng.randint(0, span))
    if span > 86400:
        for _ in range(3):
            if rng.random() * 11 < HOUR_WEIGHTS[moment.hour]:
                break
            moment = start + timedelta(seconds=rng.randint(0, span))
    return moment


def weighted(rng: random.Random, options: tuple[tuple[str, int], ...]) -> str:
    """Pick one name from ``(name, weight)`` pairs."""
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def phone_number(rng: random.Random) -> str:
    """A telephone number from the Bundesnetzagentur's drama ranges, written as people do."""
    area, block = rng.choice(pools.DRAMA_NUMBER_PREFIXES)
    ext = f"{rng.randint(0, 999):03d}"
    style = rng.random()
    if style < 0.5:
        return f"{area} {block}{ext}"
    if style < 0.8:
        return f"+49 {area[1:]} {block}{ext}"
    return f"{area}/{block}-{ext}"


def random_place(rng: random.Random, fake: Faker) -> Place:
    """A plausible address: real city and postcode range, common or Faker street name."""
    city, low, high, country, _ = rng.choices(pools.PLACES, [p[4] for p in pools.PLACES])[0]
    street = rng.choice(pools.STREETS) if rng.random() < 0.7 else fake.street_name()
    digits = 4 if country == "AT" else 5
    return Place(f"{street} {rng.randint(1, 140)}", f"{rng.randint(low, high):0{digits}d}",
                 city, country)


def unique_email(rng: random.Random, first: str, last: str, used: set[str],
                 domain: str | None = None) -> str:
    """An address on a reserved domain built from a name, unique within *used*."""
    f, la = pools.ascii_slug(first), pools.ascii_slug(last)
    patterns = (f"{f}.{la}", f"{f[:1]}.{la}", f"{f}{la}", f"{la}.{f}", f"{f}_{la}")
    local = rng.choice(patterns).replace(" ", "")
    domain = domain or weighted(rng, pools.EMAIL_DOMAINS)
    candidate = f"{local}@{domain}"
    while candidate in used:
        candidate = f"{local}{rng.randint(1, 9999)}@{domain}"
    used.add(candidate)
    return candidate
