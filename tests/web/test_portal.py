"""The public answer portal as the subject uses it: link, code, download; refusals for a wrong
code, another request's file, a used-up limit and an expired link; German and English."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from dsr.answers import delivery
from dsr.answers.jobs import expire_answers
from dsr.context import Services
from dsr.documents import Document
from tests.dsr.answers.test_delivery import (
    JUERGEN,
    RENATE,
    body,
    link_and_code,
    mails_to,
    released_answer,
)
from tests.support.clock import CLOCK


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _open(client: Any, token: str, code: str) -> Any:
    page = client.get(f"/portal/{token}?lang=de").get_data(as_text=True)
    return client.post(f"/portal/{token}", data={"csrf_token": _csrf(page), "code": code})


def _answer(services: Services, who: tuple[str, str] = JUERGEN) -> tuple[int, str, str]:
    request_id = released_answer(services, who)
    with services.db.session() as session:
        from dsr.requests.models import Request

        reference = session.get(Request, request_id).reference
    token, code = link_and_code(services, reference, who[1])
    return request_id, token, code


def test_link_and_code_open_the_answer_for_download(app: Any, demo_services: Services) -> None:
    _, token, code = _answer(demo_services)
    client = app.test_client()
    page = client.get(f"/portal/{token}?lang=de")
    assert page.status_code == 200 and "Zugangscode" in page.get_data(as_text=True)
    assert "portal-files" not in page.get_data(as_text=True)
    wrong = _open(client, token, "11111111")
    assert wrong.status_code == 403 and "nicht richtig" in wrong.get_data(as_text=True)
    assert _open(client, token, code).status_code == 302
    files = client.get(f"/portal/{token}").get_data(as_text=True)
    links = re.findall(rf'href="(/portal/{token}/files/\d+)"', files)
    assert len(links) == 3 and "Noch 5 Besuche mit Abruf möglich" in files
    for link in links:  # the PDF, the HTML page and the ZIP of one visit count once
        response = client.get(link)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        assert response.data[:15].lower() in (b"<!doctype html>",) or \
            response.data[:4] in (b"%PDF", b"PK\x03\x04")
    english = client.get(f"/portal/{token}?lang=en").get_data(as_text=True)
    assert "4 more visits with downloads possible" in english and "Collect your answer" in english


def test_the_answer_reads_as_an_accessible_page_in_the_browser(app: Any,
                                                               demo_services: Services) -> None:
    _, token, code = _answer(demo_services)
    client = app.test_client()
    _open(client, token, code)
    files = client.get(f"/portal/{token}?lang=en").get_data(as_text=True)
    view = re.search(rf'id="answer-html" href="(/portal/{token}/files/\d+\?view=1)"', files)
    response = client.get(view.group(1).replace("&amp;", "&"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert response.headers["Content-Disposition"].startswith("inline")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy
    assert '<html lang="de">' in page  # the request's language, as the PDF
    assert "<h1>" in page and '<th scope="col">' in page and "<caption>" in page
    assert "<script" not in page


def test_a_new_visit_counts_again_and_stops_at_the_limit(app: Any,
                                                         demo_services: Services) -> None:
    _, token, code = _answer(demo_services)
    client = app.test_client()
    _open(client, token, code)
    links = re.findall(rf'href="(/portal/{token}/files/\d+)"',
                       client.get(f"/portal/{token}").get_data(as_text=True))
    for link in links * 2:
        assert client.get(link).status_code == 200
    with demo_services.db.session() as session:
        assert delivery.find(session, token).downloads == 1
    CLOCK.advance(timedelta(hours=2))  # the visit is over: the link asks for a code again
    assert client.get(links[0]).status_code == 302


def test_another_requests_link_and_files_are_refused(app: Any, demo_services: Services) -> None:
    _, token, code = _answer(demo_services)
    other_id, other_token, _ = _answer(demo_services, RENATE)
    client = app.test_client()
    assert _open(client, token, code).status_code == 302
    with demo_services.db.session() as session:
        foreign = session.scalars(select(Document).where(Document.request_id == other_id,
                                                         Document.kind == "portal_pdf")).one()
    assert client.get(f"/portal/{token}/files/{foreign.id}").status_code == 404
    # Her link is not opened by his code, nor by his browser session.
    response = client.get(f"/portal/{other_token}/files/{foreign.id}")
    assert response.status_code == 302 and response.headers["Location"].endswith(other_token)
    assert _open(client, other_token, code).status_code == 403
    assert client.get("/portal/not-a-token").status_code == 404


def test_used_up_downloads_and_expired_links_are_refused(app: Any,
                                                         demo_services: Services) -> None:
    _, token, code = _answer(demo_services)
    client = app.test_client()
    _open(client, token, code)
    link = re.findall(rf'href="(/portal/{token}/files/\d+)"',
                      client.get(f"/portal/{token}").get_data(as_text=True))[0]
    assert client.get(link).status_code == 200
    with demo_services.db.session() as session:  # four more visits were made elsewhere
        found = delivery.find(session, token)
        found.downloads = found.max_downloads
        session.commit()
    assert client.get(link).status_code == 200  # this visit is counted already
    again = app.test_client()
    with demo_services.db.session() as session:
        delivery.new_code(demo_services, session, delivery.find(session, token))
        session.commit()
    fresh = [re.search(r"^(\d{8})$", body(m), re.M) for m in mails_to(demo_services, JUERGEN[1])]
    _open(again, token, [m for m in fresh if m][-1].group(1))
    refused = again.get(f"{link}?lang=en")
    assert refused.status_code == 403 and "fetched as often as possible" in refused.get_data(as_text=True)
    with demo_services.db.session() as session:
        delivery.find(session, token).expires_at = CLOCK.now() - timedelta(seconds=1)
    assert client.get(link).status_code == 410
    expire_answers(demo_services)
    page = client.get(f"/portal/{token}?lang=de")
    assert page.status_code == 410 and "abgelaufen" in page.get_data(as_text=True)
