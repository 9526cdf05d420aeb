"""Art. 13 GDPR for the request itself (issue 14): the public form links a privacy notice for
the processing of the request — controller from the register, purpose, legal basis Art. 6(1)(c)
with Art. 12, retention of the request per the register, rights, the BayLDA — a page of its
own in German and English."""

from __future__ import annotations

import html
import re
from typing import Any

from dsr.context import Services
from dsr.requests.privacy_notice import notice


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_form_links_the_notice(app: Any) -> None:
    client = app.test_client()
    for lang in ("de", "en"):
        form = client.get(f"/?lang={lang}").get_data(as_text=True)
        assert re.search(r'<a href="/privacy" id="privacy-link">', form)


def test_the_notice_in_german_names_controller_basis_retention_rights_and_authority(
        app: Any, demo_services: Services) -> None:
    page = app.test_client().get("/privacy?lang=de")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    register = demo_services.register
    assert register["controller"]["name"] in text and "Theresienhöhe 28" in text
    assert "Art. 6 Abs. 1 lit. c DSGVO in Verbindung mit Art. 12 DSGVO" in text
    assert "Bearbeitung von Anfragen betroffener Personen" in text  # the register's purpose
    assert "3 Jahre, gerechnet ab dem Ende des Jahres" in text  # the register's dsr_proof rule
    assert "Art. 15" in text and "Art. 17" in text and "Art. 21" in text and "Art. 77" in text
    assert "BayLDA" in text and "91522 Ansbach" in text


def test_the_notice_in_english(app: Any) -> None:
    text = _text(app.test_client().get("/privacy?lang=en").get_data(as_text=True))
    assert "Privacy notice for the handling of your request" in text
    assert "Art. 6(1)(c) GDPR together with Art. 12 GDPR" in text
    assert "Handling data-subject requests" in text
    assert "3 years, counted from the end of the year" in text
    assert "BayLDA" in text and "Sperrliste" not in text


def test_a_dpo_in_the_register_is_named(demo_services: Services) -> None:
    register = dict(demo_services.register)
    register["controller"] = {**register["controller"],
                              "dpo": {"name": "Dr. Datenschutz", "email": "dsb@example.org"}}
    found = notice(register, "en")
    assert found.dpo == "Dr. Datenschutz" and found.dpo_contact == ("dsb@example.org",)
    assert notice(demo_services.register, "de").dpo is None  # the seed names none


def test_a_recipient_whose_role_has_parentheses_reads_without_nested_ones(
        demo_services: Services) -> None:
    """"Hetzner Online GmbH – Rechenzentrum und Hosting (Shop, …)", not "(… (Shop, …))"."""
    for lang in ("de", "en"):
        found = notice(demo_services.register, lang).recipients
        hosting = [r for r in found if r.startswith("Hetzner Online GmbH")]
        assert hosting, found
        role = demo_services.register["recipients"]["hosting"]["role"][lang]
        assert hosting == [f"Hetzner Online GmbH – {role}"]
        assert not any("((" in r or "))" in r for r in found)
