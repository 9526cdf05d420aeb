"""Input hygiene: text that no database or person should receive is refused at the edge, the
rest is normalised.

- NUL characters (PostgreSQL's text cannot hold them) and lone surrogates (not encodable
  as UTF-8) are refused wherever they come in;
- JSON may nest at most :data:`MAX_DEPTH` levels (deeper bodies exhaust Python's recursion)
  and its integers fit a database column (:data:`MAX_INT`);
- text is normalised to NFC, so "é" typed two ways is one value;
- names refuse control, format (zero-width, bidi overrides), private-use and separator
  characters that would make a name display differently from what is stored.
"""

from __future__ import annotations

import unicodedata
from typing import Any

MAX_DEPTH = 32
MAX_INT = 2**31 - 1
#: Unicode categories refused in names: controls, format characters (ZWSP, ZWJ, LRO/RLO, ...),
#: surrogates, private use, unassigned, line and paragraph separators.
REFUSED_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class BadInput(ValueError):
    """The input cannot be taken; the message says why in words a client can act on."""


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it (strings
    are skipped, so brackets inside them do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def check_text(value: str, where: str) -> None:
    """Refuse NUL characters and lone surrogates in ``value`` (``where`` names the field)."""
    if "\x00" in value:
        raise BadInput(f"{where}: contains a NUL character, which cannot be stored")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadInput(f"{where}: contains an unpaired surrogate (invalid Unicode)") from None


def check_json(value: Any, where: str = "body", depth: int = 0) -> None:
    """Walk a parsed JSON value: text checked, integers bounded, nesting bounded."""
    if depth > MAX_DEPTH:
        raise BadInput(f"{where}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, str):
        check_text(value, where)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if abs(value) > MAX_INT:
            raise BadInput(f"{where}: the number is out of range (at most {MAX_INT})")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            check_json(item, f"{where}[{index}]", depth + 1)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_text(str(key), where)
            check_json(item, f"{where}.{str(key)[:40]}", depth + 1)


def nfc(value: Any) -> Any:
    """``value`` with every string (also inside lists and dicts) normalised to NFC."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, list):
        return [nfc(v) for v in value]
    if isinstance(value, dict):
        return {k: nfc(v) for k, v in value.items()}
    return value


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a person's name (a character that is invisible, reorders the
    text or is a control), else None."""
    for char in value:
        if unicodedata.category(char) in REFUSED_IN_NAMES:
            return (f"contains an invisible or control character (U+{ord(char):04X}); "
                    "type the name with letters, spaces, hyphens and apostrophes")
    return None
