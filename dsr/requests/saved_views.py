"""A user's own saved views of the queue: a name and the page's arguments, checked when
saved so that a saved view always opens."""

from __future__ import annotations

from collections.abc import Mapping

from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from dsr.errors import ServiceError
from dsr.requests.models import SavedView
from dsr.requests.queue import QueueArgsSchema, parse_args


class SavedViewError(ServiceError):
    """A saved view's name is empty, too long or taken, or its filter cannot be read."""


def saved_views(session: Session, user_id: int) -> list[SavedView]:
    """The user's saved views, by name."""
    return list(session.scalars(select(SavedView).where(SavedView.user_id == user_id)
                                .order_by(SavedView.name)))


def save_view(session: Session, user_id: int, name: str, args: Mapping[str, str]) -> SavedView:
    """Save the queue's arguments ``args`` (without the page) under ``name`` for the user, or
    replace the filter of the view of that name; flushes."""
    name = " ".join(name.split())
    if not 1 <= len(name) <= 60:
        raise SavedViewError("saved view: a name of 1 to 60 characters", msgid="err_view_name")
    kept = {k: str(v) for k, v in args.items()
            if k in QueueArgsSchema().fields and k != "after" and v != ""}
    try:
        parse_args(kept, user_id)
    except ValidationError:
        raise SavedViewError("saved view: the filter cannot be read",
                             msgid="err_view_filter") from None
    view = session.scalars(select(SavedView).where(SavedView.user_id == user_id,
                                                   SavedView.name == name)).first()
    if view is None:
        view = SavedView(user_id=user_id, name=name, args=kept)
        session.add(view)
    else:
        view.args = kept
    session.flush()
    return view


def delete_view(session: Session, user_id: int, view_id: int) -> bool:
    """Delete one of the user's saved views; False when the user has no such view."""
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user_id:
        return False
    session.delete(view)
    session.flush()
    return True
