"""Every registered connector kind against the Protocols, walked from the registry.

Each kind is built from the minimal settings its class provides (``example_settings``), must
satisfy ``Connector``, and must declare (as a base class) exactly the capabilities of
``connectors.capabilities`` it implements, each with the Protocol's signature. A kind added
without an example, or with a capability undeclared or mis-signed, fails here.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar, cast

import pytest

import connectors
from connectors.base import (
    _REGISTRY,
    AccessResult,
    Connector,
    Discovery,
    Identity,
    Subject,
    build_connector,
    registered_kinds,
)
from connectors.capabilities import CAPABILITIES, Closes, Discovers, Plans, Reads, capable
from connectors.changes import ChangeRequest, Plan

ALWAYS = (Discovers, Reads)
"""What every connector is: not declared, required."""


def all_kinds() -> dict[str, type[Connector]]:
    """Import every module of ``connectors`` (each registers the kinds it defines), then read
    the registry: a new module's kind is walked without being listed anywhere."""
    for module in pkgutil.iter_modules(connectors.__path__):
        importlib.import_module(f"connectors.{module.name}")
    return registered_kinds()


def members(protocol: type) -> Iterator[str]:
    """The names a Protocol declares: its methods and its annotated attributes."""
    yield from sorted({name for name in vars(protocol) if not name.startswith("_")}
                      | set(vars(protocol).get("__annotations__", {})))


def signature_problems(cls: type, protocol: type, name: str) -> list[str]:
    """How ``cls.name`` differs from the Protocol's: each of the Protocol's parameters in its
    place with its kind (and a default where the Protocol has one); added ones optional."""
    wanted = list(inspect.signature(getattr(protocol, name)).parameters.values())
    given = list(inspect.signature(getattr(cls, name)).parameters.values())
    where = f"{protocol.__name__}.{name}"
    problems = []
    for index, parameter in enumerate(wanted):
        if index >= len(given) or given[index].name != parameter.name \
                or given[index].kind != parameter.kind:
            problems.append(f"{where}: parameter {index} should be {parameter}")
        elif parameter.default is not inspect.Parameter.empty \
                and given[index].default is inspect.Parameter.empty:
            problems.append(f"{where}: {parameter.name} should have a default")
    problems += [f"{where}: added parameter {extra.name} needs a default"
                 for extra in given[len(wanted):] if extra.default is inspect.Parameter.empty
                 and extra.kind not in (extra.VAR_POSITIONAL, extra.VAR_KEYWORD)]
    return problems


def conformance_problems(kind: str, cls: type, directory: Path) -> list[str]:
    """Everything wrong with kind ``kind``; empty when it conforms."""
    example = getattr(cls, "example_settings", None)
    if example is None or inspect.unwrap(example) is inspect.unwrap(
            Connector.example_settings):
        return [f"{kind}: the class provides no example_settings(name, directory)"]
    settings: Mapping[str, Any] = example(kind, directory)
    built = build_connector(kind, settings)
    problems = []
    if type(built) is not cls or built.kind != kind or built.name != kind:
        problems.append(f"{kind}: the example builds {type(built).__name__} "
                        f"{getattr(built, 'name', '?')!r}")
    if not isinstance(built, Connector):
        problems.append(f"{kind}: not a Connector")
    for capability in CAPABILITIES:
        declared = capability in cls.__mro__ or capability in ALWAYS
        missing = []
        for name in members(capability):
            if callable(getattr(capability, name, None)):
                if getattr(cls, name, None) in (None, getattr(capability, name)):
                    missing.append(name)
            elif not hasattr(built, name):
                missing.append(name)
        if declared and missing:
            problems.append(f"{kind}: declares {capability.__name__} but lacks "
                            f"{', '.join(missing)}")
        elif not declared and not missing:
            problems.append(f"{kind}: has {capability.__name__}'s members but does not declare "
                            f"it (add it to the class's bases)")
        if declared and not missing:
            for name in members(capability):
                if callable(getattr(capability, name, None)):
                    problems += [f"{kind}: {p}" for p in signature_problems(cls, capability, name)]
            if capable(built, capability) is None:
                problems.append(f"{kind}: capable() does not see {capability.__name__}")
    closes = capable(built, Closes)
    if closes is not None:
        closes.close()
    return problems


KINDS = all_kinds()


def test_the_registry_is_walked() -> None:
    assert KINDS, "no connector kind registered"
    assert registered_kinds() == KINDS
    for kind, cls in KINDS.items():
        assert cls.__module__.startswith("connectors."), kind


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_registered_kind_conforms(kind: str, tmp_path: Path) -> None:
    assert conformance_problems(kind, KINDS[kind], tmp_path) == []


class _Minimal:
    """A connector of nothing: discovers no one, holds nothing."""

    kind: ClassVar[str]

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def from_settings(cls, name: str, settings: Mapping[str, Any]) -> _Minimal:
        return cls(name)

    def discover(self, identity: Identity) -> Discovery:
        return Discovery(self.name)

    def access(self, subject: Subject) -> AccessResult:
        return AccessResult(tables=())


@pytest.fixture
def throwaway() -> Iterator[str]:
    """A kind registered for one test, then removed from the registry again."""
    kind = "conformance_throwaway"
    yield kind
    _REGISTRY.pop(kind, None)


def _walk(directory: Path) -> dict[str, list[str]]:
    found = {}
    for kind, cls in all_kinds().items():
        sub = directory / kind
        sub.mkdir()
        found[kind] = conformance_problems(kind, cls, sub)
    return {kind: problems for kind, problems in found.items() if problems}


def test_a_kind_added_without_an_example_fails(throwaway: str, tmp_path: Path) -> None:
    from connectors.base import register

    register(throwaway)(cast("type[Connector]", _Minimal))  # what it lacks is the point
    assert _walk(tmp_path) == {throwaway: [
        f"{throwaway}: the class provides no example_settings(name, directory)"]}


def test_an_example_makes_the_minimal_kind_conform(throwaway: str, tmp_path: Path) -> None:
    from connectors.base import register

    class WithExample(_Minimal):
        @classmethod
        def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
            return {"kind": throwaway}

    register(throwaway)(cast("type[Connector]", WithExample))
    assert _walk(tmp_path) == {}


def test_an_undeclared_or_mis_signed_capability_fails(throwaway: str, tmp_path: Path) -> None:
    from connectors.base import register

    class Planner(_Minimal):  # plans, but does not say so
        @classmethod
        def example_settings(cls, name: str, directory: Path) -> dict[str, Any]:
            return {"kind": throwaway}

        def plan(self, subject: Subject, request: ChangeRequest) -> Plan:
            return Plan(self.name, ())

    register(throwaway)(cast("type[Connector]", Planner))
    assert conformance_problems(throwaway, Planner, tmp_path) == [
        f"{throwaway}: has Plans's members but does not declare it (add it to the class's bases)"]

    class MisSigned(Planner, Plans):  # declares it, with the request's parameter misnamed
        def plan(self, subject: Subject, wanted: ChangeRequest) -> Plan:  # type: ignore[override]
            return Plan(self.name, ())

    _REGISTRY[throwaway] = cast("type[Connector]", MisSigned)
    assert conformance_problems(throwaway, MisSigned, tmp_path) == [
        f"{throwaway}: Plans.plan: parameter 2 should be request: 'ChangeRequest'"]
