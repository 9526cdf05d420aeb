"""What a visitor past a rate limit is told: when to try again, and the other ways to ask
(the controller's e-mail address and postal address, from the processing register)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import current_app

from dsr.extensions import limiter


@dataclass(frozen=True)
class RetryInfo:
    """When the limit that was hit lets the visitor in again, and the controller's channels."""

    at: datetime | None
    controller: str = ""
    email: str = ""
    address: list[str] = field(default_factory=list)


def retry_info() -> RetryInfo:
    """For the current request, which has just been refused by a rate limit."""
    current = limiter.current_limit
    # The limiter's window is counted by its storage in wall-clock seconds: its reset time
    # is an instant, not something the service clock decides.
    at = datetime.fromtimestamp(current.reset_at, tz=UTC) if current is not None else None
    controller: dict[str, Any] = current_app.extensions["dsr"].register.get("controller") or {}
    return RetryInfo(at=at, controller=str(controller.get("name") or ""),
                     email=str(controller.get("email") or ""),
                     address=[str(x) for x in controller.get("address") or []])
