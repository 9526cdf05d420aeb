"""The import graph of the product packages, read from the code (``ast``), and the house rules
it must keep: layers that import only downwards, and domains that do not import each other in
a circle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("dsr", "workflows", "connectors")

EDGE, WEB, JOBS, SERVICES, MODELS, ENGINE, CORE = 6, 5, 4, 3, 2, 1, 0
LAYER_NAMES = {EDGE: "edge (app, CLI)", WEB: "web (views, API)", JOBS: "jobs",
               SERVICES: "domain services", MODELS: "domain models",
               ENGINE: "engine and connectors", CORE: "core"}
EDGES = ("dsr.app", "dsr.cli", "dsr.tables", "dsr.migrations", "dsr.demo", "dsr.context")
"""Composition: they build and wire everything below them."""
CORE_MODULES = ("dsr.clock", "dsr.config", "dsr.db", "dsr.crypto", "dsr.audit",
                "dsr.documents", "dsr.rendering", "dsr.migrate",
                "dsr.i18n", "dsr.errors", "dsr.norms", "dsr.reconnect")
DOMAINS = ("users", "register", "correspondence", "requests", "verification", "changes",
           "answers", "recipients", "contest", "mail")
"""The domain packages, lowest first: a domain may import the domains before it, never one
after it."""


def layer(module: str) -> int:
    """The layer of a product module."""
    if module.startswith(EDGES):
        return EDGE
    if module.startswith(CORE_MODULES):
        return CORE
    if module.startswith(("workflows", "connectors")):
        return ENGINE
    last = module.rsplit(".", 1)[-1]
    if module.startswith(("dsr.web", "dsr.extensions")) or last in ("views", "api") \
            or last.endswith("_views"):
        return WEB
    if last in ("jobs", "periodic"):
        return JOBS
    if last == "models":
        return MODELS
    return SERVICES


def domain(module: str) -> str | None:
    """The domain package a module belongs to (None outside them)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 and parts[0] == "dsr" and parts[1] in DOMAINS else None


@dataclass(frozen=True)
class Import:
    importer: str
    imported: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[tuple[str, int]]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            continue  # annotations only: no import at run time
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield f"{node.module}.{alias.name}", node.lineno
        yield from _imports(node)


def product_modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "versions" not in path.parts:
                found[module_name(path)] = path
    return found


def graph() -> list[Import]:
    """Every run-time import between product modules (function-level ones included)."""
    modules = product_modules()
    edges = []
    for name, path in modules.items():
        for target, line in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            while target and target not in modules:  # `from pkg import name` -> pkg
                target = target.rpartition(".")[0]
            if target and target != name and target.split(".")[0] in PACKAGES:
                edges.append(Import(name, target, line))
    return edges


def upward(edges: list[Import]) -> list[str]:
    """Imports that run up the layers."""
    return [f"{e.importer}:{e.line} ({LAYER_NAMES[layer(e.importer)]}) imports {e.imported} "
            f"({LAYER_NAMES[layer(e.imported)]})"
            for e in edges if layer(e.imported) > layer(e.importer)]


def backward_domains(edges: list[Import]) -> list[str]:
    """Imports from a domain to one listed after it in ``DOMAINS``."""
    found = []
    for e in edges:
        a, b = domain(e.importer), domain(e.imported)
        if a and b and a != b and DOMAINS.index(b) > DOMAINS.index(a) \
                and layer(e.importer) < WEB:
            found.append(f"{e.importer}:{e.line} ({a}) imports {e.imported} ({b})")
    return found


def cycles(edges: list[Import]) -> list[list[str]]:
    """The import circles: strongly connected sets of more than one module (Tarjan)."""
    succ: dict[str, set[str]] = {}
    for e in edges:
        succ.setdefault(e.importer, set()).add(e.imported)
        succ.setdefault(e.imported, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(succ[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(succ):
        if v not in index:
            visit(v)
    return found
