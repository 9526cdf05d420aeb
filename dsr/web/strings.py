"""The pages' texts in German and English (the customer reads both; staff pick one)."""

from __future__ import annotations

_TYPES = {
    "access": ("Auskunft", "Access", "Welche Daten wir über Sie speichern (Art. 15 DSGVO)",
               "What data we hold about you (Art. 15 GDPR)"),
    "portability": ("Datenübertragung", "Portability", "Ihre Daten maschinenlesbar (Art. 20)",
                    "Your data, machine-readable (Art. 20)"),
    "rectification": ("Berichtigung", "Rectification", "Falsche Daten korrigieren (Art. 16)",
                      "Correct wrong data (Art. 16)"),
    "restriction": ("Einschränkung (Sperrung)", "Restriction", "Verarbeitung einschränken (Art. 18)",
                    "Restrict processing (Art. 18)"),
    "erasure": ("Löschung", "Erasure", "Ihre Daten löschen (Art. 17)", "Delete your data (Art. 17)"),
    "objection": ("Widerspruch", "Objection", "Keine Werbung, Marktforschung, Bonitätsübermittlung (Art. 21)",
                  "No advertising, market research or credit-check transfers (Art. 21)"),
    "consent_withdrawal": ("Einwilligung widerrufen", "Withdraw consent",
                           "z. B. Newsletter abbestellen (Art. 7 Abs. 3)",
                           "e.g. unsubscribe from the newsletter (Art. 7(3))"),
    "contest_decision": ("Automatisierte Entscheidung anfechten", "Contest an automated decision",
                         "z. B. die Bonitätsprüfung durch einen Menschen prüfen lassen (Art. 22)",
                         "e.g. have the credit check reviewed by a person (Art. 22)"),
}
_STATUS = {
    "received": ("Eingegangen", "Received"),
    "awaiting_verification": ("Identitätsprüfung", "Awaiting verification"),
    "verified": ("Identität bestätigt", "Verified"),
    "processing": ("In Bearbeitung", "Processing"),
    "review": ("Prüfung", "Review"),
    "executing": ("Ausführung", "Executing"),
    "completed": ("Abgeschlossen", "Completed"),
    "rejected": ("Abgelehnt", "Rejected"),
    "withdrawn": ("Zurückgezogen", "Withdrawn"),
    "merged": ("Zusammengeführt", "Merged"),
}
_PUBLIC_STATUS = {
    "received": ("Eingegangen", "Received"),
    "awaiting_verification": ("Wir prüfen Ihre Identität", "We are checking your identity"),
    "verified": ("In Bearbeitung", "In progress"),
    "processing": ("In Bearbeitung", "In progress"),
    "review": ("In Bearbeitung", "In progress"),
    "executing": ("In Bearbeitung", "In progress"),
    "completed": ("Erledigt", "Done"),
    "rejected": ("Abgelehnt – Sie haben eine Nachricht erhalten", "Refused – we have written to you"),
    "withdrawn": ("Zurückgezogen", "Withdrawn"),
    "merged": ("Mit einem anderen Antrag zusammengeführt", "Merged with another request"),
}
_PAIRS = {
    "app_title": ("Datenschutz-Anfragen", "Privacy requests"),
    "shop_name": ("PSO Computer", "PSO Computer"),
    "footer": ("Ihre Anfrage ist kostenlos (Art. 12 Abs. 5 DSGVO).", "Your request is free of charge (Art. 12(5) GDPR)."),
    "nav_queue": ("Eingang", "Queue"), "nav_users": ("Benutzer", "Users"),
    "nav_status": ("Status einer Anfrage", "Request status"), "nav_staff": ("Anmelden", "Sign in"),
    "sign_in": ("Anmelden", "Sign in"), "sign_out": ("Abmelden", "Sign out"),
    "login_failed": ("Benutzername oder Passwort falsch.", "Wrong username or password."),
    "pow_notice": ("Von Ihrem Anschluss kamen in letzter Zeit viele Anfragen. Ihre Eingaben sind "
                   "erhalten: Bitte senden Sie das Formular noch einmal ab; Ihr Browser rechnet "
                   "dazu kurz (ein paar Sekunden).", "Many requests came from your connection "
                   "lately. What you typed is kept: please send the form again; your browser "
                   "computes briefly (a few seconds) first."),
    "pow_working": ("Einen Moment, Ihr Browser rechnet …", "One moment, your browser is computing …"),
    "login_wait": ("Zu viele Fehlversuche für dieses Konto: bitte in {seconds} Sekunden erneut "
                   "versuchen.", "Too many failed attempts for this account: please try again "
                   "in {seconds} seconds."),
    "role_staff": ("Servicedesk", "Service desk"), "role_coordinator": ("Datenschutzkoordination", "Privacy coordinator"),
    "role_admin": ("Administration", "Admin"), "role": ("Rolle", "Role"),
    "form_title": ("Ihre Datenschutz-Anfrage", "Your privacy request"),
    "form_intro": ("Hier können Sie Auskunft über Ihre bei uns gespeicherten Daten verlangen, sie berichtigen, sperren oder löschen lassen, der Werbung widersprechen oder eine Einwilligung widerrufen. Wir antworten innerhalb eines Monats.",
                   "Ask what data we hold about you, have it corrected, restricted or deleted, object to advertising or withdraw a consent. We answer within one month."),
    "field_types": ("Was möchten Sie?", "What would you like?"),
    "request_types": ("Art der Anfrage", "Request type"),
    "hint_types": ("(mehrere möglich)", "(choose one or more)"),
    "field_name": ("Vor- und Nachname", "First and last name"),
    "field_email": ("E-Mail-Adresse", "E-mail address"),
    "hint_email": ("– am besten die, die Sie bei uns verwenden", "– ideally the one you use with us"),
    "field_customer_number": ("Kundennummer", "Customer number"),
    "field_postal_address": ("Postanschrift", "Postal address"),
    "field_message": ("Ihre Nachricht", "Your message"),
    "field_reference": ("Vorgangsnummer", "Reference"),
    "field_code": ("Code", "Code"), "hint_code": ("aus unserer Eingangsbestätigung", "from our acknowledgement"),
    "field_username": ("Benutzername", "Username"), "field_password": ("Passwort", "Password"),
    "hint_password": ("mindestens 10 Zeichen", "at least 10 characters"),
    "field_norm": ("Rechtsgrundlage", "Legal norm"), "field_reason": ("Begründung", "Reason"),
    "optional": ("(freiwillig)", "(optional)"),
    "more_details": ("Weitere Angaben: Vertretung, geänderte Adresse, andere Empfangsadresse", "More: acting for someone, a changed address, another address for the answer"),
    "field_acting_as": ("Ich handle für eine andere Person als", "I am acting for someone else as"),
    "acting_as_self": ("— nein, für mich selbst", "— no, for myself"), "acting_as_lawyer": ("Rechtsanwalt/Rechtsanwältin", "Lawyer"),
    "acting_as_relative": ("Angehörige/r", "Relative"), "acting_as_heir": ("Erbe/Erbin einer verstorbenen Person", "Heir of a deceased person"),
    "acting_as_other": ("andere Vertretung", "Other representative"),
    "hint_acting_as": ("Wir benötigen dann eine Vollmacht; die betroffene Person wird informiert.", "We then need a power of attorney; the person concerned is informed."),
    "field_new_email": ("Neue E-Mail-Adresse, falls geändert", "New e-mail address, if it changed"),
    "hint_new_email": ("Wir bestätigen die Änderung zuerst über die bisher bei uns hinterlegte Adresse.", "We confirm the change through the address we hold on file first."),
    "field_deliver_to": ("Antwort an eine andere Adresse senden", "Send the answer to another address"),
    "hint_deliver_to": ("Aus Sicherheitsgründen prüft das ein Mitarbeiter; ohne Prüfung geht die Antwort nur an die hinterlegte Adresse.", "For your safety a person checks this; without that, the answer goes only to the address on file."),
    "form_privacy": ("Wir verwenden Ihre Angaben nur, um Ihre Anfrage zu bearbeiten und Ihre Identität zu prüfen. Ob Sie Kunde bei uns sind, prüfen wir erst nach dem Absenden.",
                     "We use these details only to handle your request and check your identity. Whether you are a customer is checked only after you submit."),
    "submit": ("Anfrage absenden", "Send request"),
    "error_types": ("Bitte wählen Sie mindestens eine Art der Anfrage.", "Please choose at least one kind of request."),
    "error_name": ("Bitte geben Sie Ihren vollständigen Namen an (mindestens 2 Zeichen).", "Please enter your full name (at least 2 characters)."),
    "error_email": ("Bitte geben Sie eine gültige E-Mail-Adresse an.", "Please enter a valid e-mail address."),
    "error_message": ("Die Nachricht ist zu lang (höchstens 10.000 Zeichen).", "The message is too long (10,000 characters at most)."),
    "error_too_long": ("Das ist zu lang: bitte höchstens {n} Zeichen.", "This is too long: {n} characters at most, please."),
    "error_field": ("Bitte prüfen Sie diese Angabe.", "Please check this entry."),
    "submitted_title": ("Vielen Dank – Ihre Anfrage ist eingegangen", "Thank you – we have received your request"),
    "submitted_reference": ("Ihre Vorgangsnummer:", "Your reference:"),
    "submitted_text": ("Falls die angegebene E-Mail-Adresse erreichbar ist, erhalten Sie in Kürze eine Eingangsbestätigung mit einem Code, mit dem Sie den Stand jederzeit abrufen können. Bevor wir Daten herausgeben oder ändern, bestätigen wir, dass die Anfrage von Ihnen stammt.",
                       "If the address you gave can receive mail, an acknowledgement with a code to follow your request will arrive shortly. Before we disclose or change any data, we confirm that the request comes from you."),
    "status_not_found": ("Vorgangsnummer und Code passen nicht zusammen.", "Reference and code do not match."),
    "show_status": ("Status anzeigen", "Show status"),
    "received": ("Eingegangen", "Received"), "status": ("Status", "Status"),
    "deadline": ("Frist", "Deadline"), "days_left": ("noch {n} Tage", "{n} days left"),
    "days": ("Tage", "Days"), "channel": ("Kanal", "Channel"), "language": ("Sprache", "Language"),
    "extended": ("verlängert", "extended"), "waiting_on_subject": ("wartet auf Antragsteller", "waiting on the subject"),
    "channel_form": ("Formular", "Form"), "channel_api": ("API", "API"), "channel_email": ("E-Mail", "E-mail"),
    "channel_letter": ("Brief", "Letter"), "channel_fax": ("Fax", "Fax"), "channel_phone": ("Telefon", "Phone"),
    "chart_deadlines": ("Offene Anfragen nach verbleibender Frist", "Open requests by time left"),
    "bucket_late": ("überfällig", "overdue"), "bucket_soon": ("0–3 Tage", "0–3 days"),
    "bucket_week": ("4–7 Tage", "4–7 days"), "bucket_later": ("mehr als 7 Tage", "more than 7 days"),
    "show_open": ("offene", "open"), "show_all": ("alle", "all"),
    "queue_empty": ("Keine Anfragen.", "No requests."),
    "claims": ("Angaben des Antragstellers", "What the requester says"),
    "match_table": ("Abgleich mit den Systemen", "Match against the systems"),
    "system": ("System", "System"), "claim": ("Angabe", "Claim"), "result": ("Ergebnis", "Result"),
    "match_match": ("stimmt überein", "matches"), "match_mismatch": ("weicht ab", "differs"),
    "match_not_found": ("nicht gefunden", "not found"), "match_not_given": ("nicht angegeben", "not given"),
    "match_conflict": ("widersprüchlich", "conflicting"),
    "match_proposed": ("nur vorgeschlagen", "proposed only"),
    "subjects_found": ("gefundene Personen", "subjects found"), "proposals": ("Vorschläge", "proposals"),
    "no_match_yet": ("Der Abgleich läuft noch.", "Matching has not run yet."),
    "actions": ("Aktionen", "Actions"),
    "action_verify": ("Identität bestätigen", "Confirm identity"),
    "action_process": ("Daten suchen", "Find the data"),
    "action_approve": ("Freigeben", "Approve"),
    "action_extend": ("Frist verlängern", "Extend the deadline"),
    "field_months": ("um Monate", "by months"),
    "extend_hint": ("geht an den Antragsteller (Art. 12 Abs. 3 Satz 3)", "sent to the requester (Art. 12(3))"),
    "done_extend": ("Frist verlängert; der Antragsteller wird informiert.", "Deadline extended; the requester is told."),
    "task_notify_extension": ("Verlängerung mitteilen", "Send extension notice"),
    "event_extended": ("Frist verlängert", "Deadline extended"),
    "event_escalated": ("Eskaliert (Frist überschritten)", "Escalated (deadline passed)"),
    "event_document_deleted": ("Arbeitskopie gelöscht", "Working copy deleted"),
    "event_reduced": ("Auf Nachweis reduziert", "Reduced to the record"),
    "action_reprocess": ("Neu suchen", "Search again"),
    "reason_needed": ("Pflicht bei Teil-/Ablehnung", "required unless granted"),
    "approve_hint": ("Nichts Unumkehrbares geschieht vor der Freigabe.", "Nothing irreversible happens before approval."),
    "action_release": ("Antwort herausgeben", "Release the answer"),
    "action_reject": ("Ablehnen", "Reject"), "action_withdraw": ("Zurückziehen", "Withdraw"),
    "reject_hint": ("Die Ablehnung nennt das Beschwerderecht bei der Aufsichtsbehörde und den Rechtsweg (Art. 12 Abs. 4).",
                    "The refusal names the right to complain to the supervisory authority and the judicial remedy (Art. 12(4))."),
    "no_actions": ("Keine Aktionen in diesem Status.", "No actions in this state."),
    "done_verify": ("Identität bestätigt.", "Identity confirmed."),
    "done_process": ("Suche gestartet – der Entwurf erscheint, sobald alle Systeme geantwortet haben.", "Search started – the draft appears once every system has answered."),
    "done_approve": ("Freigegeben.", "Approved."), "done_release": ("Antwort herausgegeben.", "Answer released."),
    "done_reject": ("Abgelehnt.", "Rejected."), "done_withdraw": ("Zurückgezogen.", "Withdrawn."),
    "done_retry": ("Aufgabe wird erneut versucht.", "Task will be retried."),
    "answer": ("Antwort", "Answer"), "download_pdf": ("PDF herunterladen", "Download PDF"),
    "download_json": ("JSON herunterladen", "Download JSON"), "draft_from": ("Stand:", "As of"),
    "no_answer_yet": ("Noch kein Entwurf.", "No draft yet."),
    "report_not_ready": ("Der Bericht ist noch nicht fertig.", "The report is not ready yet."),
    "right": ("Recht", "Right"), "category": ("Kategorie", "Category"), "outcome": ("Entscheidung", "Decision"),
    "outcome_granted": ("gewährt", "granted"), "outcome_partly_granted": ("teilweise gewährt", "partly granted"),
    "outcome_refused": ("abgelehnt", "refused"),
    "tasks": ("Aufgaben", "Tasks"), "task": ("Aufgabe", "Task"), "attempts": ("Versuche", "Attempts"),
    "retry": ("Erneut versuchen", "Retry"),
    "task_acknowledge": ("Eingangsbestätigung", "Acknowledgement"), "task_discover": ("Abgleich", "Matching"),
    "task_collect": ("Daten lesen", "Read data"), "task_compile": ("Entwurf erstellen", "Build draft"),
    "task_finalise": ("Antwort erstellen", "Build answer"), "task_notify_refusal": ("Ablehnung senden", "Send refusal"),
    "task_status_pending": ("wartet", "pending"), "task_status_running": ("läuft", "running"),
    "task_status_done": ("erledigt", "done"), "task_status_failed": ("fehlgeschlagen", "failed"),
    "task_status_waived": ("entfallen", "waived"),
    "audit_trail": ("Protokoll", "Audit trail"),
    "actor_system": ("System", "System"), "actor_customer": ("Antragsteller", "Requester"), "when": ("Wann", "When"), "who": ("Wer", "Who"),
    "what": ("Was", "What"), "hash": ("Hash", "Hash"),
    "event_received": ("Anfrage eingegangen", "Request received"), "event_released": ("Antwort herausgegeben", "Answer released"),
    "event_signed_in": ("Anmeldung", "Signed in"),
    "new_user": ("Neuer Benutzer", "New user"), "create": ("Anlegen", "Create"),
    "active": ("aktiv", "active"), "inactive": ("inaktiv", "inactive"),
    "back_home": ("Zur Startseite", "Back to the start page"),
    "error_403": ("Keine Berechtigung", "Not allowed"), "error_404": ("Nicht gefunden", "Not found"),
    "error_400": ("Ungültige Anfrage", "Bad request"), "error_429": ("Zu viele Anfragen", "Too many requests"),
    "error_500": ("Etwas ist schiefgegangen", "Something went wrong"),
    "error_text_403": ("Ihre Rolle erlaubt diese Seite nicht.", "Your role does not allow this page."),
    "error_text_429": ("Bitte versuchen Sie es später noch einmal.", "Please try again later."),
    "error_text_400": ("Das Formular war abgelaufen oder unvollständig. Bitte laden Sie die Seite neu.", "The form had expired or was incomplete. Please reload the page."),
    "error_text_generic": ("Bitte versuchen Sie es später erneut. Wenn der Fehler bleibt, schreiben Sie uns an datenschutz@pso.example.org.", "Please try again later. If the error persists, write to datenschutz@pso.example.org."),
    "error_text_404": ("Diese Seite gibt es nicht (mehr). Prüfen Sie die Adresse oder beginnen Sie auf der Startseite.", "This page does not exist (any more). Check the address or start on the home page."),
    "error_405": ("Aktion nicht möglich", "Action not possible"),
    "error_text_405": ("Diese Seite kann so nicht aufgerufen werden.", "This page cannot be used this way."),
    "error_413": ("Datei zu groß", "File too large"),
    "error_text_413": ("Die Datei ist größer als erlaubt (20 MB).", "The file is larger than allowed (20 MB)."),
}

