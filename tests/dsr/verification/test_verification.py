"""The policy: the level follows what a request does and how it came; mismatches, an
unauthenticated channel, conflicts, delivery elsewhere, representatives and letters raise it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from dsr.config import VerificationSchema
from dsr.requests.contracts import MatchTable
from dsr.verification.policy import Facts, Level, assess

SETTINGS: dict[str, Any] = VerificationSchema().load({})
ONE_MATCH = {"shop": {"claims": {"email": "match", "name": "match"}, "subjects": 1,
                      "proposals": 0, "conflict": False}}


def facts(**changes: Any) -> Facts:
    base: dict[str, Any] = {"types": ("access",), "channel": "form",
                            "channel_authenticated": None, "match_table": ONE_MATCH,
                            "claim_kinds": frozenset({"email", "name"})}
    merged = base | changes
    merged["match_table"] = MatchTable.from_json(merged["match_table"])
    return Facts(**merged)


@pytest.mark.parametrize(("types", "level"), [
    (("objection",), Level.BASIC), (("consent_withdrawal",), Level.BASIC),
    (("access",), Level.STANDARD), (("portability",), Level.STANDARD),
    (("erasure",), Level.STANDARD), (("rectification",), Level.STANDARD),
    (("objection", "erasure"), Level.STANDARD),
])
def test_level_follows_what_the_request_does(types: tuple[str, ...], level: Level) -> None:
    assert assess(facts(types=types), SETTINGS).level == level


def test_levels_are_configurable() -> None:
    settings = {**SETTINGS, "levels": {"access": "elevated"}}
    assert assess(facts(), settings).level == Level.ELEVATED
    assert assess(facts(passed=frozenset({"email_code"})), settings).automatic is False


def test_code_or_signed_token_passes_standard_and_nothing_else_does() -> None:
    assert assess(facts(passed=frozenset({"email_code"})), SETTINGS).satisfied_by == "email_code"
    assert assess(facts(passed=frozenset({"signed_in"})), SETTINGS).satisfied_by == "signed_in"
    assert assess(facts(), SETTINGS).automatic is False
    authenticated = facts(channel_authenticated=True, passed=frozenset({"authenticated_channel"}))
    assert assess(authenticated, SETTINGS).automatic is False  # a channel is no proof for access


def test_authenticated_channel_from_the_address_on_file_is_enough_to_unsubscribe() -> None:
    unsubscribe = facts(types=("consent_withdrawal",), channel="email", channel_authenticated=True,
                        passed=frozenset({"authenticated_channel"}))
    assert assess(unsubscribe, SETTINGS).satisfied_by == "authenticated_channel"
    off = {**SETTINGS, "authenticated_channel_suffices": False}
    assert assess(unsubscribe, off).automatic is False


def test_unauthenticated_channel_raises_the_level_by_one() -> None:
    unsure = assess(facts(types=("objection",), channel="email", channel_authenticated=False),
                    SETTINGS)
    assert unsure.level == Level.STANDARD and "channel_unauthenticated" in unsure.flags
    access = assess(facts(channel="email", channel_authenticated=False,
                          passed=frozenset({"email_code"})), SETTINGS)
    assert access.level == Level.ELEVATED and not access.automatic


def test_a_mismatch_is_flagged_and_raises_the_level() -> None:
    table = {"shop": {"claims": {"email": "match", "name": "mismatch"}, "subjects": 1,
                      "proposals": 0, "conflict": False}}
    found = assess(facts(match_table=table, passed=frozenset({"email_code"})), SETTINGS)
    assert "mismatch:name" in found.flags and found.level == Level.ELEVATED
    assert not found.automatic


@pytest.mark.parametrize(("change", "flag"), [
    ({"match_table": {"shop": {"claims": {"email": "conflict"}, "subjects": 2,
                               "proposals": 0, "conflict": True}}}, "conflict"),
    ({"match_table": {"shop": {"claims": {"name": "proposed"}, "subjects": 0,
                               "proposals": 2, "conflict": False}}}, "proposed_only"),
    ({"match_table": {"shop": {"claims": {}, "subjects": 0, "proposals": 0,
                               "conflict": False}}}, "not_matched"),
    ({"claim_kinds": frozenset({"email", "deliver_to"})}, "deliver_elsewhere"),
    ({"acting_as": "lawyer"}, "representative:lawyer"),
    ({"acting_as": "heir"}, "representative:heir"),
    ({"channel": "letter"}, "postal"),
])
def test_what_only_a_coordinator_may_decide(change: dict[str, Any], flag: str) -> None:
    """Two customers of the same name and town are never merged on name and address alone:
    a proposal, like a conflict, waits for the coordinator, whatever code was entered."""
    found = assess(facts(passed=frozenset({"email_code", "signed_in"}), **change), SETTINGS)
    assert flag in found.flags and found.level == Level.ELEVATED
    assert found.accepts == () and not found.automatic


def test_a_change_of_contact_details_is_confirmed_through_the_old_channel() -> None:
    change = facts(types=("rectification",), claim_kinds=frozenset({"email", "new_email"}))
    assert assess(change, SETTINGS).accepts == ("email_code",)
    found = assess(replace(change, passed=frozenset({"signed_in"})), SETTINGS)
    assert "contact_change" in found.flags and not found.automatic
    found = assess(replace(change, passed=frozenset({"email_code"})), SETTINGS)
    assert found.satisfied_by == "email_code"
