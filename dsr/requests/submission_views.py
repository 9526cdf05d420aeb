"""One public submission, the same for the form and the API: the request through intake, then
a shop token checked by its signature alone (no lookup happens before the public answer)."""

from __future__ import annotations

from typing import Any

from flask import current_app

from dsr.changes import rectification, withdrawal
from dsr.requests import intake
from dsr.requests.models import Request
from dsr.requests.schemas import policy_claims
from dsr.verification.steps import accept_shop_token
from dsr.web.context import clock, db_session


def rectifiable_fields() -> dict[str, tuple[str, ...]]:
    """The fields a customer may correct here -> the data map's ``table.column`` names."""
    return rectification.field_columns(current_app.extensions["dsr"].connectors)


def consent_kinds() -> dict[str, dict[str, str]]:
    """The consents a customer may withdraw one by one -> label by language."""
    return withdrawal.consent_kinds(current_app.extensions["dsr"].connectors)


def submit_public(data: dict[str, Any], channel: str) -> Request:
    """Create the request from a loaded ``SubmissionSchema`` body; flushes, the edge commits.
    Raises :class:`intake.IntakeError` for a correction of a field no system holds."""
    services = current_app.extensions["dsr"]
    token = data.pop("shop_token", "")
    requested = rectification.RequestedCorrections(data.pop("corrections", None) or {},
                                                   data.pop("correction_note", "").strip())
    unknown = withdrawal.unknown_consents(data.get("consents") or (), consent_kinds())
    if unknown:
        raise intake.IntakeError(f"consents: unknown consent {unknown[0]!r} "
                                 f"(known: {', '.join(consent_kinds())})")
    data["consents"] = tuple(data.get("consents") or ())
    extra = policy_claims(data)
    acting_as, deliver_to = extra.pop("acting_as", ""), extra.pop("deliver_to", "")
    extra.update(rectification.claims_for(requested, rectifiable_fields(), data["types"]))
    created = intake.submit(
        db_session(), intake.Submission(channel=channel, received_at=clock().now(),
                                        extra_claims=extra, requested_corrections=requested,
                                        acting_as=acting_as, deliver_to=deliver_to, **data),
        calendar=services.calendar, connectors=list(services.config.connectors))
    if token:
        accept_shop_token(db_session(), created, token, secret=services.config.secret_key,
                          settings=services.config.verification)
    return created
