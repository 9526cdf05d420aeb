"""``dsr datamap propose``: a draft data map and a starter register from a live database.

The draft lists every column of every table that reaches the subject table, with labels,
category, erasure action and retention; a ``# TODO`` line above whatever is a guess says why.
The files hold structure only: no sampled value is ever written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine

from connectors.datamap_check import rectifiable_field
from connectors.datamap_schema import RECTIFIABLE_FIELDS
from connectors.introspect.classify import Guess, classify, words
from connectors.introspect.drafts import (
    Lookup,
    Zones,
    is_naive_timestamp,
    lookup_entry,
    lookup_for,
    lookup_tables,
    read_zones,
    recipient_kind,
    recipient_notes,
    recipient_tables,
    timezone_for,
)
from connectors.introspect.labels import draft
from connectors.introspect.links import (
    Hop,
    Path,
    base,
    common_prefix,
    email_hops,
    find_paths,
    find_subject,
    meta_hops,
    naming_hops,
)
from connectors.introspect.schema import Column, Table, read_schema

CATEGORY_WORDS = [
    ({"order", "orders", "sales"}, "orders"), ({"invoice", "invoices"}, "invoices"),
    ({"address", "addresses"}, "addresses"), ({"message", "thread", "contact"},
                                              "correspondence"),
    ({"comment", "comments", "review", "reviews"}, "reviews"),
    ({"newsletter", "subscriber", "recipient"}, "newsletter"),
    ({"cart", "wishlist", "basket", "sessions", "session"}, "wishlist_cart"),
    ({"connections", "log", "guest", "visit", "login"}, "usage"),
]
RETENTION = {"orders": "accounting_voucher", "invoices": "accounting_voucher",
             "correspondence": "business_letter"}
KIND_CATEGORY = {"email": "contact", "phone": "contact", "ip": "usage", "ip_int": "usage",
                 "user_agent": "usage", "url": "usage", "iban": "payment"}
DATE_PREFERENCE = ("invoice_date", "order_date", "date_created_gmt", "date_created", "created_at",
                   "date_add", "post_date", "comment_date", "created", "date")


@dataclass
class Proposal:
    """The draft map and register as text, and what was guessed."""

    datamap: str
    register: str
    subject: str
    tables: list[str]
    unsure: int
    unlinked: list[str] = field(default_factory=list)


def propose(engine: Engine) -> Proposal:
    """Read the database behind ``engine`` and draft its map and register."""
    tables = read_schema(engine)
    prefix = common_prefix(list(tables))
    keys = {name: set(t.key) for name, t in tables.items()}
    hops: dict[str, list[Hop]] = {n: naming_hops(t, tables, prefix) for n, t in tables.items()}
    first = {n: {c: classify(col, key=c in keys[n]) for c, col in t.columns.items()}
             for n, t in tables.items()}
    subject, email = find_subject(tables, first, prefix)
    for name, table in tables.items():
        hops[name] += email_hops(table, first[name], subject, email)
    paths = find_paths(tables, hops, subject)
    for name, table in tables.items():
        for to_meta, to_subject in meta_hops(table, tables, prefix, subject):
            owner: str = next(h.table for h in hops[name] if h.columns == to_meta.ref)
            paths.setdefault(owner, []).insert(0, (to_meta, to_subject))
            back = Hop(to_meta.ref, owner, to_meta.columns, "name")
            paths.setdefault(name, []).insert(0, (back, to_meta, to_subject))
    # A table that nothing links from but that a linked table points at (an order whose
    # customer copy points at it): reached backwards through that table.
    # Not a lookup table or the list of carriers, though: an order names its carrier, the
    # carrier's row is not the customer's.
    reference = {lookup.table for lookup in lookup_tables(tables, [subject, *paths])}
    reference |= {name for name, _ in recipient_tables(tables, prefix)}
    reverse = {name: [Hop(h.ref, other, h.columns, "reverse")
                      for other in paths for h in hops[other]
                      if h.table == name and h.ref == tables[name].key and h.how != "e-mail"]
               for name in tables if name not in paths and name != subject
               and name not in reference}
    if any(reverse.values()):
        combined = {name: hops[name] + reverse.get(name, []) for name in tables}
        more = find_paths(tables, combined, subject)
        paths.update({name: found for name, found in more.items() if name not in paths})
    mapped = [subject, *sorted(paths)]
    # Link columns are technical, except an e-mail address that links a row sent signed out.
    link_columns = {n: {c for p in paths.get(n, []) if p[0].how != "e-mail"
                        for c in p[0].columns} for n in mapped}
    guesses = {n: {c: classify(col, key=c in keys[n], link=c in link_columns[n])
                   for c, col in tables[n].columns.items()} for n in mapped}
    writer = _Writer(tables, prefix, subject, email, lookup_tables(tables, mapped),
                     read_zones(engine, tables))
    for name in mapped:
        writer.table(tables[name], guesses[name], paths.get(name, []))
    unlinked = sorted(n for n in tables if n not in mapped and n not in reference and any(
        g.personal for g in first[n].values()))
    writer.unlinked(unlinked)
    notes = recipient_notes(tables, prefix)
    writer.recipients(notes)
    return Proposal(writer.text(), starter_register(notes), subject, mapped, writer.todos,
                    unlinked)


def toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return str(value)


def _hop(hop: Hop) -> dict[str, object]:
    found: dict[str, object] = {"columns": list(hop.columns), "table": hop.table,
                                "ref": list(hop.ref)}
    if hop.where:
        found["where"] = hop.where
    return found


#: Categories of the customer's own records (account, address book): a correction changes them.
_OWN_RECORDS = frozenset({"master_data", "addresses", "contact"})


def links(table: Table, paths: list[Path]) -> set[str]:
    """The columns that link a table's rows to the subject: its key and each path's first hop."""
    return set(table.key).union(*(path[0].columns for path in paths if path))


def _category(name: str, prefix: str) -> str:
    named = words(base(name, prefix))
    return next((category for hints, category in CATEGORY_WORDS if named & hints), "master_data")


class _Writer:
    def __init__(self, tables: Mapping[str, Table], prefix: str, subject: str,
                 email: str | None, lookups: list[Lookup], zones: Zones) -> None:
        self.tables = tables
        self.lookups = lookups
        self.zones = zones
        self.prefix = prefix
        self.subject = subject
        self.todos = 0
        self.lines = [
            "# Draft data map written by `dsr datamap propose` from the database's schema and a",
            "# sample of its rows (no value is written here). Review every line, above all the",
            "# ones marked TODO, then run `dsr datamap check`.",
            "version = 1", "", "[subject]", f"table = {toml_value(subject)}",
            f"key = {toml_value(list(tables[subject].key))}", "",
        ]
        if email:
            self.lines += ["[[identifiers]]", 'kind = "email"', f"table = {toml_value(subject)}",
                           f"column = {toml_value(email)}", ""]
        else:
            self.todo("no e-mail column found in the subject table: name an identifier")
        self.invoice_refs = self._invoice_references()

    def todo(self, why: str) -> None:
        self.todos += 1
        self.lines.append(f"# TODO: {why}")

    def text(self) -> str:
        return "\n".join(self.lines).rstrip() + "\n"

    def _invoice_references(self) -> dict[str, tuple[str, str]]:
        """Address-like tables that an order names as its invoice address: table -> (order
        table, column)."""
        found: dict[str, tuple[str, str]] = {}
        for table in self.tables.values():
            for hop in naming_hops(table, self.tables, self.prefix):
                named = words(hop.columns[0])
                if named & {"invoice", "billing"} and "address" in words(hop.table) | named:
                    found.setdefault(hop.table, (table.name, hop.columns[0]))
        return found

    def table(self, table: Table, guesses: Mapping[str, Guess], paths: list[Path]) -> None:
        name = table.name
        label, known = draft(name, self.prefix)
        category = "master_data" if name == self.subject else _category(name, self.prefix)
        self.lines.append(f"[tables.{toml_key(name)}]")
        if not table.key:
            self.todo("the table has no primary key: name the columns that identify a row")
        self.lines += ['connector = "shop"', f"key = {toml_value(list(table.key) or [next(iter(table.columns))])}"]
        if not known:
            self.todo("translate the table's label")
        self.lines += [f"label = {toml_value(label)}", f"category = {toml_value(category)}"]
        self._retention(table, category, paths)
        if paths:
            if any(h.how != "foreign key" for p in paths for h in p):
                self.todo("links inferred from column names or e-mail addresses: confirm them")
            self.lines.append(f"link = {toml_value([_hop(h) for h in paths[0]])}")
            if len(paths) > 1:
                self.lines.append(
                    f"alternative_links = {toml_value([[_hop(h) for h in p] for p in paths[1:]])}")
        self.lines += ["", f"[tables.{toml_key(name)}.columns]"]
        for column_name, column in table.columns.items():
            guess = guesses[column_name]
            entry: dict[str, object] = {}
            col_label, col_known = draft(column_name)
            entry["label"] = col_label
            kind_category = KIND_CATEGORY.get(guess.kind)
            if guess.personal and kind_category and kind_category != category:
                entry["category"] = kind_category
            entry["erasure"] = self._erasure(guess, column.nullable, column.is_text,
                                             column_name in table.key)
            if guess.secret:
                entry["disclose"] = False
            if guess.kind == "ip_int":
                entry["transform"] = "ip"
            if guess.kind == "money" and not guess.personal:
                entry["unit"] = "money"
                entry["currency"] = "EUR"
            reasons = self._drafts(name, column, guess, entry)
            if paths or name == self.subject:
                reasons += self._rectify_as(column_name, entry, links(table, paths), category)
            if guess.unsure:
                reasons.append(f"{guess.why} (confidence {guess.confidence:.1f}): "
                               + ("personal?" if guess.personal else "not personal?"))
            if guess.kind == "money":
                reasons.append("currency assumed EUR")
            if not col_known:
                reasons.append("translate the label")
            if reasons:
                self.todo("; ".join(reasons))
            self.lines.append(f"{toml_key(column_name)} = {toml_value(entry)}")
        self.lines.append("")

    def _drafts(self, table: str, column: Column, guess: Guess,
                entry: dict[str, object]) -> list[str]:
        """Lookup labels, the time zone and the recipient flag of a column, each with the
        reason to review it."""
        reasons = []
        if not guess.personal and guess.kind != "key" and column.name not in \
                self.tables[table].key and "unit" not in entry:
            found = lookup_for(table, column, self.lookups, self.prefix)
            if found is not None:
                entry["lookup"], why = lookup_entry(found)
                reasons.append(why)
        if is_naive_timestamp(column):
            entry["timezone"], why = timezone_for(column, self.zones)
            reasons.append(why)
        kind = recipient_kind(column)
        if kind is not None and guess.kind != "key":
            entry["discloses_to"] = True
            reasons.append(f"names who received the row's data (a {kind.replace('_', ' ')}): "
                           "confirm, and name each in the register's recipients")
        return reasons

    @staticmethod
    def _rectify_as(column: str, entry: dict[str, object], link_columns: set[str],
                    category: str) -> list[str]:
        """The form's field a column of the subject's rows holds, as ``rectify_as`` (so that a
        rectification changes it and ``check`` does not ask), with the reason to review it."""
        if entry.get("erasure") == "keep" or entry.get("disclose") is False \
                or column in link_columns:
            return []
        held = rectifiable_field(column, str(entry.get("category", category)))
        if held is None:
            return []
        if held in RECTIFIABLE_FIELDS:
            entry["rectify_as"] = held
            if category in _OWN_RECORDS:
                return []
            return [f"a customer's correction of {held} changes this column: set rectify_as "
                    "= false if the row records what was sent (an order, an invoice)"]
        return [f"holds a {held} a customer may correct: name the field with rectify_as "
                f"({', '.join(RECTIFIABLE_FIELDS)}) or set it false"]

    def recipients(self, notes: list[str]) -> None:
        for note in notes:
            self.todo(note)

    def _retention(self, table: Table, category: str, paths: list[Path]) -> None:
        rule = RETENTION.get(category)
        reference = self.invoice_refs.get(table.name)
        if rule is None and reference is None:
            return
        date = self._date(table)
        if reference is not None and rule is None:
            rule = "accounting_voucher"
            self.lines += [f"retention = {toml_value(rule)}",
                           "retention_when = " + toml_value(
                               f"referenced by {reference[0]}({reference[1]})")]
        else:
            self.todo(f"retention {rule} guessed from the table's name: which rows are documents?")
            self.lines.append(f"retention = {toml_value(rule)}")
        if date:
            self.lines.append(f"document_date = {toml_value(date)}")
            return
        for hop in paths[0] if paths else ():
            other = self.tables.get(hop.table)
            other_date = self._date(other) if other else None
            if other_date:
                self.lines.append(f"document_date = {toml_value(f'{hop.table}.{other_date}')}")
                return
        self.todo("no document date found: the period starts on the day of the plan")

    @staticmethod
    def _date(table: Table) -> str | None:
        dates = [c.name for c in table.columns.values() if c.is_date]
        for preferred in DATE_PREFERENCE:
            if preferred in dates:
                return preferred
        return dates[0] if dates else None

    @staticmethod
    def _erasure(guess: Guess, nullable: bool, is_text: bool, key: bool) -> str:
        if key or not guess.personal:
            return "keep"
        if is_text or not nullable:
            return "anonymise"
        return "null"

    def unlinked(self, names: list[str]) -> None:
        for name in names:
            self.todo(f"table {name!r} has personal-looking columns but no link to "
                      f"{self.subject!r} was found: map it by hand or leave it out")


def starter_register(recipients: Sequence[str] = ()) -> str:
    """A register to start from: controller, authority and contacts as clear TODOs, the usual
    shop purposes, the German retention periods and recipient kinds; ``recipients``: TODO
    lines for the tables of carriers and payment providers found in the database."""
    if not recipients:
        return REGISTER
    anchor = REGISTER.index("[recipients.carrier]")
    lines = "".join(f"# TODO: {note}\n" for note in recipients)
    return REGISTER[:anchor] + lines + REGISTER[anchor:]


REGISTER = '''\
# Starter register (record of processing activities, Art. 30 GDPR) written by
# `dsr datamap propose`. Fill in every TODO; check purposes, recipients and retention rules.
version = 1

# TODO: the controller's legal name, postal address and the privacy contact's e-mail address.
[controller]
name = "TODO: Name des Verantwortlichen"
address = ["TODO: Straße und Hausnummer", "TODO: PLZ Ort"]
email = "datenschutz@todo.invalid"

# TODO: the supervisory authority of the controller's federal state.
[supervisory_authority]
name = "TODO: Aufsichtsbehörde"
address = "TODO: Anschrift"

[categories.master_data]
label = { de = "Stammdaten (Name, Anrede, Geburtsdatum, Kundenkonto)", en = "Master data (name, salutation, date of birth, customer account)" }
provided = true

[categories.contact]
label = { de = "Kontaktdaten (E-Mail-Adresse, Telefonnummer)", en = "Contact details (e-mail address, phone number)" }
provided = true

[categories.company]
label = { de = "Firmendaten (B2B)", en = "Company data (B2B)" }

[categories.addresses]
label = { de = "Rechnungs- und Lieferadressen", en = "Billing and delivery addresses" }
provided = true

[categories.orders]
label = { de = "Bestellungen", en = "Orders" }
provided = true

[categories.invoices]
label = { de = "Rechnungen", en = "Invoices" }

[categories.payment]
label = { de = "Zahlungsdaten", en = "Payment data" }

[categories.wishlist_cart]
label = { de = "Wunschzettel und Warenkorb", en = "Wish list and shopping cart" }
provided = true

[categories.reviews]
label = { de = "Bewertungen", en = "Reviews" }
provided = true

[categories.newsletter]
label = { de = "Newsletter-Anmeldung", en = "Newsletter subscription" }
provided = true

[categories.consents]
label = { de = "Einwilligungen", en = "Consents" }
provided = true

[categories.correspondence]
label = { de = "Korrespondenz mit dem Kundenservice", en = "Correspondence with customer service" }
provided = true

[categories.usage]
label = { de = "Nutzungsdaten (IP-Adressen, Sitzungen)", en = "Usage data (IP addresses, sessions)" }

[retention.business_letter]
label = { de = "Handels- und Geschäftsbriefe", en = "Commercial and business letters" }
years = 6
starts = "end_of_year"
norm = "§147 Abs. 1 Nr. 2, 3, Abs. 3 AO; §257 Abs. 1 Nr. 2, 3, Abs. 4 HGB"

[retention.accounting_voucher]
label = { de = "Buchungsbelege (Rechnungen)", en = "Accounting vouchers (invoices)" }
years = 8
starts = "end_of_year"
norm = "§147 Abs. 1 Nr. 4, Abs. 3 AO; §257 Abs. 1 Nr. 4, Abs. 4 HGB"

[retention.books]
label = { de = "Handelsbücher, Jahresabschlüsse", en = "Books of account, annual accounts" }
years = 10
starts = "end_of_year"
norm = "§147 Abs. 1 Nr. 1, Abs. 3 AO; §257 Abs. 1 Nr. 1, Abs. 4 HGB"

[retention.consent_proof]
label = { de = "Nachweis von Einwilligungen", en = "Proof of consent" }
years = 3
starts = "end_of_year"
norm = "Art. 7 Abs. 1, Art. 17 Abs. 3 lit. e DSGVO; §§195, 199 BGB"

# TODO: name the shop's actual carriers, payment providers and host; add the others it uses.
[recipients.carrier]
name = "TODO: Versanddienstleister"
kind = "controller"
role = { de = "Versanddienstleister", en = "Carrier" }
country = "DE"

[recipients.payment_provider]
name = "TODO: Zahlungsdienstleister"
kind = "controller"
role = { de = "Zahlungsdienstleister", en = "Payment provider" }
country = "DE"

[recipients.hosting]
name = "TODO: Hosting-Anbieter"
kind = "processor"
role = { de = "Hosting und Betrieb des Shops (Auftragsverarbeiter)", en = "Hosting and operation of the shop (processor)" }
country = "DE"

[recipients.tax_advisor]
name = "TODO: Steuerberater"
kind = "controller"
role = { de = "Steuerberatung und Buchhaltung", en = "Tax advice and bookkeeping" }
country = "DE"

[[purposes]]
name = "contract"
label = { de = "Abwicklung von Bestellungen, Lieferung, Zahlung und Kundenkonto", en = "Processing orders, delivery, payment and the customer account" }
legal_basis = "Art. 6 Abs. 1 lit. b DSGVO"
categories = ["master_data", "contact", "company", "addresses", "orders", "payment", "wishlist_cart", "reviews", "correspondence", "usage"]
recipients = ["carrier", "payment_provider", "hosting"]
retention = ["business_letter"]
source = { de = "Von Ihnen bei Registrierung, Bestellung und Nutzung des Kundenkontos", en = "From you when registering, ordering and using your account" }

[[purposes]]
name = "accounting"
label = { de = "Buchführung und gesetzliche Aufbewahrung", en = "Bookkeeping and statutory retention" }
legal_basis = "Art. 6 Abs. 1 lit. c DSGVO i. V. m. §147 AO, §257 HGB"
categories = ["master_data", "addresses", "orders", "invoices", "payment"]
recipients = ["tax_advisor"]
retention = ["accounting_voucher", "books"]
source = { de = "Aus Ihren Bestellungen", en = "From your orders" }

[[purposes]]
name = "newsletter"
label = { de = "Newsletter", en = "Newsletter" }
legal_basis = "Art. 6 Abs. 1 lit. a DSGVO"
categories = ["contact", "newsletter", "consents"]
recipients = ["hosting"]
retention = ["consent_proof"]
source = { de = "Von Ihnen bei der Anmeldung", en = "From you when subscribing" }

[[purposes]]
name = "security"
label = { de = "Sicherheit des Shops und Missbrauchserkennung", en = "Security of the shop and abuse detection" }
legal_basis = "Art. 6 Abs. 1 lit. f DSGVO"
categories = ["usage"]
recipients = ["hosting"]
source = { de = "Bei der Nutzung des Shops", en = "When you use the shop" }
'''
