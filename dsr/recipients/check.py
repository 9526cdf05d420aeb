"""The recipient connectors' config against the register: every endpoint is keyed by one of
the register's recipients (the brief: the register holds the recipients, the connectors' config
only their endpoints), and every ``subject_from`` names a configured connector."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def recipient_findings(connectors: Mapping[str, Mapping[str, Any]],
                       register: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(where, message)`` for each endpoint the register does not know, each processor
    asked through OpenGDPR that the register lists as a separate controller, and each
    ``subject_from`` that names no connector."""
    known = register.get("recipients", {})
    found: list[tuple[str, str]] = []
    for name, settings in connectors.items():
        source = settings.get("subject_from")
        if source and source not in connectors:
            found.append((f"connectors.{name}.subject_from",
                          f"{source!r} is not a configured connector"))
        if settings.get("kind") == "http_api":
            found.extend(_http_api_findings(name, settings, known))
            continue
        keys = list(settings.get("endpoints", {})) if settings.get("kind") == "recipient_mail" \
            else [settings["recipient"]] if settings.get("kind") == "recipient_api" else []
        for key in keys:
            if key not in known:
                found.append((f"connectors.{name}.{key}",
                              f"{key!r} is not a recipient of the register"))
            elif settings.get("kind") == "recipient_api" and known[key].get("kind") != "processor":
                found.append((f"connectors.{name}.recipient",
                              f"{key!r} is a separate controller in the register; OpenGDPR "
                              f"is for processors"))
    return found


def _http_api_findings(name: str, settings: Mapping[str, Any],
                       known: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A hosted service's definition names a recipient of the register, in the same role."""
    from marshmallow import ValidationError

    from connectors.http_api.definition import load_definition

    try:
        definition = load_definition(str(settings.get("definition", "")))
    except ValidationError:
        return []  # the connector refuses to start with the exact key already
    recipient, role = definition["recipient"], settings.get("role") or definition["role"]
    where = f"connectors.{name}.definition"
    if recipient not in known:
        return [(where, f"{recipient!r} is not a recipient of the register")]
    if known[recipient].get("kind") != role:
        return [(f"connectors.{name}.role", f"{recipient!r} is a {known[recipient].get('kind')} "
                                            f"in the register, the definition says {role}")]
    return []
