"""The coordinator's queue: which requests a search, filters and a sort order select, one page
at a time (keyset paging: the page after the last row shown, never an OFFSET), the fixed saved
views, and the counts per deadline bucket.

What a search matches is :mod:`dsr.requests.search`'s. A search's matches are counted up to
:data:`SEARCH_COUNT_CAP`; beyond, the page says "more than" that many (an exact count of a word
every name has would read every match for one number).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import (
    ColumnElement,
    SQLColumnExpression,
    String,
    case,
    cast,
    func,
    not_,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from dsr.changes.models import RecipientNotice
from dsr.mail.models import InboundMessage
from dsr.requests import search
from dsr.requests.models import (
    OPEN_STATUS_VALUES,
    STATUS_VALUES,
    Channel,
    IdentityClaim,
    Request,
    RequestType,
)
from dsr.users.models import User
from workflows.states import WAITING_ON_SUBJECT

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
SOON_DAYS, WEEK_DAYS = 3, 7
#: The status filter's two values beside a single status.
OPEN, ALL = "open", "all"
#: A search counts its matches up to this many; the page says "more than" beyond.
SEARCH_COUNT_CAP = 1_000


class Sort(StrEnum):
    DEADLINE = "deadline"
    RECEIVED = "received"
    REFERENCE = "reference"


class Waiting(StrEnum):
    """On whom an open request waits: the customer (identity) or a recipient (a notice)."""

    CUSTOMER = "customer"
    RECIPIENT = "recipient"


class View(StrEnum):
    """The fixed saved views."""

    MINE = "mine"
    OVERDUE = "overdue"
    WAITING_FOR_ME = "waiting_for_me"


@dataclass(frozen=True)
class QueueQuery:
    """What the queue shows: search, filters, sort order and the page (``after``, a cursor)."""

    search: str = ""
    status: str = OPEN
    type: str = ""
    channel: str = ""
    overdue: bool = False
    due_within: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    waiting: Waiting | None = None
    #: Only requests that wait on nobody but their assignee (the "waiting for me" view).
    actionable: bool = False
    sort: Sort = Sort.DEADLINE
    descending: bool = False
    after: str = ""
    limit: int = PAGE_SIZE

    def first_page(self) -> QueueQuery:
        return replace(self, after="")


def saved_view(view: View, user_id: int) -> QueueQuery:
    """The query of a fixed saved view for the user ``user_id``."""
    if view is View.MINE:
        return QueueQuery(assignee_id=user_id)
    if view is View.OVERDUE:
        return QueueQuery(overdue=True)
    return QueueQuery(assignee_id=user_id, actionable=True)


class QueueArgsSchema(Schema):
    """The queue page's query string; ``assignee`` is ``me``, ``none`` or a user id."""

    q = fields.String(load_default="", validate=validate.Length(max=200))
    view = fields.String(load_default="", validate=validate.OneOf(["", *View]))
    status = fields.String(load_default=OPEN, validate=validate.OneOf([OPEN, ALL, *STATUS_VALUES]))
    type = fields.String(load_default="", validate=validate.OneOf(["", *RequestType]))
    channel = fields.String(load_default="", validate=validate.OneOf(["", *Channel]))
    overdue = fields.Boolean(load_default=False)
    actionable = fields.Boolean(load_default=False)
    due_within = fields.Integer(load_default=None, allow_none=True,
                                validate=validate.Range(min=0, max=366))
    assignee = fields.String(load_default="", validate=validate.Regexp(r"^(|me|none|\d{1,9})$"))
    waiting = fields.String(load_default="", validate=validate.OneOf(["", *Waiting]))
    sort = fields.String(load_default=Sort.DEADLINE.value, validate=validate.OneOf(list(Sort)))
    order = fields.String(load_default="asc", validate=validate.OneOf(["asc", "desc"]))
    after = fields.String(load_default="", validate=validate.Length(max=400))
    limit = fields.Integer(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))

    @validates_schema
    def _cursor_readable(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("after"):
            try:
                decode_cursor(data["after"], Sort(data.get("sort", Sort.DEADLINE.value)))
            except ValueError:
                raise ValidationError("queue_bad_page", "after") from None


def parse_args(args: Mapping[str, str], user_id: int) -> QueueQuery:
    """The query a page's arguments ask for, ``assignee=me`` and the saved views meaning the
    user ``user_id`` (empty values count as not given); raises marshmallow's ValidationError
    for a value it cannot read."""
    schema = QueueArgsSchema()
    data: dict[str, Any] = schema.load({k: v for k, v in args.items()
                                        if k in schema.fields and v != ""})
    page = {"search": data["q"].strip(), "sort": Sort(data["sort"]),
            "descending": data["order"] == "desc", "after": data["after"], "limit": data["limit"]}
    if data["view"]:
        return replace(saved_view(View(data["view"]), user_id), **page)
    assignee = data["assignee"]
    return QueueQuery(
        status=data["status"], type=data["type"], channel=data["channel"],
        overdue=data["overdue"], due_within=data["due_within"], actionable=data["actionable"],
        assignee_id=user_id if assignee == "me" else (int(assignee) if assignee.isdigit() else None),
        unassigned=assignee == "none",
        waiting=Waiting(data["waiting"]) if data["waiting"] else None, **page)


def deadline() -> ColumnElement[date]:
    """The request's deadline in SQL: the extended one where there is one (indexed)."""
    return func.coalesce(Request.extended_due_on, Request.due_on)


def _sort_column(sort: Sort) -> SQLColumnExpression[Any]:
    if sort is Sort.RECEIVED:
        return Request.received_at
    if sort is Sort.REFERENCE:
        return Request.reference
    return deadline()


def encode_cursor(sort: Sort, value: Any, request_id: int) -> str:
    """The cursor of the page after a row: its sort value and id (opaque to the reader)."""
    shown = value.isoformat() if isinstance(value, (date, datetime)) else str(value)
    raw = json.dumps([sort.value, shown, request_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, sort: Sort) -> tuple[Any, int]:
    """The sort value and id a cursor names; ValueError for one of another sort or garbled."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        name, shown, request_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        raise ValueError("unreadable cursor") from None
    if name != sort.value or not isinstance(shown, str) or not isinstance(request_id, int):
        raise ValueError("cursor of another sort order")
    if sort is Sort.DEADLINE:
        return date.fromisoformat(shown), request_id
    if sort is Sort.RECEIVED:
        return datetime.fromisoformat(shown), request_id
    return shown, request_id


def _waiting_on_recipient() -> ColumnElement[bool]:
    return Request.id.in_(select(RecipientNotice.request_id)
                          .where(RecipientNotice.status == "waiting"))


def conditions(query: QueueQuery, *, today: date) -> list[ColumnElement[bool]]:
    """The WHERE clauses of a query's filters (the search asks the database first:
    :func:`dsr.requests.search.search_condition`; the page's cursor is the page's)."""
    open_values = list(OPEN_STATUS_VALUES)  # as the partial index names them
    found: list[ColumnElement[bool]] = []
    if query.status == OPEN or query.overdue or query.due_within is not None or query.actionable:
        found.append(Request.status.in_(open_values))
    if query.status not in (OPEN, ALL):
        found.append(Request.status == query.status)
    if query.type:
        found.append(cast(Request.types, String).like(f'%"{query.type}"%'))
    if query.channel:
        found.append(Request.channel == query.channel)
    if query.overdue:
        found.append(deadline() < today)
    if query.due_within is not None:
        found.append(deadline() <= today + timedelta(days=query.due_within))
    if query.assignee_id is not None:
        found.append(Request.assignee_id == query.assignee_id)
    elif query.unassigned:
        found.append(Request.assignee_id.is_(None))
    waiting_on_customer = Request.status.in_([s.value for s in WAITING_ON_SUBJECT])
    if query.waiting is Waiting.CUSTOMER:
        found.append(waiting_on_customer)
    elif query.waiting is Waiting.RECIPIENT:
        found.append(_waiting_on_recipient())
    if query.actionable:
        found.append(not_(or_(waiting_on_customer, _waiting_on_recipient())))
    return found


@dataclass(frozen=True)
class QueueRow:
    """One line of the queue; ``name`` only for a reader who may see the contents."""

    request: Request
    name: str | None
    assignee: str | None
    reminded: bool


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    #: How many match; with ``capped``, more than this many do.
    total: int
    #: The cursor of the next page; None when this is the last.
    next_cursor: str | None
    #: A search that matches more than :data:`SEARCH_COUNT_CAP`, counted no further.
    capped: bool = False


def _reminded() -> Select[int | None]:
    return select(InboundMessage.request_id).where(InboundMessage.action == "reminder",
                                                   InboundMessage.request_id.is_not(None))


def fetch_page(session: Session, query: QueueQuery, *, today: date, contents: bool) -> QueuePage:
    """One page of the queue: at most ``query.limit`` rows after the cursor, the number of all
    that match (of a search's, up to :data:`SEARCH_COUNT_CAP`), and the cursor of the next page
    when more exist. In the deadline order the requests whose requester sent a reminder come
    first, on the first page (beside the limit), and are left out of the pages after."""
    where = conditions(query, today=today)
    if query.search:
        where.append(search.search_condition(session, query.search, contents=contents))
    pinned: list[Request] = []
    paged = where
    if query.sort is Sort.DEADLINE and not query.descending:
        paged = [*where, Request.id.not_in(_reminded())]
        if not query.after:
            pinned = list(session.scalars(select(Request).where(*where, Request.id.in_(_reminded()))
                                          .order_by(deadline(), Request.id)))
    key = _sort_column(query.sort)
    order = [key.desc(), Request.id.desc()] if query.descending else [key, Request.id]
    stmt = select(Request, key).where(*paged).order_by(*order).limit(query.limit + 1)
    if query.after:
        value, request_id = decode_cursor(query.after, query.sort)
        pair, bound = tuple_(key, Request.id), tuple_(value, request_id)
        stmt = stmt.where(pair < bound if query.descending else pair > bound)
    found = [(row[0], row[1]) for row in session.execute(stmt)]
    more = len(found) > query.limit
    found = found[:query.limit]
    total, capped = _count(session, where, cap=SEARCH_COUNT_CAP if query.search else None)
    requests = pinned + [req for req, _ in found]
    ids = [req.id for req in requests]
    names = _names(session, ids) if contents and ids else {}
    assignees = _usernames(session, {req.assignee_id for req in requests if req.assignee_id})
    reminded = set(session.scalars(_reminded().where(InboundMessage.request_id.in_(ids)))) \
        if ids else set()
    rows = [QueueRow(req, names.get(req.id), assignees.get(req.assignee_id or 0),
                     req.id in reminded) for req in requests]
    cursor = encode_cursor(query.sort, found[-1][1], found[-1][0].id) if more else None
    return QueuePage(rows=rows, total=total, next_cursor=cursor, capped=capped)


def _count(session: Session, where: list[ColumnElement[bool]], *,
           cap: int | None) -> tuple[int, bool]:
    """How many requests match ``where``, and whether more than ``cap`` do (then ``cap``):
    a capped count stops reading after the first ``cap + 1``."""
    if cap is None:
        return int(session.scalar(select(func.count(Request.id)).where(*where)) or 0), False
    first = select(Request.id).where(*where).limit(cap + 1).subquery()
    found = int(session.scalar(select(func.count()).select_from(first)) or 0)
    return min(found, cap), found > cap


def _names(session: Session, ids: list[int]) -> dict[int, str]:
    return {rid: value for rid, value in session.execute(
        select(IdentityClaim.request_id, IdentityClaim.value).where(
            IdentityClaim.kind == "name", IdentityClaim.request_id.in_(ids)))}


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {uid: name for uid, name in session.execute(
        select(User.id, User.username).where(User.id.in_(ids)))}


def deadline_buckets(session: Session, today: date) -> dict[str, int]:
    """Open requests per deadline bucket: late, due within 3 days, within a week, later."""
    due = deadline()
    bucket = case((due < today, "late"), (due <= today + timedelta(days=SOON_DAYS), "soon"),
                  (due <= today + timedelta(days=WEEK_DAYS), "week"), else_="later")
    counts = dict.fromkeys(("late", "soon", "week", "later"), 0)
    for name, count in session.execute(
            select(bucket, func.count(Request.id))
            .where(Request.status.in_(OPEN_STATUS_VALUES)).group_by(bucket)):
        counts[str(name)] = int(count)
    return counts


def matching_ids(session: Session, ids: list[int]) -> list[int]:
    """The ids among ``ids`` that name a request (a bulk form's checkboxes, checked)."""
    return list(session.scalars(select(Request.id).where(Request.id.in_(ids))
                                .order_by(Request.id))) if ids else []


