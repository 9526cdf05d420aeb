"""The cast of one build: every customer and company account, planned before any row.

Planning first lets rows refer to other customers (an order delivered to another customer) and
lets customers share a carrier-NAT address in time windows that never overlap.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from faker import Faker

from dsr.demo import pools
from dsr.demo.people import Person, Place, phone_number, random_place, random_time, unique_email
from dsr.demo.showcase import SHOWCASE, SHOWCASE_COUNT, showcase_people


@dataclass
class Cast:
    """All customers and company accounts of one build."""

    people: list[Person]
    companies: list[dict[str, object]]
    used_emails: set[str]


def plan_cast(count: int, fake: Faker, rng: random.Random, now: datetime) -> Cast:
    """Plan *count* customers (the showcase ones first) and the company accounts."""
    used: set[str] = set()
    ipv4 = list(pools.CUSTOMER_IPV4)
    rng.shuffle(ipv4)
    if count < SHOWCASE_COUNT:
        raise ValueError(f"the demo shop needs at least {SHOWCASE_COUNT} customers")
    people = showcase_people(now, used, ipv4)
    while len(people) < count:
        people.append(_random_person(len(people), fake, rng, now, used, ipv4))
    companies = _plan_companies(people, fake, rng, now, used)
    _plan_nat_groups(people, rng, now)
    return Cast(people, companies, used)


def _random_person(index: int, fake: Faker, rng: random.Random, now: datetime,
                   used: set[str], ipv4: list[str]) -> Person:
    female = rng.random() < 0.48
    first = fake.first_name_female() if female else fake.first_name_male()
    last = fake.last_name()
    roll = rng.random()
    salutation = None if roll < 0.05 else ("Frau" if female else "Herr")
    title = "Dr." if rng.random() < 0.03 else None
    # Sign-ups spread over 13 years, a few more of them recent.
    created = now - timedelta(days=int(13 * 365 * rng.random() ** 1.15) + 1,
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
