"""A copy of the demo shop whose customer Jürgen Weiß has two service e-mails written from a
real letter (Datenanfragen.de's rectification sample, CC0, tests/dsr/answers/fixtures/): the
first names his neighbour and a stranger's bank account, the second names them again."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine, text

LETTER = (Path(__file__).resolve().parents[1] / "dsr" / "answers" / "fixtures"
          / "rectification_letter.de.txt").read_text("utf-8")
FOLLOW_UP = ("Guten Tag,\n\nzu meinem Schreiben vom 14.11.: das Paket hat mir Frau Krüger "
             "inzwischen gebracht. Die Erstattung liegt aber immer noch bei Lehner; bitte buchen "
             "Sie sie zurück.\n\nMit freundlichen Grüßen\nJürgen Weiß")
EMAIL = "juergen.weiss@example.org"


def shop_with_letters(shop_url: str, target: Path, email: str = EMAIL) -> str:
    """Copy the SQLite demo shop at ``shop_url`` to ``target`` and add the two e-mails to the
    customer with ``email``; returns the copy's URL."""
    shutil.copy(shop_url.removeprefix("sqlite:///"), target)
    url = f"sqlite:///{target}"
    add_letters(url, email)
    return url


def add_letters(url: str, email: str = EMAIL) -> None:
    """Add the two e-mails to the customer with ``email`` in the shop database at ``url``."""
    engine = create_engine(url)
    with engine.begin() as conn:
        customer = conn.execute(text("SELECT id FROM customers WHERE email = :e"),
                                {"e": email}).scalar_one()
        next_id = int(conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM service_emails"))
                      .scalar_one()) + 1
        for offset, (subject, body, day) in enumerate((
                ("Antrag auf Berichtigung (Art. 16 DSGVO)", LETTER, 14),
                ("Nachtrag zu meinem Antrag", FOLLOW_UP, 20))):
            conn.execute(text(
                "INSERT INTO service_emails (id, customer_id, order_id, direction, from_address,"
                " to_address, sent_at, subject, body) VALUES (:id, :c, NULL, 'in', :f,"
                " 'service@pso.example.org', :t, :s, :b)"),
                {"id": next_id + offset, "c": customer, "f": email,
                 "t": datetime(2026, 11, day, 9, 30), "s": subject, "b": body})
    engine.dispose()
