"""A fake of CleverReach's REST API v3: OAuth 2 client credentials at ``/oauth/token.php``
(client by HTTP basic; ``{"access_token", "expires_in", "token_type": "bearer"}``), then the
bearer token; a group's receiver by e-mail or id (404 ``{"error": {"code": 404, "message":
"Not Found: invalid receiver"}}``); a receiver's events paged with ``page`` (from 0) and
``pagesize``; ``PUT …/setinactive`` and ``DELETE`` answer ``true``."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

CLIENT_ID, CLIENT_SECRET = "dsr-client", "dsr-secret-0123"
GROUP = "412345"
EMAIL = "juergen.weiss@example.org"


def cleverreach_fake() -> FakeService:
    fake = FakeService("cleverreach")
    receivers: dict[str, dict[str, Any]] = {"9001": {
        "id": "9001", "email": EMAIL, "activated": 1740819600, "registered": 1740819000,
        "deactivated": 0, "source": "Shop-Anmeldung", "attributes": {"firstname": "Jürgen"}}}
    events = [{"stamp": 1767225600 + n, "type": ("open", "click")[n % 2],
               "mailing_id": str(700 + n)} for n in range(3)]
    tokens: list[str] = []
    fake.state = {"receivers": receivers, "tokens": tokens}  # type: ignore[attr-defined]

    def authorised(received: Received) -> bool:
        return bool(tokens) and received.auth == f"Bearer {tokens[-1]}"

    def not_found() -> Answer:
        return 404, {"error": {"code": 404, "message": "Not Found: invalid receiver"}}

    @fake.route("POST", r"/oauth/token\.php")
    def token(received: Received) -> Answer:
        expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if received.auth != f"Basic {expected}" or \
                received.form.get("grant_type") != ["client_credentials"]:
            return 401, {"error": "invalid_client"}
        tokens.append(f"cr-token-{len(tokens) + 1}")
        return 200, {"access_token": tokens[-1], "expires_in": 2592000, "token_type": "bearer",
                     "scope": "oa_basic oa_receiver"}

    def find(key: str) -> dict[str, Any] | None:
        return receivers.get(key) or next((r for r in receivers.values() if r["email"] == key),
                                          None)

    @fake.route("GET", r"/v3/groups\.json/([^/]+)/receivers/([^/]+)")
    def get_receiver(received: Received, group: str, key: str) -> Answer:
        if not authorised(received):
            return 401, {"error": {"code": 401, "message": "Unauthorized: invalid token"}}
        found = find(key) if group == GROUP else None
        return (200, found) if found else not_found()

    @fake.route("GET", r"/v3/receivers\.json/([^/]+)/events")
    def get_events(received: Received, key: str) -> Answer:
        if not authorised(received):
            return 401, {"error": {"code": 401, "message": "Unauthorized: invalid token"}}
        size = min(int(received.arg("pagesize") or 100), 2)
        page = int(received.arg("page") or 0)
        return 200, events[page * size:(page + 1) * size] if key in receivers else []

    @fake.route("PUT", r"/v3/groups\.json/([^/]+)/receivers/([^/]+)/setinactive")
    def deactivate(received: Received, group: str, key: str) -> Answer:
        if not authorised(received):
            return 401, {"error": {"code": 401, "message": "Unauthorized: invalid token"}}
        if key not in receivers:
            return not_found()
        receivers[key]["deactivated"] = 1767300000
        return 200, True

    @fake.route("DELETE", r"/v3/groups\.json/([^/]+)/receivers/([^/]+)")
    def delete(received: Received, group: str, key: str) -> Answer:
        if not authorised(received):
            return 401, {"error": {"code": 401, "message": "Unauthorized: invalid token"}}
        if key not in receivers:
            return not_found()
        del receivers[key]
        return 200, True

    return fake
