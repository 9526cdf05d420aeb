"""A fake of Zendesk Support's API: HTTP basic ``{email}/token:{token}``; ``GET
/api/v2/users/search.json?query=`` (``users``); requested tickets with cursor pagination
(``page[size]``, ``page[after]``; ``meta.has_more``, ``meta.after_cursor``); ``DELETE
/api/v2/users/{id}.json`` (soft delete, answers ``{"user": …, "active": false}``) and ``DELETE
/api/v2/deleted_users/{id}.json`` (permanent; only for a soft-deleted user); ``PUT``
updates ``{"user": …}``. Errors: ``{"error": "RecordNotFound", "description": …}``."""

from __future__ import annotations

import base64
from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

AGENT, TOKEN = "datenschutz@pso.example.org", "zd-token-0123456789"
EMAIL = "juergen.weiss@example.org"


def zendesk_fake() -> FakeService:
    fake = FakeService("zendesk")
    users: dict[int, dict[str, Any]] = {361: {
        "id": 361, "name": "Jürgen Weiß", "email": EMAIL, "phone": "+49 89 99998112",
        "role": "end-user", "active": True, "created_at": "2025-05-02T08:00:00Z"}}
    deleted: dict[int, dict[str, Any]] = {}
    tickets = [{"id": 1000 + n, "requester_id": 361, "subject": f"Lieferung {n}",
                "description": "Wo bleibt meine Bestellung?", "status": "solved",
                "created_at": f"2026-0{n + 1}-03T12:00:00Z"} for n in range(3)]
    fake.state = {"users": users, "deleted": deleted}  # type: ignore[attr-defined]

    def authorised(received: Received) -> bool:
        wanted = base64.b64encode(f"{AGENT}/token:{TOKEN}".encode()).decode()
        return received.auth == f"Basic {wanted}"

    def refused() -> Answer:
        return 401, {"error": "Couldn't authenticate you"}

    def missing() -> Answer:
        return 404, {"error": "RecordNotFound", "description": "Not found"}

    @fake.route("GET", r"/api/v2/users/search\.json")
    def search(received: Received) -> Answer:
        if not authorised(received):
            return refused()
        found = [u for u in users.values() if u["email"] == received.arg("query")]
        return 200, {"users": found, "next_page": None, "previous_page": None,
                     "count": len(found)}

    @fake.route("GET", r"/api/v2/users/(\d+)/tickets/requested\.json")
    def requested(received: Received, user: str) -> Answer:
        if not authorised(received):
            return refused()
        size = min(int(received.arg("page[size]") or 100), 2)
        mine = [t for t in tickets if t["requester_id"] == int(user)]
        after = received.arg("page[after]")
        start = int(after.removeprefix("cur")) if after else 0
        page = mine[start:start + size]
        more = start + size < len(mine)
        return 200, {"tickets": page, "meta": {"has_more": more, "after_cursor":
                                                f"cur{start + size}" if more else None},
                     "links": {}}

    @fake.route("GET", r"/api/v2/users/(\d+)\.json")
    def show(received: Received, user: str) -> Answer:
        if not authorised(received):
            return refused()
        return (200, {"user": users[int(user)]}) if int(user) in users else missing()

    @fake.route("DELETE", r"/api/v2/users/(\d+)\.json")
    def soft_delete(received: Received, user: str) -> Answer:
        if not authorised(received):
            return refused()
        if int(user) not in users:
            return missing()
        gone = users.pop(int(user))
        deleted[int(user)] = {**gone, "active": False}
        return 200, {"user": deleted[int(user)]}

    @fake.route("DELETE", r"/api/v2/deleted_users/(\d+)\.json")
    def permanent(received: Received, user: str) -> Answer:
        if not authorised(received):
            return refused()
        if int(user) not in deleted:
            return missing()
        deleted[int(user)] = {"id": int(user), "name": "Permanently Deleted User",
                              "email": None, "active": False}
        return 200, {"deleted_user": deleted[int(user)]}

    @fake.route("PUT", r"/api/v2/users/(\d+)\.json")
    def update(received: Received, user: str) -> Answer:
        if not authorised(received):
            return refused()
        if int(user) not in users:
            return missing()
        users[int(user)].update((received.json or {}).get("user", {}))
        return 200, {"user": users[int(user)]}

    return fake
