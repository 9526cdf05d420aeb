"""A task's result in words for the request page: a short phrase (``4 Tabellen · 37 Zeilen``)
and, for the disclosure below it, every figure the job reported with its label. Labels come
from the catalogs (``task_count_*``, ``task_flag_*``, ``task_why_*``, ``task_key_*``); a value
the catalogs do not know is shown as it was reported, never a key."""

from __future__ import annotations

import re
from typing import Any

from dsr.web.i18n import _, has_message, ngettext
from workflows.results import WAITING, WAIVED, WHY, TaskResult

#: The job's counts (``{n}``) and yes/no flags summed up in the phrase.
COUNTS = ("subjects", "proposals", "tables", "rows", "categories", "changes", "steps",
          "deleted", "reduced", "answered", "links_expired", "sealed_reduced", "stopping", "ended")
#: Counts whose phrase has a singular and a plural form in the catalogs (``task_count_<key>``
#: and ``task_count_<key>_plural``); the others ("{n} gelöscht") read the same for any n.
PLURAL_COUNTS = frozenset({"subjects", "proposals", "tables", "rows", "categories", "changes",
                           "steps", "links_expired", "sealed_reduced"})
FLAGS = ("planned", "executed", "verified", "sent", "delivered")
#: Ids of other records (a letter, a delivery): no figure for the coordinator.
_IDS = frozenset({"letter", "delivery"})


def _slug(code: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", code.lower()).strip("_")


def why_text(why: str) -> str:
    """A job's reason (``connector_cannot_change``, ``already sent``) in words."""
    key = f"task_why_{_slug(why)}"
    return _(key) if has_message(key) else why


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("task_yes") if value else _("task_no")
    if isinstance(value, list):
        return str(len(value))
    if key == WHY and isinstance(value, str):
        return why_text(value)
    if key == "method" and has_message(f"task_method_{value}"):
        return _(f"task_method_{value}")
    if key == "skipped" and has_message(f"status_{value}"):
        return _(f"status_{value}")
    return str(value)


def task_summary(result: TaskResult) -> str:
    """E.g. ``4 Tabellen · 37 Zeilen`` or ``nicht geplant (System ändert keine Daten)``;
    ``erledigt`` for a result without figures (its details list what it holds)."""
    if not result:
        return ""
    parts = []
    for key, value in result.items():
        if key in FLAGS and isinstance(value, bool):
            parts.append(_(f"task_flag_{key}_{'yes' if value else 'no'}"))
        elif key in COUNTS and isinstance(value, int | list) and not isinstance(value, bool):
            n = len(value) if isinstance(value, list) else value
            parts.append(ngettext(f"task_count_{key}", f"task_count_{key}_plural", n)
                         if key in PLURAL_COUNTS else _(f"task_count_{key}", n=n))
        elif key == "sent" and isinstance(value, int):
            parts.append(_("task_count_sent", n=value))
    if result.waived is not None:
        parts.append(_("task_waived_because", reason=result.waived))
    why = result.why
    if why is not None:
        parts.append(f"({why_text(why)})")
    return " · ".join(parts) if parts else _("task_done_no_figures")


def task_details(result: TaskResult) -> list[tuple[str, str]]:
    """Every figure of the result with its label, for the disclosure under the phrase."""
    shown = []
    for key, value in result.items():
        if key in _IDS or key in (WAITING, WAIVED):
            continue
        label = _(f"task_key_{key}") if has_message(f"task_key_{key}") else key.replace("_", " ")
        shown.append((label, _value_text(key, value)))
    return shown
