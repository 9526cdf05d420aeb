"""A fake of Google's token endpoint and the Analytics User Deletion API: ``POST /token``
takes a JWT-bearer grant (``assertion`` signed RS256 by the service account's key, checked
here with its public key; claims ``iss``, ``scope``, ``aud``, ``iat``, ``exp``) and answers
``{"access_token", "expires_in", "token_type": "Bearer"}``; ``POST
/analytics/v3/userDeletion/userDeletionRequests:upsert`` answers the request with
``deletionRequestTime``. Errors are ``{"error": {"code", "message", "status"}}``."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.support.fake_services.server import Answer, FakeService, Received

PROPERTY = "123456789"
SCOPE = "https://www.googleapis.com/auth/analytics.user.deletion"


def service_account(token_uri: str) -> tuple[dict[str, Any], rsa.RSAPrivateKey]:
    """A service account key file (as the Cloud console downloads it) and its key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "pso-shop",
            "private_key_id": "k1", "private_key": pem,
            "client_email": "dsr@pso-shop.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": token_uri}, key


def _part(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def google_fake() -> FakeService:
    fake = FakeService("google_analytics")
    state: dict[str, Any] = {"key": None, "tokens": [], "claims": [], "deletions": []}
    fake.state = state  # type: ignore[attr-defined]

    @fake.route("POST", r"/token")
    def token(received: Received) -> Answer:
        form = received.form
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return 400, {"error": "unsupported_grant_type"}
        header, claims, signature = form["assertion"][0].split(".")
        try:
            state["key"].public_key().verify(_part(signature), f"{header}.{claims}".encode(),
                                             padding.PKCS1v15(), hashes.SHA256())
        except Exception:  # noqa: BLE001 - any failure is an invalid grant
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT"}
        state["claims"].append(json.loads(_part(claims)))
        state["tokens"].append(f"ya29.fake-{len(state['tokens']) + 1}")
        return 200, {"access_token": state["tokens"][-1], "expires_in": 3599,
                     "token_type": "Bearer"}

    @fake.route("POST", r"/analytics/v3/userDeletion/userDeletionRequests:upsert")
    def upsert(received: Received) -> Answer:
        if not state["tokens"] or received.auth != f"Bearer {state['tokens'][-1]}":
            return 401, {"error": {"code": 401, "message": "Request had invalid credentials.",
                                   "status": "UNAUTHENTICATED"}}
        body = received.json or {}
        if body.get("propertyId") != PROPERTY or body.get("id", {}).get("type") not in (
                "USER_ID", "CLIENT_ID", "APP_INSTANCE_ID"):
            return 400, {"error": {"code": 400, "message": "Invalid request",
                                   "status": "INVALID_ARGUMENT"}}
        state["deletions"].append(body)
        return 200, {**body, "deletionRequestTime": "2026-12-02T09:00:00.000Z"}

    return fake
