"""Authentication: secrets from the environment or a secrets file, headers of each kind, an
OAuth 2 token kept until it expires and dropped on 401, a Google service-account JWT."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from connectors.base import ConnectorConfigError
from connectors.http_api.auth import (
    BasicAuth,
    ClientCredentialsAuth,
    GoogleServiceAccountAuth,
    build_auth,
    resolve_secrets,
)
from tests.support.fake_services.google_analytics import service_account

NOW = datetime(2026, 12, 2, 9, tzinfo=UTC)


def test_secrets_file_first_then_environment(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('api_key = "from-file"\n')
    found = resolve_secrets(["api_key", "other"], {"other": "OTHER"}, str(secrets),
                            {"OTHER": "from-env"}, "connectors.x")
    assert found == {"api_key": "from-file", "other": "from-env"}


def test_an_unreadable_secrets_file_names_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConnectorConfigError, match=r"^connectors.x.secrets_file: cannot be read"):
        resolve_secrets(["a"], {}, str(tmp_path / "none.toml"), {}, "connectors.x")


def test_header_and_basic() -> None:
    header = build_auth({"kind": "header", "header": "api-key", "value": "{secret.k}"},
                        {"secret": {"k": "v"}}, lambda: NOW)
    assert header.headers(lambda *a: None) == {"api-key": "v"}
    assert BasicAuth("key", "X").headers(lambda *a: None) == {
        "Authorization": "Basic " + base64.b64encode(b"key:X").decode()}


def test_a_client_credentials_token_is_kept_and_dropped_on_invalidate() -> None:
    asked: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def post(url: str, form: Any, headers: Any) -> dict[str, Any]:
        asked.append((url, dict(form), dict(headers)))
        return {"access_token": f"t{len(asked)}", "expires_in": 3600}

    auth = ClientCredentialsAuth("https://id.example.org/token", "id", "secret", "read")
    assert auth.headers(post) == auth.headers(post) == {"Authorization": "Bearer t1"}
    assert asked == [("https://id.example.org/token",
                      {"grant_type": "client_credentials", "scope": "read"},
                      {"Authorization": "Basic " + base64.b64encode(b"id:secret").decode()})]
    auth.invalidate()
    assert auth.headers(post) == {"Authorization": "Bearer t2"}


def test_a_google_assertion_is_signed_by_the_service_account() -> None:
    info, key = service_account("https://oauth2.example.org/token")
    auth = GoogleServiceAccountAuth(json.dumps(info), "scope-a", "https://oauth2.googleapis.com/token",
                                    lambda: NOW)
    header, claims, signature = auth.assertion().split(".")

    def part(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    key.public_key().verify(part(signature), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                            hashes.SHA256())
    assert json.loads(part(header)) == {"alg": "RS256", "typ": "JWT", "kid": "k1"}
    assert json.loads(part(claims)) == {
        "iss": info["client_email"], "scope": "scope-a",
        "aud": "https://oauth2.googleapis.com/token", "iat": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 3600}
    assert auth.token_url == "https://oauth2.example.org/token"


def test_a_broken_key_file_is_a_config_error() -> None:
    with pytest.raises(ConnectorConfigError, match="service account key is not usable"):
        GoogleServiceAccountAuth("{}", "s", "https://t", lambda: NOW)
