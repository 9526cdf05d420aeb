"""Page texts of the recipients' confirmations overview: key -> (German, English)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    "nav_notices": ("Empfänger-Bestätigungen", "Recipients' confirmations"),
    "nt_title": ("Offene Bestätigungen von Empfängern", "Recipients' confirmations outstanding"),
    "nt_hint": ("Mitteilungen nach Art. 19 DSGVO und Löschaufträge an Auftragsverarbeiter, deren Umsetzung der Empfänger noch nicht bestätigt hat – am längsten wartende zuerst. Nach 14 Tagen rot; wer per E-Mail benachrichtigt wurde, wird dann einmal automatisch erinnert.",
                "Art. 19 GDPR notices and erasure requests to processors whose recipient has not yet confirmed them – longest waiting first. Red after 14 days; recipients told by e-mail are then reminded once automatically."),
    "nt_sent": ("Gesendet", "Sent"),
    "nt_reminded": ("erinnert am", "reminded on"),
    "nt_days": ("Tage offen", "Days waiting"),
    "nt_none": ("Keine offenen Bestätigungen.", "No confirmations outstanding."),
    # Tasks waiting on an outside system, and waiving one system's task with a reason.
    "task_waiting_outside": ("wartet auf das externe System, nächste Nachfrage",
                             "waiting for the outside system, next check"),
    "waive": ("Entfallen lassen", "Waive"),
    "waive_reason": ("Begründung (Pflicht)", "Reason (required)"),
    "done_waive": ("Aufgabe entfällt; der Vorgang geht ohne sie weiter.",
                   "Task waived; the request goes on without it."),
    "waive_refused": ("Diese Aufgabe kann nicht entfallen (nur offene oder fehlgeschlagene Aufgaben eines Systems, mit Begründung).",
                      "This task cannot be waived (only open or failed tasks of one system, with a reason)."),
}
