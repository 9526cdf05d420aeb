"""One public submission, the same for the form and the API: the request through intake, then
a shop token checked by its signature alone (no lookup happens before the public answer)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from dsr.app import db_session
from dsr.models import Request, utcnow
from dsr.schemas import policy_claims
from dsr.services import intake
from dsr.services.verification_steps import accept_shop_token


def submit_public(data: dict[str, Any], channel: str) -> Request:
    """Create the request from a loaded ``SubmissionSchema`` body; flushes, the edge commits."""
    services = current_app.extensions["dsr"]
    token = data.pop("shop_token", "")
    extra = policy_claims(data)
    created = intake.submit(
        db_session(), intake.Submission(channel=channel, received_at=utcnow(),
                                        extra_claims=extra, **data),
        calendar=services.calendar, connectors=list(services.config.connectors))
    if token:
        accept_shop_token(db_session(), created, token, secret=services.config.secret_key,
                          settings=services.config.verification)
    return created
