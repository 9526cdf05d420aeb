"""The OpenGDPR client against a small local processor (http.server) that implements the
documented contract: discovery, submitting access / portability / erasure requests, status
polling; status callbacks accepted only with a valid RSA signature by the processor's published
certificate (generated here)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.base import ConnectorError
from connectors.opengdpr import CallbackRejected, OpenGdprClient, verify_callback
from tests.support.clock import CLOCK
from tests.support.opengdpr_processor import Processor, make_certificate, running_processor, sign


@pytest.fixture
def processor() -> Iterator[tuple[str, Processor, rsa.RSAPrivateKey, x509.Certificate]]:
    with running_processor() as state:
        yield state.url, state, state.key, state.certificate


def test_requests_are_submitted_and_their_status_is_polled(processor: Any) -> None:
    url, state, _, _ = processor
    client = OpenGdprClient(url, token="t0k")
    for kind in ("access", "portability", "erasure"):
        answer = client.submit(kind, [("email", "juergen.weiss@example.org")],
                               subject_request_id=f"DSR-1-{kind}", submitted=CLOCK.now(),
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
    with pytest.raises(ConnectorError, match="not found"):
        client.status("DSR-unknown")
    with pytest.raises(ValueError, match="request type"):
        client.submit("rectification", [("email", "a@example.org")], subject_request_id="x",
                      submitted=CLOCK.now())


def test_a_callback_is_accepted_only_with_the_processors_signature(processor: Any) -> None:
    url, _, key, certificate = processor
    client = OpenGdprClient(url)
    body = json.dumps({"controller_id": "shop", "subject_request_id": "DSR-1-erasure",
                       "request_status": "completed", "expected_completion_time":
                       "2026-12-01T00:00:00Z"}).encode()
    good = sign(key, body)
    assert client.accept_callback(body, {"X-OpenGDPR-Signature": good}, CLOCK.now())[
        "request_status"] == "completed"
    tampered = body.replace(b"completed", b"cancelled")
    with pytest.raises(CallbackRejected, match="does not verify"):
        client.accept_callback(tampered, {"X-OpenGDPR-Signature": good}, CLOCK.now())
    other, _ = make_certificate()
    with pytest.raises(CallbackRejected, match="does not verify"):
        client.accept_callback(body, {"X-OpenGDPR-Signature": sign(other, body)}, CLOCK.now())
    with pytest.raises(CallbackRejected, match="no signature"):
        client.accept_callback(body, {}, CLOCK.now())
    with pytest.raises(CallbackRejected, match="not base64"):
        client.accept_callback(body, {"X-OpenGDPR-Signature": "%%%"}, CLOCK.now())
    later = CLOCK.now() + timedelta(days=60)
    with pytest.raises(CallbackRejected, match="not valid now"):
        verify_callback(body, {"X-OpenGDPR-Signature": good}, certificate, later)
    unknown = json.dumps({"subject_request_id": "DSR-1", "request_status": "done"}).encode()
    with pytest.raises(CallbackRejected, match="no known status"):
        client.accept_callback(unknown, {"X-OpenGDPR-Signature": sign(key, unknown)}, CLOCK.now())


def test_an_unreachable_processor_is_one_clear_error() -> None:
    with pytest.raises(ConnectorError, match="not reachable"):
        OpenGdprClient("http://127.0.0.1:9", timeout=2).discovery()
