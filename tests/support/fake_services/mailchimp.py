"""A fake of Mailchimp's Marketing API 3.0: HTTP basic with the API key as password;
``GET /3.0/search-members`` (``exact_matches.members``); the activity feed paged with
``count`` and ``offset``; ``PATCH /3.0/lists/{list}/members/{hash}``; ``POST
…/actions/delete-permanent`` (204; 404 ``{"title": "Resource Not Found"}`` for an unknown
member). Errors are problem documents (``type``, ``title``, ``status``, ``detail``)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from tests.support.fake_services.server import Answer, FakeService, Received

KEY = "0123456789abcdef0123456789abcdef-us21"
LIST = "a1b2c3d4e5"
EMAIL = "juergen.weiss@example.org"
HASH = hashlib.md5(EMAIL.encode()).hexdigest()  # noqa: S324 - Mailchimp's subscriber hash


def _problem(status: int, title: str) -> Answer:
    return status, {"type": "https://mailchimp.com/developer/marketing/docs/errors/",
                    "title": title, "status": status, "detail": title}


def mailchimp_fake() -> FakeService:
    fake = FakeService("mailchimp")
    members: dict[str, dict[str, Any]] = {HASH: {
        "id": HASH, "email_address": EMAIL, "list_id": LIST, "status": "subscribed",
        "merge_fields": {"FNAME": "Jürgen", "LNAME": "Weiß"}, "ip_signup": "192.0.2.44",
        "timestamp_signup": "2025-02-01T09:00:00+00:00", "ip_opt": "192.0.2.44",
        "timestamp_opt": "2025-02-01T09:03:00+00:00"}}
    activity = [{"activity_type": ("open", "click", "sent")[n % 3],
                 "created_at_timestamp": f"2026-0{n + 1}-10T10:00:00+00:00",
                 "campaign_id": f"c{n}"} for n in range(3)]
    fake.state = {"members": members}  # type: ignore[attr-defined]

    def authorised(received: Received) -> bool:
        auth = received.auth or ""
        return auth.startswith("Basic ") and \
            base64.b64decode(auth[6:]).decode().split(":", 1)[-1] == KEY

    @fake.route("GET", r"/3.0/search-members")
    def search(received: Received) -> Answer:
        if not authorised(received):
            return _problem(401, "API Key Invalid")
        found = [m for m in members.values() if m["email_address"] == received.arg("query")]
        return 200, {"exact_matches": {"members": found, "total_items": len(found)},
                     "full_search": {"members": [], "total_items": 0}}

    @fake.route("GET", r"/3.0/lists/([^/]+)/members/([^/]+)/activity-feed")
    def feed(received: Received, list_id: str, member: str) -> Answer:
        if not authorised(received):
            return _problem(401, "API Key Invalid")
        count, offset = min(int(received.arg("count") or 10), 2), int(received.arg("offset")
                                                                      or 0)
        return 200, {"activity": activity[offset:offset + count] if member in members else [],
                     "email_id": member, "list_id": list_id, "total_items": len(activity)}

    @fake.route("PATCH", r"/3.0/lists/([^/]+)/members/([^/]+)")
    def update(received: Received, list_id: str, member: str) -> Answer:
        if not authorised(received):
            return _problem(401, "API Key Invalid")
        if member not in members:
            return _problem(404, "Resource Not Found")
        body = received.json or {}
        members[member].update({k: v for k, v in body.items() if k != "merge_fields"})
        members[member]["merge_fields"].update(body.get("merge_fields", {}))
        return 200, members[member]

    @fake.route("POST", r"/3.0/lists/([^/]+)/members/([^/]+)/actions/delete-permanent")
    def delete(received: Received, list_id: str, member: str) -> Answer:
        if not authorised(received):
            return _problem(401, "API Key Invalid")
        if member not in members:
            return _problem(404, "Resource Not Found")
        del members[member]
        return 204, None

    return fake
