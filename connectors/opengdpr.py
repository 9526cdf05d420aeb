"""A client of a processor's OpenGDPR API: access, portability and erasure requests, status
polling, and signed status callbacks.

As the OpenGDPR specification (v0.1) describes it: ``GET <base>/discovery`` names the request
types the processor supports and the URL of its ``processor_certificate`` (PEM, X.509);
``POST <base>/opengdpr_requests`` submits a request (``subject_request_id``,
``subject_request_type`` ``access`` | ``portability`` | ``erasure``, ``submitted_time``,
``subject_identities``, ``api_version``, ``status_callback_urls``); ``GET
<base>/opengdpr_requests/<id>`` returns its ``request_status`` (``pending``, ``in_progress``,
``completed``, ``cancelled``). A status callback is a POST whose body the processor signs
with its certificate's RSA key (PKCS#1 v1.5, SHA-256), base64-encoded in the
``X-OpenGDPR-Signature`` header: it is accepted only when that signature verifies against the
published certificate, and the certificate is within its validity period.
"""

from __future__ import annotations

import base64
import binascii
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.base import ConnectorError

API_VERSION = "0.1"
REQUEST_TYPES = ("access", "portability", "erasure")
STATUSES = ("pending", "in_progress", "completed", "cancelled")
SIGNATURE_HEADER = "X-OpenGDPR-Signature"


class CallbackRejected(ConnectorError):
    """A status callback whose signature or content cannot be trusted; the message says why."""


class UnknownRequest(ConnectorError):
    """The processor knows no such request (HTTP 404)."""


class OpenGdprClient:
    """Talks to one processor's OpenGDPR endpoint (``base_url``), with an optional bearer token."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 20.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._discovery: dict[str, Any] | None = None

    def _call(self, method: str, path: str, body: Mapping[str, Any] | None = None) -> Any:
        url = path if path.startswith(("http://", "https://")) else f"{self.base_url}/{path}"
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        call = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(call, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                raise UnknownRequest(f"OpenGDPR {method} {path}: not found") from None
            raise ConnectorError(f"OpenGDPR {method} {path}: HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise ConnectorError(f"OpenGDPR {method} {path}: not reachable ({exc})") from None
        if path.endswith(".pem") or raw.lstrip().startswith(b"-----BEGIN"):
            return raw
        try:
            return json.loads(raw)
        except ValueError:
            raise ConnectorError(f"OpenGDPR {method} {path}: the answer is not JSON") from None

    def discovery(self) -> dict[str, Any]:
        """The processor's discovery document (cached)."""
        if self._discovery is None:
            found = self._call("GET", "discovery")
            if not isinstance(found, dict):
                raise ConnectorError("OpenGDPR discovery: not an object")
            self._discovery = found
        return self._discovery

    def submit(self, request_type: str, identities: Sequence[tuple[str, str]], *,
               subject_request_id: str, callback_urls: Sequence[str] = (),
               submitted: datetime) -> dict[str, Any]:
        """Submit an access, portability or erasure request for the given
        ``(identity_type, value)`` pairs; returns the processor's acknowledgement."""
        if request_type not in REQUEST_TYPES:
            raise ValueError(f"request type must be one of {', '.join(REQUEST_TYPES)}")
        supported = self.discovery().get("supported_subject_request_types", REQUEST_TYPES)
        if request_type not in supported:
            raise ConnectorError(f"the processor does not support {request_type} requests")
        moment = submitted.astimezone(UTC)
        body = {"subject_request_id": subject_request_id,
                "subject_request_type": request_type,
                "submitted_time": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "subject_identities": [{"identity_type": kind, "identity_value": value,
                                        "identity_format": "raw"} for kind, value in identities],
                "api_version": API_VERSION,
                "status_callback_urls": list(callback_urls)}
        answer = self._call("POST", "opengdpr_requests", body)
        if not isinstance(answer, dict) or answer.get("subject_request_id") != subject_request_id:
            raise ConnectorError("OpenGDPR submit: the answer does not name the request")
        return answer

    def status(self, subject_request_id: str) -> str:
        """The request's current status as the processor reports it."""
        return str(self.status_document(subject_request_id)["request_status"])

    def status_document(self, subject_request_id: str) -> dict[str, Any]:
        """The processor's whole status answer (``request_status``, for a completed access or
        portability request also ``results_url``); raises :class:`UnknownRequest` for an id the
        processor does not know."""
        quoted = urllib.parse.quote(subject_request_id, safe="")
        answer = self._call("GET", f"opengdpr_requests/{quoted}")
        status = answer.get("request_status") if isinstance(answer, dict) else None
        if status not in STATUSES:
            raise ConnectorError(f"OpenGDPR status: unknown status {status!r}")
        return dict(answer)

    def find(self, subject_request_id: str) -> dict[str, Any] | None:
        """The status answer, or None when the processor has never seen the request."""
        try:
            return self.status_document(subject_request_id)
        except UnknownRequest:
            return None

    def results(self, url: str) -> Any:
        """The results of a completed access or portability request (JSON at ``results_url``)."""
        found = self._call("GET", url)
        if isinstance(found, bytes):
            raise ConnectorError("OpenGDPR results: not JSON")
        return found

    def certificate(self) -> x509.Certificate:
        """The processor's published certificate (from the discovery's ``processor_certificate``)."""
        url = self.discovery().get("processor_certificate")
        if not url:
            raise ConnectorError("OpenGDPR discovery names no processor_certificate")
        raw = self._call("GET", str(url))
        try:
            return x509.load_pem_x509_certificate(raw if isinstance(raw, bytes) else bytes(raw))
        except (ValueError, TypeError):
            raise ConnectorError("the processor_certificate is not a PEM certificate") from None

    def accept_callback(self, body: bytes, headers: Mapping[str, str],
                        now: datetime) -> dict[str, Any]:
        """The callback's content, once its signature verifies against the processor's
        certificate; raises :class:`CallbackRejected` otherwise."""
        return verify_callback(body, headers, self.certificate(), now)


def verify_callback(body: bytes, headers: Mapping[str, str], certificate: x509.Certificate,
                    now: datetime) -> dict[str, Any]:
    """Check a status callback's RSA signature (``X-OpenGDPR-Signature``) over the raw body
    and return the parsed content; raises :class:`CallbackRejected`."""
    found = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER.lower())
    if not found:
        raise CallbackRejected("the callback carries no signature")
    try:
        signature = base64.b64decode(found, validate=True)
    except (binascii.Error, ValueError):
        raise CallbackRejected("the callback's signature is not base64") from None
    moment = now
    if not certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc:
        raise CallbackRejected("the processor's certificate is not valid now")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise CallbackRejected("the processor's certificate has no RSA key")
    try:
        key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise CallbackRejected("the callback's signature does not verify") from None
    try:
        content = json.loads(body)
    except ValueError:
        raise CallbackRejected("the callback is not JSON") from None
    if not isinstance(content, dict) or content.get("request_status") not in STATUSES \
            or not content.get("subject_request_id"):
        raise CallbackRejected("the callback names no request or no known status")
    return content
