"""The access report's fixed texts in German and English.

Texts with ``{placeholders}`` are filled with :meth:`str.format`; the values put into them must
already be XML-escaped, because the results are reportlab Paragraph markup.
"""

from __future__ import annotations

from collections.abc import Mapping

TEXTS: Mapping[str, Mapping[str, str]] = {
    "de": {
        "title": "Auskunft nach Art. 15 DSGVO",
        "controller": "Verantwortlicher",
        "dpo": "Datenschutzbeauftragte/r",
        "subject": "Betroffene Person",
        "reference": "Aktenzeichen",
        "received": "Antrag eingegangen am",
        "due": "Antwortfrist bis",
        "generated": "Erstellt am",
        "request_types": "Art des Antrags",
        "register_version": "Verzeichnis der Verarbeitungstätigkeiten",
        "register_as_of": "Stand des Verzeichnisses: Version {number} vom {date}",
        "register_as_of_date": "Stand des Verzeichnisses: {date}",
        "systems_searched": "Durchsuchte Systeme: {systems}.",
        "systems_pending": (
            "Diese Systeme konnten wir nicht rechtzeitig durchsuchen: {systems}. Die Daten daraus "
            "senden wir Ihnen unaufgefordert nach, sobald sie vorliegen."
        ),
        "letter_subject": "Ihre Auskunft nach Art. 15 DSGVO – Aktenzeichen {reference}",
        "letter_salutation": "Guten Tag {name},",
        "letter_body": (
            "Sie haben am {received} Auskunft über die zu Ihrer Person gespeicherten "
            "personenbezogenen Daten verlangt. Mit diesem Schreiben erhalten Sie unsere "
            "Entscheidung zu Ihrem Antrag, die Informationen nach Art. 15 Abs. 1 und 2 DSGVO "
            "(Zwecke, Kategorien, Empfänger, Speicherdauer, Ihre Rechte, Herkunft der Daten und "
            "unsere automatisierte Bonitätsentscheidung) und eine Kopie Ihrer Daten nach "
            "Art. 15 Abs. 3 DSGVO, gegliedert nach Datenkategorien und den Systemen, in denen sie "
            "gespeichert sind. Im Antwortportal finden Sie dieselben Daten zusätzlich "
            "maschinenlesbar (JSON und CSV)."
        ),
        "letter_body_2": (
            "Die Auskunft ist kostenlos (Art. 12 Abs. 5 DSGVO). Wenn Sie Fragen haben oder "
            "Angaben berichtigen lassen möchten, schreiben Sie uns bitte unter Angabe des "
            "Aktenzeichens {reference} an {email}."
        ),
        "letter_close": "Mit freundlichen Grüßen",
        "letter_signature": "{controller} – Datenschutz",
        "toc": "Inhalt",
        "decisions": "Entscheidungen zu Ihrem Antrag",
        "decisions_draft": "Entwurf: Über Ihren Antrag ist noch nicht entschieden.",
        "col_right": "Recht",
        "col_category": "Kategorie",
        "col_outcome": "Ergebnis",
        "col_norm": "Rechtsgrundlage",
        "col_reason": "Begründung",
        "overview": "Übersicht Ihrer gespeicherten Daten",
        "records_col": "Datensätze",
        "col_purposes_of": "Zwecke",
        "register": "Informationen nach Art. 15 Abs. 1 und 2 DSGVO",
        "lit_a": "a) Verarbeitungszwecke und Rechtsgrundlagen",
        "lit_b": "b) Kategorien personenbezogener Daten",
        "lit_c": "c) Empfänger Ihrer Daten",
        "lit_d": "d) Speicherdauer",
        "lit_e": "e) Ihre Rechte auf Berichtigung, Löschung, Einschränkung und Widerspruch",
        "lit_f": "f) Beschwerderecht und Rechtsbehelf",
        "lit_g": "g) Herkunft der Daten",
        "lit_h": "h) Automatisierte Entscheidung: Bonitätsprüfung",
        "par_2": "Art. 15 Abs. 2: Übermittlung in Drittländer",
        "col_purpose": "Zweck",
        "col_categories": "Datenkategorien",
        "recipients_actual": (
            "An diese Empfänger haben wir Ihre Daten tatsächlich übermittelt (nach unseren "
            "Unterlagen zu Ihrer Person):"
        ),
        "recipients_other": (
            "Je nach Zweck erhalten außerdem diese Empfänger Ihre Daten: Auftragsverarbeiter, "
            "die in unserem Auftrag arbeiten, und Stellen, denen wir Daten nur übermitteln, "
            "soweit es für den Zweck nötig ist oder ein Gesetz es verlangt:"
        ),
        "recipients_none": "Nach unseren Unterlagen haben wir Ihre Daten an niemanden übermittelt.",
        "col_recipient": "Empfänger",
        "col_kind": "Art",
        "col_role": "Rolle",
        "col_when": "Zeitpunkt",
        "col_occasions": "Anlass",
        "col_country": "Land",
        "when_range": "{count}-mal, {first} bis {last}",
        "when_once": "am {first}",
        "retention": "Speicherdauer",
        "col_period": "Dauer",
        "retention_intro": "Gesetzliche Aufbewahrungsfristen, die für Ihre Daten gelten:",
        "deletion_intro": "Wann wir Ihre Daten löschen, je Zweck:",
        "period_years": "{n} Jahre",
        "period_days": "{n} Tage",
        "starts_end_of_year": "ab Ende des Jahres, in dem der Beleg entstand",
        "starts_creation": "ab Entstehung",
        "starts_event": "ab dem Ereignis",
        "sources_intro": "Die Daten stammen, je Zweck:",
        "external_intro": "Daten, die wir nicht bei Ihnen erhoben haben:",
        "external_score": "Score {score} % von {bureau}, abgefragt am {date}",
        "rights_intro": "Sie haben gegenüber uns folgende Rechte:",
        "complaint_text": (
            "Sie haben das Recht, sich bei einer Datenschutz-Aufsichtsbehörde zu beschweren "
            "(Art. 77 DSGVO), insbesondere in dem Mitgliedstaat Ihres Aufenthaltsorts, Ihres "
            "Arbeitsplatzes oder des Orts des mutmaßlichen Verstoßes. Zuständig für uns ist:"
        ),
        "remedy_text": (
            "Unabhängig davon können Sie gerichtlich gegen uns vorgehen (Art. 79 DSGVO); die "
            "Klage kann auch beim Gericht Ihres gewöhnlichen Aufenthaltsorts erhoben werden "
            "(§44 BDSG). Gegen einen Beschluss der Aufsichtsbehörde steht Ihnen der Rechtsweg "
            "zu den Verwaltungsgerichten offen (Art. 78 DSGVO, §20 BDSG)."
        ),
        "automated_none": "Über Sie wurde keine automatisierte Entscheidung getroffen.",
        "automated_logic": "Verfahren und Grundsätze",
        "automated_bands": "Entscheidungsregeln",
        "automated_yours": "Ihre Bonitätsprüfungen",
        "automated_consequences": "Tragweite und Ihr Recht auf Überprüfung",
        "col_score_from": "Score ab",
        "col_result": "Ergebnis",
        "col_options": "Angebotene Zahlungsarten",
        "col_date": "Datum",
        "col_score": "Score (%)",
        "col_requested": "Gewünschte Zahlungsart",
        "transfers_none": "Wir übermitteln Ihre Daten nicht in Länder außerhalb der EU/des EWR.",
        "col_safeguard": "Garantie",
        "data": "Kopie Ihrer Daten (Art. 15 Abs. 3 DSGVO)",
        "source": "Quelle",
        "records": "{count} Datensätze",
        "record": "Datensatz {index} von {count}",
        "part": "Teil {index} von {count}",
        "empty_columns": "In keinem Datensatz belegt: {labels}",
        "no_data": "Keine Daten gespeichert",
        "own_records": "Unsere Aufzeichnungen über Ihre Anfragen",
        "own_records_intro": (
            "Zur Bearbeitung von Anfragen nach der DSGVO speichern wir Ihre Anfragen, unsere "
            "Entscheidungen und deren Nachweis (Art. 5 Abs. 2 DSGVO):"
        ),
        "col_reference": "Aktenzeichen",
        "col_received": "Eingegangen",
        "col_types": "Art",
        "col_status": "Stand",
        "col_closed": "Abgeschlossen",
        "redactions": "Schwärzungen",
        "redactions_intro": (
            "In Kopien von Schriftwechseln haben wir Angaben über andere Personen geschwärzt "
            "(Art. 15 Abs. 4 DSGVO). Die geschwärzten Stellen sind mit ████ und dem Grund "
            "gekennzeichnet:"
        ),
        "col_count": "Stellen",
        "page": "Seite {page} von {total}",
    },
    "en": {
        "title": "Access report under Art. 15 GDPR",
        "controller": "Controller",
        "dpo": "Data protection officer",
        "subject": "Data subject",
        "reference": "Reference",
        "received": "Request received",
        "due": "Response due",
        "generated": "Generated",
        "request_types": "Type of request",
        "register_version": "Record of processing activities",
        "register_as_of": "Record of processing activities: version {number} of {date}",
        "register_as_of_date": "Record of processing activities as of {date}",
        "systems_searched": "Systems searched: {systems}.",
        "systems_pending": (
            "We could not search these systems in time: {systems}. We will send you their data "
            "without further request as soon as we have it."
        ),
        "letter_subject": "Your access report under Art. 15 GDPR – reference {reference}",
        "letter_salutation": "Dear {name},",
        "letter_body": (
            "On {received} you asked us for access to the personal data we hold about you. "
            "With this letter you receive our decision on your request, the information "
            "required by Art. 15(1) and (2) GDPR (purposes, categories, recipients, retention, "
            "your rights, where the data came from, and our automated credit decision) and a "
            "copy of your data under Art. 15(3) GDPR, grouped by data category and by the "
            "system in which it is stored. In the answer portal you also find the same data "
            "in machine-readable form (JSON and CSV)."
        ),
        "letter_body_2": (
            "This information is free of charge (Art. 12(5) GDPR). If you have any questions "
            "or want something corrected, please write to {email} quoting the reference "
            "{reference}."
        ),
        "letter_close": "Kind regards",
        "letter_signature": "{controller} – Data Protection",
        "toc": "Contents",
        "decisions": "Decisions on your request",
        "decisions_draft": "Draft: your request has not been decided yet.",
        "col_right": "Right",
        "col_category": "Category",
        "col_outcome": "Outcome",
        "col_norm": "Legal basis",
        "col_reason": "Reason",
        "overview": "Overview of your stored data",
        "records_col": "Records",
        "col_purposes_of": "Purposes",
        "register": "Information under Art. 15(1) and (2) GDPR",
        "lit_a": "(a) Purposes and legal bases",
        "lit_b": "(b) Categories of personal data",
        "lit_c": "(c) Recipients of your data",
        "lit_d": "(d) Retention",
        "lit_e": "(e) Your rights to rectification, erasure, restriction and objection",
        "lit_f": "(f) Right to lodge a complaint and judicial remedy",
        "lit_g": "(g) Where the data came from",
        "lit_h": "(h) Automated decision: credit check",
        "par_2": "Art. 15(2): Transfers to third countries",
        "col_purpose": "Purpose",
        "col_categories": "Data categories",
        "recipients_actual": (
            "We have actually disclosed your data to these recipients (according to our "
            "records about you):"
        ),
        "recipients_other": (
            "Depending on the purpose, these recipients also receive your data: processors "
            "working on our behalf, and bodies we disclose data to only where the purpose "
            "requires it or the law demands it:"
        ),
        "recipients_none": "According to our records we have not disclosed your data to anyone.",
        "col_recipient": "Recipient",
        "col_kind": "Type",
        "col_role": "Role",
        "col_when": "When",
        "col_occasions": "Occasion",
        "col_country": "Country",
        "when_range": "{count} times, {first} to {last}",
        "when_once": "on {first}",
        "retention": "Retention periods",
        "col_period": "Period",
        "retention_intro": "Statutory retention periods that apply to your data:",
        "deletion_intro": "When we delete your data, per purpose:",
        "period_years": "{n} years",
        "period_days": "{n} days",
        "starts_end_of_year": "from the end of the year the document was created",
        "starts_creation": "from creation",
        "starts_event": "from the event",
        "sources_intro": "Where the data came from, per purpose:",
        "external_intro": "Data we did not collect from you:",
        "external_score": "Score {score}% from {bureau}, requested on {date}",
        "rights_intro": "You have the following rights against us:",
        "complaint_text": (
            "You have the right to lodge a complaint with a data protection supervisory "
            "authority (Art. 77 GDPR), in particular in the Member State of your habitual "
            "residence, place of work or place of the alleged infringement. The authority "
            "responsible for us is:"
        ),
        "remedy_text": (
            "You may also take legal action against us (Art. 79 GDPR); the action can be "
            "brought before the court of your habitual residence (§44 BDSG). A decision of the "
            "supervisory authority can be challenged before the administrative courts "
            "(Art. 78 GDPR, §20 BDSG)."
        ),
        "automated_none": "No automated decision has been taken about you.",
        "automated_logic": "Procedure and principles",
        "automated_bands": "Decision rules",
        "automated_yours": "Your credit checks",
        "automated_consequences": "Consequences and your right to a review",
        "col_score_from": "Score from",
        "col_result": "Result",
        "col_options": "Payment options offered",
        "col_date": "Date",
        "col_score": "Score (%)",
        "col_requested": "Payment method requested",
        "transfers_none": "We do not transfer your data to countries outside the EU/EEA.",
        "col_safeguard": "Safeguard",
        "data": "Copy of your data (Art. 15(3) GDPR)",
        "source": "Source",
        "records": "{count} records",
        "record": "Record {index} of {count}",
        "part": "Part {index} of {count}",
        "empty_columns": "Empty in every record: {labels}",
        "no_data": "No data stored",
        "own_records": "Our records of your requests",
        "own_records_intro": (
            "To handle requests under the GDPR we keep your requests, our decisions and the "
            "proof of how we handled them (Art. 5(2) GDPR):"
        ),
        "col_reference": "Reference",
        "col_received": "Received",
        "col_types": "Type",
        "col_status": "Status",
        "col_closed": "Closed",
        "redactions": "Redactions",
        "redactions_intro": (
            "In copies of correspondence we have blacked out details about other people "
            "(Art. 15(4) GDPR). Each redaction is marked ████ with its reason:"
        ),
        "col_count": "Places",
        "page": "Page {page} of {total}",
    },
}
