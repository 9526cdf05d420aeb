"""``/queue/notices``: the notices to recipients waiting for confirmation, across requests,
longest waiting first, each with the button that records its confirmation."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from dsr.permissions import Permission
from dsr.recipients.outstanding import waiting_notices
from dsr.web.context import clock, db_session
from dsr.web.permissions import require

bp = Blueprint("notices", __name__, url_prefix="/queue")
OVERDUE_DAYS = 14
"""A recipient that has not confirmed after two weeks is highlighted: time to ask again."""


@bp.get("/notices")
@require(Permission.RECIPIENTS_VIEW)
def index() -> Any:
    today = clock().today()
    rows = waiting_notices(db_session(), today)
    recipients = current_app.extensions["dsr"].register.get("recipients", {})
    return render_template("notices.html", rows=rows, recipients=recipients,
                           overdue_days=OVERDUE_DAYS, today=today)
