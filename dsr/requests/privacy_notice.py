"""The privacy notice for the processing of a request itself (Art. 13 GDPR), built from the
register: the controller (and its DPO), the purpose ``dsr_handling`` with its legal basis,
recipients and retention, and the supervisory authority. The public form links it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dsr.norms import in_language, norm_in

#: The register's purpose that describes the handling of requests (the DSR process's entry).
PURPOSE = "dsr_handling"
#: Used when the register's entry names no legal basis of its own.
LEGAL_BASIS = "Art. 6 Abs. 1 lit. c DSGVO i. V. m. Art. 12 DSGVO"


@dataclass(frozen=True)
class Retention:
    """One retention rule of the purpose: its label, the period and the norm."""

    label: str
    years: int | None
    days: int | None
    starts: str
    norm: str


@dataclass(frozen=True)
class PrivacyNotice:
    """What the page shows, in one language."""

    controller: str
    controller_address: tuple[str, ...]
    controller_email: str
    dpo: str | None
    dpo_contact: tuple[str, ...]
    purpose: str
    legal_basis: str
    recipients: tuple[str, ...]
    retention: tuple[Retention, ...]
    deletion: str
    authority: str
    authority_address: str


def notice(register: Mapping[str, Any], language: str) -> PrivacyNotice:
    """The notice in ``language`` (``de`` or ``en``) from the register as loaded."""
    lang = language if language in ("de", "en") else "de"
    controller = register.get("controller", {})
    dpo = controller.get("dpo") or {}
    purpose: Mapping[str, Any] = next(
        (p for p in register.get("purposes", ()) if p.get("name") == PURPOSE), {})
    rules = register.get("retention", {})
    recipients = register.get("recipients", {})
    authority = register.get("supervisory_authority", {})
    return PrivacyNotice(
        controller=str(controller.get("name", "")),
        controller_address=tuple(controller.get("address", ())),
        controller_email=str(controller.get("email", "")),
        dpo=str(dpo["name"]) if dpo.get("name") else None,
        dpo_contact=tuple([*dpo.get("address", ()), *([dpo["email"]] if dpo.get("email")
                                                       else [])]),
        purpose=str((purpose.get("label") or {}).get(lang, "")),
        legal_basis=norm_in(purpose.get("legal_basis") or LEGAL_BASIS, lang),
        recipients=tuple(
            f"{in_language(recipients[r]['name'], lang)} – {recipients[r]['role'][lang]}"  # a role's own (…)
            for r in purpose.get("recipients", ()) if r in recipients),
        retention=tuple(
            Retention(str(rules[r]["label"][lang]), rules[r].get("years"), rules[r].get("days"),
                      str(rules[r]["starts"]), norm_in(rules[r]["norm"], lang))
            for r in purpose.get("retention", ()) if r in rules),
        deletion=str((purpose.get("deletion") or {}).get(lang, "")),
        authority=str(authority.get("name", "")),
        authority_address=str(authority.get("address", "")))
