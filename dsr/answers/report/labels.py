"""German and English labels of the codes a report shows: rights, outcomes, request
statuses, recipient kinds and redaction reasons."""

from __future__ import annotations

from collections.abc import Mapping

RIGHTS: Mapping[str, Mapping[str, str]] = {
    "de": {
        "access": "Auskunft",
        "rectification": "Berichtigung",
        "erasure": "Löschung",
        "restriction": "Einschränkung",
        "portability": "Datenübertragbarkeit",
        "objection": "Widerspruch",
        "consent_withdrawal": "Widerruf der Einwilligung",
        "contest_decision": "Anfechtung einer automatisierten Entscheidung",
    },
    "en": {
        "access": "Access",
        "rectification": "Rectification",
        "erasure": "Erasure",
        "restriction": "Restriction",
        "portability": "Data portability",
        "objection": "Objection",
        "consent_withdrawal": "Withdrawal of consent",
        "contest_decision": "Contesting an automated decision",
    },
}

OUTCOMES: Mapping[str, Mapping[str, str]] = {
    "de": {
        "granted": "Stattgegeben",
        "partly_granted": "Teilweise stattgegeben",
        "partially_granted": "Teilweise stattgegeben",
        "partial": "Teilweise stattgegeben",
        "denied": "Abgelehnt",
        "refused": "Abgelehnt",
        "restricted": "Eingeschränkt",
        "deferred": "Zurückgestellt",
        "not_applicable": "Nicht anwendbar",
    },
    "en": {
        "granted": "Granted",
        "partly_granted": "Partly granted",
        "partially_granted": "Partly granted",
        "partial": "Partly granted",
        "denied": "Refused",
        "refused": "Refused",
        "restricted": "Restricted",
        "deferred": "Deferred",
        "not_applicable": "Not applicable",
    },
}

STATUSES: Mapping[str, Mapping[str, str]] = {
    "de": {"received": "Eingegangen", "awaiting_verification": "Identitätsprüfung",
           "verified": "In Bearbeitung", "processing": "In Bearbeitung",
           "review": "In Bearbeitung", "executing": "In Bearbeitung",
           "completed": "Abgeschlossen", "rejected": "Abgelehnt", "withdrawn": "Zurückgezogen",
           "merged": "Zusammengeführt"},
    "en": {"received": "Received", "awaiting_verification": "Identity check",
           "verified": "In progress", "processing": "In progress", "review": "In progress",
           "executing": "In progress", "completed": "Completed", "rejected": "Refused",
           "withdrawn": "Withdrawn", "merged": "Merged"},
}

RECIPIENT_KINDS: Mapping[str, Mapping[str, str]] = {
    "de": {"processor": "Auftragsverarbeiter", "controller": "Eigenständig Verantwortlicher"},
    "en": {"processor": "Processor", "controller": "Independent controller"},
}

REDACTION_REASONS: Mapping[str, Mapping[str, str]] = {
    "de": {"third_party": "Daten Dritter (Art. 15 Abs. 4 DSGVO)",
           "trade_secret": "Geschäftsgeheimnis (Art. 15 Abs. 4 DSGVO, §29 Abs. 1 BDSG)",
           "security": "Sicherheit unserer Systeme (Art. 15 Abs. 4 DSGVO)"},
    "en": {"third_party": "Other people's data (Art. 15(4) GDPR)",
           "trade_secret": "Trade secret (Art. 15(4) GDPR, §29(1) BDSG)",
           "security": "Security of our systems (Art. 15(4) GDPR)"},
}
