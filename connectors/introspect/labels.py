"""Draft labels in German and English from a column's or table's name (a person reviews them).

Known words are translated; an unknown word stays as it is in both languages, and the caller
marks the label with a ``# TODO``.
"""

from __future__ import annotations

from connectors.introspect.classify import WORD

WORDS: dict[str, tuple[str, str]] = {
    "id": ("Nr.", "no."), "email": ("E-Mail-Adresse", "e-mail address"),
    "mail": ("E-Mail", "e-mail"), "first": ("Vor-", "first"), "last": ("Nach-", "last"),
    "firstname": ("Vorname", "first name"), "lastname": ("Nachname", "last name"),
    "name": ("Name", "name"), "street": ("Straße", "street"), "address": ("Adresse", "address"),
    "addresses": ("Adressen", "addresses"), "postcode": ("PLZ", "postcode"),
    "zipcode": ("PLZ", "postcode"), "zip": ("PLZ", "postcode"), "city": ("Ort", "city"),
    "country": ("Land", "country"), "phone": ("Telefon", "phone"),
    "telephone": ("Telefon", "phone"), "mobile": ("Mobil", "mobile"),
    "birthday": ("Geburtsdatum", "date of birth"), "dob": ("Geburtsdatum", "date of birth"),
    "birth": ("Geburt", "birth"), "date": ("Datum", "date"), "created": ("angelegt", "created"),
    "updated": ("geändert", "updated"), "upd": ("geändert", "changed"), "add": ("angelegt",
                                                                                   "added"),
    "customer": ("Kunde", "customer"), "customers": ("Kunden", "customers"),
    "user": ("Benutzer", "user"), "users": ("Benutzer", "users"),
    "order": ("Bestellung", "order"), "orders": ("Bestellungen", "orders"),
    "invoice": ("Rechnung", "invoice"), "billing": ("Rechnung", "billing"),
    "shipping": ("Lieferung", "shipping"), "delivery": ("Lieferung", "delivery"),
    "total": ("Summe", "total"), "amount": ("Betrag", "amount"), "price": ("Preis", "price"),
    "tax": ("Steuer", "tax"), "status": ("Status", "status"), "state": ("Zustand", "state"),
    "message": ("Nachricht", "message"), "comment": ("Kommentar", "comment"),
    "comments": ("Kommentare", "comments"), "note": ("Notiz", "note"), "ip": ("IP", "IP"),
    "agent": ("Browserkennung", "agent"), "password": ("Passwort", "password"),
    "passwd": ("Passwort", "password"), "pass": ("Passwort", "password"),
    "token": ("Token", "token"), "key": ("Schlüssel", "key"), "company": ("Firma", "company"),
    "guest": ("Gast", "guest"), "session": ("Sitzung", "session"), "sessions": ("Sitzungen",
                                                                               "sessions"),
    "connections": ("Verbindungen", "connections"), "thread": ("Anfrage", "thread"),
    "meta": ("Daten", "data"), "value": ("Wert", "value"), "type": ("Art", "type"),
    "log": ("Protokoll", "log"), "newsletter": ("Newsletter", "newsletter"),
    "gift": ("Geschenk", "gift"), "payment": ("Zahlung", "payment"), "entity": ("", ""),
    "number": ("Nummer", "number"), "lang": ("Sprache", "language"), "shop": ("Shop", "shop"),
    "review": ("Bewertung", "review"), "author": ("Autor", "author"), "content": ("Inhalt",
                                                                                 "content"),
    "title": ("Titel", "title"), "text": ("Text", "text"), "active": ("aktiv", "active"),
    "login": ("Anmeldung", "login"), "registered": ("registriert", "registered"),
    "gmt": ("(UTC)", "(UTC)"), "remote": ("entfernte", "remote"),
}


def draft(name: str, prefix: str = "") -> tuple[dict[str, str], bool]:
    """(``{de, en}``, fully translated) for a table or column name."""
    stem = name[len(prefix):] if prefix and name.startswith(prefix) else name
    parts = [w.casefold() for w in WORD.findall(stem)] or [stem]
    de, en, known = [], [], True
    for part in parts:
        if part in WORDS:
            german, english = WORDS[part]
        else:
            german = english = part
            known = False
        if german:
            de.append(german)
        if english:
            en.append(english)
    english_text = " ".join(en).strip() or stem
    german_text = " ".join(de).replace("- ", "-").strip() or stem
    return {"de": german_text[:1].upper() + german_text[1:],
            "en": english_text[:1].upper() + english_text[1:]}, known
