"""No module-level mutable state in product code: no ``global`` statement, and no module-level
dict, list or set changed by the code, except the registries filled once at import."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from tests.architecture.imports import PACKAGES, ROOT

REGISTRIES = {("connectors/base.py", "_REGISTRY"), ("workflows/jobs.py", "JOBS")}
"""Filled by their decorators when the connector and job modules are imported, then only read."""

CONTAINERS = (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp)
CONTAINER_CALLS = {"dict", "list", "set", "defaultdict", "OrderedDict", "deque", "Counter"}
MUTATORS = {"append", "add", "update", "setdefault", "pop", "popitem", "clear", "extend",
            "insert", "remove", "discard"}


def product_files() -> Iterator[tuple[str, ast.Module]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def global_statements(name: str, tree: ast.Module) -> list[str]:
    return [f"{name}:{node.lineno}: global {', '.join(node.names)}"
            for node in ast.walk(tree) if isinstance(node, ast.Global)]


def _module_containers(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        built = isinstance(value, CONTAINERS) or (
            isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            and value.func.id in CONTAINER_CALLS)
        if built:
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def mutated_module_containers(name: str, tree: ast.Module) -> list[str]:
    """Module-level containers of ``tree`` that its functions change."""
    containers = _module_containers(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        changed: str | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in MUTATORS and isinstance(node.func.value, ast.Name):
            changed = node.func.value.id
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
            targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
            for target in targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
                    changed = target.value.id
        if changed in containers and (name, changed) not in REGISTRIES:
            found.append(f"{name}:{node.lineno}: {changed}")
    return found


def test_product_code_has_no_global_statement() -> None:
    assert [hit for name, tree in product_files() for hit in global_statements(name, tree)] == []


def test_product_code_changes_no_module_level_container() -> None:
    assert [hit for name, tree in product_files()
            for hit in mutated_module_containers(name, tree)] == []


def test_the_checks_see_what_they_forbid() -> None:
    source = ast.parse("COUNT = 0\nSEEN = {}\n\ndef bump(key):\n    global COUNT\n"
                       "    COUNT += 1\n    SEEN[key] = COUNT\n    SEEN.setdefault(key, 1)\n")
    assert global_statements("m.py", source) == ["m.py:5: global COUNT"]
    assert mutated_module_containers("m.py", source) == ["m.py:7: SEEN", "m.py:8: SEEN"]
    registry = ast.parse("JOBS = {}\n\ndef job(kind, fn):\n    JOBS[kind] = fn\n")
    assert mutated_module_containers("workflows/jobs.py", registry) == []
