"""The cast of the demo shop: who the customers are, where they live, which addresses they use.

Identities are planned for all customers before any row is generated, so that rows can refer to
other customers (an order delivered to another customer) and carrier-NAT addresses can be shared
between customers in non-overlapping time windows. The first customers are hand-shaped
"showcase" customers that documentation and tests can name.
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


@dataclass
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


@dataclass
class Cast:
    """All customers and company accounts of one build."""

    people: list[Person]
    companies: list[dict[str, object]]
    used_emails: set[str]


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


def plan_cast(count: int, fake: Faker, rng: random.Random, now: datetime) -> Cast:
    """Plan *count* customers (the showcase ones first) and the company accounts."""
    used: set[str] = set()
    ipv4 = list(pools.CUSTOMER_IPV4)
    rng.shuffle(ipv4)
    if count < SHOWCASE_COUNT:
        raise ValueError(f"the demo shop needs at least {SHOWCASE_COUNT} customers")
    people = _showcase_people(now, used, ipv4)
    while len(people) < count:
        people.append(_random_person(len(people), fake, rng, now, used, ipv4))
    companies = _plan_companies(people, fake, rng, now, used)
    _plan_nat_groups(people, rng, now)
    return Cast(people, companies, used)


def _showcase_people(now: datetime, used: set[str], ipv4: list[str]) -> list[Person]:
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


def _random_person(index: int, fake: Faker, rng: random.Random, now: datetime,
                   used: set[str], ipv4: list[str]) -> Person:
    female = rng.random() < 0.48
    first = fake.first_name_female() if female else fake.first_name_male()
    last = fake.last_name()
    roll = rng.random()
    salutation = None if roll < 0.05 else ("Frau" if female else "Herr")
    title = "Dr." if rng.random() < 0.03 else None
    # Sign-ups spread over 13 years, more of them recent.
    created = now - timedelta(days=int(13 * 365 * rng.random() ** 1.4) + 1,
                              seconds=rng.randint(0, 86399))
    born = None if rng.random() < 0.35 else date(rng.randint(1940, 2005), rng.randint(1, 12),
                                                 rng.randint(1, 28))
    own = [pools.customer_ipv6(index, rng.randint(1, 0xFFFF))]
    if ipv4 and rng.random() < 0.2:
        own.insert(0, ipv4.pop())
    if rng.random() < 0.3:
        own.append(pools.customer_ipv6(index, rng.randint(0x10000, 0xFFFFF)))
    return Person(index, salutation, title, first, last, unique_email(rng, first, last, used),
                  phone_number(rng) if rng.random() < 0.7 else None, born,
                  created.replace(microsecond=0), random_place(rng, fake), tuple(own))


def _plan_companies(people: list[Person], fake: Faker, rng: random.Random, now: datetime,
                    used: set[str]) -> list[dict[str, object]]:
    """Company accounts; about 2% of customers are B2B contacts of one."""
    names = [SHOWCASE.company_name]
    wanted = max(1, len(people) // 120)
    while len(names) < wanted:
        name = fake.company()
        if name not in names:
            names.append(name)
    companies: list[dict[str, object]] = []
    for number, name in enumerate(names, start=1):
        place = (Place("Am Anger 3", "85354", "Freising", "DE") if number == 1
                 else random_place(rng, fake))
        domain = f"{pools.ascii_slug(name, '-')[:40]}.example.com"
        if number == 1:
            domain = "alpenblick-it.example.com"
        companies.append({
            "id": number, "name": name, "vat_id": f"DE{rng.randint(100000000, 999999999)}",
            "street": place.street, "postcode": place.postcode, "city": place.city,
            "country": place.country, "phone": phone_number(rng), "email": f"info@{domain}",
            "payment_terms_days": rng.choice((14, 14, 30)),
            "created_at": (now - timedelta(days=rng.randint(400, 4000))).replace(microsecond=0),
        })
        used.add(f"info@{domain}")
    people[SHOWCASE.b2b_contact].company_id = 1
    for person in people[SHOWCASE_COUNT:]:
        if rng.random() < 0.02:
            person.company_id = rng.randint(1, len(companies))
            company = companies[person.company_id - 1]
            domain = str(company["email"]).split("@", 1)[1]
            used.discard(person.email)
            person.email = unique_email(rng, person.first_name, person.last_name, used, domain)
            person.home = Place(str(company["street"]), str(company["postcode"]),
                                str(company["city"]), str(company["country"]))
    return companies


def _plan_nat_groups(people: list[Person], rng: random.Random, now: datetime) -> None:
    """Let a few customers share carrier-NAT addresses, each at times of their own."""
    candidates = [p for p in people[SHOWCASE_COUNT:] if p.company_id is None]
    groups = min(len(pools.SHARED_NAT_IPS) - 1, len(people) // 150)
    free_ips = [ip for ip in pools.SHARED_NAT_IPS if ip != SHOWCASE.shared_ip]
    for ip in free_ips[:groups]:
        for person in rng.sample(candidates, k=min(len(candidates), rng.randint(2, 3))):
            candidates.remove(person)
            person.nat_ip = ip
    by_ip: dict[str, list[Person]] = {}
    for person in people:
        if person.nat_ip:
            by_ip.setdefault(person.nat_ip, []).append(person)
    for members in by_ip.values():
        _share_windows(members, rng, now)


def _share_windows(members: list[Person], rng: random.Random, now: datetime) -> None:
    """Plan session windows for the members of one NAT address so that none overlap."""
    wanted: list[tuple[datetime, Person]] = []
    for person in members:
        recent_from = max(person.created_at, now - timedelta(days=40))
        for _ in range(max(2, person.profile.recent_sessions)):
            wanted.append((random_time(rng, recent_from, now - timedelta(hours=2)), person))
        older_from = max(person.created_at, now - timedelta(days=180))
        for _ in range(rng.randint(1, 6) if older_from < now - timedelta(days=42) else 0):
            wanted.append((random_time(rng, older_from, now - timedelta(days=42)), person))
    wanted.sort(key=lambda item: item[0])
    free_from = datetime.min
    for start, person in wanted:
        start = max(start, free_from + timedelta(minutes=rng.randint(5, 90)))
        end = start + timedelta(minutes=rng.randint(3, 45), seconds=rng.randint(0, 59))
        if end >= now:
            continue
        person.nat_windows.append((start, end))
        free_from = end
