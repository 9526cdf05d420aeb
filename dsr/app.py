"""The application factory: everything is built here, nothing at import."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from marshmallow.experimental.context import Context
from werkzeug.exceptions import HTTPException

from dsr.changes.api import blp as holds_blp
from dsr.config import Config, load_config
from dsr.context import Services
from dsr.extensions import csrf, limiter, login_manager
from dsr.norms import cite, in_language
from dsr.rendering import TEMPLATE_ROOT
from dsr.requests.api import blp
from dsr.requests.schemas import LoadContext
from dsr.users.api import SCHEME, SECURITY_SCHEME
from dsr.users.models import User
from dsr.web import i18n, input_guard, logs, pow_gate
from dsr.web import security as security_web
from dsr.web.api import DESCRIPTION, URL_PREFIX, DsrApi
from dsr.web.context import clock, db_session

log = logging.getLogger(__name__)


def create_app(config: Config | None = None, services: Services | None = None,
               overrides: dict[str, Any] | None = None,
               flask_config: dict[str, Any] | None = None) -> Flask:
    """Build the web application from a configuration (loaded from TOML when not given).

    ``flask_config`` sets Flask keys before the extensions are bound (tests use it).
    """
    config = config or (services.config if services else load_config(overrides=overrides))
    # Under gunicorn nothing configures logging: without this the limiter's fallback to
    # in-process counters during a Redis outage would be logged nowhere.
    logs.log_warnings_to_stderr()
    services = services or Services(config)
    app = Flask("dsr", template_folder=str(TEMPLATE_ROOT / "web"),
                static_folder=str(TEMPLATE_ROOT / "web" / "static"), static_url_path="/static")
    app.config.update(
        SECRET_KEY=config.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.base_url.startswith("https"),
        MAX_CONTENT_LENGTH=20 * 1024 * 1024,
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_STORAGE_URI=config.tasks["redis_url"] or "memory://",
        # Intake never depends on Redis: while it is unreachable the limiter counts in this
        # process (and logs that it does), and any other storage error lets the request through.
        RATELIMIT_STORAGE_OPTIONS={"socket_timeout": 2, "socket_connect_timeout": 2},
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
    )
    app.config.update(flask_config or {})
    app.extensions["dsr"] = services

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        user = db_session().get(User, int(user_id)) if user_id.isdigit() else None
        if user is None or not user.is_active or not security_web.session_is_live(db_session(),
                                                                                   user.id):
            return None
        return user

    _register_blueprints(app)
    _register_request_hooks(app)
    security_web.install(app, config.web, config.base_url)
    input_guard.install(app)
    _register_error_pages(app)
    pow_gate.install(app)  # after the error pages: it hands other limits to their handler
    i18n.init_app(app, config.languages, list(config.translation_dirs))
    app.jinja_env.globals.update(fmt_date=i18n.fmt_date, fmt_day=i18n.fmt_day,
                                  fmt_number=i18n.fmt_number)
    # A norm in the page's language, a register text given per language (``TextOrLabel``).
    app.jinja_env.filters.update(cite=cite, tl=in_language)
    return app


def _register_blueprints(app: Flask) -> None:
    from dsr.answers.portal_views import bp as portal_bp
    from dsr.answers.viewer_views import bp as redaction_viewer_bp
    from dsr.answers.views import bp as answers_bp
    from dsr.changes.views import bp as changes_bp
    from dsr.mail.views import bp as staff_bp
    from dsr.recipients.callback_views import bp as callbacks_bp
    from dsr.recipients.views import bp as notices_bp
    from dsr.register.views import bp as register_bp
    from dsr.requests import confirm_views  # noqa: F401 - its routes are on queue_bp
    from dsr.requests.public_views import bp as public_bp
    from dsr.requests.statistics_views import bp as statistics_bp
    from dsr.requests.views import bp as queue_bp
    from dsr.users.account_views import bp as account_bp
    from dsr.users.admin_views import bp as admin_bp
    from dsr.users.oidc_views import bp as oidc_bp
    from dsr.users.oidc_views import install as install_oidc
    from dsr.users.views import bp as auth_bp
    from dsr.verification import queue_views  # noqa: F401 - its routes are on verify_bp
    from dsr.verification.views import bp as verify_bp

    install_oidc(app, app.extensions["dsr"].config.oidc)
    for blueprint in (public_bp, auth_bp, account_bp, oidc_bp, queue_bp, admin_bp,
                      verify_bp,
                      changes_bp,
                      staff_bp,
                      portal_bp, answers_bp, redaction_viewer_bp, register_bp, callbacks_bp,
                      notices_bp, statistics_bp):
        app.register_blueprint(blueprint)
    from dsr.changes.holds_views import bp as holds_bp

    app.register_blueprint(holds_bp)
    from dsr.changes.rectification_views import bp as rectification_bp

    app.register_blueprint(rectification_bp)
    from dsr.contest.views import bp as contest_bp

    app.register_blueprint(contest_bp)
    init_api(app)


def _register_request_hooks(app: Flask) -> None:
    @app.before_request
    def _language() -> None:
        g.lang = i18n.pick_language()
        # Forms and API bodies are loaded against today by the service clock.
        g.load_context = Context(LoadContext(today=clock().today()))
        g.load_context.__enter__()

    @app.context_processor
    def _controller() -> dict[str, Any]:
        # The pages are headed with the controller the register names (the one the letters
        # and answers name too); the catalog's shop name only while the register is broken.
        from dsr.register.schema import RegisterError

        try:
            name = str(app.extensions["dsr"].register.get("controller", {}).get("name", ""))
        except RegisterError:
            name = ""
        return {"controller_name": name or i18n.gettext("shop_name")}

    @app.after_request
    def _commit(response: Any) -> Any:
        session = g.pop("db_session", None)
        if session is not None:
            try:
                if response.status_code < 400:
                    session.commit()
                else:
                    session.rollback()
            finally:
                session.close()
        if request.args.get("lang") in i18n.languages():
            response.set_cookie("lang", request.args["lang"], max_age=365 * 86400,
                                samesite="Lax")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.teardown_request
    def _close(_exc: BaseException | None) -> None:
        load_context = g.pop("load_context", None)
        if load_context is not None:
            load_context.__exit__(None, None, None)
        session = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def _register_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> ResponseReturnValue:
        if request.path.startswith(("/api/", "/callbacks/")):
            headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
            return {"error": exc.name, "message": exc.description}, exc.code or 500, headers
        return render_template("error.html", code=exc.code, name=exc.name,
                               description=exc.description), exc.code or 500

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> ResponseReturnValue:
        log.error("unhandled error on %s %s: %s", request.method, request.endpoint,
                  type(exc).__name__, exc_info=exc)
        if request.path.startswith(("/api/", "/callbacks/")):
            return {"error": "Internal Server Error",
                    "message": "Something went wrong; nothing was lost. Try again."}, 500
        return render_template("error.html", code=500, name="Internal Server Error",
                               description=None), 500


def init_api(app: Flask) -> DsrApi:
    """Register the API blueprint and serve its OpenAPI document at /api/v1/openapi.json."""

    app.config.setdefault("API_TITLE", "dsr — data-subject requests")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", URL_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_SPEC_OPTIONS", {"info": {"description": DESCRIPTION}})
    api = DsrApi(app)
    api.spec.components.security_scheme(SCHEME, SECURITY_SCHEME)
    # Bearer tokens, not cookies: a cross-site page cannot forge the header.
    csrf.exempt(blp)
    api.register_blueprint(blp)
    csrf.exempt(holds_blp)
    api.register_blueprint(holds_blp)
    return api
