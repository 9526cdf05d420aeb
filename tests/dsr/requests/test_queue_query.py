"""The queue's query: search on claims (only with the contents permission), filters, sort
orders and keyset paging, read from the arguments of the page."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest
from marshmallow import ValidationError
from sqlalchemy import func, select

from dsr.changes.models import RecipientNotice
from dsr.context import Services
from dsr.requests import queue, search
from dsr.requests.models import IdentityClaim, Request
from dsr.requests.queue import QueueQuery, Sort, View, Waiting
from dsr.users.operations import create_user
from tests.support.clock import CLOCK

TODAY = CLOCK.today()


def _request(session: Any, reference: str, *, due_in: int, status: str = "verified",
             types: list[str] | None = None, channel: str = "form", email: str = "",
             name: str = "", customer_number: str = "", assignee_id: int | None = None,
             received_days_ago: int = 10) -> Request:
    req = Request(reference=reference, status=status, types=types or ["access"], channel=channel,
                  received_at=CLOCK.now() - timedelta(days=received_days_ago),
                  due_on=TODAY + timedelta(days=due_in), assignee_id=assignee_id,
                  released_at=CLOCK.now() if status == "completed" else None)
    req.claims = [IdentityClaim(kind=k, value=v) for k, v in (
        ("email", email), ("name", name), ("customer_number", customer_number)) if v]
    session.add(req)
    session.flush()
    return req


def _refs(page: queue.QueuePage) -> list[str]:
    return [row.request.reference for row in page.rows]


def _page(session: Any, contents: bool = True, **given: Any) -> queue.QueuePage:
    return queue.fetch_page(session, QueueQuery(**given), today=TODAY, contents=contents)


@pytest.fixture
def filled(services: Services) -> Any:
    with services.db.session() as session:
        me = create_user(session, "dpo", "correct horse battery", "coordinator")
        _request(session, "DSR-AAAAAA1", due_in=-2, email="Juergen.Weiss@Example.org",
                 name="Jürgen Weiß", customer_number="K-100", assignee_id=me.id)
        _request(session, "DSR-AAAAAA2", due_in=2, status="awaiting_verification",
                 email="anna@example.org", name="Anna Schmidt", channel="letter")
        _request(session, "DSR-AAAAAA3", due_in=20, status="executing", types=["erasure"],
                 email="bert@example.org", name="Bert Weißmann", assignee_id=me.id)
        _request(session, "DSR-AAAAAA4", due_in=-5, status="completed",
                 email="carla@example.org", name="Carla")
        executing = session.scalars(
            select(Request).where(Request.reference == "DSR-AAAAAA3")).one()
        session.add(RecipientNotice(request_id=executing.id, connector="shop",
                                    recipient="newsletter", channel="email", status="waiting"))
        yield session, me.id


def test_search_matches_email_exactly_and_case_blind(filled: Any) -> None:
    session, _ = filled
    assert _refs(_page(session, search="juergen.weiss@example.ORG")) == ["DSR-AAAAAA1"]
    assert _refs(_page(session, search="weiss@example.org")) == []


def test_search_finds_a_name_part_a_customer_number_and_a_reference(filled: Any) -> None:
    session, _ = filled
    assert _refs(_page(session, search="weiß")) == ["DSR-AAAAAA1", "DSR-AAAAAA3"]
    assert _refs(_page(session, search="k-100")) == ["DSR-AAAAAA1"]
    assert _refs(_page(session, search="dsr-aaaaaa2")) == ["DSR-AAAAAA2"]
    assert _refs(_page(session, search="100%")) == []  # a wildcard is a character


def test_without_the_contents_permission_only_the_reference_is_searched(filled: Any) -> None:
    session, _ = filled
    assert _refs(_page(session, contents=False, search="anna@example.org")) == []
    assert _refs(_page(session, contents=False, search="Anna")) == []
    found = _page(session, contents=False, search="DSR-AAAAAA2")
    assert _refs(found) == ["DSR-AAAAAA2"] and found.rows[0].name is None


def test_coordinators_see_the_requesters_name_and_the_assignee(filled: Any) -> None:
    session, _ = filled
    first = _page(session).rows[0]
    assert (first.name, first.assignee) == ("Jürgen Weiß", "dpo")


def test_filters(filled: Any) -> None:
    session, me = filled
    assert _refs(_page(session)) == ["DSR-AAAAAA1", "DSR-AAAAAA2", "DSR-AAAAAA3"]
    assert _refs(_page(session, status="all")) == ["DSR-AAAAAA4", "DSR-AAAAAA1", "DSR-AAAAAA2",
                                                   "DSR-AAAAAA3"]
    assert _refs(_page(session, overdue=True)) == ["DSR-AAAAAA1"]  # a closed one is not overdue
    assert _refs(_page(session, due_within=2)) == ["DSR-AAAAAA1", "DSR-AAAAAA2"]
    assert _refs(_page(session, status="completed")) == ["DSR-AAAAAA4"]
    assert _refs(_page(session, type="erasure")) == ["DSR-AAAAAA3"]
    assert _refs(_page(session, channel="letter")) == ["DSR-AAAAAA2"]
    assert _refs(_page(session, assignee_id=me)) == ["DSR-AAAAAA1", "DSR-AAAAAA3"]
    assert _refs(_page(session, unassigned=True)) == ["DSR-AAAAAA2"]
    assert _refs(_page(session, waiting=Waiting.CUSTOMER)) == ["DSR-AAAAAA2"]
    assert _refs(_page(session, waiting=Waiting.RECIPIENT)) == ["DSR-AAAAAA3"]


def test_saved_views(filled: Any) -> None:
    session, me = filled
    def view(v: View) -> list[str]:
        return _refs(queue.fetch_page(session, queue.saved_view(v, me), today=TODAY,
                                      contents=True))
    assert view(View.MINE) == ["DSR-AAAAAA1", "DSR-AAAAAA3"]
    assert view(View.OVERDUE) == ["DSR-AAAAAA1"]
    assert view(View.WAITING_FOR_ME) == ["DSR-AAAAAA1"]  # AAAAAA3 waits on a recipient


def test_the_deadline_buckets_count_open_requests(filled: Any) -> None:
    session, _ = filled
    assert queue.deadline_buckets(session, TODAY) == {"late": 1, "soon": 1, "week": 0, "later": 1}


@pytest.mark.parametrize(("sort", "descending"), [
    (Sort.DEADLINE, False), (Sort.DEADLINE, True), (Sort.RECEIVED, True), (Sort.REFERENCE, False)])
def test_keyset_pages_cover_every_row_once_in_order(services: Services, sort: Sort,
                                                    descending: bool) -> None:
    with services.db.session() as session:
        for i in range(11):  # equal deadlines and receipts: the id breaks the tie
            _request(session, f"DSR-P{(i * 7) % 11:06d}", due_in=i // 3,
                     received_days_ago=i // 2)
        everything = _page(session, sort=sort, descending=descending, limit=100)
        seen: list[str] = []
        query = QueueQuery(sort=sort, descending=descending, limit=4)
        pages = 0
        while True:
            page = queue.fetch_page(session, query, today=TODAY, contents=True)
            assert page.total == 11 and len(page.rows) <= 4
            seen += _refs(page)
            pages += 1
            if page.next_cursor is None:
                break
            query = QueueQuery(sort=sort, descending=descending, limit=4, after=page.next_cursor)
        assert pages == 3 and seen == _refs(everything) and len(set(seen)) == 11


def test_the_page_arguments_are_read_and_refused_when_wrong() -> None:
    query = queue.parse_args({"q": " anna@example.org ", "overdue": "1", "assignee": "me",
                              "waiting": "customer", "due_within": "7", "sort": "received",
                              "order": "desc", "status": ""}, user_id=5)
    assert query == QueueQuery(search="anna@example.org", overdue=True, assignee_id=5,
                               waiting=Waiting.CUSTOMER, due_within=7, sort=Sort.RECEIVED,
                               descending=True)
    assert queue.parse_args({"view": "mine"}, user_id=5) == QueueQuery(assignee_id=5)
    assert queue.parse_args({"assignee": "none"}, user_id=5).unassigned
    assert queue.parse_args({"actionable": "1", "assignee": "me"}, user_id=5) == \
        queue.saved_view(View.WAITING_FOR_ME, 5)  # the view's filter, refined in the form
    for bad in ({"status": "lost"}, {"due_within": "soon"}, {"assignee": "x' OR 1=1"},
                {"sort": "name"}, {"after": "garbled!"}, {"limit": "100000"},
                {"after": queue.encode_cursor(Sort.REFERENCE, "DSR-A", 3), "sort": "deadline"}):
        with pytest.raises(ValidationError):
            queue.parse_args(bad, user_id=5)


def test_a_cursor_names_its_sort_value_and_id() -> None:
    cursor = queue.encode_cursor(Sort.DEADLINE, date(2026, 12, 24), 42)
    assert queue.decode_cursor(cursor, Sort.DEADLINE) == (date(2026, 12, 24), 42)


def test_the_open_deadline_index_names_the_open_states_of_today() -> None:
    """The partial index is used only while its states are the queue's: a new open state
    needs a migration that makes the index again."""
    import importlib

    from dsr.requests.models import OPEN_STATUS_VALUES

    migration = importlib.import_module("dsr.migrations.versions.0035_queue_assignee_and_indexes")
    assert migration.OPEN == OPEN_STATUS_VALUES


def test_a_requesters_reminder_puts_the_request_first_and_only_once(filled: Any) -> None:
    from dsr.mail.models import InboundMessage

    session, _ = filled
    later = session.scalars(select(Request).where(Request.reference == "DSR-AAAAAA3")).one()
    for i, request_id in enumerate((later.id, None)):  # an unmatched reminder changes nothing
        session.add(InboundMessage(dedupe_key=f"rem-{i}", source="privacy", channel="email",
                                   received_at=CLOCK.now(), received_basis="imap_internaldate",
                                   action="reminder", types=[], words=[], auth={},
                                   attachments=[], request_id=request_id))
    session.flush()
    first = _page(session, limit=1)
    assert _refs(first) == ["DSR-AAAAAA3", "DSR-AAAAAA1"] and first.rows[0].reminded
    rest = _page(session, limit=1, after=first.next_cursor)
    assert _refs(rest) == ["DSR-AAAAAA2"] and rest.next_cursor is None  # not shown again
    assert _refs(_page(session, sort=Sort.RECEIVED)) == [
        "DSR-AAAAAA1", "DSR-AAAAAA2", "DSR-AAAAAA3"]  # equal receipts: by id


def _weber(session: Any) -> list[tuple[str, int, int]]:
    """Requests a search for "weber" finds (by a part of the name, or a customer number that
    is the word itself) and two it does not; returns the found ones' (reference, days to the
    deadline, days since receipt), in the order they were made (the id's)."""
    found = []
    for i, (due_in, days_ago) in enumerate([(3, 1), (-1, 4), (3, 2), (0, 0), (5, 3), (-1, 1)]):
        reference = f"DSR-W{(i * 5) % 7:06d}"
        _request(session, reference, due_in=due_in, name=f"Maria Weber {i}",
                 received_days_ago=days_ago, status="completed" if i == 2 else "verified")
        found.append((reference, due_in, days_ago))
    _request(session, "DSR-W000010", due_in=1, name="Otto Brandt", customer_number="WEBER",
             received_days_ago=5)
    found.append(("DSR-W000010", 1, 5))
    _request(session, "DSR-W000011", due_in=2, name="Olga Neumann", customer_number="K-7")
    _request(session, "DSR-W000012", due_in=2, name="Weiß", email="weber@example.org")
    return found


@pytest.mark.parametrize("broad", [False, True], ids=["as-one-set", "row-by-row"])
@pytest.mark.parametrize(("sort", "descending"), [
    (Sort.DEADLINE, False), (Sort.RECEIVED, True), (Sort.REFERENCE, False)])
def test_a_name_search_finds_the_same_requests_in_the_same_order_either_way(
        services: Services, monkeypatch: pytest.MonkeyPatch, broad: bool, sort: Sort,
        descending: bool) -> None:
    """Many matching names make the search ask each request in the page's order instead of
    collecting every match first; the rows, their order and the pages stay the same."""
    if broad:
        monkeypatch.setattr(search, "BROAD_SEARCH", 2)
    with services.db.session() as session:
        made = _weber(session)
        assert (search.candidates(session, "Weber") is None) is broad
        position = {ref: n for n, (ref, _, _) in enumerate(made)}  # the id's order
        keys = {Sort.DEADLINE: lambda m: (m[1], position[m[0]]),
                # newest first: fewest days since receipt, equal receipts by the id descending
                Sort.RECEIVED: lambda m: (m[2], -position[m[0]]),
                Sort.REFERENCE: lambda m: (m[0], 0)}
        expected = [m[0] for m in sorted(made, key=keys[sort])]
        seen: list[str] = []
        query = QueueQuery(search=" WEBER ", status="all", sort=sort, descending=descending,
                           limit=3)
        while True:
            page = queue.fetch_page(session, query, today=TODAY, contents=True)
            assert (page.total, page.capped) == (7, False)
            seen += _refs(page)
            if page.next_cursor is None:
                break
            query = replace(query, after=page.next_cursor)
        assert seen == expected
        open_only = _page(session, search="weber", channel="form")
        assert _refs(open_only) == [r for r in _refs(_page(session, search="weber", limit=100))
                                    if r != "DSR-W000003"] and len(open_only.rows) == 6
        assert _page(session, search="weber", contents=False).rows == []


@pytest.mark.parametrize("broad", [False, True], ids=["as-one-set", "row-by-row"])
def test_a_search_is_counted_up_to_the_cap_and_then_said_to_be_more(
        services: Services, monkeypatch: pytest.MonkeyPatch, broad: bool) -> None:
    monkeypatch.setattr(queue, "SEARCH_COUNT_CAP", 6)
    if broad:
        monkeypatch.setattr(search, "BROAD_SEARCH", 2)
    with services.db.session() as session:
        _weber(session)
        more = _page(session, search="weber", status="all", limit=2)
        assert (more.total, more.capped, len(more.rows)) == (6, True, 2)
        assert more.next_cursor is not None
        exactly = _page(session, search="maria weber", status="all")
        assert (exactly.total, exactly.capped, len(exactly.rows)) == (6, False, 6)
        unsearched = _page(session, status="all", limit=2)  # the queue itself: counted in full
        assert (unsearched.total, unsearched.capped) == (9, False)


def test_the_threshold_of_a_broad_name_search_grows_with_the_queue(
        services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Seven requests match "weber": walked row by row while the threshold is three (a queue
    smaller than where it was measured), read as one set once it has grown past seven with
    the queue's size."""
    monkeypatch.setattr(search, "BROAD_SEARCH", 3)
    with services.db.session() as session:
        _weber(session)
        newest = session.scalar(select(func.max(Request.id)))
        assert newest is not None and newest >= 9
        monkeypatch.setattr(search, "MEASURED_AT", 10_000)  # a queue smaller than measured
        assert search.broad_search(session) == 3
        assert search.candidates(session, "weber") is None
        monkeypatch.setattr(search, "MEASURED_AT", 1)  # nine times the size measured at
        assert search.broad_search(session) == int(3 * newest ** 0.5) >= 9
        assert len(search.candidates(session, "weber") or []) == 7
