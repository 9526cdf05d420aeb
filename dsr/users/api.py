"""Bearer-token authentication for the REST API: a token carries its user's role, and every
check happens here on the server before a handler reads its body or loads a request."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request
from flask_smorest import Blueprint
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Forbidden, Unauthorized

from dsr.users.models import Role, User
from dsr.users.operations import user_for_token
from dsr.web.context import db_session

#: The name of the security scheme in the OpenAPI document.
SCHEME = "bearerAuth"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "An API token (`dsr_…`); it carries its user's role."}
#: Who may read a request's status; deciding on requests is for coordinators alone.
READERS = (Role.STAFF.value, Role.COORDINATOR.value)
COORDINATORS = (Role.COORDINATOR.value,)


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def api_user() -> User:
    """The user whose token authenticated this API call (set by :func:`requires_token`)."""
    user: User = g.api_user
    return user


def api_actor() -> str:
    """The audit actor of this API call; the same form as the queue's."""
    return f"user:{api_user().id}"


def is_coordinator() -> bool:
    return api_user().role == Role.COORDINATOR.value


def requires_token(*roles: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Allow only a valid token whose user has one of ``roles``: 401 without one, 403 for
    another role. Also documents the bearer requirement and both answers in the OpenAPI."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            token = bearer_token()
            user = user_for_token(db_session(), token) if token else None
            if user is None:
                raise Unauthorized(
                    description="Send a valid API token as 'Authorization: Bearer <token>'.",
                    www_authenticate=WWWAuthenticate("bearer", {"realm": "dsr"}))
            if user.role not in roles:
                raise Forbidden(description=f"This needs the role {' or '.join(roles)}; "
                                            f"the token belongs to a user with the role "
                                            f"{user.role}.")
            g.api_user = user
            return view(*args, **kwargs)

        return Blueprint.doc(security=[{SCHEME: []}],
                             responses={"401": "UNAUTHORIZED", "403": "FORBIDDEN"})(wrapped)

    return decorator
