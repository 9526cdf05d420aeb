"""Is a column personal? Read from its name *and* its sampled content, with a confidence and,
when the two disagree or there is nothing to sample, the reason a person should look.

Content decides what a value is (an e-mail address, a phone number, an IBAN, an IP address as
text or as an integer, a street line, a postcode, free text, a password hash); the name adds
what content cannot tell (a first name from a product name). No sampled value leaves this
module: a :class:`Guess` holds only the kind, the confidence and a reason in words.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from connectors.introspect.schema import Column

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
EMAIL_INSIDE = re.compile(r"[^@\s\"';:]+@[^@\s\"';:]+\.[A-Za-z]{2,}")
PHONE = re.compile(r"^(\+|00|0)[\d\s/().-]{6,22}$")
IBAN = re.compile(r"^[A-Z]{2}\d{2}\s?(?:[A-Z0-9]{4}\s?){2,7}[A-Z0-9]{1,4}$")
STREET = re.compile(r"^[^\d@]{3,}\s\d+\s?[a-zA-Z]?(?:[-/]\d+)?$")
POSTCODE = re.compile(r"^\d{4,5}$")
PERSON_NAME = re.compile(r"^[A-ZÄÖÜ][a-zäöüßéèàç'-]+(?:[ -][A-ZÄÖÜ][a-zäöüßéèàç'.-]+){0,2}\.?$")
SECRET_VALUE = re.compile(r"^(\$2[aby]?\$|\$argon2|\$P\$|\$wp\$|pbkdf2|sha\d+\$)|^[a-f0-9]{40,}$")

WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")


def words(name: str) -> set[str]:
    """``billing_firstName`` -> {"billing", "first", "name"}; lower case."""
    return {w.casefold() for w in WORD.findall(name)} | {name.casefold()}


SECRET_NAMES = ({"passwd", "password", "pass", "hash", "token", "secret", "salt", "secure",
                 "activation", "tokens", "apikey", "api"})
NAME_HINTS = {"first": "first_name", "firstname": "first_name", "vorname": "first_name",
              "given": "first_name", "last": "last_name", "lastname": "last_name",
              "nachname": "last_name", "surname": "last_name", "family": "last_name",
              "display": "name", "author": "name", "nicename": "name", "login": "name",
              "username": "name", "middlename": "name", "nickname": "name"}
STREET_HINTS = {"street", "strasse", "address1", "address2", "addr", "line1", "line2"}
FREE_TEXT_HINTS = {"message", "comment", "note", "notes", "content", "text", "body", "excerpt",
                   "remark", "gift", "hinweis", "nachricht"}


@dataclass(frozen=True)
class Guess:
    """What the column holds, whether that is personal, how sure, and why (no values)."""

    kind: str
    personal: bool
    confidence: float
    why: str
    secret: bool = False

    @property
    def unsure(self) -> bool:
        return self.confidence < 0.75


def _share(samples: Sequence[Any], test: Callable[[Any], bool]) -> float:
    if not samples:
        return 0.0
    return sum(1 for value in samples if test(value)) / len(samples)


def _is_ip_text(value: Any) -> bool:
    try:
        ipaddress.ip_address(str(value).strip())
    except ValueError:
        return False
    return "." in str(value) or ":" in str(value)


def _is_int_ip(value: Any) -> bool:
    return isinstance(value, int) and 2**24 <= value < 2**32


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def classify(column: Column, *, link: bool = False, key: bool = False) -> Guess:
    """The best guess for ``column``; ``key`` and ``link`` columns are technical."""
    name = column.name
    named = words(name)
    samples = column.samples
    if key or link:
        return Guess("key", False, 0.95, "key or link column")
    # Only text and bytes hold a secret: a date or number named after one (PrestaShop's
    # last_passwd_gen, reset_password_validity) says when, not what.
    secret_named = bool(named & SECRET_NAMES) and (column.is_text or column.is_binary)
    if secret_named or _share(samples, lambda v: bool(SECRET_VALUE.match(_text(v)))) > .6:
        return Guess("secret", True, 0.9, "a secret (hash, token): stored, never disclosed",
                     secret=True)
    if column.is_binary:
        return Guess("binary", False, 0.6, "binary values: an id or a file? check by hand")
    if column.is_date:
        if named & {"birthday", "birth", "dob", "geburtstag", "geburtsdatum"}:
            return Guess("birth_date", True, 0.95, "date of birth")
        return Guess("date", False, 0.85, "a date")
    if column.is_int:
        return _classify_int(column, named)
    if not column.is_text:
        if named & {"total", "amount", "price", "sum", "paid"}:
            return Guess("money", False, 0.8, "an amount of money")
        return Guess("other", False, 0.7, "a number or flag")
    return _classify_text(column, named)


def _classify_int(column: Column, named: set[str]) -> Guess:
    samples = column.samples
    ipish = bool(named & {"ip", "ipaddress", "ip_address", "remote"}) or "ip" in column.name
    if _share(samples, _is_int_ip) > 0.8 and (ipish or not samples):
        return Guess("ip_int", True, 0.9, "IPv4 addresses stored as integers")
    if ipish and not samples:
        return Guess("ip_int", True, 0.5, "the name says IP address; no values to confirm it")
    if named & {"id"} or column.name.startswith("id_") or column.name.endswith("_id"):
        return Guess("reference", False, 0.8, "an id")
    distinct = {v for v in samples}
    if distinct <= {0, 1}:
        return Guess("flag", False, 0.85, "a yes/no flag")
    return Guess("number", False, 0.7, "a number")


def _classify_text(column: Column, named: set[str]) -> Guess:
    samples = [s for s in column.samples if isinstance(s, str) and s.strip()]
    if not samples:
        return _by_name_only(named)
    tests: list[tuple[str, float, str]] = [
        ("email", _share(samples, lambda v: bool(EMAIL.match(v.strip()))), "e-mail addresses"),
        ("iban", _share(samples, lambda v: bool(IBAN.match(v.strip()))), "IBANs"),
        ("ip", _share(samples, _is_ip_text), "IP addresses"),
        ("phone", _share(samples, lambda v: bool(PHONE.match(v.strip()))
                         and sum(c.isdigit() for c in v) >= 7), "phone numbers"),
        ("user_agent", _share(samples, lambda v: v.startswith("Mozilla/")), "browser strings"),
        ("street", _share(samples, lambda v: bool(STREET.match(v.strip()))), "street lines"),
    ]
    for kind, share, what in tests:
        if share >= 0.6:
            agree = _name_agrees(kind, named)
            return Guess(kind, True, 0.95 if agree else 0.8,
                         f"content: {what}" + ("" if agree else "; the name does not say so"))
    if _share(samples, lambda v: bool(POSTCODE.match(v.strip()))) >= 0.8:
        if named & {"postcode", "zip", "zipcode", "plz", "postal"}:
            return Guess("postcode", True, 0.95, "content and name: postcodes")
        return Guess("code", False, 0.5, "short numbers: a postcode? the name does not say")
    if _share(samples, lambda v: bool(EMAIL_INSIDE.search(v))) >= 0.3:
        return Guess("free_text", True, 0.8, "text that contains e-mail addresses")
    hint = next((NAME_HINTS[w] for w in named if w in NAME_HINTS), None)
    if named & {"name"} and not hint and named & {"customer", "user", "contact", "recipient",
                                                   "billing", "shipping", "comment", "full"}:
        hint = "name"
    people = _share(samples, lambda v: bool(PERSON_NAME.match(v.strip())))
    if hint and people >= 0.5:
        return Guess(hint, True, 0.9, "content and name: names of people")
    if hint:
        return Guess(hint, True, 0.6, "the name says a person's name; the content looks different")
    if named & {"city", "ort", "town", "stadt"}:
        return Guess("city", True, 0.9, "a place of residence")
    if named & STREET_HINTS:
        return Guess("street", True, 0.8, "the name says address line")
    average = sum(len(v) for v in samples) / len(samples)
    spaced = _share(samples, lambda v: " " in v.strip())
    distinct = len(set(samples)) / len(samples)
    if named & FREE_TEXT_HINTS and average >= 8:
        return Guess("free_text", True, 0.85, "free text written by or about a person")
    if average >= 15 and spaced >= 0.6 and (distinct > 0.5 or len(samples) < 4):
        return Guess("free_text", True, 0.65, "free text: may name people")
    if named & {"referer", "referrer", "url", "uri", "website"}:
        return Guess("url", True, 0.6, "web addresses: may carry search words")
    if len(set(samples)) <= max(3, len(samples) // 4) and average < 20:
        return Guess("code", False, 0.8, "a code from a short list")
    if people >= 0.6 and not named & {"title", "label", "slug", "alias", "type", "status"}:
        return Guess("name", True, 0.6, "content looks like names; the column name does not say")
    return Guess("text", False, 0.55, "short text; not recognisably personal")


def _name_agrees(kind: str, named: set[str]) -> bool:
    expected = {"email": {"email", "mail", "e"}, "iban": {"iban"},
                "ip": {"ip", "remote", "address"}, "phone": {"phone", "telephone", "mobile",
                                                            "tel", "fax"},
                "user_agent": {"agent", "ua"}, "street": STREET_HINTS | {"address"}}
    return bool(named & expected.get(kind, set()))


def _by_name_only(named: set[str]) -> Guess:
    for kind, hints in (("email", {"email", "mail"}), ("phone", {"phone", "telephone", "mobile"}),
                        ("ip", {"ip"}), ("street", STREET_HINTS), ("iban", {"iban"}),
                        ("postcode", {"postcode", "zip", "zipcode", "plz"}),
                        ("city", {"city"}), ("free_text", FREE_TEXT_HINTS)):
        if named & hints:
            return Guess(kind, True, 0.5, "no values to sample; the name suggests personal data")
    hint = next((NAME_HINTS[w] for w in named if w in NAME_HINTS), None)
    if hint:
        return Guess(hint, True, 0.5, "no values to sample; the name suggests a person's name")
    return Guess("text", False, 0.4, "no values to sample; nothing in the name")
