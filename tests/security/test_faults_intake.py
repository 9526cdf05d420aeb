"""Intake never depends on Redis: with the rate limiter's Redis stopped in the middle of
intake, every form and API submission is stored and acknowledged, and signing in and the
status page still work (the limiter falls back to in-process counters)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from dsr.app import create_app
from dsr.context import Services
from dsr.requests import intake
from dsr.requests.models import Request
from dsr.users.operations import create_user
from tests.conftest import make_config

PASSWORD = "Kaffeemaschine-Zuckerdose-17"


@pytest.fixture
def redis_services(tmp_path: Path, service_db_url: str, demo_shop: dict[str, Any],
                   throwaway_redis: Any) -> Iterator[Services]:
    """Production-style services: tasks on rq and the limiter's counters in the throw-away Redis."""
    from dsr.audit import ensure_head

    config = make_config(tmp_path, database_url=service_db_url, shop_url=demo_shop["url"],
                         extra={"tasks": {"backend": "rq", "redis_url": throwaway_redis.url}})
    built = Services(config)
    with built.db.session() as session:
        ensure_head(session)
        create_user(session, "koordination", PASSWORD, "coordinator")
    yield built
    built.close()


def _csrf(client: Any, path: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def _form(client: Any, number: int) -> Any:
    return client.post("/", data={"csrf_token": _csrf(client, "/"), "types": ["access"],
                                  "name": "Erika Mustermann",
                                  "email": f"erika.{number}@example.org"})


def _api(client: Any, number: int) -> Any:
    return client.post("/api/v1/requests", json={"types": ["erasure"], "name": "Jürgen Weiß",
                                                  "email": f"juergen.{number}@example.org"})


def _stored(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count(Request.id))) or 0)


def test_redis_stopped_during_intake_loses_no_request(redis_services: Services,
                                                      throwaway_redis: Any) -> None:
    app = create_app(services=redis_services, flask_config={"TESTING": True, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    assert _form(client, 0).status_code == 302  # counted in Redis while it is up
    throwaway_redis.stop()
    answers = []
    for number in range(1, 5):
        answers.append(_form(client, number).status_code)
        answers.append(_api(client, number).status_code)
    assert answers == [302, 201] * 4
    assert _stored(redis_services) == 9  # every submission stored, none lost

    # The acknowledgement page and the status page answer as usual.
    page = client.get("/submitted").get_data(as_text=True)
    assert re.search(r'id="reference">(DSR-[A-Z0-9]+)<', page)
    with redis_services.db.session() as session:
        reference = session.scalars(select(Request.reference).order_by(Request.id)).first()
    status = client.post("/status", data={
        "csrf_token": _csrf(client, "/status"), "reference": reference,
        "code": intake.status_code(redis_services.config.secret_key, reference)})
    assert status.status_code == 302

    staff = app.test_client()
    signed_in = staff.post("/login", data={"csrf_token": _csrf(staff, "/login"),
                                           "username": "koordination", "password": PASSWORD})
    assert signed_in.status_code == 302 and "/login" not in signed_in.headers["Location"]


def test_the_limit_still_holds_while_redis_is_down(redis_services: Services,
                                                   throwaway_redis: Any) -> None:
    """Falling back is not switching off: the in-process counters keep the budget."""
    app = create_app(services=redis_services, flask_config={"TESTING": True, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    throwaway_redis.stop()
    codes = [_api(client, number).status_code for number in range(12)]
    assert codes[:10] == [201] * 10 and 429 in codes[10:]
