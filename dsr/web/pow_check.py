"""Whether this form post carries a solved proof-of-work challenge (the submissions limit is
exempt for it: ``dsr.extensions.submissions_limit``)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request

from dsr.security import pow as proof

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
                                    proof.SpentChallenges(services.db))
    return bool(g.pow_solved)
