"""One-time codes: a third party who knows a request's reference cannot lock or use up the code
meant for the subject. Wrong tries count per source; codes are capped per day, not for good."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from dsr.context import Services
from dsr.requests.models import Request
from dsr.verification import codes
from tests.support.clock import CLOCK
from tests.support.verification import code_mails, new_request, sent_code
from workflows.states import State


def _csrf(client: Any, path: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get(path).get_data(as_text=True)).group(1)


def _try(client: Any, path: str, code: str, address: str) -> str:
    return client.post(path, data={"csrf_token": _csrf(client, path), "code": code},
                       environ_base={"REMOTE_ADDR": address},
                       follow_redirects=True).get_data(as_text=True)


def _status(services: Services, request_id: int) -> str:
    with services.db.session() as session:
        return str(session.get(Request, request_id).status)


def test_a_stranger_cannot_lock_the_subjects_code(app: Any, demo_services: Services) -> None:
    request_id = new_request(demo_services)
    with demo_services.db.session() as session:
        reference = session.get(Request, request_id).reference
    code = sent_code(code_mails(demo_services)[0])
    path = f"/verify/{reference}?lang=en"
    stranger = app.test_client()
    for _ in range(12):  # far more than code_attempts (5)
        assert "This code is not valid" in _try(stranger, path, "ZZZZZZZZ", "198.51.100.66")
    # The stranger is locked out, even with the right code ...
    assert "This code is not valid" in _try(stranger, path, code, "198.51.100.66")
    assert _status(demo_services, request_id) == State.AWAITING_VERIFICATION
    # ... the subject, at their own address, is not.
    done = _try(app.test_client(), path, code, "192.0.2.10")
    assert 'id="code-confirmed"' in done
    assert _status(demo_services, request_id) == State.VERIFIED


def test_new_codes_cannot_be_used_up_for_good(demo_services: Services) -> None:
    request_id = new_request(demo_services)  # one code sent
    settings = demo_services.config.verification
    secret = demo_services.config.secret_key
    now = CLOCK.now()
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        issued = [codes.issue_code(session, req, secret=secret, recipient_hash="x",
                                   settings=settings, now=now) for _ in range(5)]
    assert issued.count(None) == 5 - (settings["codes_per_request"] - 1)  # the day's cap
    with demo_services.db.session() as session:
        req = session.get(Request, request_id)
        later = codes.issue_code(session, req, secret=secret, recipient_hash="x",
                                 settings=settings, now=now + timedelta(hours=25))
    assert later is not None  # the next day the subject can ask again
