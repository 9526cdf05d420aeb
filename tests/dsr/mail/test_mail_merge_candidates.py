"""Merge offers: open requests of the same person from another channel, found by e-mail address
or by name and postal address (case ignored), never someone else's."""

from __future__ import annotations

from datetime import UTC, datetime

from dsr.context import Services
from dsr.mail.triage import merge_candidates
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Request

RECEIVED = datetime(2026, 12, 1, 9, tzinfo=UTC)


def _submit(services: Services, channel: str, **claims: str) -> int:
    with services.db.session() as session:
        return submit(session, Submission(types=["access"], channel=channel, received_at=RECEIVED,
                                          **claims),
                      calendar=services.calendar, connectors=[]).id


def _candidates(services: Services, request_id: int) -> set[int]:
    with services.db.session() as session:
        request = session.get(Request, request_id)
        assert request is not None
        return {r.id for r in merge_candidates(session, request)}


def test_same_address_in_another_case_from_another_channel(services: Services) -> None:
    letter = _submit(services, "letter", name="Jürgen Weiß", email="Juergen.Weiss@Example.org")
    _submit(services, "letter", name="Anna Schmidt", email="anna@example.org")
    _submit(services, "email", name="Jürgen Weiß", email="juergen.weiss@example.org")  # same channel
    mail = _submit(services, "email", name="J. Weiss", email="juergen.weiss@example.org")
    assert _candidates(services, mail) == {letter}


def test_same_name_and_address_without_email(services: Services) -> None:
    letter = _submit(services, "letter", name="ÖZLEM ÇELIK", email="",
                     postal_address="Hauptstraße 1, 80331 München")
    _submit(services, "letter", name="Özlem Çelik", email="",
            postal_address="Nebenweg 2, 80331 München")  # same name, another address
    mail = _submit(services, "email", name="ÖZLEM ÇELIK", email="oezlem@example.org",
                   postal_address="Hauptstraße  1, 80331 München")
    assert _candidates(services, mail) == {letter}
    other = _submit(services, "email", name="Max Muster", email="max@example.org",
                    postal_address="Hauptstraße 1, 80331 München")
    assert _candidates(services, other) == set()
