"""Intake never depends on Redis: with the rate limiter's Redis stopped in the middle of
intake, every form and API submission is stored and acknowledged, and signing in and the
status page still work (the limiter falls back to in-process counters)."""

from __future__ import annotations

import logging
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


@pytest.fixture
def unconfigured_logging(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Logging as under gunicorn while the app is built (no handler on the root logger; the
    test's capture handlers are put back at once); dsr's stderr handlers are removed after."""
    from dsr.extensions import limiter
    from dsr.web.logs import LOGGERS, StderrWarnings

    # The limiter is module-global: forget that an earlier test's Redis was found dead.
    monkeypatch.setattr(limiter, "_storage_dead", False)
    yield monkeypatch
    for name in LOGGERS:
        for handler in list(logging.getLogger(name).handlers):
            if isinstance(handler, StderrWarnings):
                logging.getLogger(name).removeHandler(handler)


def test_the_fallback_is_logged_to_stderr_when_nothing_configured_logging(
        redis_services: Services, throwaway_redis: Any, unconfigured_logging: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    with unconfigured_logging.context() as patch:
        patch.setattr(logging.getLogger(), "handlers", [])
        app = create_app(services=redis_services,
                         flask_config={"TESTING": True, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    assert _api(client, 0).status_code == 201
    throwaway_redis.stop()
    assert _api(client, 1).status_code == 201
    assert _form(client, 2).status_code == 302
    logged = capsys.readouterr().err
    assert "WARNING flask-limiter: Rate limit storage unreachable - falling back to in-memory " \
           "storage" in logged
    for personal in ("juergen", "Jürgen", "erika", "Erika", "127.0.0.1"):
        assert personal not in logged, personal


def test_a_logged_traceback_names_the_error_not_its_message() -> None:
    """A database error's message may quote a request's values: the stderr log keeps the
    traceback's frames and the exception's type only."""
    from dsr.web.logs import StderrWarnings

    address = "erika@example.org"
    try:
        raise ValueError(f"duplicate key value (email)=({address})")
    except ValueError as exc:
        record = logging.LogRecord("dsr.app", logging.ERROR, __file__, 1, "unhandled error",
                                   None, (type(exc), exc, exc.__traceback__))
    text = StderrWarnings().format(record)
    assert "unhandled error" in text and "ValueError" in text and "test_faults_intake" in text
    assert "erika" not in text
