"""Page texts of the answers work: key -> (German, English)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    # letters to postal requesters (print and post)
    "letters_title": ("Briefe zum Drucken", "Letters to print"),
    "print_letter": ("Brief drucken", "Print letter"),
    "event_letter_stored": ("Brief erstellt", "Letter created"),
    "event_letter_printed": ("Brief gedruckt", "Letter printed"),
    "task_deliver": ("Antwort zustellen", "Deliver answer"),
    "task_confirm_changes": ("Bestätigungen senden", "Send confirmations"),
    # the public answer portal
    "portal_title": ("Ihre Antwort abholen", "Collect your answer"),
    "portal_code_intro": ("Bitte geben Sie den Zugangscode ein, den wir Ihnen in einer eigenen "
                          "E-Mail geschickt haben.",
                          "Please enter the access code we sent you in a separate e-mail."),
    "portal_code": ("Zugangscode", "Access code"),
    "portal_open": ("Antwort öffnen", "Open the answer"),
    "portal_new_code": ("Neuen Code an meine hinterlegte Adresse senden",
                        "Send a new code to my address on file"),
    "portal_code_sent": ("Wir haben Ihnen einen neuen Code geschickt.", "We have sent you a new code."),
    "portal_files_intro": ("Ihre Antwort: das PDF-Dokument für Sie und dieselben Daten "
                           "maschinenlesbar (ZIP mit JSON und CSV).",
                           "Your answer: the PDF document for you and the same data in "
                           "machine-readable form (ZIP with JSON and CSV)."),
    "portal_left": ("Noch {n} Downloads möglich", "{n} downloads left"),
    "portal_until": ("Abrufbar bis", "Available until"),
    "portal_expired": ("Dieser Link ist abgelaufen; die Dateien sind gelöscht. Wenn Sie Ihre "
                       "Antwort noch brauchen, schreiben Sie uns bitte.",
                       "This link has expired; the files have been deleted. If you still need "
                       "your answer, please write to us."),
    "portal_code_wrong": ("Der Code ist nicht richtig.", "That code is not right."),
    "portal_code_locked": ("Dieser Code gilt nicht mehr. Bitte fordern Sie einen neuen an.",
                           "This code no longer works. Please ask for a new one."),
    "portal_codes_exhausted": ("Für diese Antwort können wir keine weiteren Codes senden. "
                               "Bitte schreiben Sie uns.",
                               "We cannot send more codes for this answer. Please write to us."),
    "portal_limit": ("Die Dateien wurden so oft heruntergeladen, wie es möglich ist. Bitte "
                     "schreiben Sie uns, wenn Sie sie noch einmal brauchen.",
                     "The files have been downloaded as often as allowed. Please write to us "
                     "if you need them again."),
    "portal_not_found": ("Diese Datei gibt es hier nicht.", "There is no such file here."),
    # the coordinator's answer step
    "answer_step": ("Antwort: Schwärzen, Nachricht, Versand", "Answer: redaction, message, delivery"),
    "redaction_title": ("Schwärzungen in Kopien von Schriftwechseln", "Redactions in copies of correspondence"),
    "redaction_hint": ("Daten Dritter (Art. 15 Abs. 4 DSGVO) schwärzen: Der Text wird in PDF, JSON und CSV ersetzt, nicht überdeckt. Das Protokoll enthält den Text nicht.",
                       "Black out third parties' data (Art. 15(4) GDPR): the text is replaced in PDF, JSON and CSV, not covered. The audit trail does not hold the text."),
    "redaction_field": ("Feld", "Field"), "redaction_term": ("Zu schwärzender Text", "Text to black out"),
    "redaction_reason": ("Grund", "Reason"), "redaction_places": ("Stellen", "Places"),
    "redaction_add": ("Schwärzen", "Black out"), "redaction_remove": ("Aufheben", "Undo"),
    "redaction_none": ("Keine Schriftwechsel in den gefundenen Daten.", "No correspondence in the data found."),
    "redaction_added": ("Geschwärzt. PDF, JSON und Export der Antwort sind neu erstellt.",
                        "Blacked out. The answer's PDF, JSON and export have been built again."),
    "redaction_rebuild": ("Jede Schwärzung und jede Aufhebung erstellt PDF, JSON und Export der Antwort sofort neu; der Entwurf zeigt sie schon.",
                          "Every redaction and every undo builds the answer's PDF, JSON and export again at once; the draft shows them already."),
    "redaction_closed": ("Die Antwort ist herausgegeben: Schwärzungen sind nicht mehr möglich. Für eine Korrektur ist eine neue Antwort nötig.",
                         "The answer has been released: it can no longer be redacted. A correction needs a new answer."),
    "redaction_reason_third_party": ("Daten Dritter", "Third party's data"),
    "redaction_reason_trade_secret": ("Geschäftsgeheimnis", "Trade secret"),
    "redaction_reason_security": ("Sicherheit", "Security"),
    "message_title": ("Nachricht mit der Antwort (Vorschau)", "Message with the answer (preview)"),
    "message_hint": ("Diese E-Mail geht bei der Freigabe an die hinterlegte Adresse; [LINK] und [EXPIRES] werden beim Versand ausgefüllt. Jede Änderung wird protokolliert.",
                     "This e-mail goes to the address on file when the answer is released; [LINK] and [EXPIRES] are filled in when it is sent. Every edit is audited."),
    "message_edited": ("Bearbeitet am", "Edited"), "message_subject": ("Betreff", "Subject"),
    "message_body": ("Text", "Text"), "message_save": ("Änderung speichern", "Save the edit"),
    "message_saved": ("Die Nachricht ist gespeichert.", "The message is saved."),
    "delivery_title": ("Versand", "Delivery"),
    "delivery_portal": ("Antwortportal", "Answer portal"), "delivery_email": ("E-Mail (auf ausdrücklichen Wunsch)", "E-mail (on express request)"),
    "delivery_letter": ("Brief", "Letter"),
    "email_delivery_note": ("Die betroffene Person wünscht ausdrücklich eine gewöhnliche E-Mail – wo und wann?", "The subject expressly asks for plain e-mail – where and when?"),
    "email_delivery_placeholder": ("z. B. Brief vom 02.02.2026", "e.g. letter of 2 Feb 2026"),
    "email_delivery_record": ("Wunsch festhalten", "Record the request"),
    "email_delivery_hint": ("Ohne diesen Wunsch geht die Antwort über das Portal; nie per Fax.", "Without it the answer goes through the portal; never by fax."),
    "email_delivery_recorded": ("Der Wunsch ist festgehalten.", "The request is recorded."),
    "open_answer_step": ("Schwärzen, Nachricht und Versand", "Redaction, message and delivery"),
    # the processing register
    "register_title": ("Verzeichnis der Verarbeitungstätigkeiten (Art. 30 DSGVO)", "Record of processing activities (Art. 30 GDPR)"),
    "register_in_force": ("Gültig", "In force"), "register_version": ("Fassung", "Version"),
    "register_file": ("Datei (noch keine Fassung gespeichert)", "File (no version saved yet)"),
    "register_export": ("Als TOML exportieren", "Export as TOML"),
    "register_import": ("TOML importieren", "Import TOML"),
    "register_hint": ("Jede Änderung wird geprüft, als neue Fassung gespeichert und protokolliert; Antworten nennen die Fassung, mit der sie erstellt wurden.",
                      "Every change is checked, stored as a new version and audited; answers name the version they were built with."),
    "register_note": ("Anmerkung", "Note"), "register_save": ("Als neue Fassung speichern", "Save as a new version"),
    "register_versions": ("Fassungen", "Versions"),
    "register_no_versions": ("Noch keine Fassung gespeichert; es gilt die Datei.", "No version saved yet; the file is in force."),
    "register_saved": ("Fassung {n} gespeichert und in Kraft.", "Version {n} saved and in force."),
    "register_not_utf8": ("Die Datei ist kein UTF-8-Text.", "The file is not UTF-8 text."),
    "register_no_file": ("Bitte eine TOML-Datei wählen.", "Please choose a TOML file."),
    "nav_register": ("Verzeichnis", "Register"),
}
