"""``/queue/statistics``: request volume per week (a chart) and timeliness, for coordinators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from dsr.permissions import Permission
from dsr.requests.statistics import GROUP_ORDER, request_statistics
from dsr.web.context import clock, db_session
from dsr.web.permissions import require

bp = Blueprint("statistics", __name__, url_prefix="/queue")
COLOURS = {"disclose": "#334e68", "change": "#b7791f", "stop": "#2f855a", "contest": "#805ad5"}


@bp.get("/statistics")
@require(Permission.STATISTICS_VIEW)
def index() -> Any:
    stats = request_statistics(db_session(), clock().today())
    return render_template("statistics.html", stats=stats, groups=GROUP_ORDER, colours=COLOURS)
