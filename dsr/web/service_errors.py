"""The services' refusals in the page's language.

Domain code raises its errors with an English (or "German / English") message, which the CLI
and the API pass on as they are. Coordinator pages are German first: this table gives each
message a German and an English text, with the message's variable parts kept."""

from __future__ import annotations

import re

from flask import g

_Pattern = tuple[re.Pattern[str], str, str]


def _p(pattern: str, german: str, english: str) -> _Pattern:
    return re.compile(f"^{pattern}$", re.S), german, english


_MESSAGES: tuple[_Pattern, ...] = (
    # dsr.requests.operations
    _p(r"decisions: a partly granted or refused right needs a reason",
       "Entscheidungen: Ein teilweise gewährtes oder abgelehntes Recht braucht eine Begründung.",
       "Decisions: a partly granted or refused right needs a reason."),
    _p(r"decisions: at least one decision is needed to approve",
       "Entscheidungen: Für die Freigabe ist mindestens eine Entscheidung nötig.",
       "Decisions: at least one decision is needed to approve."),
    _p(r"decisions: unknown outcome (.*)", "Entscheidungen: unbekanntes Ergebnis {0}.",
       "Decisions: unknown outcome {0}."),
    _p(r"norm and reason are both needed to reject a request",
       "Für die Ablehnung sind Rechtsgrundlage und Begründung nötig.",
       "A refusal needs both the legal norm and the reason."),
    _p(r"the deadline has been extended already", "Die Frist wurde bereits verlängert.",
       "The deadline has been extended already."),
    _p(r"extend: the request is (\w+)", "Verlängerung: Die Anfrage ist im Status {0}.",
       "Extension: the request is {0}."),
    _p(r"release: the request is (\w+), not executing",
       "Herausgabe: Die Anfrage ist im Status {0}, nicht in Ausführung.",
       "Release: the request is {0}, not executing."),
    _p(r"method: one of (.*)", "Prüfmethode: eine von {0}.", "Method: one of {0}."),
    # dsr.changes.operations (corrections typed by the coordinator)
    _p(r"line (\d+): write table\.column = new value",
       "Zeile {0}: bitte in der Form tabelle.spalte = neuer Wert schreiben.",
       "Line {0}: write table.column = new value."),
    _p(r"line (\d+): (.*) is not a field of the data map",
       "Zeile {0}: {1} ist kein Feld der Datenlandkarte.",
       "Line {0}: {1} is not a field of the data map."),
    _p(r"no correction given", "Keine Berichtigung angegeben.", "No correction given."),
    _p(r"the request does not ask for rectification",
       "Die Anfrage verlangt keine Berichtigung.", "The request does not ask for rectification."),
    _p(r"corrections cannot change while the request is (\w+)",
       "Berichtigungen können im Status {0} nicht mehr geändert werden.",
       "Corrections cannot change while the request is {0}."),
    _p(r"received on: not in the future",
       "Eingegangen am: Das Datum darf nicht in der Zukunft liegen.",
       "Received on: the date cannot be in the future."),
    _p(r"received on: not before the notice was sent",
       "Eingegangen am: nicht vor dem Versand der Mitteilung.",
       "Received on: not before the notice was sent."),
    _p(r"note: at most (\d+) characters", "Vermerk: höchstens {0} Zeichen.",
       "Note: at most {0} characters."),
    _p(r"the notice is not confirmed", "Die Mitteilung ist nicht bestätigt.",
       "The notice is not confirmed."),
    # dsr.changes.holds
    _p(r"lift reason: say why the hold ends \(e\.g\. the claim is settled\)",
       "Begründung der Aufhebung: bitte angeben, warum die Sperre endet (z. B. Forderung "
       "beglichen).", "Reason for lifting: say why the hold ends (e.g. the claim is settled)."),
    _p(r"lift reason: at most (\d+) characters", "Begründung der Aufhebung: höchstens {0} Zeichen.",
       "Reason for lifting: at most {0} characters."),
    _p(r"reason: say why \(e\.g\. the claim or the audit\), without personal data",
       "Begründung: bitte angeben (z. B. die Forderung oder die Prüfung), ohne personenbezogene "
       "Daten.", "Reason: say why (e.g. the claim or the audit), without personal data."),
    _p(r"reason: at most (\d+) characters", "Begründung: höchstens {0} Zeichen.",
       "Reason: at most {0} characters."),
    _p(r"reference: at most (\d+) characters", "Aktenzeichen: höchstens {0} Zeichen.",
       "Reference: at most {0} characters."),
    _p(r"no active hold (\d+): it was lifted on (.*)",
       "Sperre {0} ist nicht mehr aktiv: aufgehoben am {1}.",
       "Hold {0} is no longer active: lifted on {1}."),
    # dsr.answers.redaction
    _p(r"the text does not occur in that field",
       "Der Text kommt in diesem Feld nicht vor.", "The text does not occur in that field."),
    _p(r"that record or field is not in the subject's data",
       "Dieser Datensatz oder dieses Feld gehört nicht zu den Daten der Person.",
       "That record or field is not in the subject's data."),
    _p(r"text: between (\d+) and (\d+) characters", "Text: {0} bis {1} Zeichen.",
       "Text: between {0} and {1} characters."),
    _p(r"reason: one of (.*)", "Grund: einer von {0}.", "Reason: one of {0}."),
    _p(r"no such redaction on this request", "Diese Schwärzung gibt es bei dieser Anfrage nicht.",
       "No such redaction on this request."),
    _p(r"the answer has been released; its redactions stay",
       "Die Antwort ist herausgegeben; ihre Schwärzungen bleiben.",
       "The answer has been released; its redactions stay."),
)


def service_error(exc: Exception | str) -> str:
    """The refusal in the page's language: an error that carries ``de`` and ``en`` texts
    gives the one for the page; a known English message its translation; a message written
    "German / English" its half; anything else as it is."""
    lang = g.get("lang", "de")
    german, english = getattr(exc, "de", None), getattr(exc, "en", None)
    if isinstance(german, str) and isinstance(english, str):
        return german if lang == "de" else english
    message = str(exc)
    for pattern, de, en in _MESSAGES:
        if match := pattern.match(message):
            return (de if lang == "de" else en).format(*match.groups())
    halves = message.split(" / ")
    if len(halves) == 2:
        return halves[0].strip() if lang == "de" else halves[1].strip()
    return message
