"""Request volume per week by group and timeliness, counted from requests and the audit trail;
the coordinator's page draws the chart; staff are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from dsr.audit import append_event
from dsr.context import Services
from dsr.requests.intake import Submission, submit
from dsr.requests.models import Channel, Request
from dsr.requests.statistics import request_statistics
from tests.support.clock import CLOCK
from tests.web.test_change_review import _client

TODAY = date(2026, 11, 27)  # a Friday


def received(services: Services, types: list[str], when: datetime, channel: str) -> int:
    with services.db.session() as session:
        req = submit(session, Submission(types=types, name="Erika Muster",
                                         email="erika@example.org", channel=channel,
                                         received_at=when),
                     calendar=services.calendar, connectors=[])
        return req.id


def completed(services: Services, request_id: int, when: datetime) -> None:
    with services.db.session() as session:
        req = session.get(Request, request_id)
        req.status, req.released_at = "completed", when
        event = append_event(session, actor="system", action="transition",
                             request_id=request_id, from_state="executing",
                             to_state="completed")
        event.created_at = when  # the moment it happened (the chain is not checked here)


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 11, tzinfo=UTC)


def test_volume_per_week_and_timeliness(services: Services) -> None:
    this_monday = TODAY - timedelta(days=4)
    a = received(services, ["access"], noon(TODAY - timedelta(days=1)), Channel.FORM.value)
    b = received(services, ["erasure", "objection"], noon(this_monday), Channel.EMAIL.value)
    received(services, ["objection"], noon(this_monday - timedelta(days=3)), Channel.LETTER.value)
    late = received(services, ["access"], noon(TODAY - timedelta(days=60)), Channel.FORM.value)
    received(services, ["access"], noon(TODAY - timedelta(days=200)), Channel.FORM.value)
    completed(services, a, noon(TODAY))
    completed(services, b, noon(TODAY - timedelta(days=1)))
    with services.db.session() as session:
        stats = request_statistics(session, TODAY)
    assert len(stats.weeks) == 12 and stats.weeks[-1].monday == this_monday
    assert dict(stats.weeks[-1].by_group) == {"disclose": 1, "change": 1}
    assert dict(stats.weeks[-2].by_group) == {"stop": 1}
    assert sum(w.total for w in stats.weeks) == 4  # the one 200 days ago is outside
    assert dict(stats.by_channel) == {"form": 2, "email": 1, "letter": 1}
    assert (stats.completed, stats.on_time, stats.median_days) == (2, 2, 2.0)  # 1 and 3 days
    assert stats.open_overdue == 2  # the letter of last week is not due yet; 60 days ago is
    del late


def test_the_page_draws_the_chart_for_coordinators(
        app: Any, make_user: Any, demo_services: Services) -> None:
    received(demo_services, ["access"], CLOCK.now(), Channel.FORM.value)
    coordinator = _client(app, make_user, "coordinator")
    page = coordinator.get("/queue/statistics").get_data(as_text=True)
    assert 'id="volume-chart"' in page and "<rect" in page
    assert "Auskunft / Datenübertragbarkeit: 1" in page
    staff = _client(app, make_user, "staff")
    assert staff.get("/queue/statistics").status_code == 403


def test_the_page_writes_numbers_and_names_the_controller_in_the_readers_language(
        app: Any, make_user: Any, demo_services: Services) -> None:
    first = received(demo_services, ["access"], CLOCK.now() - timedelta(days=3), Channel.FORM.value)
    second = received(demo_services, ["access"], CLOCK.now() - timedelta(days=2), Channel.FORM.value)
    completed(demo_services, first, CLOCK.now() - timedelta(days=1))    # two days
    completed(demo_services, second, CLOCK.now() - timedelta(days=1))   # one day
    coordinator = _client(app, make_user, "coordinator")
    german = coordinator.get("/queue/statistics?lang=de").get_data(as_text=True)
    english = coordinator.get("/queue/statistics?lang=en").get_data(as_text=True)
    assert "<td>1,5</td>" in german and "<td>1.5</td>" in english
    # the header names the controller of the register, not a catalog's shop name
    assert "PSO GmbH" in german and "PSO Computer" not in german
