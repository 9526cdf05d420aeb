"""A customer signed in at the shop arrives with a signed token (form link or API field); the
request then verifies without a code once matching confirms the same customer."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dsr.requests.models import Request
from dsr.verification.codes import make_shop_token
from tests.support.clock import CLOCK
from workflows.runner import run_pending
from workflows.states import State

SECRET = "shop-shared-secret-" + "z" * 20


def _token(number: str) -> str:
    return make_shop_token(SECRET, number, CLOCK.now() - timedelta(seconds=5))


def _with_secret(app: Any) -> Any:
    services = app.extensions["dsr"]
    services.config.verification = {**services.config.verification, "shop_token_secret": SECRET}
    return services


def _status(services: Any, reference: str) -> str:
    with services.db.session() as session:
        return session.scalars(select(Request.status).where(Request.reference == reference)).one()


def test_form_link_with_shop_token_verifies_the_signed_in_customer(app: Any) -> None:
    services = _with_secret(app)
    client = app.test_client()
    page = client.get(f"/?shop_token={_token('K-100001')}").get_data(as_text=True)
    assert 'name="shop_token"' in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    token = re.search(r'name="shop_token" value="([^"]+)"', page).group(1)
    client.post("/", data={"csrf_token": csrf, "shop_token": token, "types": ["access"],
                           "name": "Jürgen Weiß", "email": "juergen.weiss@example.org"})
    reference = re.search(r'id="reference">(DSR-[A-Z0-9]+)<',
                          client.get("/submitted").get_data(as_text=True)).group(1)
    run_pending(services)
    assert _status(services, reference) == State.VERIFIED


def test_api_shop_token_for_another_customer_does_not_verify(app: Any) -> None:
    services = _with_secret(app)
    response = app.test_client().post("/api/v1/requests", json={
        "types": ["access"], "name": "Jürgen Weiß", "email": "juergen.weiss@example.org",
        "shop_token": _token("K-100002")})
    assert response.status_code == 201
    run_pending(services)
    assert _status(services, response.json["reference"]) == State.AWAITING_VERIFICATION
