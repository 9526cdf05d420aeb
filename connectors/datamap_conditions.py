"""The data map's one condition syntax: row conditions on hops, retention and legal holds.

A condition is a short text over one table's columns::

    status = 'open'
    object_type = 'Customer' and deleted = 0
    meta_key in ('billing_phone', 'billing_email') or meta_key like 'shipping\\_%'
    referenced by orders(id_address_invoice)
    not (paid_at is null)

Terms: ``column op literal`` (``=``, ``!=``, ``<>``, ``<``, ``<=``, ``>``, ``>=``, ``like``),
``column [not] in (literal, ...)``, ``column is [not] null`` and ``referenced by
table(column)`` (some row of ``table`` holds this row's one-column key in ``column``; with
``table(column = own_column)`` another column of this row). Literals are 'quoted text' (a
doubled '' inside), integers, decimals, ``true`` and ``false``. Terms combine with ``and``,
``or``, ``not`` and parentheses. :func:`parse_condition` checks the text once, when the map is
loaded; :func:`condition_sql` turns it into a SQLAlchemy expression on the table (or alias) it
is about, so the same condition serves reads, plans and holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause

Literal_ = str | int | Decimal | bool

_TOKEN = re.compile(
    r"\s*(?:(?P<text>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|<>|!=|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
_COMPARE = {"=": "__eq__", "!=": "__ne__", "<>": "__ne__", "<": "__lt__", "<=": "__le__",
            ">": "__gt__", ">=": "__ge__"}
_KEYWORDS = {"and", "or", "not", "in", "is", "null", "like", "referenced", "by", "true",
             "false"}


class ConditionError(ValueError):
    """A condition's text does not parse; the message says where and why."""


@dataclass(frozen=True)
class Compare:
    column: str
    op: str
    value: Literal_


@dataclass(frozen=True)
class InList:
    column: str
    values: tuple[Literal_, ...]
    negated: bool = False


@dataclass(frozen=True)
class IsNull:
    column: str
    negated: bool = False


@dataclass(frozen=True)
class ReferencedBy:
    table: str
    column: str
    own: str | None = None  # None: the table's one-column key


@dataclass(frozen=True)
class Not:
    term: Node


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    terms: tuple[Node, ...]


Node = Compare | InList | IsNull | ReferencedBy | Not | Junction


@dataclass(frozen=True)
class Condition:
    """A parsed condition and the text it was read from (shown back in plans and checks)."""

    text: str
    tree: Node

    def columns(self) -> set[str]:
        """The columns of its own table the condition reads."""
        return {name for node in _walk(self.tree) for name in _own_columns(node)}

    def tables(self) -> set[str]:
        """Other tables it looks into (``referenced by``)."""
        return {node.table for node in _walk(self.tree) if isinstance(node, ReferencedBy)}


def parse_condition(text: str) -> Condition:
    """Read ``text``; raises :class:`ConditionError` naming the position of the problem."""
    tokens = list(_tokens(text))
    parser = _Parser(tokens, text)
    tree = parser.expression()
    if parser.position < len(tokens):
        raise ConditionError(f"unexpected {tokens[parser.position][1]!r} "
                             f"at position {tokens[parser.position][2] + 1}")
    return Condition(text, tree)


def condition_sql(condition: Condition, table: FromClause, key: tuple[str, ...],
                  tables: Mapping[str, sa.Table]) -> ColumnElement[bool]:
    """``condition`` as SQL on ``table`` (a table or an alias of it, whose key is ``key``);
    ``tables`` holds the reflected tables a ``referenced by`` names."""

    def col(name: str) -> ColumnElement[Any]:
        try:
            return table.c[name]
        except KeyError:
            raise ConditionError(f"column {name!r} does not exist in "
                                 f"{getattr(table, 'name', table)!r}") from None

    def build(node: Node) -> ColumnElement[bool]:
        if isinstance(node, Compare):
            if node.op == "like":
                return col(node.column).like(node.value, escape="\\")
            method: Callable[[Any], ColumnElement[bool]] = getattr(col(node.column),
                                                                   _COMPARE[node.op])
            return method(node.value)
        if isinstance(node, InList):
            found = col(node.column).in_(list(node.values))
            return sa.not_(found) if node.negated else found
        if isinstance(node, IsNull):
            return col(node.column).is_not(None) if node.negated else col(node.column).is_(None)
        if isinstance(node, ReferencedBy):
            other = tables[node.table].alias(f"ref_{node.table}")
            own = node.own or _one_key(key)
            return sa.exists(sa.select(sa.literal(1)).select_from(other)
                             .where(other.c[node.column] == col(own)))
        if isinstance(node, Not):
            return sa.not_(build(node.term))
        parts = [build(term) for term in node.terms]
        return sa.and_(*parts) if node.op == "and" else sa.or_(*parts)

    return build(condition.tree)


