"""Art. 15(1)(a)-(h) and (2) for one subject, as data: from the register in force and the
subject's own records.

Recipients are the **actual** ones (C-154/21): a register recipient with ``evidence`` is
named only when the subject's records show a disclosure (which carrier, which bureau, which
payment provider, when); recipients without evidence (processors, authorities in a single
case) are listed apart. The credit check (C-634/21, C-203/22) is the register's procedure and
bands plus each check actually made: date, score, result, payment options offered.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from dsr.catalogs import gettext
from dsr.norms import in_language, norm_in

Table = dict[str, Any]

#: The rights the register lists, in order; their texts are the catalogs' ``a15_right_<code>``.
RIGHT_CODES = ("access", "rectification", "erasure", "restriction", "portability", "objection",
               "consent_withdrawal", "contest_decision")


def _rows(collected: list[dict[str, Any]], table: str) -> Iterator[tuple[Table, dict[str, Any]]]:
    """Each of the subject's own rows of ``table`` (recipient-only rows excluded), as a dict."""
    for found in collected:
        for spec in found["tables"]:
            if spec["table"] != table or spec.get("recipient_only"):
                continue
            names = [c["name"] for c in spec["columns"]]
            for row in spec["rows"]:
                yield spec, dict(zip(names, row, strict=False))


def number(value: Any, lang: str) -> str:
    """A decimal as the language writes it: 97,74 in German, 97.74 in English."""
    if value is None or value == "":
        return "—"
    try:
        text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    except (TypeError, ValueError):
        return str(value)
    return text.replace(".", ",") if lang == "de" else text


def _label(value: dict[str, str] | None, lang: str, default: str = "") -> str:
    return (value or {}).get(lang, default)


def actual_recipients(register: dict[str, Any], collected: list[dict[str, Any]],
                      lang: str) -> list[dict[str, Any]]:
    """Recipients whose evidence matches the subject's records, with how often and when."""
    found = []
    for recipient in register.get("recipients", {}).values():
        dates: list[str] = []
        occasions: list[str] = []
        for ev in recipient.get("evidence", []):
            for spec, row in _rows(collected, ev["table"]):
                value = row.get(ev["column"])
                wanted = ev.get("value")
                if value in (None, "") or (wanted is not None
                                           and str(value).casefold() != wanted.casefold()):
                    continue
                when = row.get(ev["date"]) if ev.get("date") else None
                if when:
                    dates.append(str(when))
                label = _label(spec.get("label"), lang, spec["table"])
                if label not in occasions:
                    occasions.append(label)
        if occasions:
            seen = ({"count": len(dates), "first": min(dates), "last": max(dates)}
                    if dates else None)
            found.append({"name": in_language(recipient["name"], lang), "kind": recipient["kind"],
                          "role": _label(recipient["role"], lang), "country": recipient["country"],
                          "occasion": ", ".join(occasions), "seen": seen})
    return found


def automated_decisions(register: dict[str, Any], collected: list[dict[str, Any]],
                        lang: str) -> list[dict[str, Any]]:
    """Each automated decision of the register that was taken about the subject."""
    result = []
    for item in register.get("automated_decisions", {}).values():
        ev = item.get("evidence")
        if not ev:
            continue
        options = item.get("option_labels", {})
        bands = {b["decision"]: b for b in item.get("bands", [])}

        def option(code: str, options: dict[str, Any] = options) -> str:
            return _label(options.get(code.strip()), lang, code.strip())

        def band(code: Any, bands: dict[str, Any] = bands) -> str:
            known = bands.get(str(code))
            return _label(known.get("label"), lang, str(code)) if known else str(code)

        taken = sorted((row for _, row in _rows(collected, ev["table"])),
                       key=lambda r: str(r.get(ev["date"]) or ""))
        if not taken:
            continue
        bureau = in_language(register["recipients"][item["bureau"]]["name"], lang)
        result.append({
            "label": _label(item["label"], lang), "bureau": bureau,
            "logic": _label(item["logic"], lang),
            "consequences": _label(item["consequences"], lang),
            "bands": [{"min_score": number(b["min_score"], lang), "label": band(b["decision"]),
                       "options": [option(o) for o in b["options"]]}
                      for b in item.get("bands", [])],
            "decisions": [{
                "date": row.get(ev["date"]), "score": number(row.get(ev["score"]), lang),
                "result": band(row.get(ev["result"])),
                "options": [option(o) for o in str(row.get(ev["options"]) or "").split(",") if o],
                "requested": option(str(row.get(ev["requested"]) or ""))
                if ev.get("requested") and row.get(ev["requested"]) else None,
            } for row in taken],
        })
    return result


