"""How the answer names records kept past their retention period (Art. 5(1)(e), 15(1)(d)).

The answer discloses them (they were held when the request arrived) and says, beneath the
table they belong to, which entries they are, which rule's period ended when, and what
happens to them after release — so it never contradicts its own retention section.
"""

from __future__ import annotations

from typing import Any

from dsr.answers.report.strings import format_date
from dsr.catalogs import gettext, ngettext
from dsr.changes.overdue import OverdueGroup
from dsr.norms import rule_norm

KEYS_SHOWN = 20
"""Entry keys named in the note; the rest are counted."""


def _labels(collected: list[dict[str, Any]], system: str, table: str,
            lang: str) -> tuple[str, dict[str, str]]:
    """The table's label and its columns' labels as the collected data names them."""
    for found in collected:
        if found["connector"] != system:
            continue
        for spec in found["tables"]:
            if spec["table"] == table:
                return (spec["label"].get(lang, table),
                        {c["name"]: c["label"].get(lang, c["name"]) for c in spec["columns"]})
    return table, {}


def _keys(keys: tuple[tuple[Any, ...], ...], lang: str) -> str:
    shown = ", ".join("/".join(str(v) for v in key) for key in keys[:KEYS_SHOWN])
    more = len(keys) - KEYS_SHOWN
    return f"{shown} {gettext(lang, 'law_overdue_more', n=more)}" if more > 0 else shown


def past_period(groups: list[OverdueGroup], collected: list[dict[str, Any]],
                register: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Each group of entries past its period, with the sentence the answer says of it."""
    out = []
    for group in groups:
        label, columns = _labels(collected, group.connector, group.target, lang)
        rule = register.get("retention", {}).get(group.rule, {})
        rule_label = rule.get("label", {}).get(lang, group.rule)
        fields = [columns.get(name, name) for name in group.fields]
        ended = format_date(group.ended.isoformat(), lang)
        norm = rule_norm(register, group.rule, group.norm, lang)
        n = len(group.keys)
        lead = ngettext(lang, "law_overdue_lead", "law_overdue_lead_plural", n,
                        keys=_keys(group.keys, lang), rule=rule_label, norm=norm, ended=ended)
        then = ngettext(lang, f"law_overdue_{group.action}",
                        f"law_overdue_{group.action}_plural", n, fields=", ".join(fields))
        out.append({"system": group.connector, "table": group.target, "label": label,
                    "rows": len(group.keys), "keys": [list(k) for k in group.keys],
                    "fields": fields, "action": group.action, "rule": rule_label,
                    "norm": norm, "ended": group.ended.isoformat(),
                    "text": f"{lead} {then}"})
    return out
