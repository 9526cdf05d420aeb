"""A small OpenGDPR processor (http.server) for tests: discovery, its certificate (made here),
submitted requests with their status, access results, and signed status callbacks."""

from __future__ import annotations

import base64
import json
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from tests.support.clock import CLOCK

ORDER = ["pending", "in_progress", "completed"]


def make_certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "processor.example")])
    now = CLOCK.now()
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, certificate


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


class Processor:
    """The processor's state. With ``advance`` each status poll moves a request on by one
    status; without it a request stays where ``set_status`` put it."""

    def __init__(self, advance: bool = True) -> None:
        self.key, self.certificate = make_certificate()
        self.pem = self.certificate.public_bytes(serialization.Encoding.PEM)
        self.advance = advance
        self.requests: dict[str, dict[str, Any]] = {}
        self.results: dict[str, Any] = {}
        self.tokens: list[str | None] = []
        self.url = ""

    def set_status(self, request_id: str, status: str) -> None:
        self.requests[request_id]["status"] = status

    def callback(self, request_id: str, status: str, *, key: rsa.RSAPrivateKey | None = None,
                 url: str | None = None) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a status callback, signed with the processor's key."""
        body = json.dumps({"controller_id": "shop", "subject_request_id": request_id,
                           "request_status": status}).encode()
        return body, {"X-OpenGDPR-Signature": sign(key or self.key, body),
                      "Content-Type": "application/json"}

    def post_callback(self, request_id: str, status: str) -> int:
        """Send a signed callback to the URL the request named; returns the HTTP status."""
        url = self.requests[request_id]["status_callback_urls"][0]
        body, headers = self.callback(request_id, status)
        call = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(call, timeout=10) as response:  # noqa: S310
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


@contextmanager
def running_processor(advance: bool = True) -> Iterator[Processor]:
    state = Processor(advance)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, code: int, body: bytes, kind: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            state.tokens.append(self.headers.get("Authorization"))
            if self.path == "/discovery":
                self._send(200, json.dumps({
                    "api_version": "0.1",
                    "supported_identities": [{"identity_type": "email",
                                              "identity_format": "raw"}],
                    "supported_subject_request_types": ["access", "portability", "erasure"],
                    "processor_certificate": f"{state.url}/cert.pem"}).encode())
            elif self.path == "/cert.pem":
                self._send(200, state.pem, "application/x-pem-file")
            elif self.path.startswith("/results/"):
                self._send(200, json.dumps(state.results[self.path.rsplit("/", 1)[1]]).encode())
            elif self.path.startswith("/opengdpr_requests/"):
                request_id = self.path.rsplit("/", 1)[1]
                found = state.requests.get(request_id)
                if found is None:
                    self._send(404, b"{}")
                    return
                answer = {"subject_request_id": request_id, "request_status": found["status"],
                          "api_version": "0.1"}
                if found["status"] == "completed" and request_id in state.results:
                    answer["results_url"] = f"{state.url}/results/{request_id}"
                if state.advance:
                    found["status"] = ORDER[min(ORDER.index(found["status"]) + 1, 2)]
                self._send(200, json.dumps(answer).encode())
            else:
                self._send(404, b"{}")

        def do_POST(self) -> None:
            state.tokens.append(self.headers.get("Authorization"))
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path != "/opengdpr_requests" or body.get("api_version") != "0.1":
                self._send(400, b"{}")
                return
            state.requests[body["subject_request_id"]] = {**body, "status": "pending"}
            self._send(201, json.dumps({
                "controller_id": "shop", "subject_request_id": body["subject_request_id"],
                "received_time": body["submitted_time"],
                "expected_completion_time": body["submitted_time"]}).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
