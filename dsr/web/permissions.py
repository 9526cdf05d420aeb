"""``require(permission)``: the one check on every queue page and API endpoint.

A page signs its user in with the session (no session: the login page); an endpoint of an API
blueprint takes a bearer token that carries its user's role (none: 401). A user whose role
lacks the permission gets 403 — the API's blueprint answers it in JSON. The permission a view
needs is kept on it (:func:`needed`), so a test can walk the URL map against the table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import abort, current_app, g, request
from flask_login import current_user
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.exceptions import Forbidden

from dsr.extensions import login_manager
from dsr.permissions import Actor, Permission, permissions_of, roles_with
from dsr.users.api import SCHEME, token_user

View = Callable[..., Any]


@dataclass(frozen=True)
class ByArgument:
    """One route serving several actions, each with its own permission: ``argument`` is the
    URL variable that names the action."""

    argument: str
    permissions: Mapping[str, Permission]


Requirement = Permission | ByArgument


def needed(view: View, view_args: Mapping[str, Any]) -> Permission | None:
    """The permission ``view`` needs for a call with ``view_args``; None if it declares none."""
    requirement: Requirement | None = getattr(view, "permission", None)
    if isinstance(requirement, ByArgument):
        return requirement.permissions[str(view_args[requirement.argument])]
    return requirement


def _is_api_call() -> bool:
    return any(isinstance(current_app.blueprints.get(name), ApiBlueprint)
               for name in request.blueprints)


def _refuse(permission: Permission, role: str | None) -> Forbidden:
    holders = " or ".join(role.value for role in roles_with(permission)) or "nobody"
    return Forbidden(description=f"This needs the permission {permission.value} (held by "
                                 f"{holders}); the user has the role {role}.")


def require(requirement: Requirement) -> Callable[[View], View]:
    """Let only users whose role holds the permission call the view (see the module)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            permission = needed(wrapped, kwargs)
            assert permission is not None
            if _is_api_call():
                user = token_user()
                g.api_user = user
            elif not current_user.is_authenticated:
                return login_manager.unauthorized()
            else:
                user = current_user
            if permission not in permissions_of(user.role):
                if _is_api_call():
                    raise _refuse(permission, user.role)
                abort(403)
            return view(*args, **kwargs)

        wrapped.permission = requirement  # type: ignore[attr-defined]
        # The OpenAPI document names the bearer scheme and both refusals (unused on pages).
        documented: View = ApiBlueprint.doc(
            security=[{SCHEME: []}], responses={"401": "UNAUTHORIZED", "403": "FORBIDDEN"})(wrapped)
        return documented

    return decorator


def current_actor() -> Actor:
    """The signed-in user (page) or the token's user (API) as services see them."""
    user = g.api_user if _is_api_call() else current_user
    return Actor.of(user.id, user.role)


def may(permission: str) -> bool:
    """Whether the signed-in user holds ``permission`` (a template global)."""
    if not current_user.is_authenticated:
        return False
    return Permission(permission) in permissions_of(current_user.role)
