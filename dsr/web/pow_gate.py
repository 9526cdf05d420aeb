"""The public form past its rate limit: a proof-of-work challenge instead of a refusal.

A POST to the form that carries a solved challenge is exempt from the submissions limit; a POST
over the limit without one gets the form back (429) with what was typed, a fresh challenge that
``static/pow.js`` solves and sends (dsr.security.pow), when the limit ends and the controller's
other channels (e-mail, letter). The status lookup past its limit keeps the reference typed
and says the same.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

from dsr.security import pow as proof
from dsr.web.pow_check import FORM_ENDPOINT, _services

STATUS_ENDPOINT = "public.status"


def install(app: Flask) -> None:
    """Answer the form's 429 with a challenge (the submissions limit is exempt for a solved
    one: ``dsr.extensions.submissions_limit``)."""
    # Every other limit is answered by the app's own handler of HTTP errors.
    generic = app.error_handler_spec[None][None][HTTPException]

    @app.errorhandler(RateLimitExceeded)
    def _challenge(exc: RateLimitExceeded) -> Any:
        from dsr.web.retry import retry_info

        if request.endpoint == STATUS_ENDPOINT:  # the reference typed stays, and the way on
            return render_template("status_lookup.html", error=None, retry=retry_info(),
                                   reference=request.form.get("reference", "")[:20]), 429
        if request.endpoint != FORM_ENDPOINT:
            return generic(exc)
        from dsr.requests.public_views import _form_page

        values: dict[str, Any] = {k: v for k, v in request.form.items()
                                  if k not in ("csrf_token", "pow_challenge", "pow_solution")}
        values["types"] = request.form.getlist("types")
        challenge = proof.make_challenge(_services().config.secret_key, _services().clock.now())
        return _form_page(values, {"pow": challenge}, retry=retry_info()), 429
