"""A fake of Freshdesk's API v2: HTTP basic with the API key as user name (any password); ``GET /api/v2/contacts?email=``
(a JSON list); ``GET /api/v2/tickets?requester_id=&per_page=`` paged by a ``link`` header
(``<…&page=2>; rel="next"``); ``PUT /api/v2/contacts/{id}``; ``DELETE
/api/v2/contacts/{id}/hard_delete?force=true`` (204). Errors: ``{"code", "message"}``."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

KEY = "fd-key-0123456789"
EMAIL = "juergen.weiss@example.org"


def freshdesk_fake() -> FakeService:
    fake = FakeService("freshdesk")
    contacts: dict[int, dict[str, Any]] = {8001: {
        "id": 8001, "name": "Jürgen Weiß", "email": EMAIL, "phone": "+49 89 99998112",
        "active": True, "created_at": "2025-06-01T07:00:00Z",
        "updated_at": "2026-01-10T07:00:00Z"}}
    tickets = [{"id": 50 + n, "requester_id": 8001, "subject": f"Rücksendung {n}",
                "status": 5, "created_at": f"2026-0{n + 1}-15T09:00:00Z"} for n in range(3)]
    fake.state = {"contacts": contacts}  # type: ignore[attr-defined]

    def authorised(received: Received) -> bool:
        auth = received.auth or ""  # the key is the user name; the password is not looked at
        return auth.startswith("Basic ") and \
            base64.b64decode(auth[6:]).decode().split(":")[0] == KEY

    def refused() -> Answer:
        return 401, {"code": "invalid_credentials", "message": "You have to be logged in"}

    def missing() -> Answer:
        return 404, {"code": "not_found", "message": "Record not found"}

    @fake.route("GET", r"/api/v2/contacts")
    def list_contacts(received: Received) -> Answer:
        if not authorised(received):
            return refused()
        return 200, [c for c in contacts.values() if c["email"] == received.arg("email")]

    @fake.route("GET", r"/api/v2/tickets")
    def list_tickets(received: Received) -> Answer:
        if not authorised(received):
            return refused()
        size = min(int(received.arg("per_page") or 30), 2)
        page = int(received.arg("page") or 1)
        mine = [t for t in tickets if str(t["requester_id"]) == received.arg("requester_id")]
        headers = {}
        if page * size < len(mine):
            headers["Link"] = (f'<{{url}}/api/v2/tickets?requester_id='
                               f'{received.arg("requester_id")}&per_page={size}&page={page + 1}>'
                               f'; rel="next"')
        return 200, mine[(page - 1) * size:page * size], headers

    @fake.route("PUT", r"/api/v2/contacts/(\d+)")
    def update(received: Received, contact: str) -> Answer:
        if not authorised(received):
            return refused()
        if int(contact) not in contacts:
            return missing()
        contacts[int(contact)].update(received.json or {})
        return 200, contacts[int(contact)]

    @fake.route("DELETE", r"/api/v2/contacts/(\d+)/hard_delete")
    def hard_delete(received: Received, contact: str) -> Answer:
        if not authorised(received):
            return refused()
        if received.arg("force") not in ("true", "True"):
            return 400, {"code": "invalid_value", "message": "force must be true"}
        if int(contact) not in contacts:
            return missing()
        del contacts[int(contact)]
        return 204, None

    return fake
