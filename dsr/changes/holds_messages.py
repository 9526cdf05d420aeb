"""Page texts of the legal holds: key -> (German, English)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    "nav_holds": ("Rechtliche Sperren", "Legal holds"),
    "hold_title": ("Rechtliche Sperren", "Legal holds"),
    "hold_lift_reason": ("Warum endet die Sperre?", "Why does the hold end?"),
    "hold_lift_reason_shown": ("Grund der Aufhebung:", "Reason for lifting:"),
    "hold_lift_reason_hint": ("z. B. Forderung beglichen, Betriebsprüfung abgeschlossen; ohne personenbezogene Daten",
                              "e.g. claim settled, tax audit closed; no personal data"),
    "hold_hint": ("Solange eine Sperre besteht, wird nichts von dieser Person gelöscht: die Planung sperrt ihre Daten, "
                  "die Löschroutine lässt sie liegen. Nach der Aufhebung löscht die nächste Löschroutine, was die Sperre zurückhielt.",
                  "While a hold is active nothing of this person is erased: plans block their data and the retention run "
                  "leaves it alone. Once lifted, the next retention run erases what the hold kept."),
    "hold_kind": ("Art", "Kind"), "hold_reason": ("Grund", "Reason"),
    "hold_reference": ("Aktenzeichen", "Reference"), "hold_optional": ("optional", "optional"),
    "hold_system": ("System · Schlüssel", "System · key"),
    "hold_since": ("Seit", "Since"), "hold_by": ("Von", "By"), "hold_state": ("Stand", "State"),
    "hold_requests": ("Offene Anträge", "Open requests"),
    "hold_kind_open_claim": ("offene Forderung", "open claim"),
    "hold_kind_collection": ("Inkasso", "collection"),
    "hold_kind_tax_audit": ("Betriebsprüfung", "tax audit"),
    "hold_active": ("aktiv", "active"), "hold_lifted": ("aufgehoben", "lifted"),
    "hold_place": ("Sperre setzen", "Place the hold"),
    "hold_placed": ("Sperre gesetzt.", "Hold placed."),
    "hold_lift": ("Aufheben …", "Lift …"),
    "hold_lift_confirm": ("Wirklich aufheben? Die nächste Löschroutine löscht dann, was die Sperre zurückhielt.",
                          "Really lift it? The next retention run then erases what the hold kept."),
    "hold_lift_yes": ("Ja, Sperre aufheben", "Yes, lift the hold"),
    "hold_lifted_done": ("Sperre aufgehoben.", "Hold lifted."),
    "hold_none": ("Keine Sperren für diese Person.", "No holds on this person."),
    "hold_none_active": ("Keine aktiven Sperren.", "No active holds."),
    "hold_show_active": ("nur aktive", "active only"), "hold_show_all": ("alle, auch aufgehobene", "all, lifted too"),
    "hold_replan": ("Der Plan dieses Löschantrags entstand vor einer Änderung der Sperren: bitte den Plan neu erstellen, bevor er freigegeben wird.",
                    "This erasure request's plan was made before the holds changed: have the plan made again before approving it."),
    "hold_replan_others": ("Plan neu erstellen bei", "Have the plan made again for"),
    "hold_replan_button": ("Plan neu erstellen", "Make the plan again"),
    "hold_bad_target": ("System · Schlüssel: bitte eines der Systeme wählen, in denen die Person gefunden wurde.",
                        "System · key: choose one of the systems in which the person was found."),
    "hold_no_subject": ("Die Person ist noch nicht bestätigt: Sperren erst nach der Identitätsprüfung.",
                        "The person is not confirmed yet: holds only after the identity check."),
}