def _one_key(key: tuple[str, ...]) -> str:
    if len(key) != 1:
        raise ConditionError("'referenced by table(column)' needs a one-column key; "
                             "name the column: table(column = own_column)")
    return key[0]


def _tokens(text: str) -> Iterator[tuple[str, str, int]]:
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            return
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"cannot read {text[position:].strip()[:20]!r} "
                                 f"at position {position + 1}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        start = match.start(kind)
        if kind == "word" and value.casefold() in _KEYWORDS:
            kind, value = "keyword", value.casefold()
        yield kind, value, start
        position = match.end()


class _Parser:
    """Recursive descent: or-expression > and-expression > not > term."""

    def __init__(self, tokens: list[tuple[str, str, int]], text: str) -> None:
        self.tokens = tokens
        self.text = text
        self.position = 0

    def peek(self, value: str | None = None, kind: str | None = None) -> bool:
        if self.position >= len(self.tokens):
            return False
        token_kind, token_value, _ = self.tokens[self.position]
        return (value is None or token_value == value) and (kind is None or token_kind == kind)

    def take(self, what: str, value: str | None = None, kind: str | None = None) -> str:
        if not self.peek(value, kind):
            where = (f"at position {self.tokens[self.position][2] + 1}"
                     if self.position < len(self.tokens) else "at the end")
            raise ConditionError(f"expected {what} {where}")
        self.position += 1
        return self.tokens[self.position - 1][1]

    def expression(self) -> Node:
        terms = [self.conjunction()]
        while self.peek("or", "keyword"):
            self.position += 1
            terms.append(self.conjunction())
        return terms[0] if len(terms) == 1 else Junction("or", tuple(terms))

    def conjunction(self) -> Node:
        terms = [self.negation()]
        while self.peek("and", "keyword"):
            self.position += 1
            terms.append(self.negation())
        return terms[0] if len(terms) == 1 else Junction("and", tuple(terms))

    def negation(self) -> Node:
        if self.peek("not", "keyword"):
            self.position += 1
            return Not(self.negation())
        if self.peek("(", "punct"):
            self.position += 1
            inner = self.expression()
            self.take("')'", ")", "punct")
            return inner
        return self.term()

    def term(self) -> Node:
        if self.peek("referenced", "keyword"):
            self.position += 1
            self.take("'by'", "by", "keyword")
            table = self.take("a table name", kind="word")
            self.take("'('", "(", "punct")
            other = self.take("a column name", kind="word")
            own = None
            if self.peek("=", "op"):
                self.position += 1
                own = self.take("a column name", kind="word")
            self.take("')'", ")", "punct")
            return ReferencedBy(table, other, own)
        name = self.take("a column name", kind="word")
        if self.peek("is", "keyword"):
            self.position += 1
            negated = self.peek("not", "keyword")
            self.position += negated
            self.take("'null'", "null", "keyword")
            return IsNull(name, negated)
        negated = self.peek("not", "keyword")
        if negated:
            self.position += 1
        if self.peek("in", "keyword"):
            self.position += 1
            self.take("'('", "(", "punct")
            values = [self.literal()]
            while self.peek(",", "punct"):
                self.position += 1
                values.append(self.literal())
            self.take("')'", ")", "punct")
            return InList(name, tuple(values), negated)
        if negated:
            raise ConditionError(f"expected 'in' after 'not' (column {name!r})")
        if self.peek("like", "keyword"):
            self.position += 1
            return Compare(name, "like", self.literal())
        op = self.take("a comparison (=, !=, <, <=, >, >=, like, in, is null)", kind="op")
        return Compare(name, op, self.literal())

    def literal(self) -> Literal_:
        if self.peek(kind="text"):
            return self.take("text")[1:-1].replace("''", "'")
        if self.peek(kind="number"):
            raw = self.take("a number")
            return Decimal(raw) if "." in raw else int(raw)
        if self.peek("true", "keyword") or self.peek("false", "keyword"):
            return self.take("true or false") == "true"
        raise ConditionError("expected a value ('text', a number, true or false) "
                             + ("at the end" if self.position >= len(self.tokens)
                                else f"at position {self.tokens[self.position][2] + 1}"))


def _walk(node: Node) -> Iterator[Node]:
    yield node
    if isinstance(node, Not):
        yield from _walk(node.term)
    elif isinstance(node, Junction):
        for term in node.terms:
            yield from _walk(term)


def _own_columns(node: Node) -> Iterator[str]:
    if isinstance(node, Compare | InList | IsNull):
        yield node.column
    elif isinstance(node, ReferencedBy) and node.own:
        yield node.own
