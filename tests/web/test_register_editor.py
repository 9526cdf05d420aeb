"""The register editor's pages: an entry form per section in German and English, a save
becomes a version and leads to its diff, a mistake marks the field and keeps the input,
unknown sections or entries are 404, staff cannot edit, and the TOML export stays."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select

from dsr.answers.models import RegisterVersion
from dsr.context import Services
from tests.web.test_queue import _client, _csrf


def _fields(page: str) -> dict[str, str]:
    """The text fields of an entry form as the page fills them in."""
    return {name: html.unescape(value) for name, value in re.findall(
        r'<input type="text" name="(\w+)" id="f-\w+" value="([^"]*)"', page)}


def test_edit_a_recipient_in_its_form_and_see_the_diff(app: Any, make_user: Any,
                                                     demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    overview = coordinator.get("/queue/register/?lang=de").get_data(as_text=True)
    for title in ("Zwecke", "Datenkategorien", "Empfänger", "Aufbewahrungsregeln"):
        assert f"<h2>{title} " in overview
    assert 'id="entry-recipients-dhl"' in overview and "nicht festgelegt" in overview
    assert "style=" not in overview and "<script" not in overview
    form = coordinator.get("/queue/register/recipients/dhl").get_data(as_text=True)
    assert 'value="DHL Paket GmbH"' in form and "Rolle (englisch)" in form
    # the name is a text per language: one name for both fills both inputs
    assert 'name="name_de"' in form and 'name="name_en"' in form
    assert "Name des Empfängers (englisch)" in form
    token = _csrf(coordinator, "/queue/register/recipients/dhl")
    fields = _fields(form)
    kind = re.search(r'<option value="(\w+)" selected>', form).group(1)
    assert kind == demo_services.register["recipients"]["dhl"]["kind"]
    saved = coordinator.post("/queue/register/recipients/dhl", data={
        **fields, "csrf_token": token, "key": "dhl", "kind": kind,
        "name_de": "DHL Paket GmbH (Bonn)", "name_en": "DHL Paket GmbH (Bonn)",
        "owner": "Logistik, M. Sommer", "note": ""},
        follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "Änderungen zwischen Versionen" in page
    assert '<span class="d-del">-name = &#34;DHL Paket GmbH&#34;</span>' in page
    assert '<span class="d-add">+name = &#34;DHL Paket GmbH (Bonn)&#34;</span>' in page
    assert '<span class="d-add">+owner = &#34;Logistik, M. Sommer&#34;</span>' in page
    assert demo_services.register["recipients"]["dhl"]["owner"] == "Logistik, M. Sommer"
    with demo_services.db.session() as session:
        assert [v.number for v in session.scalars(select(RegisterVersion))] == [1, 2]
    english = coordinator.get("/queue/register/diff?from=1&to=2&lang=en").get_data(as_text=True)
    assert "Changes between versions" in english and "1 lines removed" not in english
    summary = re.search(r'id="diff-summary">([^<]*)', english).group(1)
    assert "version 2: 2 lines added, 1 removed" in summary
    export = coordinator.get("/queue/register/register.toml").get_data(as_text=True)
    assert 'owner = "Logistik, M. Sommer"' in export


def test_a_recipients_name_per_language_is_saved_from_its_two_inputs(
        app: Any, make_user: Any, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    form = coordinator.get("/queue/register/recipients/authorities?lang=en").get_data(as_text=True)
    fields = _fields(form)
    assert fields["name_de"] == "Strafverfolgungs- und Finanzbehörden (nur im Einzelfall)"
    assert fields["name_en"] == "Law enforcement and tax authorities (in individual cases only)"
    assert "Recipient&#39;s name (English)" in form or "Recipient's name (English)" in form
    token = _csrf(coordinator, "/queue/register/recipients/authorities")
    kind = re.search(r'<option value="(\w+)" selected>', form).group(1)
    saved = coordinator.post("/queue/register/recipients/authorities", data={
        **fields, "csrf_token": token, "key": "authorities", "kind": kind, "owner": "Recht",
        "name_en": "Law enforcement and tax authorities (case by case)", "note": ""})
    assert saved.status_code == 302
    assert demo_services.register["recipients"]["authorities"]["name"] == {
        "de": "Strafverfolgungs- und Finanzbehörden (nur im Einzelfall)",
        "en": "Law enforcement and tax authorities (case by case)"}
    overview = coordinator.get("/queue/register/?lang=en").get_data(as_text=True)
    assert "Law enforcement and tax authorities (case by case)" in overview
    assert "{&#39;de&#39;" not in overview


def test_a_new_category_with_mistakes_marks_the_fields_and_keeps_the_input(
        app: Any, make_user: Any, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, "/queue/register/categories/new")
    response = coordinator.post("/queue/register/categories/new?lang=en", data={
        "csrf_token": token, "key": "Chat Protokolle", "label_de": "Chatprotokolle",
        "label_en": "", "owner": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="error-summary"' in page
    for name in ("key", "label_en", "owner"):
        assert f'id="error-{name}"' in page
    assert 'value="Chatprotokolle"' in page and 'value="Chat Protokolle"' in page
    ok = coordinator.post("/queue/register/categories/new", data={
        "csrf_token": token, "key": "chat_logs", "label_de": "Chatprotokolle",
        "label_en": "Chat logs", "owner": "Kundenservice", "provided": "on"})
    assert ok.status_code == 302 and "/queue/register/diff" in ok.headers["Location"]
    assert demo_services.register["categories"]["chat_logs"]["provided"] is True
    taken = coordinator.post("/queue/register/categories/new", data={
        "csrf_token": token, "key": "chat_logs", "label_de": "x", "label_en": "x",
        "owner": "x"})
    assert taken.status_code == 422 and 'id="error-key"' in taken.get_data(as_text=True)


def test_a_purpose_that_names_an_unknown_rule_is_refused_with_the_key(
        app: Any, make_user: Any, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    name = demo_services.register["purposes"][0]["name"]
    page = coordinator.get(f"/queue/register/purposes/{name}").get_data(as_text=True)
    assert 'type="checkbox" name="categories"' in page
    token = _csrf(coordinator, f"/queue/register/purposes/{name}")
    fields = _fields(page)
    response = coordinator.post(f"/queue/register/purposes/{name}", data={
        **fields, "csrf_token": token, "key": name, "owner": "Vertrieb",
        "categories": ["contact"], "retention": ["no_such_rule"]})
    assert response.status_code == 422
    assert "unknown retention rule" in response.get_data(as_text=True)


def test_unknown_pages_and_staff(app: Any, make_user: Any) -> None:
    coordinator = _client(app, make_user, "coordinator")
    assert coordinator.get("/queue/register/friends/new").status_code == 404
    assert coordinator.get("/queue/register/recipients/nobody").status_code == 404
    assert coordinator.get("/queue/register/diff?from=1&to=9").status_code in (302, 404)
    staff = _client(app, make_user, "staff")
    assert staff.get("/queue/register/recipients/new").status_code == 403


def _checked(page: str, name: str) -> list[str]:
    """The ticked boxes of a list, in the page's order (as a browser submits them)."""
    return re.findall(rf'<input type="checkbox" name="{name}" value="(\w+)" checked>', page)


