"""The one permission table: named permissions, and the roles that hold them.

Handlers declare the permission they need (``dsr.web.permissions.require``); services take the
actor's permissions (:class:`Actor`), never a role string. The design brief's role table in
``docs/permissions.md`` is rendered from :data:`ROLE_PERMISSIONS` by :func:`render_markdown`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from dsr.users.models import Role


class Permission(StrEnum):
    REQUESTS_VIEW = "requests.view"
    REQUESTS_VIEW_CONTENTS = "requests.view_contents"
    REQUESTS_KEY_IN = "requests.key_in"
    REQUESTS_VERIFY = "requests.verify"
    REQUESTS_DECIDE = "requests.decide"
    REQUESTS_APPROVE = "requests.approve"
    REQUESTS_RELEASE = "requests.release"
    REQUESTS_NOTES = "requests.notes"
    ANSWERS_PREPARE = "answers.prepare"
    ANSWERS_DOWNLOAD = "answers.download"
    ID_COPIES_VIEW = "id_copies.view"
    ID_COPIES_UPLOAD = "id_copies.upload"
    HOLDS_MANAGE = "holds.manage"
    RECIPIENTS_VIEW = "recipients.view"
    RECIPIENTS_CONFIRM = "recipients.confirm"
    MAIL_TRIAGE = "mail.triage"
    REGISTER_VIEW = "register.view"
    REGISTER_EDIT = "register.edit"
    STATISTICS_VIEW = "statistics.view"
    USERS_MANAGE = "users.manage"
    USERS_CONFIRM = "users.confirm"


#: One line per permission: what it allows (rendered into docs/permissions.md).
DESCRIPTIONS: Mapping[Permission, str] = MappingProxyType({
    Permission.REQUESTS_VIEW: "list requests and open a request's page: reference, status, "
                              "deadline (the API's read answers the status)",
    Permission.REQUESTS_VIEW_CONTENTS: "see a request's claims, matches, decisions and tasks "
                                       "(the API's read answers them too)",
    Permission.REQUESTS_KEY_IN: "key in a postal, fax or phone request, print its letters, "
                                "record the evidence enclosed",
    Permission.REQUESTS_VERIFY: "decide on identity: verify, accept or refuse an ID copy or a "
                                "power of attorney, answer \"no data found\"",
    Permission.REQUESTS_DECIDE: "move a request on: process, reject, extend, withdraw; retry or "
                                "waive a task; corrections, restriction lifts, contest reviews",
    Permission.REQUESTS_APPROVE: "approve the answer (and the changes) of a request",
    Permission.REQUESTS_RELEASE: "release an approved answer to the data subject",
    Permission.REQUESTS_NOTES: "read and add a request's internal notes (never sent to the "
                               "data subject; staff, who see no request contents, do not)",
    Permission.ANSWERS_PREPARE: "review the answer: redactions, cover message, e-mail delivery",
    Permission.ANSWERS_DOWNLOAD: "open the answer and download its files (PDF, JSON, HTML, export)",
    Permission.ID_COPIES_VIEW: "open an ID copy (never one the same user uploaded)",
    Permission.ID_COPIES_UPLOAD: "upload a scanned ID copy (which the uploader cannot open again)",
    Permission.HOLDS_MANAGE: "list, place and lift legal holds (queue and API)",
    Permission.RECIPIENTS_VIEW: "see the outstanding notices to recipients",
    Permission.RECIPIENTS_CONFIRM: "record (or withdraw) a recipient's confirmation",
    Permission.MAIL_TRIAGE: "triage inbound mail: confirm, dismiss, attach, merge requests",
    Permission.REGISTER_VIEW: "read the Art. 30 register and its versions",
    Permission.REGISTER_EDIT: "change or import the Art. 30 register",
    Permission.STATISTICS_VIEW: "see the statistics of requests",
    Permission.USERS_MANAGE: "list, create and deactivate users, change roles (a coordinator "
                             "grant waits for a coordinator's confirmation), issue password "
                             "reset links, remove a lost second factor",
    Permission.USERS_CONFIRM: "confirm a coordinator role an admin granted (no admin gives "
                              "access to request contents alone)",
})

_REQUEST_WORK = frozenset(p for p in Permission
                          if p.value.split(".")[0] in {"requests", "answers", "id_copies",
                                                       "holds", "recipients", "mail",
                                                       "register", "statistics"})

#: The brief's role table ("People and roles"). Customers have no login: the public form,
#: status page and portal check a code or a token, not a permission. Admins see no request
#: contents.
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = MappingProxyType({
    Role.STAFF: frozenset({
        Permission.REQUESTS_VIEW, Permission.REQUESTS_KEY_IN, Permission.ID_COPIES_UPLOAD,
        Permission.RECIPIENTS_VIEW, Permission.RECIPIENTS_CONFIRM,
    }),
    Role.COORDINATOR: _REQUEST_WORK | {Permission.USERS_CONFIRM},
    Role.ADMIN: frozenset({Permission.USERS_MANAGE}),
})


def permissions_of(role: str | None) -> frozenset[Permission]:
    """The permissions of ``role``; none for a role the table does not know, or for no role (a
    grant still waiting for confirmation)."""
    if role is None:
        return frozenset()
    try:
        return ROLE_PERMISSIONS[Role(role)]
    except ValueError:
        return frozenset()


def roles_with(permission: Permission) -> list[Role]:
    """The roles that hold ``permission``, in the table's order."""
    return [role for role, held in ROLE_PERMISSIONS.items() if permission in held]


@dataclass(frozen=True)
class Actor:
    """Who acts, as services see them: a user id and what that user may do."""

    user_id: int
    permissions: frozenset[Permission]

    @classmethod
    def of(cls, user_id: int, role: str | None) -> Actor:
        return cls(user_id, permissions_of(role))

    def may(self, permission: Permission) -> bool:
        return permission in self.permissions


def render_markdown() -> str:
    """docs/permissions.md: the role table and one line per permission."""
    roles = list(ROLE_PERMISSIONS)
    lines = [
        "# Permissions",
        "",
        "Generated from `dsr/permissions.py` (`ROLE_PERMISSIONS`); a test checks that this file",
        "equals its rendering. Customers (data subjects) have no login: the public form, the",
        "status page and the portal check a code or a token, not a permission. API tokens carry",
        "their user's role.",
        "",
        "| permission | " + " | ".join(role.value for role in roles) + " |",
        "| --- | " + " | ".join("---" for _ in roles) + " |",
    ]
    for permission in Permission:
        marks = ["yes" if permission in ROLE_PERMISSIONS[role] else "—" for role in roles]
        lines.append(f"| `{permission.value}` | " + " | ".join(marks) + " |")
    lines += ["", "## What each permission allows", ""]
    lines += [f"- `{permission.value}`: {DESCRIPTIONS[permission]}." for permission in Permission]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m dsr.permissions > docs/permissions.md
    print(render_markdown(), end="")
