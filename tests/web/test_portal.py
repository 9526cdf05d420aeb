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
from tests.dsr.answers.test_delivery import JUERGEN, RENATE, link_and_code, released_answer
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
    assert len(links) == 2 and "Noch 5 Downloads möglich" in files
    for link in links:
        response = client.get(link)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        assert response.data[:4] in (b"%PDF", b"PK\x03\x04")
    english = client.get(f"/portal/{token}?lang=en").get_data(as_text=True)
    assert "3 downloads left" in english and "Collect your answer" in english


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
    for _ in range(5):
        assert client.get(link).status_code == 200
    refused = client.get(f"{link}?lang=en")
    assert refused.status_code == 403 and "downloaded as often as allowed" in refused.get_data(as_text=True)
    with demo_services.db.session() as session:
        delivery.find(session, token).expires_at = CLOCK.now() - timedelta(seconds=1)
    assert client.get(link).status_code == 410
    expire_answers(demo_services)
    page = client.get(f"/portal/{token}?lang=de")
    assert page.status_code == 410 and "abgelaufen" in page.get_data(as_text=True)
