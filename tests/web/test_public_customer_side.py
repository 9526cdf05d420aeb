"""The customer's side as a person meets it: the form's error summary with links to the wrong
fields (each marked for assistive technology) and nothing typed lost; postcodes checked per
country; the identity code opening the status page; the status page after release saying what
was done and where the answer is; the rate-limit page keeping the input, saying when to try
again and naming the other channels; no inline style or script on these pages."""

from __future__ import annotations

import re
from typing import Any

import pytest

from dsr.context import Services
from dsr.requests import postcodes
from dsr.requests.intake import status_code
from dsr.requests.schemas import CorrectionValuesSchema
from tests.dsr.answers.test_delivery import released_answer
from tests.support.verification import code_mails, new_request, sent_code
from tests.web.test_public_rectification import _stored, _submit
from tests.web.test_verification_pages import _csrf, _reference


def _ids_of_summary(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S).group(0)
    return re.findall(r'<a href="#([^"]+)"', summary)


def test_the_summary_links_every_wrong_field_and_keeps_what_was_typed(
        app: Any, demo_services: Any) -> None:
    response = _submit(app.test_client(), "de", types=[], name="Jürgen Weiß", email="kaputt",
                       customer_number="K-1001", message="Bitte alles.", new_email="auch kaputt")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and _stored(demo_services) == 0
    assert _ids_of_summary(page) == ["type-access", "email", "new_email"]
    assert "Bitte prüfen Sie 3 Angaben" in page and "<title>Fehler:" in page
    email = re.search(r'<input type="email" id="email"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in email and 'aria-describedby="email-error email-hint"' in email
    assert re.search(r'<p class="error" id="email-error">Bitte geben Sie eine gültige', page)
    name = re.search(r'<input type="text" id="name"[^>]*>', page).group(0)
    assert 'aria-invalid' not in name and 'value="Jürgen Weiß"' in name  # right, and kept
    assert 'value="K-1001"' in page and "Bitte alles.</textarea>" in page
    assert re.search(r"<details\s+open", page)  # the wrong field inside is shown, not hidden


def test_a_correction_error_links_to_its_field(app: Any, demo_services: Any) -> None:
    page = _submit(app.test_client(), "en", correct_postcode="ABCDEFGHIJ",
                   correct_street="Leopoldstraße 200").get_data(as_text=True)
    assert _ids_of_summary(page) == ["correct_postcode"]
    field = re.search(r'<input type="text" id="correct_postcode"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in field and 'value="ABCDEFGHIJ"' in field
    assert 'value="Leopoldstraße 200"' in page and _stored(demo_services) == 0


@pytest.mark.parametrize(("country", "good", "bad"), [
    ("DE", "80339", "8033"), ("AT", "1010", "10101"), ("CH", "8001", "80011"),
    ("NL", "1234 AB", "1234"), ("NL", "1234ab", "0234 AB"), ("GB", "SW1A 1AA", "SW1A"),
    ("PL", "00-950", "00950"), ("PT", "1000-001", "1000"), ("IE", "D02 X285", "D02"),
    ("SE", "111 22", "1112"), ("LU", "L-1009", "L-10090")])
def test_postcodes_are_checked_per_country(country: str, good: str, bad: str) -> None:
    assert postcodes.valid(good, country)
    assert not postcodes.valid(bad, country)
    schema = CorrectionValuesSchema()
    assert schema.load({"postcode": good, "country": country})["postcode"] == good
    with pytest.raises(Exception, match="postcode"):
        schema.load({"postcode": bad, "country": country})


def test_a_postcode_of_no_country_is_refused_without_one() -> None:
    assert not postcodes.valid("ABCDEFGHIJ", None)
    assert postcodes.valid("80339", None) and postcodes.valid("1234 AB", "")
    assert set(postcodes.PATTERNS) == set(postcodes.EXAMPLES)
    assert all(postcodes.valid(example, country) for country, example in postcodes.EXAMPLES.items())


def test_the_form_names_the_countrys_form_of_postcode(app: Any, demo_services: Any) -> None:
    page = _submit(app.test_client(), "de", correct_postcode="80339",
                   correct_country="NL").get_data(as_text=True)
    assert "passt nicht zum gewählten Land (dort z. B. 1234 AB)" in page
    assert _stored(demo_services) == 0


def test_the_identity_code_opens_the_status_page_too(app: Any, demo_services: Services) -> None:
    request_id = new_request(demo_services)
    reference = _reference(demo_services, request_id)
    code = sent_code(code_mails(demo_services)[0])
    client = app.test_client()
    page = client.post("/status?lang=en", data={"csrf_token": _csrf(client, "/status"),
                                                "reference": reference, "code": code})
    assert page.status_code == 302 and page.headers["Location"].endswith("/status/request")
    status = client.get("/status/request?lang=en").get_data(as_text=True)
    assert reference in status and 'id="confirm"' not in status  # verified by that code


def test_the_code_links_page_opens_the_status_page(app: Any, demo_services: Services) -> None:
    request_id = new_request(demo_services)
    reference = _reference(demo_services, request_id)
    code = sent_code(code_mails(demo_services)[0])
    client = app.test_client()
    path = f"/verify/{reference}"
    done = client.post(path, data={"csrf_token": _csrf(client, path), "code": code})
    assert 'id="open-status"' in done.get_data(as_text=True)
    assert reference in client.get("/status/request").get_data(as_text=True)


def test_a_wrong_code_opens_nothing_and_keeps_the_reference(app: Any,
                                                            demo_services: Services) -> None:
    reference = _reference(demo_services, new_request(demo_services))
    client = app.test_client()
    page = client.post("/status?lang=en", data={"csrf_token": _csrf(client, "/status"),
                                                "reference": reference, "code": "ZZZZZZZZ"})
    text = page.get_data(as_text=True)
    assert page.status_code == 404 and f'value="{reference}"' in text
    assert 'aria-invalid="true"' in text
    assert "/status/request" not in (page.headers.get("Location") or "")


def test_after_release_the_status_page_says_what_was_done_and_where(
        app: Any, demo_services: Services) -> None:
    request_id = released_answer(demo_services)
    reference = _reference(demo_services, request_id)
    client = app.test_client()
    code = status_code(demo_services.config.secret_key, reference)
    client.post("/status", data={"csrf_token": _csrf(client, "/status"), "reference": reference,
                                 "code": code})
    page = client.get("/status/request?lang=de").get_data(as_text=True)
    done = re.search(r'<div class="card" id="what-was-done">.*?</div>', page, re.S).group(0)
    assert "Was wir getan haben" in done and "Auskunft" in done and "erfüllt" in done
    assert "Art. 15" in done  # the norm relied on
    where = re.search(r'<p id="answer-where">(.*?)</p>', page, re.S).group(1)
    assert "hinterlegte E-Mail-Adresse einen Link" in where and "noch 5 Besuche" in where
    assert 'aria-current="step"' in page
    english = client.get("/status/request?lang=en").get_data(as_text=True)
    assert "Where your answer is" in english and "access code in a second e-mail" in english


def _limited_app(services: Services) -> Any:
    from dsr.app import create_app

    return create_app(services=services, flask_config={
        "TESTING": True, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"})


def test_past_the_limit_the_form_keeps_the_input_and_names_when_and_where(
        demo_services: Services) -> None:
    client = _limited_app(demo_services).test_client()
    for _ in range(10):
        assert _submit(client, "en", types=["access"]).status_code == 302
    limited = _submit(client, "en", types=["access"], name="Jürgen Weiß",
                      message="Please send everything.")
    page = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert 'value="Jürgen Weiß"' in page and "Please send everything.</textarea>" in page
    assert 'id="pow-notice"' in page  # the browser may send it at once, after a calculation
    assert re.search(r"from your connection again from \d+ \w+ \d{4} \d\d:\d\d", page)
    channels = re.search(r'<ul id="other-channels">.*?</ul>', page, re.S).group(0)
    assert "mailto:datenschutz@pso.example.org" in channels
    assert "Theresienhöhe 28" in channels and "PSO GmbH" in channels


def test_past_the_limit_the_status_lookup_keeps_the_reference(demo_services: Services) -> None:
    client = _limited_app(demo_services).test_client()
    token = _csrf(client, "/status")
    for _ in range(30):
        client.post("/status", data={"csrf_token": token, "reference": "DSR-NONE", "code": "X"})
    limited = client.post("/status?lang=de", data={"csrf_token": token,
                                                   "reference": "DSR-ABCDEFG", "code": "X"})
    page = limited.get_data(as_text=True)
    assert limited.status_code == 429 and 'value="DSR-ABCDEFG"' in page
    assert "Bitte versuchen Sie es ab" in page and "datenschutz@pso.example.org" in page


@pytest.mark.parametrize("path", ["/", "/status", "/?lang=en"])
def test_public_pages_have_no_inline_style_or_script(app: Any, path: str) -> None:
    response = app.test_client().get(path)
    page = response.get_data(as_text=True)
    assert "style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
