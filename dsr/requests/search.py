"""The queue's search: what a search text matches, and how the database is asked for it.

A search matches a reference; a reader who may see a request's contents also searches its
claims: an e-mail address or a customer number exactly, a name by a part of it, all
case-blind (on the indexes of migration 0035). Only such a reader searches the claims, so
that a search cannot tell anyone else what a request says.

How the part of a name is asked for depends on how many names it matches, which the
database cannot tell beforehand (its guess for a trigram match is a fixed share of the
names). :func:`is_broad` counts the matching names, up to :data:`BROAD_SEARCH`:

- a few: the matching requests are one set of ids (a UNION of the reference, the customer
  number and the names found on the trigram index), and the database joins the few found;
- more (a word every name has): that set would be read, deduplicated and joined in full
  before the page's first row, about half a second for 100,000 names. Instead each request,
  in the page's order, is asked whether one of its names matches, and the page's LIMIT stops
  the walk after its rows; matches are dense there, so the walk is short.

Both ways select the same requests.
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, func, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from dsr.requests.models import IdentityClaim, Request

#: Above this many matching names a name search walks the page's order (see the module).
BROAD_SEARCH = 5_000
_REFERENCE = re.compile(r"^DSR-[A-Z0-9]{1,7}$", re.IGNORECASE)


def _claim(kind: str, condition: ColumnElement[bool]) -> Select[int]:
    return select(IdentityClaim.request_id).where(IdentityClaim.kind == kind, condition)


def _folded() -> ColumnElement[str]:
    return func.lower(IdentityClaim.value)


def _name_part(text: str) -> ColumnElement[bool]:
    """A name claim's value contains ``text`` (case-blind; a wildcard is a character)."""
    folded = text.strip().lower()
    pattern = "%" + folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return _folded().like(pattern, escape="\\")


def searches_names(text: str, *, contents: bool) -> bool:
    """Whether ``text`` is matched against the names (not an address or a reference)."""
    wanted = text.strip()
    return contents and bool(wanted) and "@" not in wanted and not _REFERENCE.match(wanted)


def is_broad(session: Session, text: str, *, contents: bool) -> bool:
    """Whether ``text`` searches the names and more than :data:`BROAD_SEARCH` of them match
    (counted no further: the trigram index hands them out in any order)."""
    if not searches_names(text, contents=contents):
        return False
    names = _claim("name", _name_part(text)).limit(BROAD_SEARCH + 1).subquery()
    return int(session.scalar(select(func.count()).select_from(names)) or 0) > BROAD_SEARCH


def _has_name_part(text: str) -> ColumnElement[bool]:
    """The request of the row has a name claim containing ``text``, asked row by row: a
    scalar subquery, since an EXISTS PostgreSQL would turn into a hashed set of every
    matching name, read in full before the first row whatever the page's LIMIT."""
    first = (select(IdentityClaim.id)
             .where(IdentityClaim.request_id == Request.id, IdentityClaim.kind == "name",
                    _name_part(text))
             .limit(1).scalar_subquery())
    return first.is_not(None)


def search_condition(text: str, *, contents: bool, broad: bool = False) -> ColumnElement[bool]:
    """What a search matches: a reference; with ``contents``, an e-mail address (exactly), a
    customer number (exactly) or a part of a name. ``broad`` (see :func:`is_broad`) asks for
    the names row by row instead of as one set; the requests matched are the same."""
    wanted = text.strip()
    by_reference = Request.reference == wanted.upper()
    if not contents:
        return by_reference
    folded = wanted.lower()
    if "@" in wanted:
        return Request.id.in_(_claim("email", _folded() == folded))
    if _REFERENCE.match(wanted):
        return by_reference
    by_number = _claim("customer_number", _folded() == folded)
    if broad:
        return or_(by_reference, Request.id.in_(by_number), _has_name_part(wanted))
    return Request.id.in_(union_all(select(Request.id).where(by_reference), by_number,
                                    _claim("name", _name_part(wanted))))
