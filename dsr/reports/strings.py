"""Static German and English texts (and date formatting) for the Art. 15 access report.

Texts containing ``{placeholders}`` are filled with :meth:`str.format`; all
values inserted into them must already be XML-escaped by the caller because
the results are rendered as reportlab Paragraph markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime

from babel.dates import format_date as babel_format_date

SUPPORTED_LANGUAGES: tuple[str, ...] = ("de", "en")
DEFAULT_LANGUAGE = "de"

TEXTS: Mapping[str, Mapping[str, str]] = {
    "de": {
        "title": "Auskunft nach Art. 15 DSGVO",
        "controller": "Verantwortlicher",
        "subject": "Betroffene Person",
        "reference": "Aktenzeichen",
        "received": "Antrag eingegangen am",
        "due": "Antwortfrist bis",
        "generated": "Erstellt am",
        "request_types": "Art des Antrags",
        "intro": (
            "Sie haben Auskunft über die zu Ihrer Person gespeicherten personenbezogenen "
            "Daten verlangt. Dieses Dokument enthält eine Kopie dieser Daten, gegliedert nach "
            "Datenkategorien und den Systemen, in denen sie gespeichert sind, sowie die "
            "Informationen nach Art. 15 Abs. 1 lit. a–h DSGVO. Felder ohne Wert sind mit "
            "„—“ gekennzeichnet. Bei Rückfragen wenden Sie sich bitte unter Angabe des "
            "Aktenzeichens {reference} an {email}."
        ),
        "overview": "Übersicht",
        "records_col": "Datensätze",
        "decisions": "Entscheidungen zu Ihrem Antrag",
        "col_right": "Recht",
        "col_category": "Kategorie",
        "col_outcome": "Ergebnis",
        "col_norm": "Rechtsgrundlage",
        "col_reason": "Begründung",
        "data": "Ihre gespeicherten Daten",
        "source": "Quelle",
        "records": "{count} Datensätze",
        "record": "Datensatz {index} von {count}",
        "no_data": "Keine Daten gespeichert",
        "register": "Informationen nach Art. 15 Abs. 1 DSGVO",
        "purposes": "Verarbeitungszwecke und Rechtsgrundlagen",
        "col_purpose": "Zweck",
        "col_categories": "Datenkategorien",
        "recipients": "Empfänger",
        "col_recipient": "Empfänger",
        "col_kind": "Art",
        "col_role": "Rolle",
        "col_when": "Zeitpunkt",
        "retention": "Speicherdauer",
        "col_period": "Dauer",
        "sources": "Herkunft der Daten",
        "rights": "Ihre Rechte",
        "complaint": "Beschwerderecht bei einer Aufsichtsbehörde",
        "complaint_text": (
            "Sie haben das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren "
            "(Art. 77 DSGVO). Zuständig für uns ist:"
        ),
        "page": "Seite {page} von {total}",
    },
    "en": {
        "title": "Access report under Art. 15 GDPR",
        "controller": "Controller",
        "subject": "Data subject",
        "reference": "Reference",
        "received": "Request received",
        "due": "Response due",
        "generated": "Generated",
        "request_types": "Type of request",
        "intro": (
            "You asked us for access to the personal data we hold about you. This document "
            "contains a copy of that data, grouped by data category and by the system in which "
            "it is stored, together with the information required by Art. 15(1)(a)–(h) GDPR. "
            "Fields without a value are shown as “—”. If you have any questions, please "
            "contact {email} quoting the reference {reference}."
        ),
        "overview": "Overview",
        "records_col": "Records",
        "decisions": "Decisions on your request",
        "col_right": "Right",
        "col_category": "Category",
        "col_outcome": "Outcome",
        "col_norm": "Legal basis",
        "col_reason": "Reason",
        "data": "Your stored data",
        "source": "Source",
        "records": "{count} records",
        "record": "Record {index} of {count}",
        "no_data": "No data stored",
        "register": "Information under Art. 15(1) GDPR",
        "purposes": "Purposes and legal bases",
        "col_purpose": "Purpose",
        "col_categories": "Data categories",
        "recipients": "Recipients",
        "col_recipient": "Recipient",
        "col_kind": "Type",
        "col_role": "Role",
        "col_when": "When",
        "retention": "Retention periods",
        "col_period": "Period",
        "sources": "Sources of the data",
        "rights": "Your rights",
        "complaint": "Right to lodge a complaint with a supervisory authority",
        "complaint_text": (
            "You have the right to lodge a complaint with a data protection supervisory "
            "authority (Art. 77 GDPR). The authority responsible for us is:"
        ),
        "page": "Page {page} of {total}",
    },
}

RIGHTS: Mapping[str, Mapping[str, str]] = {
    "de": {
        "access": "Auskunft",
        "rectification": "Berichtigung",
        "erasure": "Löschung",
        "restriction": "Einschränkung",
        "portability": "Datenübertragbarkeit",
        "objection": "Widerspruch",
    },
    "en": {
        "access": "Access",
        "rectification": "Rectification",
        "erasure": "Erasure",
        "restriction": "Restriction",
        "portability": "Data portability",
        "objection": "Objection",
    },
}

OUTCOMES: Mapping[str, Mapping[str, str]] = {
    "de": {
        "granted": "Stattgegeben",
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
        "partially_granted": "Partially granted",
        "partial": "Partially granted",
        "denied": "Refused",
        "refused": "Refused",
        "restricted": "Restricted",
        "deferred": "Deferred",
        "not_applicable": "Not applicable",
    },
}

RECIPIENT_KINDS: Mapping[str, Mapping[str, str]] = {
    "de": {"processor": "Auftragsverarbeiter", "controller": "Eigenständig Verantwortlicher"},
    "en": {"processor": "Processor", "controller": "Independent controller"},
}


def normalise_language(language: object) -> str:
    """Return a supported language code, falling back to German."""
    code = str(language or "").split("-")[0].split("_")[0].lower()
    return code if code in SUPPORTED_LANGUAGES else DEFAULT_LANGUAGE


def texts_for(language: str) -> Mapping[str, str]:
    """Return the static texts for ``language`` (unknown codes fall back to German)."""
    return TEXTS[normalise_language(language)]


def _lookup(table: Mapping[str, Mapping[str, str]], language: str, key: object) -> str:
    """Translate ``key`` via ``table``; unknown keys are returned unchanged."""
    value = "" if key is None else str(key)
    return table[normalise_language(language)].get(value, value)


def right_label(language: str, right: object) -> str:
    """Translate a data-subject right code such as ``"access"``."""
    return _lookup(RIGHTS, language, right)


def outcome_label(language: str, outcome: object) -> str:
    """Translate a decision outcome code such as ``"granted"``."""
    return _lookup(OUTCOMES, language, outcome)


def recipient_kind_label(language: str, kind: object) -> str:
    """Translate a recipient kind (``"processor"`` or ``"controller"``)."""
    return _lookup(RECIPIENT_KINDS, language, kind)


def format_date(value: object, language: str) -> str:
    """Format an ISO date/datetime string as readers of ``language`` expect it.

    German gives ``27.11.2026``, English ``27 Nov 2026``. The date is taken in the
    value's own time zone; unparsable values are returned unchanged, empty ones as "—".
    """
    if not value:
        return "—"
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    locale = "de_DE" if normalise_language(language) == "de" else "en_GB"
    return babel_format_date(parsed.date(), format="medium", locale=locale)


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?$")
_BOOLEAN = {"de": ("ja", "nein"), "en": ("yes", "no")}


def display_value(value: object, language: str) -> object:
    """A stored value as a reader expects it: dates and times in the language's format,
    booleans as words; anything else unchanged (the JSON export keeps the stored form)."""
    lang = normalise_language(language)
    if isinstance(value, bool):
        return _BOOLEAN[lang][0 if value else 1]
    if not isinstance(value, str):
        return value
    if _ISO_DATE.match(value):
        return format_date(value, lang)
    if _ISO_DATETIME.match(value):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return f"{format_date(value, lang)} {moment.strftime('%H:%M')}"
    return value