def register_section(register: dict[str, Any], sections: list[dict[str, Any]],
                     collected: list[dict[str, Any]], lang: str, *, version: str = "",
                     extra_categories: dict[str, int] | None = None) -> dict[str, Any]:
    """Art. 15(1)(a)-(h) and (2) for the categories found in ``sections``."""
    counts = {s["category"]: sum(len(t["rows"]) for t in s["tables"]) for s in sections}
    counts.update(extra_categories or {})
    labels = register.get("categories", {})
    purposes = [p for p in register.get("purposes", []) if set(counts) & set(p["categories"])]
    recipients = actual_recipients(register, collected, lang)
    actual_names = {r["name"] for r in recipients}
    named = dict.fromkeys(r for p in purposes for r in p.get("recipients", []))

    def name_of(key: str) -> str:
        return in_language(register["recipients"][key]["name"], lang)

    groups = [register["recipients"][r] for r in named
              if not register["recipients"][r].get("evidence") and name_of(r) not in actual_names]
    involved = actual_names | {in_language(g["name"], lang) for g in groups}
    rules = dict.fromkeys(r for p in purposes for r in p.get("retention", []))
    automated = automated_decisions(register, collected, lang)

    def period(rule: dict[str, Any]) -> str:
        return _period(rule, lang)

    return {
        "version": version,
        "purposes": [{"label": _label(p["label"], lang),
                      "legal_basis": norm_in(p["legal_basis"], lang),
                      "categories": [_label(labels[c]["label"], lang) for c in p["categories"]
                                     if c in counts and c in labels]} for p in purposes],
        "categories": [{"label": _label(labels.get(c, {}).get("label"), lang, c), "records": n,
                        "purposes": [_label(p["label"], lang) for p in purposes
                                     if c in p["categories"]]}
                       for c, n in counts.items()],
        "recipients": recipients,
        "recipient_groups": [{"name": in_language(g["name"], lang), "kind": g["kind"],
                              "role": _label(g["role"], lang),
                              "country": g["country"]} for g in groups],
        "retention": [{"label": _label(register["retention"][r]["label"], lang),
                       "period": period(register["retention"][r]),
                       "norm": norm_in(register["retention"][r]["norm"], lang)}
                      for r in rules if r in register.get("retention", {})],
        "deletion": [{"purpose": _label(p["label"], lang), "text": _label(p.get("deletion"), lang)}
                     for p in purposes if p.get("deletion")],
        "sources": [{"purpose": _label(p["label"], lang), "text": _label(p["source"], lang)}
                    for p in purposes],
        "external": [{"score": d["score"], "source": item["bureau"], "date": d["date"]}
                     for item in automated for d in item["decisions"]],
        "automated": automated,
        "transfers": [{"recipient": name_of(t["recipient"]),
                       "country": t["country"], "safeguard": in_language(t["safeguard"], lang)}
                      for t in register.get("transfers", []) if name_of(t["recipient"]) in involved],
        "rights": [gettext(lang, f"a15_right_{code}") for code in RIGHT_CODES],
        "complaint": register.get("supervisory_authority", {}),
    }


def request_retention(register: dict[str, Any], lang: str) -> str:
    """How long the service keeps a request and its answer (the register's rules for the
    purposes that hold the ``dsr`` category): "3 years from the end of the year ... (norm)"."""
    rules = dict.fromkeys(r for p in register.get("purposes", []) if "dsr" in p["categories"]
                          for r in p.get("retention", []))
    known = register.get("retention", {})
    return "; ".join(f"{_period(known[r], lang)} ({norm_in(known[r]['norm'], lang)})"
                     for r in rules if r in known)


def _period(rule: dict[str, Any], lang: str) -> str:
    text = (gettext(lang, "a15_period_years", n=rule["years"]) if "years" in rule
            else gettext(lang, "a15_period_days", n=rule["days"]))
    return f"{text} {gettext(lang, 'a15_starts_' + rule['starts'])}"
