"""A third language is a catalog and a line of configuration, nothing in code: a stub French
catalog in a temporary directory, ``[service] languages = ["de", "en", "fr"]`` and
``translations = [that directory]``, and the pages speak French where it has entries and
English where it has none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dsr.app import create_app
from dsr.context import Services
from dsr.rendering import correspondence_language
from tests.conftest import make_config

FRENCH = {
    "form_title": "Votre demande concernant vos données",
    "submit": "Envoyer la demande",
    "nav_status": "Suivre une demande",
}


def _french_catalog(root: Path) -> Path:
    po = root / "fr" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    entries = "".join(f'msgid "{key}"\nmsgstr "{text}"\n\n' for key, text in FRENCH.items())
    po.write_text('msgid ""\nmsgstr ""\n"Language: fr\\n"\n'
                  '"Content-Type: text/plain; charset=UTF-8\\n"\n\n' + entries, encoding="utf-8")
    return root


def _app(services: Services, tmp_path: Path, languages: list[str]) -> Any:
    config = make_config(tmp_path, database_url=services.config.database_url,
                         shop_url=f"sqlite:///{tmp_path / 'no-shop.sqlite'}",
                         extra={"service": {"languages": languages, "translations": [
                             str(_french_catalog(tmp_path / "catalogs"))]}})
    return create_app(config=config, services=services,
                      flask_config={"TESTING": True, "WTF_CSRF_ENABLED": False})


def test_french_is_served_when_configured_and_falls_back_to_english(
        services: Services, tmp_path: Path) -> None:
    client = _app(services, tmp_path, ["de", "en", "fr"]).test_client()
    response = client.get("/?lang=fr")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in FRENCH.values():
        assert text in page
    assert "First and last name" in page and "E-mail address" in page  # no French entry
    assert "Vor- und Nachname" not in page and "Your privacy request" not in page
    assert "lang=fr" in response.headers.get("Set-Cookie", "")
    # the cookie keeps the language for the next page
    assert "Suivre une demande" in client.get("/status").get_data(as_text=True)


def test_french_is_not_offered_unless_configured(services: Services, tmp_path: Path) -> None:
    client = _app(services, tmp_path, ["de", "en"]).test_client()
    page = client.get("/?lang=fr", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Ihre Datenschutz-Anfrage" in page and "Envoyer la demande" not in page


def test_a_french_visitor_is_written_to_in_english() -> None:
    # the letters, mails and the report exist in German and English only
    assert correspondence_language("fr") == "en"
    assert correspondence_language("de") == "de"
