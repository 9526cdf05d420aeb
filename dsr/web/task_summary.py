"""A task's result as a short phrase for the request page (the JSON stays in a tooltip)."""

from __future__ import annotations

from flask import g

from workflows.results import TaskResult

# key -> (German, English); "{n}" is the value for counts, flags read yes / no.
_COUNTS = {
    "subjects": ("{n} Person(en) gefunden", "{n} subject(s) found"),
    "proposals": ("{n} Vorschlag/Vorschläge", "{n} proposal(s)"),
    "tables": ("{n} Tabelle(n)", "{n} table(s)"), "rows": ("{n} Zeile(n)", "{n} row(s)"),
    "categories": ("{n} Kategorie(n)", "{n} categor(y/ies)"),
    "changes": ("{n} Änderung(en)", "{n} change(s)"), "steps": ("{n} Schritt(e)", "{n} step(s)"),
    "deleted": ("{n} gelöscht", "{n} deleted"), "reduced": ("{n} reduziert", "{n} reduced"),
    "answered": ("{n} beantwortet", "{n} answered"),
}
_FLAGS = {
    "planned": (("geplant", "nicht geplant"), ("planned", "not planned")),
    "executed": (("ausgeführt", "nicht ausgeführt"), ("executed", "not executed")),
    "verified": (("nachgeprüft", "nicht nachgeprüft"), ("verified", "not verified")),
    "sent": (("gesendet", "nicht gesendet"), ("sent", "not sent")),
}
_WHY = {
    "not_needed": ("nicht nötig", "not needed"),
    "connector_cannot_change": ("System ändert keine Daten", "system changes no data"),
    "nothing_to_notify": ("niemand zu benachrichtigen", "nobody to notify"),
    "no_plan": ("kein Plan", "no plan"), "refused": ("abgelehnt", "refused"),
    "already sent": ("schon gesendet", "already sent"),
}


def task_summary(result: TaskResult) -> str:
    """E.g. ``4 Tabelle(n) · 37 Zeile(n)`` or ``nicht geplant (System ändert keine Daten)``."""
    if not result:
        return ""
    en = g.get("lang", "de") != "de"
    parts = []
    for key, value in result.items():
        if key in _FLAGS and isinstance(value, bool):
            parts.append(_FLAGS[key][en][0 if value else 1])
        elif key in _COUNTS and isinstance(value, int | list) and not isinstance(value, bool):
            n = len(value) if isinstance(value, list) else value
            parts.append(_COUNTS[key][en].format(n=n))
    why = result.why
    if why is not None:
        parts.append(f"({_WHY.get(why, (why, why))[en]})")
    return " · ".join(parts) if parts else ("siehe Details" if not en else "see details")