def test_a_mistake_is_said_once_in_the_pages_language_and_marks_its_field(
        app: Any, make_user: Any, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token = _csrf(coordinator, "/queue/register/retention/new")
    for lang, period, text in (("de", "Bitte eine ganze Zahl.", "Bitte ausfüllen"),
                               ("en", "Not a valid integer.", "Please fill this in")):
        response = coordinator.post(f"/queue/register/retention/new?lang={lang}", data={
            "csrf_token": token, "key": "chat_logs", "label_de": "Chatprotokolle",
            "label_en": "", "period": "zehn", "unit": "years", "starts": "creation",
            "norm": "§ 257 HGB", "owner": "Kundenservice"})
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422
        assert f'<p class="field-error" id="error-period">{period}</p>' in page
        assert f'id="error-label_en">{text}' in page
        assert 'aria-invalid="true" aria-describedby="error-period"' in page
        summary = page[page.index('id="error-summary"'):].split("</div>", 1)[0]
        assert period in summary and text in summary
        assert page.count('class="flash error"') == 1  # the summary, no second flash
        for english in ("Ungültig", "Length must be", "Not a valid integer") if lang == "de" \
                else ("Length must be",):
            assert english not in page


def test_saving_a_purpose_keeps_the_order_of_its_lists(
        app: Any, make_user: Any, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    before = next(p for p in demo_services.register["purposes"] if p["name"] == "accounting")
    page = coordinator.get("/queue/register/purposes/accounting").get_data(as_text=True)
    lists = {name: _checked(page, name) for name in ("categories", "recipients", "retention")}
    assert lists["recipients"] != before["recipients"]  # the form lists the register's order
    saved = coordinator.post("/queue/register/purposes/accounting", data={
        **_fields(page), **lists, "csrf_token": _csrf(coordinator, "/queue/register/"),
        "key": "accounting", "owner": "Buchhaltung, K. Adler"}, follow_redirects=True)
    diff = saved.get_data(as_text=True)
    assert saved.status_code == 200 and "+owner = &#34;Buchhaltung, K. Adler&#34;" in diff
    assert "recipients" not in diff and "retention = " not in diff
    after = next(p for p in demo_services.register["purposes"] if p["name"] == "accounting")
    assert after["recipients"] == before["recipients"]
    assert after["retention"] == before["retention"]
