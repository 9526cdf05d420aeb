"""Pagination of a list request: ``cursor`` (the answer names where the next page starts),
``page`` (page numbers), ``offset`` (record offsets) and ``link`` (RFC 8288 ``Link: <…>;
rel="next"``). Stops at an empty page (a short page is no proof of the end: services cap the
page size), when the answer says there is no more, and, as a guard, after ``max_pages``
pages."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from connectors.base import ConnectorError
from connectors.http_api.client import HttpClient
from connectors.http_api.paths import find_all, find_one, render

LINK_NEXT = re.compile(r'<([^>]+)>\s*;[^,]*\brel="?next"?', re.IGNORECASE)


def next_link(header: str | None) -> str | None:
    """The URL of ``rel="next"`` in a Link header, or None."""
    found = LINK_NEXT.search(header or "")
    return found.group(1) if found else None


def body_of(spec: Mapping[str, Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments of :meth:`HttpClient.send` for one request spec."""
    return {"template": spec["path"], "query": render(spec.get("query", {}), context),
            "headers": render(spec.get("headers", {}), context),
            "json_body": render(spec["json"], context) if "json" in spec else None,
            "form": render(spec["form"], context) if "form" in spec else None}


def records(client: HttpClient, spec: Mapping[str, Any],
            context: Mapping[str, Any]) -> Iterator[Any]:
    """Every record the request's pages hold (at ``spec["records"]``); a status listed in
    ``absent`` (404) means none."""
    paging = spec.get("paging") or {}
    kind = paging.get("kind")
    size = int(paging.get("size", 100))
    args = body_of(spec, context)
    query = dict(args.pop("query"))
    path = str(render(spec["path"], context))
    if paging.get("size_param"):
        query[paging["size_param"]] = size
    if kind in ("page", "offset"):
        query[paging["param"]] = paging.get("start", 1) if kind == "page" else 0
    for _page in range(int(paging.get("max_pages", 50))):
        try:
            answer = client.send(spec["method"], path, query=query, **args)
        except ConnectorError as exc:
            if getattr(exc, "status", None) in spec.get("absent", [404]):
                return
            raise
        document = answer.json()
        found = find_all(spec["records"], document) if document is not None else []
        if len(found) == 1 and isinstance(found[0], list):
            found = found[0]  # "$.data" names the list itself
        yield from found
        if kind == "cursor":
            more = find_one(paging["more"], document) if paging.get("more") else True
            cursor = find_one(paging["next"], document)
            if not more or cursor in (None, "") or not found:
                return
            query[paging["param"]] = cursor
        elif kind in ("page", "offset"):
            if not found:  # not a short page: a service may serve fewer than asked for
                return
            query[paging["param"]] += 1 if kind == "page" else len(found)
        elif kind == "link":
            following = next_link(answer.headers.get("link"))
            if not following or not found:
                return
            path, query = following, {}
        else:
            return
    raise ConnectorError(f"{client.name}: {spec['method']} {spec['path']}: more than "
                         f"{paging.get('max_pages', 50)} pages")
