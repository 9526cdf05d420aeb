"""Helpers for the verification tests: submit a request, read the mails the service sent."""

from __future__ import annotations

import email
import re
from email import policy
from typing import Any

from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel
from tests.support.clock import CLOCK
from workflows.runner import run_pending


def mails(services: Services) -> list[dict[str, str]]:
    """Every e-mail written to the outbox folder: recipient, subject and decoded body."""
    found = []
    for path in sorted(services.config.mail_out_dir.glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        body = message.get_body(preferencelist=("plain",))
        found.append({"to": str(message["To"]), "subject": str(message["Subject"]),
                      "body": body.get_content() if body else ""})
    return found


def code_mails(services: Services) -> list[dict[str, str]]:
    return [m for m in mails(services) if re.search(r"\n {4}[A-Z0-9]{4}-[A-Z0-9]{4}\n", m["body"])]


def sent_code(mail: dict[str, str]) -> str:
    return re.search(r"\n {4}([A-Z0-9]{4})-([A-Z0-9]{4})\n", mail["body"]).expand(r"\1\2")


def new_request(services: Services, *, types: tuple[str, ...] = ("access",),
                name: str = "Jürgen Weiß", email_address: str = "juergen.weiss@example.org",
                channel: str = Channel.FORM.value, run: bool = True,
                channel_authenticated: bool | None = None, **claims: Any) -> int:
    """Submit a request through intake (and run the matching) and return its id."""
    own = ("customer_number", "postal_address", "acting_as", "deliver_to")
    extra = {k: v for k, v in claims.items() if k not in own}
    with services.db.session() as session:
        req = submit(session, Submission(
            types=list(types), name=name, email=email_address, channel=channel,
            received_at=CLOCK.now(), customer_number=claims.get("customer_number", ""),
            postal_address=claims.get("postal_address", ""), extra_claims=extra,
            acting_as=claims.get("acting_as", ""), deliver_to=claims.get("deliver_to", ""),
            channel_authenticated=channel_authenticated),
            calendar=services.calendar, connectors=list(services.config.connectors))
        request_id = int(req.id)
    if run:
        run_pending(services)
    return request_id
