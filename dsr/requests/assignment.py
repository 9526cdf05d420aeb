"""Who works on a request: its assignee, set and removed one request at a time or for many
from the queue, every change audited (``assigned`` / ``unassigned``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.audit import AuditAction, append_event
from dsr.errors import ServiceError
from dsr.permissions import Permission, roles_with
from dsr.requests.models import Request
from dsr.users.models import User

#: Who may be given a request: a user who may move requests on.
ASSIGNABLE = Permission.REQUESTS_DECIDE


class AssignmentError(ServiceError):
    """The user cannot be given requests (unknown, inactive, or without the permission)."""


def assignable_users(session: Session) -> list[User]:
    """The active users who may be given requests, by name."""
    roles = [role.value for role in roles_with(ASSIGNABLE)]
    return list(session.scalars(select(User).where(User.role.in_(roles), User.active.is_(True))
                                .order_by(User.username)))


def _assignee(session: Session, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None or not user.active or user.role not in {r.value for r in roles_with(ASSIGNABLE)}:
        raise AssignmentError("assign: user {user} cannot be given requests",
                              msgid="err_assign_user", user=user_id)
    return user


def assign(session: Session, request: Request, user_id: int | None, *, actor: str) -> bool:
    """Give ``request`` to the user ``user_id`` (None: to nobody); audited, flushes. False when
    it already was so (nothing written)."""
    _assignee(session, user_id)
    return _set(session, request, user_id, actor)


def assign_many(session: Session, request_ids: list[int], user_id: int | None, *,
                actor: str) -> int:
    """Give every request of ``request_ids`` to the user ``user_id`` (None: to nobody); one
    audit event per request that changed; returns how many changed. Flushes."""
    _assignee(session, user_id)
    changed = 0
    for request in session.scalars(select(Request).where(Request.id.in_(request_ids))
                                   .order_by(Request.id)):
        changed += _set(session, request, user_id, actor)
    return changed


def _set(session: Session, request: Request, user_id: int | None, actor: str) -> bool:
    previous = request.assignee_id
    if previous == user_id:
        return False
    request.assignee_id = user_id
    append_event(session, actor=actor,
                 action=AuditAction.ASSIGNED if user_id is not None else AuditAction.UNASSIGNED,
                 request_id=request.id, details={"assignee": user_id, "previous": previous})
    return True
