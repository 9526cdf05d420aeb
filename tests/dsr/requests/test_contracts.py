"""The request's JSON contracts: the match table and the subject keys read what they wrote,
read the stored shape (and rows missing a key), and answer the questions the policy asks."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.base import Discovery, Identity, Match
from dsr.requests.contracts import MatchEntry, MatchTable, StoredSubject, SubjectKeys
from dsr.requests.models import Request
from dsr.requests.subjects import match_summary, subject_for

STORED_TABLE = {
    "shop": {"claims": {"email": "match", "name": "mismatch"}, "subjects": 1, "proposals": 0,
             "conflict": False, "searched": ["email", "name"]},
    "newsletter": {"claims": {"email": "not_found"}, "subjects": 0, "proposals": 2,
                   "conflict": False, "searched": ["email"]},
}
STORED_KEYS = {"shop": {"keys": [[6], ["addr", 9]],
                        "identifiers": {"email": ["j@example.org"], "customer_number": ["K-1"]}},
               "tickets": {"keys": [["T-4"]], "identifiers": {"email": ["jw@example.org"]}}}


def test_the_match_table_round_trips_the_stored_shape() -> None:
    table = MatchTable.from_json(STORED_TABLE)
    assert table.to_json() == STORED_TABLE
    assert MatchTable.from_json(table.to_json()) == table
    assert list(table) == ["shop", "newsletter"]
    assert table.entries["shop"] == MatchEntry({"email": "match", "name": "mismatch"}, 1, 0,
                                               False, ("email", "name"))


def test_the_match_table_answers_the_policys_questions() -> None:
    table = MatchTable.from_json(STORED_TABLE)
    assert table.matched and table.proposals and not table.conflict
    assert table.mismatched_kinds() == ["name"]
    assert table.searched_kinds() == {"email", "name"}
    conflict = table.with_entry("shop", MatchEntry({"email": "conflict"}, 2, conflict=True))
    assert conflict.conflict and not conflict.matched
    assert table.entries["shop"].subjects == 1  # with_entry made a new table


@pytest.mark.parametrize("stored", [None, {}])
def test_no_match_table_reads_as_empty(stored: Any) -> None:
    assert not MatchTable.from_json(stored) and MatchTable.from_json(stored).to_json() == {}


def test_an_older_row_without_some_keys_reads_with_defaults() -> None:
    entry = MatchTable.from_json({"shop": {"claims": {"email": "match"}}}).entries["shop"]
    assert entry == MatchEntry({"email": "match"})
    assert not entry.found_anything and not entry.matched


def test_match_summary_writes_a_typed_entry() -> None:
    identity = Identity(email="j@example.org", customer_number=None, name="J W",
                        postal_address=None)
    found = Discovery(system="shop", searched=("email", "name"), matches=(
        Match(key=(6,), checks={"email": "match", "name": "mismatch"}, on_file={}),))
    entry = match_summary(found, identity)
    assert entry == MatchEntry({"email": "match", "name": "mismatch"}, 1, 0, False,
                               ("email", "name"))
    assert MatchEntry.from_json(entry.to_json()) == entry


def test_the_subject_keys_round_trip_the_stored_shape() -> None:
    keys = SubjectKeys.from_json(STORED_KEYS)
    assert keys.to_json() == STORED_KEYS
    assert SubjectKeys.from_json(keys.to_json()) == keys
    assert keys.get("shop") == StoredSubject(
        ((6,), ("addr", 9)), {"email": ("j@example.org",), "customer_number": ("K-1",)})
    assert keys.get("erp") == StoredSubject() and not SubjectKeys.from_json(None)


def test_the_subject_keys_answer_what_their_readers_ask() -> None:
    keys = SubjectKeys.from_json(STORED_KEYS)
    assert keys.first("email") == "j@example.org"  # the first system's address on file
    assert keys.identifiers("email") == ["j@example.org", "jw@example.org"]
    assert keys.first("phone") is None
    assert keys.without("shop").first("email") == "jw@example.org"
    added = keys.with_subject("erp", StoredSubject(((1,),)))
    assert list(dict(added.items())) == ["shop", "tickets", "erp"]
    assert added.to_json()["erp"] == {"keys": [[1]], "identifiers": {}}


def test_a_request_is_read_and_written_through_the_contracts() -> None:
    request = Request(match_table=None, subject_keys=None)
    MatchTable.from_json(STORED_TABLE).store_on(request)
    SubjectKeys.from_json(STORED_KEYS).store_on(request)
    assert request.match_table == STORED_TABLE and request.subject_keys == STORED_KEYS
    subject = subject_for(request, "shop")
    assert subject.keys == ((6,), ("addr", 9))
    assert subject.identifiers["customer_number"] == ("K-1",)
    assert subject_for(request, "erp").keys == ()
