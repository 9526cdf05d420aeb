"""Labels of the audit trail's events and of the request page's staff texts: key -> (German,
English). Every ``dsr.audit.AuditAction`` has one (a test checks)."""

from __future__ import annotations

PAIRS: dict[str, tuple[str, str]] = {
    "event_answer_delivered": ("Antwort zugestellt", "Answer delivered"),
    "event_answer_downloaded": ("Antwort abgerufen", "Answer downloaded"),
    "event_answer_sealed": ("Antwort versiegelt (Prüfsumme gespeichert)", "Answer sealed (checksum stored)"),
    "event_email_delivery_requested": ("Zustellung per E-Mail gewünscht", "Delivery by e-mail requested"),
    "event_id_copy_viewed": ("Ausweiskopie angesehen", "ID copy viewed"),
    "event_identity_evidence_enclosed": ("Identitätsnachweis beigefügt", "Identity evidence enclosed"),
    "event_inbound_reduced": ("Eingegangene Nachricht auf Nachweis reduziert", "Inbound message reduced to the record"),
    "event_mail_attached": ("E-Mail zugeordnet", "E-mail attached"),
    "event_mail_reply": ("Antwort des Antragstellers eingegangen", "Reply from the requester received"),
    "event_mail_reminder": ("Erinnerung des Antragstellers eingegangen", "Reminder from the requester received"),
    "event_message_edited": ("Nachricht bearbeitet", "Message edited"),
    "event_portal_expired": ("Abruf-Link abgelaufen", "Download link expired"),
    "event_recipient_confirmation_undone": ("Bestätigung des Empfängers zurückgenommen", "Recipient's confirmation taken back"),
    "event_recipient_reminded": ("Empfänger erinnert", "Recipient reminded"),
    "event_redacted": ("Geschwärzt", "Redacted"),
    "event_redaction_removed": ("Schwärzung aufgehoben", "Redaction removed"),
    "event_register_changed": ("Verarbeitungsverzeichnis geändert", "Register changed"),
    "event_register_seeded": ("Verarbeitungsverzeichnis angelegt", "Register seeded"),
    "event_sealed_answer_reduced": ("Versiegelte Antwort auf Nachweis reduziert", "Sealed answer reduced to the record"),
    "event_task_waived": ("Aufgabe erlassen (mit Begründung)", "Task waived (with reason)"),
    "event_transition": ("Statuswechsel", "Status change"),
    "event_types_corrected": ("Art der Anfrage korrigiert", "Request type corrected"),
    "event_types_confirmed": ("Art der Anfrage bestätigt", "Request type confirmed"),
}
