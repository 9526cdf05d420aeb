"""Migration 0034: corrections and representation leave ``identity_claims`` for tables of
their own, and the downgrade puts them back as the claims they were (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from dsr.db import make_engine
from dsr.migrate import downgrade, upgrade

REQUESTED = {"fields": {"city": "Ulm", "last_name": "Weiss-Neumann"}, "note": "Heirat"}
RECORDED = {"customers.city": "Ulm", "customers.last_name": "Weiss-Neumann"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm0034.sqlite'}"
    return str(request.getfixturevalue("pg_url"))


def _request(conn: object, reference: str) -> int:
    now = datetime(2026, 12, 2, 9, tzinfo=UTC)
    conn.execute(text(  # type: ignore[attr-defined]
        "INSERT INTO requests (reference, status, types, channel, language, received_at, "
        "due_on, created_at, updated_at) VALUES (:r, 'received', '[\"rectification\"]', 'form', "
        "'de', :now, :due, :now, :now)"), {"r": reference, "now": now, "due": date(2027, 1, 4)})
    return int(conn.execute(text("SELECT id FROM requests WHERE reference = :r"),  # type: ignore[attr-defined]
                            {"r": reference}).scalar_one())


def _claims(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as conn:
        return sorted((int(r), k, v) for r, k, v in conn.execute(
            text("SELECT request_id, kind, value FROM identity_claims")))


def test_claims_move_into_their_tables_and_back(url: str) -> None:
    engine = make_engine(url)
    upgrade(engine, "0001")
    with engine.begin() as conn:
        first, second = _request(conn, "DSR-AAAAAAA"), _request(conn, "DSR-BBBBBBB")
        rows = [(first, "email", "j@example.org"), (first, "acting_as", "lawyer"),
                (first, "deliver_to", "Kanzlei, Postfach 1"),
                (first, "requested_corrections", json.dumps(REQUESTED, sort_keys=True)),
                (first, "corrections", json.dumps(RECORDED, sort_keys=True)),
                (second, "name", "Anna Weiß"), (second, "acting_as", "heir"),
                (second, "requested_corrections", "not json")]
        for request_id, kind, value in rows:
            conn.execute(text("INSERT INTO identity_claims (request_id, kind, value) "
                              "VALUES (:r, :k, :v)"), {"r": request_id, "k": kind, "v": value})

    upgrade(engine, "0034")
    assert _claims(engine) == [(first, "email", "j@example.org"), (second, "name", "Anna Weiß")]
    with engine.connect() as conn:
        people = sorted(conn.execute(text(
            "SELECT request_id, acting_as, deliver_to FROM representations")).all())
        corrections = sorted((r, s, v if isinstance(v, dict) else json.loads(v), n)
                             for r, s, v, n in conn.execute(text(
                                 "SELECT request_id, source, \"values\", note "
                                 "FROM request_corrections")))
    assert [tuple(p) for p in people] == [(first, "lawyer", "Kanzlei, Postfach 1"),
                                          (second, "heir", None)]
    assert corrections == [(first, "recorded", RECORDED, ""),
                           (first, "requested", REQUESTED["fields"], "Heirat"),
                           (second, "requested", {}, "")]  # unreadable: read as none before

    downgrade(engine, "0001")
    back = _claims(engine)
    assert (first, "acting_as", "lawyer") in back and (second, "acting_as", "heir") in back
    assert (first, "deliver_to", "Kanzlei, Postfach 1") in back
    by_kind = {(r, k): v for r, k, v in back}
    assert json.loads(by_kind[(first, "requested_corrections")]) == REQUESTED
    assert json.loads(by_kind[(first, "corrections")]) == RECORDED
    assert json.loads(by_kind[(second, "requested_corrections")]) == {"fields": {}, "note": ""}
    assert len(back) == 8
    engine.dispose()
