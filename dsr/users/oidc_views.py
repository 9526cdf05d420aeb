"""Sign-in through the shop's OpenID Connect provider (``[oidc]``), with Authlib.

The authorization code flow with state and nonce; the ID token's signature (the provider's
JWKS), issuer, audience, expiry and nonce are checked by Authlib, the discovery document's
issuer against the configured one here. The token names an existing user only
(``dsr.users.operations.user_for_claims``): no account and no role ever comes from a sign-in.
A role whose second factor is required still asks for the code afterwards.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, Flask, abort, current_app, flash, redirect, render_template, url_for
from joserfc.errors import JoseError

from dsr.users.operations import record_failed_sign_in, user_for_claims
from dsr.users.views import after_first_factor, refuse_unconfirmed
from dsr.web.context import db_session
from dsr.web.i18n import _

bp = Blueprint("oidc", __name__)

CLIENT = "idp"
#: Everything a provider, the network or a forged answer can make the flow raise.
FLOW_ERRORS = (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError,
               TypeError)


def install(app: Flask, settings: dict[str, Any]) -> None:
    """Register the provider's client on ``app`` when ``[oidc] enabled`` (nothing fetched yet:
    the discovery document is read at the first sign-in)."""
    if not settings["enabled"]:
        return
    oauth = OAuth(app)
    oauth.register(CLIENT, client_id=settings["client_id"],
                   client_secret=settings["client_secret"],
                   server_metadata_url=settings["issuer"] + "/.well-known/openid-configuration",
                   client_kwargs={"scope": settings["scopes"], "timeout": 10})


def _settings() -> dict[str, Any]:
    settings: dict[str, Any] = current_app.extensions["dsr"].config.oidc
    if not settings["enabled"]:
        abort(404)
    return settings


def _client() -> Any:
    return current_app.extensions["authlib.integrations.flask_client"].create_client(CLIENT)


def _failed() -> Any:
    record_failed_sign_in(db_session(), None, throttled=False, known_device=False)
    db_session().commit()  # the audit event stays although the answer is an error
    flash(_("oidc_failed"), "error")
    return render_template("login.html", oidc=current_app.extensions["dsr"].config.oidc), 401


@bp.get("/login/oidc")
def start() -> Any:
    _settings()
    try:
        return _client().authorize_redirect(url_for("oidc.callback", _external=True))
    except FLOW_ERRORS:
        return _failed()


@bp.get("/login/oidc/callback")
def callback() -> Any:
    settings = _settings()
    client = _client()
    try:
        token = client.authorize_access_token()
        if client.load_server_metadata().get("issuer", "").rstrip("/") != settings["issuer"]:
            raise ValueError("the discovery document names another issuer")
        claims = token.get("userinfo")
        if not claims:
            raise ValueError("no ID token")
    except FLOW_ERRORS:
        return _failed()
    user = user_for_claims(db_session(), claims, claim=settings["claim"],
                           match=settings["match"])
    if user is None:
        record_failed_sign_in(db_session(), None, throttled=False, known_device=False)
        db_session().commit()
        flash(_("oidc_no_user"), "error")
        return redirect(url_for("auth.login"))
    if user.role is None:
        return refuse_unconfirmed()
    return after_first_factor(user, "", "", "oidc")
