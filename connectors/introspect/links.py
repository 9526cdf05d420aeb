"""Which table is the subject's, and how every other table reaches it.

Hops come from foreign keys, from naming conventions (``id_customer``, ``customer_id``,
``user_id``, ``id_address_invoice`` -> the address table, ``order_id`` + ``order_version_id``
-> a versioned order) and from e-mail columns (a row sent signed out names its owner by the
address). Paths of up to three hops are searched breadth first; a table keeps up to three, the
shortest first: ``link`` and ``alternative_links`` of the proposal.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from connectors.introspect.classify import Guess, words
from connectors.introspect.schema import Table

MAX_HOPS = 3
MAX_PATHS = 3


@dataclass(frozen=True)
class Hop:
    columns: tuple[str, ...]
    table: str
    ref: tuple[str, ...]
    how: str  # "foreign key", "name", "e-mail", "reverse", "meta"
    where: str | None = None  # condition on the table the hop leaves


Path = tuple[Hop, ...]


def common_prefix(names: list[str]) -> str:
    """The table prefix most tables share (``ps_``, ``wp_``), or ""."""
    counts: dict[str, int] = {}
    for name in names:
        if "_" in name:
            head = name.split("_", 1)[0] + "_"
            counts[head] = counts.get(head, 0) + 1
    if not counts:
        return ""
    head, count = max(counts.items(), key=lambda item: item[1])
    return head if count >= max(2, len(names) * 0.6) and len(head) <= 6 else ""


def base(name: str, prefix: str) -> str:
    return name[len(prefix):] if prefix and name.startswith(prefix) else name


def find_subject(tables: Mapping[str, Table], guesses: Mapping[str, Mapping[str, Guess]],
                 prefix: str) -> tuple[str, str | None]:
    """The subject table and its e-mail column (None when it has none)."""
    referenced: dict[str, int] = {}
    for table in tables.values():
        for hop in naming_hops(table, tables, prefix):
            referenced[hop.table] = referenced.get(hop.table, 0) + 1

    def score(name: str) -> float:
        named = words(base(name, prefix))
        kinds = {g.kind for g in guesses[name].values()}
        value = 3.0 * ("email" in kinds) + 1.5 * bool(kinds & {"first_name", "last_name"})
        value += 2.0 * bool(named & {"customer", "customers", "user", "users", "kunde",
                                     "kunden", "client", "member", "account"})
        value -= 3.0 * bool(named & {"employee", "admin", "order", "orders", "address", "log",
                                     "lookup", "comment", "comments", "newsletter", "recipient",
                                     "thread", "message", "session", "sessions", "meta"})
        value += min(referenced.get(name, 0), 5) * 0.5
        return value

    best = max(tables, key=score)
    email = next((c for c, g in guesses[best].items() if g.kind == "email"), None)
    return best, email


def naming_hops(table: Table, tables: Mapping[str, Table], prefix: str) -> list[Hop]:
    """Hops the column names suggest (and the foreign keys declare)."""
    hops = [Hop(cols, target, ref, "foreign key") for cols, target, ref in table.foreign_keys
            if target in tables and target != table.name]
    by_base = {base(name, prefix).casefold(): name for name in tables}
    for name in tables:  # a second prefix of a plug-in's tables: wc_orders -> orders
        head, _, rest = base(name, prefix).casefold().partition("_")
        if rest and len(head) <= 3:
            by_base.setdefault(rest, name)
    for column in table.columns.values():
        if not (column.is_int or column.is_binary or column.is_text):
            continue
        if table.key == (column.name,) and not column.name.casefold().startswith("id_"):
            continue
        stem = _stem(column.name)
        if not stem:
            continue
        for candidate in _candidates(stem):
            target_name = by_base.get(candidate)
            if target_name is None or target_name == table.name:
                continue
            target = tables[target_name]
            hop = _to_key(table, column.name, target)
            if hop is not None and all(h.columns != hop.columns for h in hops):
                hops.append(hop)
            break
    return hops


def _stem(name: str) -> str:
    lowered = name.casefold()
    if lowered.startswith("id_"):
        return lowered[3:]
    if lowered.endswith("_id"):
        return lowered[:-3]
    return ""


ROLE_WORDS = {"invoice", "billing", "shipping", "delivery", "default", "main", "last",
              "current", "primary", "new", "old"}
"""Words that name a reference's role, not its table (``id_address_invoice``)."""


