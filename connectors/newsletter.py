"""The newsletter connector: subscriptions and marketing consents, their evidence, and the
suppression list's keyed hashes.

The tables (subscriptions with the double-opt-in record, consents) are mapped in the data map
like the shop's and belong to this connector; they link to the shop's subject table, so the
subject is the shop's (``subject_from``). A subscriber without a shop account is found by the
claimed e-mail address all the same (``discover_own``): the subscription rows without a
customer belong to every subject with that address on file. Objection (Art. 21(2), (3)) and consent withdrawal
(Art. 7(3)) end every subscription and marketing consent at once — the newsletter under
§7(2) Nr. 2 UWG, mail to existing customers under §7(3) UWG and postal advertising are
separate channels, each suppressed — and add an HMAC (secret key from config) of each
normalised e-mail and postal address to the suppression list, so that an import of that
address is refused. The double-opt-in proof is never deleted with them: an erasure blocks it
for the limitation period (the map's ``consent_proof`` rule).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import sqlalchemy as sa
from marshmallow import fields, validate

from connectors.base import (
    AccessResult,
    ConnectorConfigError,
    Discovery,
    Identity,
    Subject,
    json_safe,
    load_settings,
    register,
)
from connectors.capabilities import (
    FindsOnItsOwn,
    KeepsSuppressionList,
    NamesConsents,
    StopsAdvertising,
)
from connectors.changes import ChangeRequest, Plan, PlannedChange
from connectors.datamap_model import TableMap
from connectors.examples import example_datamap
from connectors.matching import normalise, street_key
from connectors.newsletter_guests import discover_subscribers, guest_rows
from connectors.shop_sql import AccessRead, ShopSqlConnector, ShopSqlSettingsSchema
from connectors.shop_sql_execute import NOW
from connectors.shop_sql_plan import RowFacts, SqlPlanner
from connectors.shop_sql_values import shown_column
from connectors.sql_paths import column, read_transaction, subject_rows

CHANNELS = ("newsletter", "existing_customer_email", "postal")
"""Advertising channels kept apart: §7(2) Nr. 2 UWG, §7(3) UWG, post."""
NORMS = {"objection": "Art. 21 Abs. 2, 3 DSGVO",
         "consent_withdrawal": "Art. 7 Abs. 3 DSGVO",
         "erasure": "Art. 17 Abs. 1 DSGVO"}


class NewsletterSettingsSchema(ShopSqlSettingsSchema):
    """``[connectors.<name>]`` of kind ``newsletter`` (the shop_sql keys, plus these)."""

    kind = fields.String(required=True, validate=validate.Equal("newsletter"))
    suppression_key = fields.String(required=True, validate=validate.Length(min=16))
    subscriptions = fields.String(load_default="newsletter_subscriptions")
    subscription_email = fields.String(load_default="email")
    subscription_end = fields.String(load_default="unsubscribed_at")
    consents = fields.String(load_default="consents")
    consent_kind = fields.String(load_default="kind")
    consent_end = fields.String(load_default="withdrawn_at")
    # Consent kinds an objection to advertising ends (a withdrawal ends every kind).
    advertising_consents = fields.List(fields.String(), load_default=lambda: [
        "newsletter", "postal_advertising", "sweepstakes"])


@register("newsletter")
class NewsletterConnector(ShopSqlConnector, KeepsSuppressionList, StopsAdvertising,
                          NamesConsents, FindsOnItsOwn):
    """Subscriptions and consents in an SQL database, with the suppression list's hashes."""

    kind: ClassVar[str]

    @classmethod
    def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
        """A minimal section: its two tables linked to connector ``shop``'s customers."""
        datamap = example_datamap(directory, "shop", {
            "newsletter_subscriptions": ("email", "unsubscribed_at"),
            "consents": ("kind", "withdrawn_at")}, connector=name)
        return {"kind": "newsletter", "url": "sqlite://", "datamap": str(datamap),
                "subject_from": "shop", "suppression_key": "example-suppression-key"}

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> NewsletterConnector:
        """Build from the TOML section; the shop_sql keys plus the table and column names."""
        loaded = load_settings(NewsletterSettingsSchema(), name, settings)
        shop = dict(loaded, kind="shop_sql")
        for key in ("suppression_key", "subscriptions", "subscription_email", "subscription_end",
                    "consents", "consent_kind", "consent_end", "advertising_consents"):
            shop.pop(key)
        built = super().from_settings(name, shop)
        assert isinstance(built, NewsletterConnector)
        built.options = loaded
        for table in (loaded["subscriptions"], loaded["consents"]):
            if table not in {t.name for t in built.tables}:
                raise ConnectorConfigError(
                    f"connectors.{name}: the data map does not assign {table!r} to it")
        return built

    options: dict[str, Any]

    def derive_subject(self, source: Any, subject: Subject) -> Subject:
        """The shop's subject, with its postal addresses for the suppression list."""
        addresses = source.postal_addresses(subject) if subject.keys else []
        return Subject(subject.keys, {**subject.identifiers,
                                      "postal_address": tuple(f"{s}\n{p}" for s, p in addresses)})

    def discover_own(self, identity: Identity) -> Discovery:
        """The subjects the subscriptions of the claimed e-mail address point at (the
        customer of a linked row, else the subscriber without an account); reads only."""
        table = self.datamap.tables[self.options["subscriptions"]]
        with read_transaction(self.engine) as connection:
            return discover_subscribers(connection, self.datamap, table,
                                        self._reflector.tables(),
                                        self.options["subscription_email"], identity, self.name)

    def _guests(self, table: TableMap, subject: Subject) -> sa.ColumnElement[bool] | None:
        """The subscription rows without a customer that carry the subject's address."""
        if table.name != self.options["subscriptions"]:
            return None
        return guest_rows(self.datamap, table, self._reflector.tables(),
                          self.options["subscription_email"],
                          subject.identifiers.get("email", ()))

    def _subject_rows(self, table: TableMap,
                      subject: Subject) -> tuple[sa.FromClause, sa.ColumnElement[bool]] | None:
        """The FROM and WHERE of the subject's rows of ``table``: linked to its keys, or a
        subscription without a customer under its address; None when there are none."""
        tables = self._reflector.tables()
        guests = self._guests(table, subject)
        if guests is None:
            return subject_rows(table, tables, self.datamap.subject.key, subject.keys) \
                if subject.keys else None
        if not subject.keys:
            return tables[table.name], guests
        _, own = subject_rows(table, tables, self.datamap.subject.key, subject.keys,
                              as_filter=True)
        return tables[table.name], sa.or_(own, guests)

    def access_and_overdue(self, subject: Subject,
                           request: ChangeRequest) -> tuple[AccessResult, Plan]:
        """Read apart: the subscriptions' read (those without a customer too) selects no
        retention columns, and the retention check looks at the subject's linked rows only."""
        return self.access(subject), self.overdue(subject, request)

    def _reads(self, subject: Subject, *, everything: bool = False,
               facts: Mapping[str, RowFacts] | None = None) -> list[AccessRead]:
        """The shop_sql reads, the subscriptions' including those without a customer (no
        ``facts``: :meth:`access_and_overdue` reads apart)."""
        reads = super()._reads(subject, everything=everything)
        found: list[AccessRead] = []
        for table, names, recipient_only, query, params in reads:
            rows = None if recipient_only or self._guests(table, subject) is None \
                else self._subject_rows(table, subject)
            if rows is not None:
                tables = self._reflector.tables()
                source = tables[table.name]
                selected = [column(source, name) if everything else
                            shown_column(table.column(name), source, table.key, tables)
                            for name in names]
                query = (sa.select(*selected).select_from(rows[0]).where(rows[1])
                         .order_by(*(column(source, name) for name in table.key)))
                params = {}
            found.append((table, names, recipient_only, query, params))
        return found

    def suppression_hashes(self, email: str | None = None, street: str | None = None,
                           postcode: str | None = None) -> list[tuple[str, str]]:
        """``(kind, HMAC)`` of the normalised e-mail and postal address given."""
        key = self.options["suppression_key"].encode()
        found = []
        if email and email.strip():
            found.append(("email", normalise(email, "casefold")))
        if street and postcode and street.strip() and postcode.strip():
            found.append(("postal", f"{street_key(street)}|{postcode.strip()}"))
        return [(kind, hmac.new(key, text.encode(), hashlib.sha256).hexdigest())
                for kind, text in found]

    def suppressed_stops(self, is_suppressed: Callable[[list[str]], bool],
                         norm: str) -> tuple[PlannedChange, ...]:
        """End (at the moment of execution) each running subscription whose e-mail address
        ``is_suppressed`` finds on the suppression list (given its digests)."""
        o = self.options
        name, end, email = o["subscriptions"], o["subscription_end"], o["subscription_email"]
        table = self._reflector.tables()[name]
        keys = [column(table, k) for k in self.datamap.tables[name].key]
        with read_transaction(self.engine) as connection:
            running = list(connection.execute(sa.select(*keys, column(table, email)).where(
                column(table, end).is_(None), column(table, email).is_not(None))))
        return tuple(PlannedChange(name, tuple(row[:-1]), (end,), "set", "suppressed", norm,
                                   value=NOW) for row in running
                     if is_suppressed([d for _, d in self.suppression_hashes(email=str(row[-1]))]))

    def advertising_stops(self, email: str, norm: str) -> Plan:
        """End each running subscription of ``email`` (normalised as the suppression list
        does), whoever it belongs to; consents and everything else stay as they are."""
        mine = {digest for _, digest in self.suppression_hashes(email=email)}
        stops = self.suppressed_stops(lambda digests: bool(mine & set(digests)), norm) \
            if mine else ()
        return Plan(self.name, stops, {"keys": [], "identifiers": {}})

    def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
        """End subscriptions and consents now, suppress the addresses, block the proof."""
        base = super().plan(subject, request)
        stops: list[PlannedChange] = []
        suppress: list[PlannedChange] = []
        guests: list[PlannedChange] = []
        why = next((t for t in ("objection", "consent_withdrawal", "erasure")
                    if request.wants(t)), None)
        named = request.consents if why == "consent_withdrawal" else ()
        if why and (subject.keys or subject.identifiers.get("email")):
            stops, emails = self._stops(subject, why, request.wants("erasure"), named)
            if request.wants("objection") or not named or "newsletter" in named:
                suppress = self._suppressions(subject, emails, why, request)
        table = self.datamap.tables[self.options["subscriptions"]]
        where = self._guests(table, subject)
        if request.wants("erasure") and where is not None:
            planner = SqlPlanner(self.datamap, self.tables, self._reflector.tables())
            with read_transaction(self.engine) as connection:
                guests = planner.erase_where(connection, table, where, request)
        return Plan(self.name, (*stops, *base.changes, *guests, *suppress), base.subject)

    def consent_kinds(self) -> dict[str, dict[str, str]]:
        """The consents a customer can withdraw one by one: the data map's labelled kinds of
        the consents table (``newsletter`` first, the subscription itself)."""
        column = next((c for c in self.datamap.tables[self.options["consents"]].columns
                       if c.name == self.options["consent_kind"]), None)
        values = dict(column.values or {}) if column is not None else {}
        kinds = {"newsletter": {"de": "Newsletter", "en": "Newsletter"}}
        kinds.update({str(k): {"de": str(v.get("de", k)), "en": str(v.get("en", k))}
                      for k, v in values.items()})
        return kinds

    def _stops(self, subject: Subject, why: str, everything: bool,
               named: tuple[str, ...] = ()) -> tuple[list[PlannedChange], set[str]]:
        """``set`` the end of each running subscription and consent to the moment of
        execution; a withdrawal that ``named`` consents ends those only (the subscription
        with ``newsletter``)."""
        o = self.options
        tables = self._reflector.tables()
        consent_kinds = None if why != "objection" else o["advertising_consents"]
        if everything or why == "consent_withdrawal":
            consent_kinds = list(named) if named and not everything else None
        subscriptions = everything or not named or "newsletter" in named
        changes, emails = [], set()
        with read_transaction(self.engine) as connection:
            for name, end, extra in ((o["subscriptions"], o["subscription_end"], None),
                                     (o["consents"], o["consent_end"], consent_kinds)):
                if name == o["subscriptions"] and not subscriptions:
                    continue
                table = self.datamap.tables[name]
                source = tables[name]
                rows = self._subject_rows(table, subject)
                if rows is None:
                    continue
                joined, found = rows
                where = [found, column(source, end).is_(None)]
                if extra is not None:
                    where.append(column(source, o["consent_kind"]).in_(extra))
                selected = [column(source, k) for k in table.key]
                if name == o["subscriptions"]:
                    selected.append(column(source, o["subscription_email"]))
                for row in connection.execute(sa.select(*selected).select_from(joined)
                                              .where(*where)):
                    key = tuple(json_safe(v) for v in row[:len(table.key)])
                    if name == o["subscriptions"] and row[-1]:
                        emails.add(str(row[-1]))
                    changes.append(PlannedChange(name, key, (end,), "set", why, NORMS[why],
                                                 value=NOW))
        return changes, emails

    def _suppressions(self, subject: Subject, emails: set[str], why: str,
                      request: ChangeRequest) -> list[PlannedChange]:
        emails |= set(subject.identifiers.get("email", ()))
        hashes: set[tuple[str, str]] = set()
        for email in emails:
            hashes.update(self.suppression_hashes(email=email))
        for address in subject.identifiers.get("postal_address", ()):
            street, _, postcode = address.partition("\n")
            hashes.update(self.suppression_hashes(street=street, postcode=postcode))
        channels = CHANNELS if why == "objection" else ("newsletter",)
        return [PlannedChange(channel, (), (), "suppress", why, NORMS[why],
                              value={"hash": digest, "kind": kind})
                for channel in channels for kind, digest in sorted(hashes)]