from dsr.answers import messages as strings_answers  # noqa: E402
from dsr.changes import messages as strings_changes  # noqa: E402
from dsr.changes import rectification_messages as strings_rectification  # noqa: E402
from dsr.mail import messages as strings_mail  # noqa: E402
from dsr.verification import messages as strings_verification  # noqa: E402

STRINGS: dict[str, dict[str, str]] = {"de": {}, "en": {}}
for _key, (_de, _en) in (_PAIRS | strings_answers.PAIRS | strings_changes.PAIRS | strings_mail.PAIRS
                         | strings_verification.PAIRS | strings_rectification.PAIRS).items():
    STRINGS["de"][_key], STRINGS["en"][_key] = _de, _en
for _kind, (_de, _en, _help_de, _help_en) in _TYPES.items():
    STRINGS["de"][f"type_{_kind}"], STRINGS["en"][f"type_{_kind}"] = _de, _en
    STRINGS["de"][f"type_help_{_kind}"], STRINGS["en"][f"type_help_{_kind}"] = _help_de, _help_en
for _state, (_de, _en) in _STATUS.items():
    STRINGS["de"][f"status_{_state}"], STRINGS["en"][f"status_{_state}"] = _de, _en
for _state, (_de, _en) in _PUBLIC_STATUS.items():
    STRINGS["de"][f"public_status_{_state}"], STRINGS["en"][f"public_status_{_state}"] = _de, _en

from dsr.changes import holds_messages as strings_holds  # noqa: E402

for _key, (_de, _en) in strings_holds.PAIRS.items():
    STRINGS["de"][_key], STRINGS["en"][_key] = _de, _en

from dsr.recipients import messages as strings_notices  # noqa: E402

for _key, (_de, _en) in strings_notices.PAIRS.items():
    STRINGS["de"][_key], STRINGS["en"][_key] = _de, _en

from dsr.contest import messages as strings_contest  # noqa: E402

for _key, (_de, _en) in strings_contest.PAIRS.items():
    STRINGS["de"][_key], STRINGS["en"][_key] = _de, _en

from dsr.web import audit_messages as strings_audit  # noqa: E402

for _key, (_de, _en) in strings_audit.PAIRS.items():
    STRINGS["de"][_key], STRINGS["en"][_key] = _de, _en

from dsr.requests import statistics_messages as strings_statistics  # noqa: E402

for _key, (_de, _en) in strings_statistics.PAIRS.items():
    STRINGS["de"][_key], STRINGS["en"][_key] = _de, _en
