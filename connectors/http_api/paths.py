"""JSON paths (jsonpath-ng) and the ``{placeholder}`` templates of a definition.

A template is a string in which ``{email}``, ``{record.id}``, ``{setting.list_id}`` … stand for
values known when the request is made: the subject's identifier, a field of a record the
service returned, a setting of the connector's section, a secret, a corrected value, the
request's reference. A string that is one placeholder alone keeps the value's type (a number
stays a number in a JSON body).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

from jsonpath_ng import JSONPath
from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)\}")
ROOTS = ("identifier", "email", "customer_number", "record", "setting", "secret",
         "correction", "reference", "confirmation")
"""What a placeholder may name: its first part."""


class TemplateError(ValueError):
    """A template names something that is not known when it is filled in."""


@lru_cache(maxsize=512)
def compile_path(path: str) -> JSONPath:
    """The parsed JSON path; raises ValueError with a short reason when it is not one."""
    try:
        return parse(path)
    except (JsonPathLexerError, JsonPathParserError, Exception) as exc:  # the parser raises bare Exception for some input
        raise ValueError(f"not a JSON path: {path!r} ({type(exc).__name__})") from None


def find_all(path: str, document: Any) -> list[Any]:
    """Every value at ``path`` in ``document``."""
    return [match.value for match in compile_path(path).find(document)]


def find_one(path: str, document: Any) -> Any:
    """The first value at ``path``, or None."""
    found = find_all(path, document)
    return found[0] if found else None


def placeholders(template: str) -> list[str]:
    """The dotted names a template refers to."""
    return PLACEHOLDER.findall(template)


def _lookup(name: str, context: Mapping[str, Any]) -> Any:
    root, _, rest = name.partition(".")
    if root not in context:
        raise TemplateError(f"{{{name}}} is not known here")
    value = context[root]
    for part in rest.split(".") if rest else ():
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            raise TemplateError(f"{{{name}}} is not in the data")
    return value


def render(template: Any, context: Mapping[str, Any]) -> Any:
    """The template (a string, or lists and tables of them) with its placeholders filled in."""
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole:
            return _lookup(whole.group(1), context)
        return PLACEHOLDER.sub(lambda m: str(_lookup(m.group(1), context)), template)
    if isinstance(template, list):
        return [render(item, context) for item in template]
    if isinstance(template, Mapping):
        return {key: render(value, context) for key, value in template.items()}
    return template


def strings(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside ``value`` with its dotted key, for checking templates."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{where}[{index}]")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings(item, f"{where}.{key}" if where else str(key))
