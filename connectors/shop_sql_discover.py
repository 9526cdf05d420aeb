"""Finding a subject in the shop database by the identifiers the data map names.

Identifiers are grouped by the table that holds them; each group is read with one query that
selects the subject key and every identifier value of that table for the rows a claim points at
(and for the subjects found so far). A second query per table is needed only for subjects found
through another table whose values there were not read yet. Matching happens in Python with the
functions of :mod:`connectors.matching`, so the outcome of each claim is known per subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from connectors.base import STRONG_CLAIMS, Discovery, Identity, Match, Outcome, SubjectKey
from connectors.datamap_model import DataMap, IdentifierMap, TableMap
from connectors.matching import (
    PostalAddress,
    address_matches,
    compare,
    name_matches,
    normalise,
    parse_postal_address,
)
from connectors.sql_paths import column, key_in, linked, matches_value

_NAME_PARTS = ("first_name", "last_name", "street", "postcode")


@dataclass
class _OnFile:
    """What the database holds about one subject, as far as it was read."""

    values: dict[str, set[str]] = field(default_factory=dict)  # email / customer_number
    people: set[tuple[Any, ...]] = field(default_factory=set)  # first, last, street, postcode


@dataclass(frozen=True)
class _Source:
    """One table holding identifiers, and the identifiers it holds."""

    table: TableMap
    identifiers: tuple[IdentifierMap, ...]
    is_subject: bool

    @property
    def kinds(self) -> set[str]:
        return {ident.kind for ident in self.identifiers}

    @property
    def complete_by_claim(self) -> bool:
        """Whether the rows a claim finds tell all this table knows of those subjects.

        True for the subject table (one row per subject). A table with several rows per subject
        holding only name and address is read enough too: a subject it yields is a proposal
        only through a row that matched, and its other rows cannot change that.
        """
        return self.is_subject or self.kinds == {"name_address"}


class IdentifierSearch:
    """One search of the shop database for the subject an :class:`Identity` describes."""

    def __init__(
        self,
        datamap: DataMap,
        identifiers: Sequence[IdentifierMap],
        tables: Mapping[str, sa.Table],
    ) -> None:
        self.datamap = datamap
        self.tables = tables
        by_table: dict[str, list[IdentifierMap]] = {}
        for ident in identifiers:
            by_table.setdefault(ident.table, []).append(ident)
        sources = [
            _Source(datamap.tables[name], tuple(idents), name == datamap.subject.table)
            for name, idents in by_table.items()
        ]
        # Strong identifiers first: their subjects are then read along with the weaker ones.
        self.sources = sorted(sources, key=lambda source: source.kinds == {"name_address"})
        self.by_kind = {ident.kind: ident for ident in identifiers}

    def run(self, connection: Connection, identity: Identity, system: str) -> Discovery:
        """Search, then tell matches (strong claims) from proposals (name and address only)."""
        claims = identity.claims()
        address = parse_postal_address(identity.postal_address or "")
        needed = {"email", *claims, *self._recipient_kinds()}
        if {"name", "postal_address"} & set(claims):
            needed.add("name_address")
        facts: dict[SubjectKey, _OnFile] = {}
        candidates: set[SubjectKey] = set()
        read: dict[str, set[SubjectKey]] = {}  # table -> subjects whose values there are all read
        for source in self.sources:
            conditions = self._claim_conditions(source, identity, address)
            wanted = set(candidates) if source.kinds & needed else set()
            if not conditions and not wanted:
                continue
            found = self._fetch(connection, source, conditions, wanted, facts)
            read[source.table.name] = wanted | (found if source.complete_by_claim else set())
            candidates |= {
                key for key in found if self._is_candidate(facts[key], identity, address)
            }
        for source in self.sources:
            missing = candidates - read.get(source.table.name, set())
            if missing and source.kinds & needed:
                self._fetch(connection, source, [], missing, facts)
        return self._discovery(system, identity, address, candidates, facts)

    def _recipient_kinds(self) -> set[str]:
        tables = self.datamap.tables.values()
        return {table.recipient.identifier for table in tables if table.recipient is not None}

    def _claim_conditions(
        self, source: _Source, identity: Identity, address: PostalAddress
    ) -> list[sa.ColumnElement[bool]]:
        source_table = self.tables[source.table.name]
        conditions = []
        for ident in source.identifiers:
            if ident.kind == "name_address":
                if identity.name and address.postcode and address.street and ident.columns:
                    postcode = column(source_table, ident.columns["postcode"])
                    conditions.append(matches_value(postcode, "strip", [address.postcode]))
                continue
            claim = getattr(identity, ident.kind)
            if claim and claim.strip() and ident.column:
                target = column(source_table, ident.column)
                conditions.append(matches_value(target, ident.normalise, [claim]))
        return conditions

    def _fetch(
        self,
        connection: Connection,
        source: _Source,
        conditions: list[sa.ColumnElement[bool]],
        keys: Iterable[SubjectKey],
        facts: dict[SubjectKey, _OnFile],
    ) -> set[SubjectKey]:
        """Read the source's identifier values for rows a claim or a known key points at."""
        source_table = self.tables[source.table.name]
        keys = list(keys)
        selected: list[sa.ColumnElement[Any]] = []
        for ident in source.identifiers:
            names = (
                [ident.columns[part] for part in _NAME_PARTS] if ident.columns else [ident.column]
            )
            selected += [column(source_table, str(name)) for name in names]
        found: set[SubjectKey] = set()
        # One query per link path (one for nearly every table); a subject found by two
        # paths is the same subject, its values gathered once per row.
        for path in source.table.paths or ((),):
            extra: list[sa.ColumnElement[bool]] = []
            joined, key_columns = linked(
                source_table, path, self.tables, self.datamap.subject.key, conditions=extra
            )
            where = [*conditions, key_in(key_columns, keys)] if keys else conditions
            query = (sa.select(*key_columns, *selected).select_from(joined)
                     .where(sa.or_(*where), *extra))
            found |= self._collect(connection, query, len(key_columns), source, facts)
        return found

    @staticmethod
    def _collect(connection: Connection, query: sa.Select[Any], width: int, source: _Source,
                 facts: dict[SubjectKey, _OnFile]) -> set[SubjectKey]:
        found: set[SubjectKey] = set()
        for row in connection.execute(query):
            # A binary id (Shopware) as hex text: keys travel as JSON to the service.
            key = tuple(v.hex() if isinstance(v, bytes) else v for v in row[:width])
            found.add(key)
            on_file = facts.setdefault(key, _OnFile())
            values = list(row[width:])
            for ident in source.identifiers:
                if ident.kind == "name_address":
                    on_file.people.add(tuple(values[:4]))
                    values = values[4:]
                    continue
                value, values = values[0], values[1:]
                if value is not None and str(value).strip():
                    on_file.values.setdefault(ident.kind, set()).add(str(value))
        return found

    def _outcome(self, kind: str, claim: str, on_file: _OnFile, address: PostalAddress) -> Outcome:
        if kind in ("email", "customer_number"):
            ident = self.by_kind.get(kind)
            stored = on_file.values.get(kind, set())
            how = ident.normalise if ident else "none"
            return compare(
                any(normalise(v, how) == normalise(claim, how) for v in stored), bool(stored)
            )
        if kind == "name":
            people = [p for p in on_file.people if p[0] or p[1]]
            return compare(any(name_matches(claim, p[0], p[1]) for p in people), bool(people))
        places = [p for p in on_file.people if p[2] or p[3]]
        return compare(any(address_matches(address, p[2], p[3]) for p in places), bool(places))

    def _is_candidate(self, on_file: _OnFile, identity: Identity, address: PostalAddress) -> bool:
        strong = any(
            getattr(identity, kind)
            and self._outcome(kind, getattr(identity, kind), on_file, address) == "match"
            for kind in STRONG_CLAIMS
        )
        return strong or self._proposed(on_file, identity, address)

    @staticmethod
    def _proposed(on_file: _OnFile, identity: Identity, address: PostalAddress) -> bool:
        """Name and postal address match together, on one stored row."""
        return bool(identity.name) and any(
            name_matches(identity.name or "", p[0], p[1]) and address_matches(address, p[2], p[3])
            for p in on_file.people
        )

    def _discovery(
        self,
        system: str,
        identity: Identity,
        address: PostalAddress,
        candidates: set[SubjectKey],
        facts: Mapping[SubjectKey, _OnFile],
    ) -> Discovery:
        claims = identity.claims()
        checks: dict[SubjectKey, dict[str, Outcome]] = {
            key: {
                kind: self._outcome(kind, getattr(identity, kind), facts[key], address)
                for kind in claims
            }
            for key in candidates
        }
        found_by = {
            kind: {key for key, outcomes in checks.items() if outcomes.get(kind) == "match"}
            for kind in STRONG_CLAIMS
        }
        strong = {key for keys in found_by.values() for key in keys}
        matches = tuple(
            Match(
                key=key,
                checks=checks[key],
                on_file=_on_file(facts[key]),
                conflicting=any(keys and key not in keys for keys in found_by.values()),
            )
            for key in sorted(strong)
        )
        proposals = tuple(
            Match(key=key, checks=checks[key], on_file=_on_file(facts[key]))
            for key in sorted(candidates - strong)
            if self._proposed(facts[key], identity, address)
        )
        mapped = set(self.by_kind)
        if "name_address" in mapped:
            mapped |= {"name", "postal_address"}
        searched = tuple(kind for kind in claims if kind in mapped)
        return Discovery(system, matches, proposals, searched)


def _on_file(on_file: _OnFile) -> dict[str, tuple[str, ...]]:
    return {kind: tuple(sorted(values)) for kind, values in on_file.values.items() if values}
