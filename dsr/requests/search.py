"""The queue's search: what a search text matches, and how the database is asked for it.

A search matches a reference; a reader who may see a request's contents also searches its
claims: an e-mail address or a customer number exactly, a name by a part of it, all
case-blind (on the indexes of migration 0035). Only such a reader searches the claims, so
that a search cannot tell anyone else what a request says.

How the part of a name is asked for depends on how many requests it matches, which the
database cannot tell beforehand (its guess for a trigram match is a fixed share of the
names). So the matching ids are read first, no more than :func:`broad_search` + 1 of them
(the reference's, the customer number's and those of the names found on the trigram index):

- that many or fewer: the page and its count ask for those ids, on the primary key, and the
  names are read once (a name part of one or two letters has no trigram and reads them all);
- more (a word every name has): the whole set would be read, deduplicated and joined before
  the page's first row, about half a second for 100,000 names. Instead each request, in the
  page's order, is asked whether one of its names matches, and the page's LIMIT stops the
  walk after its rows; matches are dense there, so the walk is short.

Both ways select the same requests. Where the two cost the same moves with the queue's size:
reading the ids costs about as much as there are matches, while the walk reads about
``page × requests / matches`` rows before its page is full. So the threshold grows with the
square root of the number of requests: :data:`BROAD_SEARCH` up to :data:`MEASURED_AT`
requests (where it was measured, ``bench.queue_100k``), ten times as many at a hundred times
the requests.
"""

from __future__ import annotations

import math
import re

from sqlalchemy import ColumnElement, bindparam, func, or_, select, union_all
from sqlalchemy.orm import Session
from sqlalchemy.sql import CompoundSelect, Select

from dsr.requests.models import IdentityClaim, Request

#: Above this many matching requests a name search walks the page's order (see the module),
#: in a queue of up to :data:`MEASURED_AT` requests.
BROAD_SEARCH = 5_000
#: The queue size :data:`BROAD_SEARCH` was measured at; beyond it the threshold grows with the
#: square root of the size.
MEASURED_AT = 100_000
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


def _matches(text: str) -> CompoundSelect:
    """The ids a name search matches: the reference's, the customer number's, the names'."""
    wanted = text.strip()
    return union_all(select(Request.id).where(Request.reference == wanted.upper()),
                     _claim("customer_number", _folded() == wanted.lower()),
                     _claim("name", _name_part(wanted)))


def broad_search(session: Session) -> int:
    """How many matching requests a name search reads as one set at most, for the queue's
    size (the newest request's id: one look at the primary key's index, and never fewer than
    the requests there are)."""
    size = session.scalar(select(func.max(Request.id))) or 0
    return int(BROAD_SEARCH * max(1.0, math.sqrt(size / MEASURED_AT)))


def candidates(session: Session, text: str) -> list[int] | None:
    """The ids of the requests a name search ``text`` matches (sorted, each once), or None
    when more than :func:`broad_search` match (counted no further: the trigram index hands
    the names out in no particular order)."""
    found = _matches(text).subquery()
    most = broad_search(session)
    ids = list(session.scalars(select(found.c.id).limit(most + 1)))
    return sorted(set(ids)) if len(ids) <= most else None


def _has_name_part(text: str) -> ColumnElement[bool]:
    """The request of the row has a name claim containing ``text``, asked row by row: a
    scalar subquery, since an EXISTS PostgreSQL would turn into a hashed set of every
    matching name, read in full before the first row whatever the page's LIMIT."""
    first = (select(IdentityClaim.id)
             .where(IdentityClaim.request_id == Request.id, IdentityClaim.kind == "name",
                    _name_part(text))
             .limit(1).scalar_subquery())
    return first.is_not(None)


def search_condition(session: Session, text: str, *, contents: bool) -> ColumnElement[bool]:
    """What a search matches: a reference; with ``contents``, an e-mail address (exactly), a
    customer number (exactly) or a part of a name. A name search first reads the ids it
    matches (:func:`candidates`); for more than a few it asks the names row by row."""
    wanted = text.strip()
    by_reference = Request.reference == wanted.upper()
    if not contents:
        return by_reference
    if "@" in wanted:
        return Request.id.in_(_claim("email", _folded() == wanted.lower()))
    if _REFERENCE.match(wanted):
        return by_reference
    ids = candidates(session, wanted)
    if ids is not None:  # written into the statement: thousands of parameters cost more
        return Request.id.in_(bindparam("candidates", ids, expanding=True, literal_execute=True))
    return or_(by_reference, Request.id.in_(_claim("customer_number", _folded() == wanted.lower())),
               _has_name_part(wanted))
