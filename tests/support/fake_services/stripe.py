"""A fake of Stripe's API as docs.stripe.com/api describes it: secret key as bearer token (or
basic user name); lists are ``{"object": "list", "data": [...], "has_more": …}`` paged with
``limit`` and ``starting_after``; ``GET /v1/customers?email=`` finds customers (case-sensitive);
``DELETE /v1/customers/{id}`` answers ``{"id", "object": "customer", "deleted": true}`` and a
deleted customer is no longer listed; ``POST /v1/customers/{id}`` updates form-encoded fields;
errors are ``{"error": {"type", "code", "message"}}``."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

KEY = "sk_test_dsr0123456789"


def _authorised(received: Received) -> bool:
    auth = received.auth or ""
    if auth == f"Bearer {KEY}":
        return True
    if auth.startswith("Basic "):
        return base64.b64decode(auth[6:]).decode().split(":")[0] == KEY
    return False


def _error(status: int, kind: str, message: str, code: str | None = None) -> Answer:
    return status, {"error": {"type": kind, "message": message,
                              **({"code": code} if code else {})}}


PAGE_CAP = 2
"""The fake's largest page (Stripe's is 100), so that a few records already span pages."""


def _page(received: Received, items: list[dict[str, Any]], url: str) -> Answer:
    limit = min(int(received.arg("limit") or 10), PAGE_CAP)
    after = received.arg("starting_after")
    if after:
        ids = [item["id"] for item in items]
        items = items[ids.index(after) + 1:] if after in ids else []
    return 200, {"object": "list", "url": url, "has_more": len(items) > limit,
                 "data": items[:limit]}


def stripe_fake() -> FakeService:
    """Stripe with two customers of the same address and payments of one of them."""
    fake = FakeService("stripe")
    customers: dict[str, dict[str, Any]] = {}
    payments: list[dict[str, Any]] = []
    fake.state = {"customers": customers, "payments": payments}  # type: ignore[attr-defined]
    for number, email in ((1, "juergen.weiss@example.org"), (2, "juergen.weiss@example.org"),
                          (3, "someone.else@example.org")):
        customers[f"cus_{number:04d}"] = {
            "id": f"cus_{number:04d}", "object": "customer", "email": email,
            "name": "Jürgen Weiß" if number < 3 else "Someone Else", "phone": "+49 89 1234",
            "created": 1767225600 + number, "livemode": False}
    for number in range(1, 6):
        payments.append({"id": f"pi_{number:04d}", "object": "payment_intent",
                         "amount": 1999 * number, "currency": "eur",
                         "customer": "cus_0001" if number != 5 else "cus_0003",
                         "status": "succeeded", "created": 1767300000 + number})

    @fake.route("GET", r"/v1/customers")
    def list_customers(received: Received) -> Answer:
        if not _authorised(received):
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        email = received.arg("email")
        found = [c for c in customers.values() if email is None or c["email"] == email]
        return _page(received, found, "/v1/customers")

    @fake.route("GET", r"/v1/payment_intents")
    def list_payments(received: Received) -> Answer:
        if not _authorised(received):
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        customer = received.arg("customer")
        return _page(received, [p for p in payments if p["customer"] == customer],
                     "/v1/payment_intents")

    @fake.route("DELETE", r"/v1/customers/([^/]+)")
    def delete_customer(received: Received, customer: str) -> Answer:
        if not _authorised(received):
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        if customer not in customers:
            return _error(404, "invalid_request_error", f"No such customer: '{customer}'",
                          "resource_missing")
        del customers[customer]
        return 200, {"id": customer, "object": "customer", "deleted": True}

    @fake.route("POST", r"/v1/customers/([^/]+)")
    def update_customer(received: Received, customer: str) -> Answer:
        if not _authorised(received):
            return _error(401, "invalid_request_error", "Invalid API Key provided")
        if customer not in customers:
            return _error(404, "invalid_request_error", f"No such customer: '{customer}'",
                          "resource_missing")
        for key, values in received.form.items():
            customers[customer][key] = values[0]
        return 200, customers[customer]

    return fake
