"""The processing register in the queue: the coordinator edits it (each save a version, audited),
exports and imports TOML; a mistake names the key and loses nothing; answers quote the
version in force and use it; only coordinators may touch it."""

from __future__ import annotations

import io
import re
from typing import Any

from sqlalchemy import select

from dsr.answers.models import RegisterVersion
from dsr.audit import AuditEvent
from dsr.context import Services
from tests.web.test_queue import _client, _csrf, _request_in_review


def _form(client: Any) -> tuple[str, str]:
    page = client.get("/queue/register/").get_data(as_text=True)
    text = re.search(r'<textarea name="toml"[^>]*>(.*?)</textarea>', page, re.S).group(1)
    import html

    return _csrf(client, "/queue/register/"), html.unescape(text)


def test_edit_is_versioned_audited_and_quoted_by_the_next_answer(
        app: Any, make_user: Any, demo_services: Services, demo_shop: dict[str, Any]) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token, text = _form(coordinator)
    assert "[recipients.dhl]" in text
    edited = text.replace('name = "DHL Paket GmbH"', 'name = "DHL Paket GmbH (Bonn)"')
    response = coordinator.post("/queue/register/", data={"csrf_token": token, "toml": edited,
                                                           "note": "DHL-Sitz ergänzt"})
    assert response.status_code == 302
    with demo_services.db.session() as session:
        versions = session.scalars(select(RegisterVersion).order_by(RegisterVersion.number)).all()
        assert [v.number for v in versions] == [1, 2]  # the file it replaced is version 1
        assert versions[0].toml == text and "DHL Paket GmbH (Bonn)" in versions[1].toml
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.action.in_(["register_seeded", "register_changed"]))).all()
        assert [e.details["version"] for e in events] == [1, 2]
        assert all(set(e.details) == {"version", "sha256"} for e in events)
    assert demo_services.register["recipients"]["dhl"]["name"] == "DHL Paket GmbH (Bonn)"
    export = coordinator.get("/queue/register/register.toml")
    assert export.status_code == 200 and "DHL Paket GmbH (Bonn)" in export.get_data(as_text=True)
    assert 'filename="register-v2.toml"' in export.headers["Content-Disposition"]
    assert "DHL Paket GmbH\"" in coordinator.get("/queue/register/versions/1.toml").get_data(as_text=True)

    request_id = _request_in_review(demo_services, demo_shop["summary"].sample_customer_email)
    pdf = coordinator.get(f"/queue/requests/{request_id}/report.json").get_json()
    assert pdf["register"]["version"].startswith("v2 · ")
    assert any(r["name"] == "DHL Paket GmbH (Bonn)" for r in pdf["register"]["recipients"])


def test_a_broken_register_names_the_key_and_keeps_the_text(app: Any, make_user: Any,
                                                            demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token, text = _form(coordinator)
    broken = text.replace('kind = "processor"', 'kind = "friend"', 1)
    response = coordinator.post("/queue/register/", data={"csrf_token": token, "toml": broken})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "recipients." in page and ".kind" in page and "friend" in page  # key named, text kept
    assert coordinator.post("/queue/register/", data={"csrf_token": token, "toml": "[x"}
                            ).status_code == 422
    unchanged = coordinator.post("/queue/register/", data={"csrf_token": token, "toml": text})
    assert unchanged.status_code == 422 and "no change" in unchanged.get_data(as_text=True)
    with demo_services.db.session() as session:
        assert session.scalars(select(RegisterVersion)).all() == []


def test_import_a_toml_file(app: Any, make_user: Any, demo_services: Services) -> None:
    coordinator = _client(app, make_user, "coordinator")
    token, text = _form(coordinator)
    upload = text.replace('name = "Hetzner Online GmbH"', 'name = "Hetzner Online GmbH (Gunzenhausen)"')
    response = coordinator.post("/queue/register/import", data={
        "csrf_token": token, "file": (io.BytesIO(upload.encode()), "register.toml")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert demo_services.register["recipients"]["hosting"]["name"].endswith("(Gunzenhausen)")
    bad = coordinator.post("/queue/register/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"\xff\xfe"), "register.toml")},
        content_type="multipart/form-data")
    assert bad.status_code == 422


def test_only_coordinators_see_or_change_the_register(app: Any, make_user: Any) -> None:
    for role in ("staff", "admin"):
        client = _client(app, make_user, role)
        assert client.get("/queue/register/").status_code == 403
        assert client.get("/queue/register/register.toml").status_code == 403
        token = _csrf(client, "/login")
        assert client.post("/queue/register/", data={"csrf_token": token, "toml": ""}
                           ).status_code == 403
