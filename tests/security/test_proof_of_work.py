"""Past the submission limit the public form is not refused: it comes back with what was typed
and a proof-of-work challenge; a solved challenge is taken (once) and the request stored."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from dsr.app import create_app
from dsr.context import Services
from dsr.requests.models import Request
from dsr.security import pow as proof

ADDRESS = "198.51.100.77"  # a household, or thousands of phones behind a carrier's NAT


def _csrf(client: Any) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/").get_data(as_text=True)).group(1)


def _post(client: Any, number: int, **extra: str) -> Any:
    data = {"csrf_token": _csrf(client), "types": ["access"], "name": f"Erika Mustermann {number}",
            "email": f"erika.{number}@example.org", "message": "Bitte Auskunft.", **extra}
    return client.post("/", data=data, environ_base={"REMOTE_ADDR": ADDRESS})


def _stored(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count(Request.id))) or 0)


def test_past_the_limit_a_challenge_instead_of_a_refusal(demo_services: Services) -> None:
    app = create_app(services=demo_services, flask_config={"TESTING": True,
                                                           "RATELIMIT_ENABLED": True})
    client = app.test_client()
    assert [_post(client, n).status_code for n in range(10)] == [302] * 10
    over = _post(client, 10)
    page = over.get_data(as_text=True)
    assert over.status_code == 429 and 'id="pow-notice"' in page
    assert "Erika Mustermann 10" in page and "Bitte Auskunft." in page  # what was typed is kept
    assert 'src="/static/pow.js"' in page and "<script>" not in page
    challenge = re.search(r'name="pow_challenge" value="([^"]+)"', page).group(1)
    solution = proof.solve(challenge, proof.DIFFICULTY)

    assert _post(client, 10, pow_challenge=challenge, pow_solution="1").status_code == 429
    solved = _post(client, 10, pow_challenge=challenge, pow_solution=solution)
    assert solved.status_code == 302 and _stored(demo_services) == 11
    # A challenge works once.
    again = _post(client, 11, pow_challenge=challenge, pow_solution=solution)
    assert again.status_code == 429 and _stored(demo_services) == 11


def test_other_limits_answer_as_before(demo_services: Services) -> None:
    app = create_app(services=demo_services, flask_config={"TESTING": True,
                                                           "RATELIMIT_ENABLED": True})
    client = app.test_client()
    codes = [client.post("/api/v1/requests", json={"types": ["access"], "name": "A B",
                                                   "email": f"a{n}@example.org"},
                         environ_base={"REMOTE_ADDR": "203.0.113.99"}).status_code
             for n in range(11)]
    assert codes[-1] == 429
    assert client.get("/static/pow.js").status_code == 200


def test_a_challenge_is_taken_once_across_web_processes(demo_services: Services) -> None:
    """Two web processes (gunicorn's workers) share only the service database: a solution
    replayed against the other one is refused too."""
    first = create_app(services=demo_services, flask_config={"TESTING": True,
                                                             "RATELIMIT_ENABLED": True})
    other_process = Services(demo_services.config)
    second = create_app(services=other_process, flask_config={"TESTING": True,
                                                              "RATELIMIT_ENABLED": True})
    challenge = proof.make_challenge(demo_services.config.secret_key, demo_services.clock.now())
    solution = proof.solve(challenge, proof.DIFFICULTY)
    one, two = first.test_client(), second.test_client()
    for n in range(10):
        _post(one, n)
        _post(two, 100 + n)
    assert _post(one, 10, pow_challenge=challenge, pow_solution=solution).status_code == 302
    assert _post(two, 110, pow_challenge=challenge, pow_solution=solution).status_code == 429
    # an expired entry is cleared as the next one is taken; a fresh challenge still works
    demo_services.clock.advance(timedelta(seconds=proof.MAX_AGE + 1))
    fresh = proof.make_challenge(demo_services.config.secret_key, demo_services.clock.now())
    assert proof.SpentChallenges(demo_services.db).take(fresh, int(
        demo_services.clock.now().timestamp()), int(demo_services.clock.now().timestamp()))
    from dsr.security.models import SpentChallenge
    with demo_services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(SpentChallenge)) == 1
