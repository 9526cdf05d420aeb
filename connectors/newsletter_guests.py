"""Subscribers without a shop account: subscription rows whose link leads to no customer.

The newsletter connector's subject is the shop's, yet a subscriber who never opened an account
is someone it holds data about. Such a row is found by its e-mail address alone, normalised as
the data map's ``email`` identifier (as the shop finds its customers), and belongs to every
subject with that address on file; a row linked to a customer belongs to that customer only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import Discovery, Identity, Match, Outcome, SubjectKey, json_safe
from connectors.datamap_model import DataMap, TableMap
from connectors.sql_paths import column, linked, linked_rows, matches_value


def email_normalisation(datamap: DataMap) -> str:
    """How the map compares e-mail addresses (its ``email`` identifier; else case-folded)."""
    ident = datamap.identifier("email")
    return ident.normalise if ident is not None else "casefold"


def unlinked(table: TableMap, tables: Mapping[str, sa.Table],
             subject_key: Sequence[str]) -> sa.ColumnElement[bool]:
    """The rows of ``table`` from which no link path leads to a subject."""
    if not table.paths:
        return sa.false()
    _, reached = linked_rows(tables[table.name], table.paths, table.key, tables, subject_key,
                             lambda keys: sa.and_(*(key.is_not(None) for key in keys)),
                             as_filter=True)
    return sa.not_(reached)


def guest_rows(datamap: DataMap, table: TableMap, tables: Mapping[str, sa.Table],
               email_column: str, emails: Iterable[str]) -> sa.ColumnElement[bool] | None:
    """The rows of ``table`` without a customer whose address is one of ``emails``; None
    when no address is given."""
    wanted = [email for email in emails if email and email.strip()]
    if not wanted:
        return None
    address = column(tables[table.name], email_column)
    return sa.and_(unlinked(table, tables, datamap.subject.key),
                   matches_value(address, email_normalisation(datamap), wanted))


def discover_subscribers(connection: Connection, datamap: DataMap, table: TableMap,
                         tables: Mapping[str, sa.Table], email_column: str,
                         identity: Identity, system: str) -> Discovery:
    """The subjects the subscriptions of the claimed e-mail address point at: each customer
    a linked row leads to, else (no such row) the subscriber without an account, whose match
    has no key and is known by the address alone. Only the address is searched."""
    email = (identity.email or "").strip()
    if not email:
        return Discovery(system)
    source = tables[table.name]
    address = column(source, email_column)
    claimed = matches_value(address, email_normalisation(datamap), [email])
    customers: dict[SubjectKey, set[str]] = {}
    for path in table.paths:
        extra: list[sa.ColumnElement[bool]] = []
        joined, keys = linked(source, path, tables, datamap.subject.key, conditions=extra)
        query = sa.select(*keys, address).select_from(joined).where(claimed, *extra)
        for row in connection.execute(query):
            key = tuple(json_safe(value) for value in row[:-1])
            if all(value is not None for value in key):
                customers.setdefault(key, set()).add(str(row[-1]))
    guests = {str(value) for value in connection.scalars(
        sa.select(address).where(claimed, unlinked(table, tables, datamap.subject.key)))}
    checks: dict[str, Outcome] = dict.fromkeys(identity.claims(), "not_on_file")
    checks["email"] = "match"
    found = [Match(key=key, checks=dict(checks), on_file={"email": tuple(sorted(emails))})
             for key, emails in sorted(customers.items(), key=lambda item: str(item[0]))]
    if not found and guests:
        found = [Match(key=(), checks=dict(checks), on_file={"email": tuple(sorted(guests))})]
    return Discovery(system, matches=tuple(found), searched=("email",))
