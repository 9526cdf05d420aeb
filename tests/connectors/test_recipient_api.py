"""The OpenGDPR client against a small local processor (http.server) that implements the
documented contract: discovery, submitting access / portability / erasure requests, status
polling; status callbacks accepted only with a valid RSA signature by the processor's published
certificate (generated here)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from connectors.base import ConnectorError
from connectors.recipient_api import CallbackRejected, OpenGdprClient, verify_callback


def make_certificate() -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "processor.example")])
    now = datetime.now(UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - timedelta(days=1))
                   .not_valid_after(now + timedelta(days=30)).sign(key, hashes.SHA256()))
    return key, certificate


def sign(key: rsa.RSAPrivateKey, body: bytes) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


class Processor:
    """The processor's state: requests by id, each moving on by one status per poll."""

    def __init__(self, certificate: x509.Certificate) -> None:
        self.pem = certificate.public_bytes(serialization.Encoding.PEM)
        self.requests: dict[str, dict[str, Any]] = {}
        self.tokens: list[str | None] = []


@pytest.fixture
def processor() -> Iterator[tuple[str, Processor, rsa.RSAPrivateKey, x509.Certificate]]:
    key, certificate = make_certificate()
    state = Processor(certificate)

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
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/discovery":
                self._send(200, json.dumps({
                    "api_version": "0.1",
                    "supported_identities": [{"identity_type": "email",
                                              "identity_format": "raw"}],
                    "supported_subject_request_types": ["access", "portability", "erasure"],
                    "processor_certificate": f"{base}/cert.pem"}).encode())
            elif self.path == "/cert.pem":
                self._send(200, state.pem, "application/x-pem-file")
            elif self.path.startswith("/opengdpr_requests/"):
                found = state.requests.get(self.path.rsplit("/", 1)[1])
                if found is None:
                    self._send(404, b"{}")
                    return
                order = ["pending", "in_progress", "completed"]
                answer = {"subject_request_id": found["subject_request_id"],
                          "request_status": found["status"], "api_version": "0.1"}
                found["status"] = order[min(order.index(found["status"]) + 1, 2)]
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state, key, certificate
    server.shutdown()
    server.server_close()


def test_requests_are_submitted_and_their_status_is_polled(processor: Any) -> None:
    url, state, _, _ = processor
    client = OpenGdprClient(url, token="t0k")
    for kind in ("access", "portability", "erasure"):
        answer = client.submit(kind, [("email", "juergen.weiss@example.org")],
                               subject_request_id=f"DSR-1-{kind}",
                               callback_urls=["https://dsr.example/opengdpr/callback"])
        assert answer["subject_request_id"] == f"DSR-1-{kind}"
        sent = state.requests[f"DSR-1-{kind}"]
        assert sent["subject_request_type"] == kind and sent["subject_identities"] == [
            {"identity_type": "email", "identity_value": "juergen.weiss@example.org",
             "identity_format": "raw"}]
        assert sent["status_callback_urls"] == ["https://dsr.example/opengdpr/callback"]
    assert [client.status("DSR-1-erasure") for _ in range(4)] == [
        "pending", "in_progress", "completed", "completed"]
    assert set(state.tokens) == {"Bearer t0k"}
    with pytest.raises(ConnectorError, match="HTTP 404"):
        client.status("DSR-unknown")
    with pytest.raises(ValueError, match="request type"):
        client.submit("rectification", [("email", "a@example.org")], subject_request_id="x")


def test_a_callback_is_accepted_only_with_the_processors_signature(processor: Any) -> None:
    url, _, key, certificate = processor
    client = OpenGdprClient(url)
    body = json.dumps({"controller_id": "shop", "subject_request_id": "DSR-1-erasure",
                       "request_status": "completed", "expected_completion_time":
                       "2026-12-01T00:00:00Z"}).encode()
    good = sign(key, body)
    assert client.accept_callback(body, {"X-OpenGDPR-Signature": good})[
        "request_status"] == "completed"
    tampered = body.replace(b"completed", b"cancelled")
    with pytest.raises(CallbackRejected, match="does not verify"):
        client.accept_callback(tampered, {"X-OpenGDPR-Signature": good})
    other, _ = make_certificate()
    with pytest.raises(CallbackRejected, match="does not verify"):
        client.accept_callback(body, {"X-OpenGDPR-Signature": sign(other, body)})
    with pytest.raises(CallbackRejected, match="no signature"):
        client.accept_callback(body, {})
    with pytest.raises(CallbackRejected, match="not base64"):
        client.accept_callback(body, {"X-OpenGDPR-Signature": "%%%"})
    later = datetime.now(UTC) + timedelta(days=60)
    with pytest.raises(CallbackRejected, match="not valid now"):
        verify_callback(body, {"X-OpenGDPR-Signature": good}, certificate, later)
    unknown = json.dumps({"subject_request_id": "DSR-1", "request_status": "done"}).encode()
    with pytest.raises(CallbackRejected, match="no known status"):
        client.accept_callback(unknown, {"X-OpenGDPR-Signature": sign(key, unknown)})


def test_an_unreachable_processor_is_one_clear_error() -> None:
    with pytest.raises(ConnectorError, match="not reachable"):
        OpenGdprClient("http://127.0.0.1:9", timeout=2).discovery()