def _candidates(stem: str) -> list[str]:
    """``address_invoice`` -> address_invoice(s), address(es); ``customer_group`` -> only
    customer_group(s): a part is dropped only when it names the role."""
    parts = stem.split("_")
    bare = [part for part in parts if part not in ROLE_WORDS]
    found = []
    for word in dict.fromkeys(["_".join(parts), "_".join(bare)]):
        if word:
            found += [word, f"{word}s", f"{word}_entity", f"{word}es"]
    return found


def _to_key(table: Table, column: str, target: Table) -> Hop | None:
    own = table.columns[column]
    if len(target.key) == 1:
        ref = target.columns[target.key[0]]
        if own.is_binary != ref.is_binary or (own.is_int and ref.is_text):
            return None
        return Hop((column,), target.name, target.key, "name")
    if len(target.key) == 2 and target.key[1] == "version_id":
        version = column[:-3] + "_version_id" if column.endswith("_id") else ""
        if version in table.columns:
            return Hop((column, version), target.name, target.key, "name")
    return None


def email_hops(table: Table, guesses: Mapping[str, Guess], subject: str,
               subject_email: str | None) -> list[Hop]:
    """A row that names its owner only by e-mail address (sent signed out)."""
    if subject_email is None or table.name == subject:
        return []
    return [Hop((name,), subject, (subject_email,), "e-mail")
            for name, guess in guesses.items() if guess.kind == "email"]


def find_paths(tables: Mapping[str, Table], hops: Mapping[str, list[Hop]],
               subject: str) -> dict[str, list[Path]]:
    """Up to :data:`MAX_PATHS` paths to the subject per table, shortest first."""
    found: dict[str, list[Path]] = {}
    for start in tables:
        if start == subject:
            continue
        paths: list[Path] = []
        queue: deque[tuple[str, Path]] = deque([(start, ())])
        while queue and len(paths) < MAX_PATHS:
            current, path = queue.popleft()
            for hop in hops.get(current, []):
                if hop.table == subject:
                    paths.append((*path, hop))
                elif len(path) + 1 < MAX_HOPS and hop.table != start and \
                        hop.table not in {h.table for h in path}:
                    queue.append((hop.table, (*path, hop)))
        if paths:
            found[start] = paths[:MAX_PATHS]
    return found


def meta_hops(table: Table, tables: Mapping[str, Table], prefix: str, subject: str,
              ) -> list[tuple[Hop, Hop]]:
    """Key/value meta rows naming the subject: ``(owner -> meta, meta -> subject)`` hop pairs.

    A table with ``meta_key`` and ``meta_value`` whose rows of one key hold numbers that are
    keys of the subject table (in the sample), under a key whose name says customer or user,
    links its owner table (``post_id`` -> posts) to the subject with ``meta_key = '...'``.
    """
    if not {"meta_key", "meta_value"} <= set(table.columns) or len(tables[subject].key) != 1:
        return []
    subject_key = tables[subject].key[0]
    known = {str(row[subject_key]) for row in tables[subject].sample}
    owners = [h for h in naming_hops(table, tables, prefix) if h.table != subject]
    pairs = []
    for meta_key in sorted({str(row["meta_key"]) for row in table.sample if row["meta_key"]}):
        if not words(meta_key) & {"customer", "user", "kunde"}:
            continue
        values = [str(row["meta_value"]) for row in table.sample if row["meta_key"] == meta_key]
        if not values or sum(v in known for v in values) < len(values) / 2:
            continue
        where = "meta_key = '" + meta_key.replace("'", "''") + "'"
        for owner in owners:
            pairs.append((Hop(owner.ref, table.name, owner.columns, "meta"),
                          Hop(("meta_value",), subject, (subject_key,), "meta", where)))
    return pairs
