"""Single sign-on through an OpenID Connect provider that the test starts on 127.0.0.1: an
existing user signs in; an unknown or unverified address, a forged signature, a replayed answer
and another issuer are refused; nobody is created; a required second factor is still asked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from dsr.app import create_app
from dsr.context import Services
from dsr.users.models import User
from tests.support.oidc_provider import Provider

QUEUE = "/queue/"


@pytest.fixture
def provider() -> Iterator[Provider]:
    started = Provider().start()
    yield started
    if started.thread.is_alive():
        started.stop()


@pytest.fixture
def sso_app(demo_services: Services, provider: Provider) -> Any:
    demo_services.config.oidc.update(enabled=True, issuer=provider.issuer,
                                     client_id=provider.client_id,
                                     client_secret=provider.client_secret,
                                     claim="email", match="email")
    return create_app(services=demo_services, flask_config={"TESTING": True,
                                                            "RATELIMIT_ENABLED": False})


def _through_provider(client: Any) -> tuple[str, Any]:
    """Start at the sign-in button, let the provider answer, return the callback's path and
    the app's answer to it."""
    start = client.get("/login/oidc")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(urlsplit(authorize).scheme + "://127.0.0.1")
    query = parse_qs(urlsplit(authorize).query)
    assert query["nonce"] and query["state"] and query["scope"] == ["openid email profile"]
    answer = requests.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.path == "/login/oidc/callback"
    callback = f"{back.path}?{back.query}"
    return callback, client.get(callback)


def _users(services: Services) -> int:
    with services.db.session() as session:
        return int(session.scalar(select(func.count(User.id))) or 0)


def test_an_existing_user_signs_in_through_the_provider(sso_app: Any, provider: Provider,
                                                        make_user: Any) -> None:
    make_user("lena", "staff")
    _set_email(sso_app, "lena", "Lena.Berger@example.org")
    provider.claims = {"sub": "u-1", "email": "lena.berger@example.org", "email_verified": True}
    client = sso_app.test_client()
    login = client.get("/login?lang=en").get_data(as_text=True)
    assert "Sign in with Single sign-on" in login
    callback, done = _through_provider(client)
    assert done.status_code == 302 and done.headers["Location"].endswith(QUEUE)
    assert client.get(QUEUE).status_code == 200
    # The provider's answer cannot be used a second time (state and code are spent).
    again = sso_app.test_client()
    assert again.get(callback).status_code == 401
    assert again.get(QUEUE).status_code == 302


def _set_email(app: Any, username: str, email: str) -> None:
    services = app.extensions["dsr"]
    with services.db.session() as session:
        session.scalars(select(User).where(User.username == username)).one().email = email


def test_unknown_or_unverified_addresses_are_refused_and_nobody_is_created(
        sso_app: Any, provider: Provider, make_user: Any, demo_services: Services) -> None:
    make_user("lena", "coordinator")
    _set_email(sso_app, "lena", "lena@example.org")
    before = _users(demo_services)
    provider.claims = {"email": "new.person@example.org", "email_verified": True}
    client = sso_app.test_client()
    _, refused = _through_provider(client)
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/login")
    assert "kein aktives Benutzerkonto" in client.get("/login").get_data(as_text=True)
    provider.claims = {"email": "lena@example.org", "email_verified": False}
    _, unverified = _through_provider(client)
    assert unverified.status_code == 302 and client.get(QUEUE).status_code == 302
    assert _users(demo_services) == before


def test_a_forged_signature_or_another_issuer_is_refused(sso_app: Any, provider: Provider,
                                                         make_user: Any) -> None:
    make_user("lena", "staff")
    _set_email(sso_app, "lena", "lena@example.org")
    provider.claims = {"email": "lena@example.org", "email_verified": True}
    provider.signing_key = RSAKey.generate_key(2048)  # not the key the JWKS publishes
    client = sso_app.test_client()
    _, forged = _through_provider(client)
    assert forged.status_code == 401 and client.get(QUEUE).status_code == 302
    assert "fehlgeschlagen" in forged.get_data(as_text=True)


def test_the_discovery_documents_issuer_must_be_the_configured_one(
        demo_services: Services, provider: Provider, make_user: Any) -> None:
    provider.announced_issuer = "http://127.0.0.1:1"
    demo_services.config.oidc.update(enabled=True, issuer=provider.issuer,
                                     client_id=provider.client_id,
                                     client_secret=provider.client_secret)
    app = create_app(services=demo_services, flask_config={"TESTING": True,
                                                           "RATELIMIT_ENABLED": False})
    make_user("lena", "staff")
    _set_email(app, "lena", "lena@example.org")
    provider.claims = {"email": "lena@example.org", "email_verified": True}
    client = app.test_client()
    start = client.get("/login/oidc")
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 401
    assert client.get(QUEUE).status_code == 302


def test_a_required_second_factor_is_asked_after_single_sign_on(
        sso_app: Any, provider: Provider, make_user: Any, demo_services: Services) -> None:
    demo_services.config.users["second_factor_required"] = ["coordinator"]
    make_user("koordination", "coordinator")
    provider.claims = {"preferred_username": "koordination"}
    demo_services.config.oidc.update(claim="preferred_username", match="username")
    client = sso_app.test_client()
    _, done = _through_provider(client)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login/enrol")
    assert client.get(QUEUE).status_code == 302


def test_without_configuration_there_is_no_single_sign_on(app: Any) -> None:
    assert app.test_client().get("/login/oidc").status_code == 404
    assert "/login/oidc" not in app.test_client().get("/login").get_data(as_text=True)


def test_a_provider_that_does_not_answer_gives_a_clear_page(sso_app: Any,
                                                            provider: Provider) -> None:
    provider.stop()
    refused = sso_app.test_client().get("/login/oidc")
    assert refused.status_code == 401
    assert "Identitätsanbieter ist fehlgeschlagen" in refused.get_data(as_text=True)
