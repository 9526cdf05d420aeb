"""Bearer-token authentication for the REST API: a token carries its user's role. The check
(``dsr.web.permissions.require``) happens on the server before a handler reads its body or
loads a request."""

from __future__ import annotations

from flask import g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from dsr.users.models import User
from dsr.users.operations import user_for_token
from dsr.web.context import db_session

#: The name of the security scheme in the OpenAPI document.
SCHEME = "bearerAuth"
SECURITY_SCHEME = {"type": "http", "scheme": "bearer",
                   "description": "An API token (`dsr_…`); it carries its user's role."}


def bearer_token() -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, else None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


def api_user() -> User:
    """The user whose token authenticated this API call (set by ``require``)."""
    user: User = g.api_user
    return user


def api_actor() -> str:
    """The audit actor of this API call; the same form as the queue's."""
    return f"user:{api_user().id}"


def token_user() -> User:
    """The user of this call's bearer token; 401 without a valid one. What the user may do is
    checked by ``dsr.web.permissions.require``, which calls this first."""
    token = bearer_token()
    user = user_for_token(db_session(), token) if token else None
    if user is None:
        raise Unauthorized(
            description="Send a valid API token as 'Authorization: Bearer <token>'.",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "dsr"}))
    return user
