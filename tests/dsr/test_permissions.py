"""The permission table against the brief's role table, docs/permissions.md against its
rendering, and every URL of the app against the table: a role without the permission an
endpoint declares gets 403 (the API's in JSON), a role with it passes the check."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from werkzeug.routing import AnyConverter, IntegerConverter, Rule

from dsr.permissions import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    permissions_of,
    render_markdown,
    roles_with,
)
from dsr.users.models import Role
from dsr.users.operations import create_token
from dsr.web.permissions import ByArgument, needed

DOC = Path(__file__).resolve().parents[2] / "docs" / "permissions.md"

#: Endpoints anyone may call: the customer's pages check a code or a token of their own, a
#: recipient's callback its signature; logout and the own account need only a session, the
#: second step of sign-in the note that the password was right, a reset link its token.
PUBLIC = {
    "static", "public.form", "public.submit", "public.status", "public.submitted",
    "verify.view", "verify.code", "verify.id_copy", "verify.new_code", "verify.withdraw",
    "verify.by_link", "portal.show", "portal.enter_code", "portal.resend_code",
    "portal.download", "auth.login", "auth.logout", "callbacks.opengdpr_status",
    "api.submit", "api-docs.openapi_json", "public.privacy",
    "auth.login_code", "auth.login_enrol", "account.second_factor_page", "account.reset_password",
    "oidc.start", "oidc.callback",
}

#: What the brief calls "request contents" and "work on requests".
ON_REQUESTS = {p for p in Permission if p.value.split(".")[0] in {
    "requests", "answers", "id_copies", "holds", "recipients", "mail", "register",
    "statistics"}}


def test_staff_keys_in_and_confirms_but_decides_nothing() -> None:
    staff = ROLE_PERMISSIONS[Role.STAFF]
    assert {Permission.REQUESTS_VIEW, Permission.REQUESTS_KEY_IN, Permission.ID_COPIES_UPLOAD,
            Permission.RECIPIENTS_CONFIRM} <= staff
    for refused in (Permission.REQUESTS_VERIFY, Permission.REQUESTS_DECIDE,
                    Permission.REQUESTS_APPROVE, Permission.REQUESTS_RELEASE,
                    Permission.ANSWERS_DOWNLOAD, Permission.ANSWERS_PREPARE,
                    Permission.ID_COPIES_VIEW, Permission.REQUESTS_VIEW_CONTENTS,
                    Permission.STATISTICS_VIEW, Permission.USERS_MANAGE):
        assert refused not in staff, refused


def test_coordinator_does_everything_on_requests_and_admin_sees_none_of_it() -> None:
    # Besides the work on requests, coordinators confirm a coordinator role an admin granted.
    assert ROLE_PERMISSIONS[Role.COORDINATOR] == ON_REQUESTS | {Permission.USERS_CONFIRM}
    assert ROLE_PERMISSIONS[Role.ADMIN] == {Permission.USERS_MANAGE}
    assert not ROLE_PERMISSIONS[Role.ADMIN] & ON_REQUESTS
    assert Permission.USERS_MANAGE not in ROLE_PERMISSIONS[Role.COORDINATOR]


def test_every_role_is_in_the_table_and_every_permission_held_by_someone() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)
    for permission in Permission:
        assert roles_with(permission), permission


def test_an_actor_carries_its_roles_permissions() -> None:
    assert Actor.of(7, "coordinator").may(Permission.ID_COPIES_VIEW)
    assert not Actor.of(7, "staff").may(Permission.ID_COPIES_VIEW)
    assert permissions_of("customer") == frozenset()
    assert roles_with(Permission.REQUESTS_VIEW) == [Role.STAFF, Role.COORDINATOR]


def test_the_docs_are_the_tables_rendering() -> None:
    assert DOC.read_text(encoding="utf-8") == render_markdown(), (
        "docs/permissions.md is stale: python -m dsr.permissions > docs/permissions.md")
    for permission in Permission:
        assert f"| `{permission.value}` |" in render_markdown()


def _urls(rule: Rule) -> list[tuple[str, dict[str, Any]]]:
    """One URL per combination of the rule's ``any(...)`` values; ids are 1 (nothing exists)."""
    choices: dict[str, list[Any]] = {}
    for name, converter in rule._converters.items():
        if isinstance(converter, AnyConverter):
            choices[name] = sorted(converter.items)
        elif isinstance(converter, IntegerConverter):
            choices[name] = [1]
        else:
            choices[name] = ["x"]
    names = list(choices)
    out = []
    for values in itertools.product(*(choices[n] for n in names)):
        args = dict(zip(names, values, strict=True))
        out.append((rule.build(args)[1], args))
    return out


def _signed_in(app: Any, username: str) -> Any:
    client = app.test_client()
    response = client.post("/login", data={"username": username,
                                           "password": "correct horse battery"})
    assert response.status_code == 302, username
    return client


def test_every_endpoint_declares_a_permission_and_refuses_roles_without_it(
        app: Any, make_user: Any, demo_services: Any) -> None:
    app.config["WTF_CSRF_ENABLED"] = False  # the check under test comes before any form
    users = {role: make_user(f"walk-{role.value}", role.value) for role in Role}
    with demo_services.db.session() as session:
        tokens = {role: create_token(session, session.merge(user), label="walk")
                  for role, user in users.items()}
        session.commit()
    pages = {role: _signed_in(app, f"walk-{role.value}") for role in Role}
    anonymous = app.test_client()

    undeclared: list[str] = []
    checked: set[str] = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if rule.endpoint in PUBLIC:
            assert getattr(view, "permission", None) is None, rule.endpoint
            continue
        requirement = getattr(view, "permission", None)
        if requirement is None:
            undeclared.append(rule.endpoint)
            continue
        is_api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for url, args in _urls(rule):
                permission = needed(view, args)
                assert permission is not None
                if isinstance(requirement, ByArgument):
                    assert args[requirement.argument] in requirement.permissions
                call = anonymous.open(url, method=method)
                assert call.status_code == (401 if is_api else 302), (method, url)
                for role in Role:
                    if is_api:
                        call = anonymous.open(url, method=method, headers={
                            "Authorization": f"Bearer {tokens[role]}"})
                    else:
                        call = pages[role].open(url, method=method)
                    where = (role.value, method, url, permission.value)
                    if permission in ROLE_PERMISSIONS[role]:
                        assert call.status_code not in (401, 403), where
                    else:
                        assert call.status_code == 403, where
                        if is_api:
                            body = call.get_json()
                            assert body["error"] == "Forbidden", where
                            assert permission.value in body["message"], where
                    checked.add(rule.endpoint)
    assert not undeclared, f"endpoints without a permission: {sorted(undeclared)}"
    assert checked == {rule.endpoint for rule in app.url_map.iter_rules()} - PUBLIC
