"""The analytics connector against a small local server implementing the documented contract
of Matomo's GDPR API (PrivacyManager.findDataSubjects / exportDataSubjects /
deleteDataSubjects, POST with token_auth, visits[i][idsite|idvisit])."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from connectors.base import ConnectorError, Subject, build_connector
from connectors.changes import ChangeRequest, MemoryStepLog
from tests.support.clock import CLOCK

TOKEN = "anonymous-is-not-allowed"


class Analytics:
    """The server's data: visits by (site, visit id), each with its user id."""

    def __init__(self) -> None:
        self.visits = {(1, 10): "K-100001", (1, 11): "K-100001", (2, 12): "K-100001",
                       (1, 20): "K-100002"}
        self.calls: list[str] = []


def handler(state: Analytics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(
                int(self.headers["Content-Length"])).decode()).items()}
            method = form.get("method", "")
            state.calls.append(method)
            if self.path != "/index.php" or form.get("module") != "API":
                return self._send(404, {"result": "error", "message": "not found"})
            if form.get("token_auth") != TOKEN:
                return self._send(200, {"result": "error", "message": "token invalid"})
            wanted = {(int(form[f"visits[{i}][idsite]"]), int(form[f"visits[{i}][idvisit]"]))
                      for i in range(len(form)) if f"visits[{i}][idsite]" in form}
            if method == "PrivacyManager.findDataSubjects":
                user = form["segment"].removeprefix("userId==")
                return self._send(200, [{"idSite": s, "idVisit": v, "userId": u}
                                        for (s, v), u in sorted(state.visits.items())
                                        if u == user])
            if method == "PrivacyManager.exportDataSubjects":
                return self._send(200, [{"idSite": s, "idVisit": v, "userId": state.visits[(s, v)],
                                         "actions": 3} for s, v in sorted(wanted)])
            if method == "PrivacyManager.deleteDataSubjects":
                for key in wanted:
                    state.visits.pop(key, None)
                return self._send(200, {"result": "success", "message": "ok"})
            return self._send(200, {"result": "error", "message": "unknown method"})

        def _send(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[Analytics, str]]:
    state = Analytics()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler(state))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def connector(url: str, token: str = TOKEN) -> Any:
    return build_connector("analytics", {"kind": "analytics_api", "subject_from": "shop",
                                         "base_url": url, "token": token})


WHO = Subject(((1,),), {"customer_number": ("K-100001",), "email": ("a@example.org",)})


def test_access_exports_only_the_subjects_visits(server: tuple[Analytics, str]) -> None:
    state, url = server
    [records] = connector(url).access(WHO).tables
    names = [c.name for c in records.columns]
    assert sorted((row[names.index("idSite")], row[names.index("idVisit")])
                  for row in records.rows) == [(1, 10), (1, 11), (2, 12)]
    assert state.calls == ["PrivacyManager.findDataSubjects", "PrivacyManager.exportDataSubjects"]


def test_erasure_deletes_the_visits_once_and_checks_again(server: tuple[Analytics, str]) -> None:
    state, url = server
    analytics = connector(url)
    plan = analytics.plan(WHO, ChangeRequest("DSR-A", ("erasure",), CLOCK.today()))
    assert {c.key for c in plan.changes} == {(1, 10), (1, 11), (2, 12)}
    log = MemoryStepLog(at=CLOCK.now())
    receipt = analytics.execute(plan, log)
    assert receipt.verified and state.visits == {(1, 20): "K-100002"}
    calls = len(state.calls)
    again = analytics.execute(plan, log)
    assert again.verified and again.steps[0]["done_before"]
    assert state.calls[calls:] == ["PrivacyManager.findDataSubjects"]  # only the check
    assert not analytics.plan(WHO, ChangeRequest("DSR-B", ("objection",), CLOCK.today())).changes


def test_a_refused_token_is_a_clear_error(server: tuple[Analytics, str]) -> None:
    _, url = server
    with pytest.raises(ConnectorError, match="token invalid"):
        connector(url, token="wrong").access(WHO)
    with pytest.raises(ConnectorError, match="failed"):
        connector("http://127.0.0.1:1").access(WHO)
