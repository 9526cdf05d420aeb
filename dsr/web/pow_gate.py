"""The public form past its rate limit: a proof-of-work challenge instead of a refusal.

A POST to the form that carries a solved challenge is exempt from the submissions limit; a POST over the limit without one gets the form back (429) with what was
typed and a fresh challenge that ``static/pow.js`` solves and sends (dsr.security.pow).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from dsr.security import pow as proof

_spent = proof.SpentChallenges()
FORM_ENDPOINT = "public.submit"


def _services() -> Any:
    return current_app.extensions["dsr"]


def solved() -> bool:
    """True for a form post carrying a solved challenge (checked, and the challenge taken,
    once per request however many limits ask)."""
    if request.endpoint != FORM_ENDPOINT or request.method != "POST":
        return False
    if "pow_solved" not in g:
        services = _services()
        g.pow_solved = proof.accept(services.config.secret_key,
                                    request.form.get("pow_challenge", ""),
                                    request.form.get("pow_solution", ""), services.clock.now(),
                                    _spent)
    return bool(g.pow_solved)


def install(app: Flask) -> None:
    """Answer the form's 429 with a challenge (the submissions limit is exempt for a solved
    one: ``dsr.extensions.submissions_limit``)."""
    # Every other limit is answered by the app's own handler of HTTP errors.
    generic = app.error_handler_spec[None][None][HTTPException]

    @app.errorhandler(RateLimitExceeded)
    def _challenge(exc: RateLimitExceeded) -> Any:
        if request.endpoint != FORM_ENDPOINT:
            return generic(exc)
        from dsr.web.public import _form_page

        values: dict[str, Any] = {k: v for k, v in request.form.items()
                                  if k not in ("csrf_token", "pow_challenge", "pow_solution")}
        values["types"] = request.form.getlist("types")
        challenge = proof.make_challenge(_services().config.secret_key, _services().clock.now())
        return _form_page(values, {"pow": challenge}), 429
