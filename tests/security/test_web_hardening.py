"""Headers and edges of the web app: CSP without inline scripts, HSTS over TLS, forms posted
from another origin refused, the trusted-proxy setting honoured by the rate limiter, opaque
public ids in the public API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dsr.app import create_app
from dsr.context import Services
from dsr.rendering import TEMPLATE_ROOT

API = "/api/v1"


def _csrf(client: Any, path: str = "/") -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


def test_every_page_carries_a_csp_without_inline_scripts(app: Any) -> None:
    response = app.test_client().get("/")
    csp = response.headers["Content-Security-Policy"]
    script = re.search(r"script-src ([^;]+)", csp).group(1)
    assert script.strip() == "'self'" and "unsafe-inline" not in script
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    # Nothing in the templates needs inline script: no <script> body, no on* handlers.
    for template in Path(TEMPLATE_ROOT / "web").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert "javascript:" not in text, template


def test_hsts_only_over_tls(app: Any) -> None:
    client = app.test_client()
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://dsr.example.org")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_form_posted_from_another_origin_is_refused(app: Any) -> None:
    client = app.test_client()
    data = {"csrf_token": _csrf(client), "types": ["access"], "name": "Erika Mustermann",
            "email": "erika@example.org"}
    foreign = client.post("/", data=data, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403 and "Keine Berechtigung" in foreign.get_data(as_text=True)
    api = client.post(f"{API}/requests", json={"types": ["access"], "name": "Erika Mustermann",
                                               "email": "erika@example.org"},
                      headers={"Origin": "https://evil.example"})
    assert api.status_code == 403 and "another site" in api.get_json()["message"]
    assert client.post("/", data=data, headers={"Origin": "null"}).status_code == 403
    own = client.post("/", data=data, headers={"Origin": "http://localhost"})
    assert own.status_code == 302


def _limited(services: Services, proxies: int) -> Any:
    services.config.web["trusted_proxies"] = proxies
    return create_app(services=services, flask_config={"TESTING": True, "RATELIMIT_ENABLED": True})


def _api(client: Any, address: str, forwarded: str) -> int:
    return int(client.post(f"{API}/requests", json={"types": ["access"], "name": "Jürgen Weiß",
                                                    "email": "juergen@example.org"},
                           environ_base={"REMOTE_ADDR": address},
                           headers={"X-Forwarded-For": forwarded}).status_code)


def test_behind_a_trusted_proxy_each_customer_has_their_own_budget(demo_services: Services) -> None:
    app = _limited(demo_services, proxies=1)
    client = app.test_client()
    # Ten customers behind one proxy: each gets their own budget of ten.
    codes = [_api(client, "10.0.0.1", f"198.51.100.{n}") for n in range(10) for _ in range(2)]
    assert codes == [201] * 20
    # ... and the budget is still kept per customer.
    assert [_api(client, "10.0.0.1", "198.51.100.200") for _ in range(11)][-1] == 429


def test_without_the_setting_a_forged_header_buys_nothing(demo_services: Services) -> None:
    app = _limited(demo_services, proxies=0)
    client = app.test_client()
    codes = [_api(client, "203.0.113.5", f"198.51.100.{n}") for n in range(12)]
    assert codes[:10] == [201] * 10 and codes[10:] == [429, 429]


def test_the_public_receipt_carries_an_opaque_id(app: Any) -> None:
    client = app.test_client()
    receipts = [client.post(f"{API}/requests", json={"types": ["access"], "name": "Jürgen Weiß",
                                                     "email": f"j{n}@example.org"}).get_json()
                for n in range(3)]
    ids = [r["id"] for r in receipts]
    assert all(isinstance(i, str) and i.startswith("DSR-") for i in ids)
    assert all(i == r["reference"] for i, r in zip(ids, receipts, strict=True))
