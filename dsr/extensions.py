"""Flask extensions, created unbound here and bound in ``create_app`` with ``init_app``."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

#: One budget for new requests per client, whether they come by the form or the API.
submissions_limit = limiter.shared_limit("10/hour;30/day", scope="submissions", methods=["POST"],
                                         exempt_when=lambda: _proof_of_work_solved())


def _proof_of_work_solved() -> bool:
    """Past the limit the form asks for a proof of work instead of refusing (dsr.web.pow_gate)."""
    from dsr.web.pow_check import solved

    return solved()
