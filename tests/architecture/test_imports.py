"""Imports run one way: no circles between modules, no import up the layers (edges → web →
jobs → domain services → domain models → engine and connectors → core)."""

from __future__ import annotations

import sys

from tests.architecture.imports import (
    CORE,
    EDGE,
    JOBS,
    MODELS,
    SERVICES,
    WEB,
    Import,
    cycles,
    graph,
    layer,
    upward,
)


def test_no_module_imports_a_layer_above_its_own() -> None:
    edges = graph()
    assert len(edges) > 500
    assert upward(edges) == []


def test_no_modules_import_each_other_in_a_circle() -> None:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
    assert cycles(graph()) == []


def test_domain_code_is_placed_in_its_layer() -> None:
    assert layer("dsr.app") == EDGE and layer("dsr.cli.worker") == EDGE
    assert layer("dsr.changes.views") == WEB == layer("dsr.requests.api") == layer("dsr.web.i18n")
    assert layer("dsr.changes.holds_views") == WEB
    assert layer("dsr.changes.jobs") == JOBS
    assert layer("dsr.changes.holds") == SERVICES
    assert layer("dsr.changes.models") == MODELS
    assert layer("dsr.clock") == CORE


def test_the_checks_find_what_they_are_for() -> None:
    up = [Import("dsr.changes.models", "dsr.changes.views", 3)]
    assert upward(up) == [
        "dsr.changes.models:3 (domain models) imports dsr.changes.views (web (views, API))"]
    circle = [Import("dsr.changes.holds", "dsr.changes.operations", 1),
              Import("dsr.changes.operations", "dsr.changes.holds", 2)]
    assert cycles(circle) == [["dsr.changes.holds", "dsr.changes.operations"]]


def test_views_leave_the_audit_trail_to_the_operations() -> None:
    """Audit events are written by the services that change state, never by a handler."""
    from tests.architecture.imports import product_modules

    writers = [name for name, path in product_modules().items()
               if layer(name) == WEB and "append_event(" in path.read_text(encoding="utf-8")]
    assert writers == []


def test_only_the_lifecycle_operations_take_a_step() -> None:
    """``transition()`` is called by the requests domain's operations and jobs, and by the
    identity check when the customer's own code passes the policy (it runs inside
    ``dsr.verification.steps``, which ``dsr.requests.operations`` itself uses)."""
    from tests.architecture.imports import product_modules

    modules = product_modules()
    callers = sorted({e.importer for e in graph() if e.imported == "workflows.states"
                      and "transition(" in modules[e.importer].read_text(encoding="utf-8")})
    assert callers == ["dsr.requests.jobs", "dsr.requests.no_data", "dsr.requests.operations",
                       "dsr.verification.steps"]
