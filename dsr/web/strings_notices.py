"""Page texts of the recipients' confirmations overview: key -> (German, English)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    "nav_notices": ("Empfänger-Bestätigungen", "Recipients' confirmations"),
    "nt_title": ("Offene Bestätigungen von Empfängern", "Recipients' confirmations outstanding"),
    "nt_hint": ("Mitteilungen nach Art. 19 DSGVO und Löschaufträge an Auftragsverarbeiter, deren Umsetzung der Empfänger noch nicht bestätigt hat – am längsten wartende zuerst. Nach 14 Tagen rot: bitte nachfassen.",
                "Art. 19 GDPR notices and erasure requests to processors whose recipient has not yet confirmed them – longest waiting first. Red after 14 days: please follow up."),
    "nt_sent": ("Gesendet", "Sent"),
    "nt_days": ("Tage offen", "Days waiting"),
    "nt_none": ("Keine offenen Bestätigungen.", "No confirmations outstanding."),
}
