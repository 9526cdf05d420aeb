"""Row generation for the demo shop, separate from writing: batches of plain dicts per table.

The same batches can be written with SQLAlchemy's executemany (``generator.py``) or streamed
with PostgreSQL's COPY by a benchmark. Primary keys are assigned here, so batches can be
written in any back end without reading ids back.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Iterator
from datetime import datetime

from faker import Faker

from dsr.demo.activity import add_activity
from dsr.demo.cast import Cast, plan_cast
from dsr.demo.commerce import add_commerce
from dsr.demo.context import Batch, Context, Row, Visit
from dsr.demo.correspondence import add_service_emails
from dsr.demo.people import Person
from dsr.demo.sessions import add_sessions


class DemoRows:
    """The rows of one demo shop: plan the cast on creation, then iterate :meth:`batches`."""

    def __init__(self, customers: int, seed: int, now: datetime) -> None:
        fake = Faker("de_DE")
        fake.seed_instance(seed)
        rng = random.Random(seed)
        self._ctx = Context(fake, rng, now, plan_cast(customers, fake, rng, now))

    @property
    def cast(self) -> Cast:
        """The planned customers and companies."""
        return self._ctx.cast

    @property
    def visits(self) -> list[Visit]:
        """Sessions inside the access-log period; complete once :meth:`batches` is exhausted."""
        return self._ctx.visits

    def batches(self, customers_per_batch: int = 500) -> Iterator[tuple[int, Batch]]:
        """Yield ``(customers in the batch, batch)``; companies come with the first batch."""
        people = self._ctx.cast.people
        for start in range(0, len(people), customers_per_batch):
            batch = Batch()
            if start == 0:
                for company in self._ctx.cast.companies:
                    batch.add("companies", company)
            chunk = people[start:start + customers_per_batch]
            for person in chunk:
                self._add_person(person, batch)
            yield len(chunk), batch

    def _add_person(self, person: Person, batch: Batch) -> None:
        ctx = self._ctx
        customer = batch.add("customers", _customer_row(ctx.rng, person))
        purchases = add_commerce(ctx, person, batch)
        add_service_emails(ctx, person, purchases, batch)
        add_sessions(ctx, person, purchases, batch, customer)
        add_activity(ctx, person, purchases, batch)


def _customer_row(rng: random.Random, person: Person) -> Row:
    return {
        "id": person.id, "customer_no": person.customer_no, "salutation": person.salutation,
        "title": person.title, "first_name": person.first_name, "last_name": person.last_name,
        "email": person.email, "phone": person.phone, "birth_date": person.birth_date,
        "company_id": person.company_id, "password_hash": _password_hash(rng),
        "created_at": person.created_at, "last_login_at": None, "last_login_ip": None,
        "processing_restricted": False,
    }


def _password_hash(rng: random.Random) -> str:
    """Looks like an Argon2id hash; it is random bytes and verifies no password."""
    def b64(size: int) -> str:
        return base64.b64encode(rng.randbytes(size)).decode().rstrip("=")
    return f"$argon2id$v=19$m=65536,t=3,p=4${b64(16)}${b64(32)}"
