"""A request's task phases are one enum: its numbers are the ones stored in ``tasks.phase``
(rows written before it existed keep their order), and a task is stored with its number."""

from __future__ import annotations

from sqlalchemy import text

from dsr.context import Services
from workflows import outbox
from workflows.models import Phase, TaskKind


def test_the_phases_keep_their_stored_numbers_in_order() -> None:
    assert [(phase.name, phase.value) for phase in Phase] == [
        ("DISCOVER", 0), ("COLLECT", 1), ("COMPILE", 2), ("EXECUTE", 3), ("FINALISE", 4),
        ("DELIVER", 5)]


def test_a_task_is_stored_with_the_number_of_its_phase(services: Services) -> None:
    with services.db.session() as session:
        outbox.add_task(session, kind=TaskKind.DELIVER, request_id=None, phase=Phase.DELIVER)
        outbox.add_task(session, kind=TaskKind.NOTIFY_EXTENSION, request_id=None)
    with services.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT kind, phase FROM tasks"))
        stored = {kind: phase for kind, phase in rows}
    assert stored == {"deliver": 5, "notify_extension": 0}
    assert all(type(phase) is int for phase in stored.values())
