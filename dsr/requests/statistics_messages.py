"""Page texts of the statistics page: key -> (German, English)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    "nav_statistics": ("Statistik", "Statistics"),
    "st_title": ("Anfragen im Überblick", "Requests at a glance"),
    "st_volume": ("Eingegangene Anfragen je Woche (letzte 12 Wochen)",
                  "Requests received per week (last 12 weeks)"),
    "st_group_disclose": ("Auskunft / Datenübertragbarkeit", "Access / portability"),
    "st_group_change": ("Berichtigung / Einschränkung / Löschung",
                        "Rectification / restriction / erasure"),
    "st_group_stop": ("Widerspruch / Widerruf", "Objection / withdrawal"),
    "st_group_contest": ("Anfechtung automatisierter Entscheidung",
                         "Contesting an automated decision"),
    "st_completed": ("Abgeschlossen (insgesamt)", "Completed (all time)"),
    "st_on_time": ("davon fristgerecht", "of these on time"),
    "st_median": ("Median der Bearbeitungsdauer (Tage)", "Median time to complete (days)"),
    "st_overdue": ("Offen und überfällig", "Open and overdue"),
    "st_channels": ("Eingangswege (12 Wochen)", "Channels (12 weeks)"),
}
