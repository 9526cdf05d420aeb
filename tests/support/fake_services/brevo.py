"""A fake of Brevo's API v3 (developers.brevo.com): the key in the ``api-key`` header (401
``{"code": "unauthorized"}`` otherwise); ``GET /v3/contacts/{email or id}`` (404
``{"code": "document_not_found"}``); ``GET /v3/smtp/statistics/events`` paged with ``limit``
and ``offset``; ``PUT /v3/contacts/{id}`` (204); ``DELETE /v3/contacts/{id}`` (204)."""

from __future__ import annotations

from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

KEY = "xkeysib-dsr-test-0123456789"
EMAIL = "juergen.weiss@example.org"


def brevo_fake() -> FakeService:
    fake = FakeService("brevo")
    contacts: dict[int, dict[str, Any]] = {17: {
        "id": 17, "email": EMAIL, "emailBlacklisted": False, "smsBlacklisted": False,
        "createdAt": "2025-03-01T10:00:00.000+01:00", "listIds": [2, 5],
        "attributes": {"FIRSTNAME": "Jürgen", "LASTNAME": "Weiß"}}}
    events = [{"email": EMAIL, "date": f"2026-0{1 + n % 9}-0{1 + n % 9}T08:00:00+01:00",
               "event": ("delivered", "opened", "clicks")[n % 3], "messageId": f"<m{n}@brevo>"}
              for n in range(5)]
    fake.state = {"contacts": contacts}  # type: ignore[attr-defined]

    def authorised(received: Received) -> bool:
        return received.headers.get("api-key") == KEY

    def contact(identifier: str) -> dict[str, Any] | None:
        if identifier.isdigit():
            return contacts.get(int(identifier))
        return next((c for c in contacts.values() if c["email"] == identifier.lower()), None)

    @fake.route("GET", r"/v3/contacts/([^/]+)")
    def get_contact(received: Received, identifier: str) -> Answer:
        if not authorised(received):
            return 401, {"code": "unauthorized", "message": "Key not found"}
        found = contact(identifier)
        if found is None:
            return 404, {"code": "document_not_found", "message": "Contact does not exist"}
        return 200, found

    @fake.route("GET", r"/v3/smtp/statistics/events")
    def get_events(received: Received) -> Answer:
        if not authorised(received):
            return 401, {"code": "unauthorized", "message": "Key not found"}
        limit, offset = int(received.arg("limit") or 2500), int(received.arg("offset") or 0)
        limit = min(limit, 2)  # the fake's page is small so that paging shows
        mine = [e for e in events if e["email"] == received.arg("email")]
        return 200, {"events": mine[offset:offset + limit]}

    @fake.route("PUT", r"/v3/contacts/([^/]+)")
    def update_contact(received: Received, identifier: str) -> Answer:
        if not authorised(received):
            return 401, {"code": "unauthorized", "message": "Key not found"}
        found = contact(identifier)
        if found is None:
            return 404, {"code": "document_not_found", "message": "Contact does not exist"}
        body = received.json or {}
        found.update({k: v for k, v in body.items() if k != "attributes"})
        found["attributes"].update(body.get("attributes", {}))
        return 204, None

    @fake.route("DELETE", r"/v3/contacts/([^/]+)")
    def delete_contact(received: Received, identifier: str) -> Answer:
        if not authorised(received):
            return 401, {"code": "unauthorized", "message": "Key not found"}
        found = contact(identifier)
        if found is None:
            return 404, {"code": "document_not_found", "message": "Contact does not exist"}
        del contacts[found["id"]]
        return 204, None

    return fake
