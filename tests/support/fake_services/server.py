"""A small HTTP server for fakes: routes by method and path pattern, every request recorded
(method, path, query, headers, body), and failures queued in front of a route (an error, a
429 with Retry-After) to test how a client copes."""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, Any] | tuple[int, Any, dict[str, str]]


@dataclass
class Received:
    """One request as the fake received it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None

    @property
    def form(self) -> dict[str, list[str]]:
        return urllib.parse.parse_qs(self.body.decode(), keep_blank_values=True)

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def auth(self) -> str | None:
        return self.headers.get("authorization")


@dataclass
class Failure:
    method: str
    path: str
    status: int
    body: Any
    headers: dict[str, str]
    times: int


@dataclass
class FakeService:
    """Routes and what was received; ``url`` is set once the server runs."""

    name: str
    routes: list[tuple[str, re.Pattern[str], Callable[..., Answer]]] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    url: str = ""

    def route(self, method: str, pattern: str) -> Callable[[Callable[..., Answer]],
                                                           Callable[..., Answer]]:
        def add(handler: Callable[..., Answer]) -> Callable[..., Answer]:
            self.routes.append((method, re.compile(pattern + r"$"), handler))
            return handler
        return add

    def fail_next(self, method: str, path: str, status: int, body: Any = None, *,
                  headers: dict[str, str] | None = None, times: int = 1) -> None:
        """The next ``times`` requests of ``method`` to a path starting with ``path`` get
        ``status`` (and ``body``, ``headers``) instead of the route's answer."""
        self.failures.append(Failure(method, path, status, body, headers or {}, times))

    def calls(self, method: str | None = None, path: str = "") -> list[Received]:
        """What was received, filtered by method and path prefix."""
        return [r for r in self.received if (method is None or r.method == method)
                and r.path.startswith(path)]

    def answer(self, received: Received) -> tuple[int, Any, dict[str, str]]:
        for failure in self.failures:
            if failure.times and failure.method == received.method \
                    and received.path.startswith(failure.path):
                failure.times -= 1
                return failure.status, failure.body, failure.headers
        for method, pattern, handler in self.routes:
            found = pattern.match(received.path)
            if method == received.method and found:
                result = handler(received, *found.groups())
                return (result[0], result[1], result[2] if len(result) > 2 else {})  # type: ignore[misc]
        return 404, {"error": "no such route"}, {}


@contextmanager
def running(service: FakeService) -> Iterator[FakeService]:
    """Serve ``service`` on a free port of 127.0.0.1 while the block runs."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _handle(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(self.command, urllib.parse.unquote(parts.path),
                                urllib.parse.parse_qs(parts.query, keep_blank_values=True),
                                {k.lower(): v for k, v in self.headers.items()},
                                self.rfile.read(length) if length else b"")
            service.received.append(received)
            status, body, headers = service.answer(received)
            raw = b"" if body is None else body if isinstance(body, bytes) \
                else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            for key, value in headers.items():
                self.send_header(key, value.replace("{url}", service.url))
            self.end_headers()
            self.wfile.write(raw)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    service.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield service
    finally:
        server.shutdown()
        server.server_close()
