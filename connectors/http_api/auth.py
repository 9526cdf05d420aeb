"""Authentication of an ``http_api`` service: an API key in a header, HTTP basic, OAuth 2
client credentials (token fetched and refreshed), a Google service account (a signed JWT
exchanged for an access token).

Secrets come only from the environment (the connector's ``secrets`` table names the
variables) or from a secrets file named in the config (TOML, ``name = "value"``), never from
the definition. A secret that cannot be found stops the start with one line naming it.
"""

from __future__ import annotations

import base64
import json
import time
import tomllib
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from connectors.base import ConnectorConfigError, ConnectorError
from connectors.http_api.paths import render

TokenPost = Callable[[str, Mapping[str, str], Mapping[str, str]], Any]
"""Posts a form to a token endpoint and returns the decoded JSON answer."""
GOOGLE_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


class Auth(Protocol):
    """Gives the headers that authenticate one request."""

    def headers(self, post: TokenPost) -> dict[str, str]:
        """The headers to add (fetching a token through ``post`` when needed)."""
        ...

    def invalidate(self) -> None:
        """Forget a cached token (the service answered 401)."""
        ...


def resolve_secrets(names: list[str], env_names: Mapping[str, str], secrets_file: str,
                    environ: Mapping[str, str], where: str) -> dict[str, str]:
    """The value of every secret the definition lists: from ``secrets_file`` first, else from
    the environment variable ``env_names`` names; raises ConnectorConfigError naming the key."""
    from_file: dict[str, Any] = {}
    if secrets_file:
        try:
            from_file = tomllib.loads(Path(secrets_file).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConnectorConfigError(f"{where}.secrets_file: cannot be read "
                                       f"({type(exc).__name__})") from None
    found: dict[str, str] = {}
    for name in names:
        if isinstance(from_file.get(name), str) and from_file[name]:
            found[name] = from_file[name]
            continue
        variable = env_names.get(name)
        if not variable:
            raise ConnectorConfigError(
                f"{where}.secrets.{name}: missing (name an environment variable, or put "
                f"{name} in secrets_file)")
        value = environ.get(variable, "")
        if not value:
            raise ConnectorConfigError(
                f"{where}.secrets.{name}: environment variable {variable} is not set")
        found[name] = value
    return found


class NoAuth:
    """A service that needs no authentication (a local test service)."""

    def headers(self, post: TokenPost) -> dict[str, str]:
        return {}

    def invalidate(self) -> None:
        return None


class HeaderAuth:
    """An API key in a header (``Authorization: Bearer …``, ``api-key: …``)."""

    def __init__(self, header: str, value: str) -> None:
        self.header, self.value = header, value

    def headers(self, post: TokenPost) -> dict[str, str]:
        return {self.header: self.value}

    def invalidate(self) -> None:
        return None


class BasicAuth:
    """HTTP basic authentication."""

    def __init__(self, username: str, password: str) -> None:
        raw = f"{username}:{password}".encode()
        self.value = "Basic " + base64.b64encode(raw).decode("ascii")

    def headers(self, post: TokenPost) -> dict[str, str]:
        return {"Authorization": self.value}

    def invalidate(self) -> None:
        return None


class _TokenAuth:
    """A bearer token fetched from a token endpoint, kept until shortly before it expires."""

    margin = 60.0

    def __init__(self) -> None:
        self._token: str | None = None
        self._until = 0.0

    def _fetch(self, post: TokenPost) -> Any:
        raise NotImplementedError

    def headers(self, post: TokenPost) -> dict[str, str]:
        if self._token is None or time.monotonic() >= self._until:
            answer = self._fetch(post)
            token = answer.get("access_token") if isinstance(answer, dict) else None
            if not isinstance(token, str) or not token:
                raise ConnectorError("the token endpoint returned no access_token")
            lifetime = float(answer.get("expires_in") or 3600)
            self._token, self._until = token, time.monotonic() + max(lifetime - self.margin, 1)
        return {"Authorization": f"Bearer {self._token}"}

    def invalidate(self) -> None:
        self._token = None


class ClientCredentialsAuth(_TokenAuth):
    """OAuth 2 client credentials (RFC 6749 §4.4), the client authenticated by HTTP basic."""

    def __init__(self, token_url: str, client_id: str, client_secret: str, scope: str) -> None:
        super().__init__()
        self.token_url, self.scope = token_url, scope
        self.basic = BasicAuth(client_id, client_secret).value

    def _fetch(self, post: TokenPost) -> Any:
        form = {"grant_type": "client_credentials", **({"scope": self.scope} if self.scope
                                                       else {})}
        return post(self.token_url, form, {"Authorization": self.basic})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


class GoogleServiceAccountAuth(_TokenAuth):
    """A Google service account: a JWT signed with its key (RS256) exchanged at its
    ``token_uri`` for an access token (Google's "OAuth 2.0 for server to server
    applications")."""

    def __init__(self, key_file: str, scope: str, token_url: str,
                 now: Callable[[], datetime]) -> None:
        super().__init__()
        try:
            info = json.loads(key_file)
            self.email = str(info["client_email"])
            key = serialization.load_pem_private_key(info["private_key"].encode(), None)
        except (ValueError, KeyError, TypeError) as exc:
            raise ConnectorConfigError(f"the service account key is not usable "
                                       f"({type(exc).__name__})") from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ConnectorConfigError("the service account key is not an RSA key")
        self.key, self.scope, self.now = key, scope, now
        self.key_id = str(info.get("private_key_id", ""))
        self.audience = token_url  # Google's token URL, wherever the key file sends the grant
        self.token_url = str(info.get("token_uri") or token_url)

    def assertion(self) -> str:
        """The signed JWT that asks for a token."""
        issued = int(self.now().timestamp())
        header = {"alg": "RS256", "typ": "JWT", **({"kid": self.key_id} if self.key_id else {})}
        claims = {"iss": self.email, "scope": self.scope, "aud": self.audience,
                  "iat": issued, "exp": issued + 3600}
        signing = (_b64(json.dumps(header, separators=(",", ":")).encode()) + "."
                   + _b64(json.dumps(claims, separators=(",", ":")).encode()))
        signature = self.key.sign(signing.encode("ascii"), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing}.{_b64(signature)}"

    def _fetch(self, post: TokenPost) -> Any:
        return post(self.token_url, {"grant_type": GOOGLE_GRANT,
                                     "assertion": self.assertion()}, {})


def build_auth(spec: Mapping[str, Any], context: Mapping[str, Any],
               now: Callable[[], datetime]) -> Auth:
    """The authentication a definition's ``[auth]`` describes, its templates filled from
    ``context`` (secrets and settings)."""
    kind = spec["kind"]

    def value(key: str) -> str:
        return str(render(spec.get(key, ""), context))

    if kind == "header":
        return HeaderAuth(spec["header"], value("value"))
    if kind == "basic":
        return BasicAuth(value("username"), value("password"))
    if kind == "oauth2_client_credentials":
        return ClientCredentialsAuth(value("token_url"), value("client_id"),
                                     value("client_secret"), value("scope"))
    if kind == "google_service_account":
        return GoogleServiceAccountAuth(value("credentials"), value("scope"),
                                        value("token_url") or "https://oauth2.googleapis.com/token",
                                        now)
    return NoAuth()
