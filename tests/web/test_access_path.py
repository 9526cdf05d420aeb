"""The whole path of one access request, as a person uses it: the form, the coordinator's queue,
the PDF. Runs on SQLite always and on PostgreSQL (both databases) when the server answers."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import create_engine, text

from dsr.app import create_app
from dsr.context import Services
from dsr.requests.models import Request
from dsr.users.operations import create_user
from tests.support.clock import CLOCK
from tests.support.safe_steps import confirmed
from workflows.runner import run_pending

PASSWORD = "correct horse battery"


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _post(client: Any, path: str, data: dict[str, Any] | None = None, page: str | None = None) -> Any:
    token = _csrf(page or client.get("/login").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **(data or {})})


def _login(client: Any, username: str) -> None:
    response = _post(client, "/login", {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def shop_facts(shop_url: str, email: str) -> dict[str, list[str]]:
    """What the PDF must show for this customer, read straight from the shop."""
    engine = create_engine(shop_url)
    with engine.connect() as conn:
        cid = conn.execute(text("SELECT id FROM customers WHERE email = :e"), {"e": email}).scalar_one()
        facts = {
            "orders": [str(r[0]) for r in conn.execute(
                text("SELECT order_no FROM orders WHERE customer_id = :c"), {"c": cid})],
            "invoices": [str(r[0]) for r in conn.execute(text(
                "SELECT i.invoice_no FROM invoices i JOIN orders o ON o.id = i.order_id "
                "WHERE o.customer_id = :c"), {"c": cid})],
            "streets": [str(r[0]) for r in conn.execute(
                text("SELECT street FROM addresses WHERE customer_id = :c"), {"c": cid})],
            "newsletter": [str(r[0]) for r in conn.execute(
                text("SELECT policy_version FROM newsletter_subscriptions WHERE customer_id = :c"),
                {"c": cid})],
        }
    engine.dispose()
    return facts


def walk_access_request(services: Services, email: str, name: str) -> tuple[bytes, str]:
    """Submit, verify, process, approve, release, download: returns the PDF and the reference."""
    app = create_app(services=services, flask_config={"TESTING": True, "RATELIMIT_ENABLED": False})
    with services.db.session() as session:
        create_user(session, "koordinator", PASSWORD, "coordinator")
    public = app.test_client()
    form = public.get("/?lang=de").get_data(as_text=True)
    response = _post(public, "/", {"types": ["access"], "name": name, "email": email}, page=form)
    assert response.status_code == 302
    page = public.get("/submitted").get_data(as_text=True)
    reference = re.search(r'id="reference">(DSR-[A-Z0-9]+)<', page).group(1)

    run_pending(services)  # acknowledgement and matching, as the worker thread would
    with services.db.session() as session:
        req = session.query(Request).filter_by(reference=reference).one()
        assert req.status == "awaiting_verification"
        assert req.match_table["shop"]["claims"]["email"] == "match"
        request_id = req.id

    coordinator = app.test_client()
    _login(coordinator, "koordinator")
    detail = f"/queue/requests/{request_id}"
    queue_page = coordinator.get("/queue/").get_data(as_text=True)
    assert reference in queue_page
    for action in ("verify", "process"):
        page = coordinator.get(detail).get_data(as_text=True)
        assert _post(coordinator, f"{detail}/{action}", page=page).status_code == 302
    run_pending(services)
    page = coordinator.get(detail).get_data(as_text=True)
    assert 'id="status">Prüfung<' in page or 'id="status">Review<' in page
    assert confirmed(coordinator, f"{detail}/approve",
                     {"csrf_token": _csrf(page)}).status_code == 302
    run_pending(services)
    page = coordinator.get(detail).get_data(as_text=True)
    assert confirmed(coordinator, f"{detail}/release",
                     {"csrf_token": _csrf(page)}).status_code == 302
    run_pending(services)  # the answer goes to the portal (link + code); then it completes
    with services.db.session() as session:
        assert session.get(Request, request_id).status == "completed"
    response = coordinator.get(f"{detail}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data, reference


def assert_report_lists(pdf: bytes, reference: str, facts: dict[str, list[str]]) -> None:
    reader = PdfReader(io.BytesIO(pdf))
    content = "\n".join(page.extract_text() for page in reader.pages)
    flat = re.sub(r"\s+", "", content)
    assert all(reference in page.extract_text() for page in reader.pages)
    for kind in ("orders", "invoices", "streets", "newsletter"):
        assert facts[kind], f"the showcase customer has no {kind}"
        for value in facts[kind]:
            assert re.sub(r"\s+", "", value) in flat, f"{kind}: {value} missing from the PDF"


def test_access_request_end_to_end_on_sqlite(demo_services: Services, demo_shop: dict[str, Any]) -> None:
    email = demo_shop["summary"].sample_customer_email
    pdf, reference = walk_access_request(demo_services, email, "Jürgen Weiß")
    assert_report_lists(pdf, reference, shop_facts(demo_shop["url"], email))
    mails = list(Path(demo_services.config.mail_out_dir).glob("*.eml"))
    assert all(reference in m.read_text() for m in mails)
    assert sum("/portal/" in m.read_text() for m in mails) == 1  # the answer's portal link
    stored = list(demo_services.config.documents_dir.rglob("*"))
    assert all(b"%PDF" not in p.read_bytes() for p in stored if p.is_file())  # encrypted at rest


@pytest.fixture
def pg_shop_url(pg_url: str) -> str:
    from dsr.demo.generator import build_demo_shop

    build_demo_shop(pg_url, customers=60, today=CLOCK.today())
    return pg_url


@pytest.mark.postgres
def test_access_request_end_to_end_on_postgresql(tmp_path: Path, pg_shop_url: str) -> None:
    """Both the service database and the shop on PostgreSQL (two databases of their own)."""
    import uuid

    from dsr.db import make_engine
    from dsr.migrate import upgrade
    from tests.conftest import PG_ADMIN_URL, make_config

    name = f"dsr_svc_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    service_url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        engine = make_engine(service_url)
        upgrade(engine)
        engine.dispose()
        services = Services(make_config(tmp_path, database_url=service_url, shop_url=pg_shop_url))
        from dsr.demo.generator import build_demo_shop

        summary = build_demo_shop(pg_shop_url, customers=60, today=CLOCK.today())
        pdf, reference = walk_access_request(services, summary.sample_customer_email, "Jürgen Weiß")
        assert_report_lists(pdf, reference, shop_facts(pg_shop_url, summary.sample_customer_email))
        services.close()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
