"""The HTTP client of an ``http_api`` service: time-outs, authentication, 429 / 503 with
``Retry-After`` honoured, exponential back-off, one token refresh on 401.

Messages name the request's method and its path *template* (``/v1/customers/{record.id}``),
never the filled-in path, which may carry an e-mail address.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.base import ConnectorError
from connectors.http_api.auth import Auth

RETRY_STATUSES = (429, 502, 503, 504)


@dataclass(frozen=True)
class Response:
    """One answer: status, headers (names in lower case) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        """The body as JSON (None when empty)."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except ValueError:
            raise ConnectorError(f"the answer (HTTP {self.status}) is not JSON") from None


class ServiceError(ConnectorError):
    """The service refused a request; ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (an HTTP date gives None: the
    back-off decides then)."""
    if value is None:
        return None
    try:
        return max(float(value.strip()), 0.0)
    except ValueError:
        return None


class HttpClient:
    """Sends requests to one service below ``base_url``."""

    def __init__(self, name: str, base_url: str, auth: Auth, *, timeout: float = 20.0,
                 max_attempts: int = 5, max_wait: float = 60.0, backoff: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self.backoff = backoff
        self.sleep = sleep
        self.waited: list[float] = []  # the pauses made, for the dry run and tests

    def url(self, path: str, query: Mapping[str, Any] | None = None) -> str:
        """The whole URL of ``path`` (a whole URL stays as it is) with ``query``."""
        url = path if path.startswith(("http://", "https://")) else self.base_url + path
        if query:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(
                {k: v for k, v in query.items() if v is not None}, doseq=True)
        return url

    def _raw(self, method: str, url: str, headers: Mapping[str, str],
             data: bytes | None) -> Response:
        call = urllib.request.Request(url, data=data, headers=dict(headers), method=method)
        try:
            with urllib.request.urlopen(call, timeout=self.timeout) as answer:  # noqa: S310
                return Response(answer.status, {k.lower(): v for k, v in answer.headers.items()},
                                answer.read())
        except urllib.error.HTTPError as exc:
            return Response(exc.code, {k.lower(): v for k, v in exc.headers.items()},
                            exc.read())

    def _pause(self, attempt: int, answer: Response | None) -> None:
        wait = retry_after(answer.headers.get("retry-after")) if answer else None
        if wait is None:
            wait = self.backoff * (2 ** attempt)
        wait = min(wait, self.max_wait)
        self.waited.append(wait)
        self.sleep(wait)

    def send(self, method: str, path: str, *, template: str = "", query: Mapping[str, Any]
             | None = None, json_body: Any = None, form: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, authenticate: bool = True) -> Response:
        """Send one request, retrying what the service asks to retry; raises
        :class:`ServiceError` for an answer of 400 or more that is not retried away."""
        shown = f"{method} {template or path}"
        data = None
        base = {"Accept": "application/json", **(headers or {})}
        if json_body is not None:
            data = json.dumps(json_body).encode()
            base["Content-Type"] = "application/json"
        elif form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
            base["Content-Type"] = "application/x-www-form-urlencoded"
        url = self.url(path, query)
        refreshed = False
        for attempt in range(self.max_attempts):
            sent = {**base, **(self.auth.headers(self.post_token) if authenticate else {})}
            try:
                answer = self._raw(method, url, sent, data)
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if method != "GET" or attempt + 1 == self.max_attempts:
                    raise ConnectorError(f"{self.name}: {shown}: not reachable "
                                         f"({type(exc).__name__})") from None
                self._pause(attempt, None)
                continue
            if answer.status == 401 and authenticate and not refreshed:
                refreshed = True
                self.auth.invalidate()
                continue
            if answer.status in RETRY_STATUSES and attempt + 1 < self.max_attempts:
                self._pause(attempt, answer)
                continue
            if answer.status >= 400:
                raise ServiceError(f"{self.name}: {shown}: HTTP {answer.status}", answer.status)
            return answer
        raise ConnectorError(f"{self.name}: {shown}: gave up after {self.max_attempts} attempts")

    def post_token(self, url: str, form: Mapping[str, str], headers: Mapping[str, str]) -> Any:
        """Ask a token endpoint for an access token (no bearer token of its own)."""
        return self.send("POST", url, template="token endpoint", form=form, headers=headers,
                         authenticate=False).json()
