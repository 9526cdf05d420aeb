"""Secrets are never part of an answer (Art. 32 GDPR): the demo's password hashes show as
"stored, not disclosed for security reasons" in the PDF, the report JSON, data.json and the CSV
files of the export, in the request's language. Runs on SQLite and PostgreSQL service databases."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from pypdf import PdfReader
from sqlalchemy import create_engine, text

from dsr.answers.operations import latest_document
from dsr.context import Services
from dsr.requests.models import Request
from tests.web.test_access_path import walk_access_request


def _stored_hash(shop_url: str, email: str) -> str:
    engine = create_engine(shop_url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT password_hash FROM customers WHERE email = :e"),
                             {"e": email}).scalar_one()
    engine.dispose()
    assert value and value.startswith("$argon2id$")
    return str(value)


def _answer_files(services: Services, reference: str) -> dict[str, bytes]:
    with services.db.session() as session:
        req = session.query(Request).filter_by(reference=reference).one()
        out = {}
        for kind in ("report_json", "report_zip"):
            doc = latest_document(session, req.id, kind)
            assert doc is not None, kind
            out[kind] = services.documents.read(doc)
    return out


def test_password_hash_is_stored_not_disclosed(demo_services: Services,
                                               demo_shop: dict[str, Any]) -> None:
    email = demo_shop["summary"].sample_customer_email
    secret = _stored_hash(demo_shop["url"], email)
    pdf, reference = walk_access_request(demo_services, email, "Jürgen Weiß")
    files = _answer_files(demo_services, reference)
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", "", pdf_text)
    assert "$argon2id$" not in flat and secret[-12:] not in flat
    assert "gespeichert,ausSicherheitsgründennichtherausgegeben" in flat

    report = files["report_json"].decode("utf-8")
    assert "$argon2id$" not in report

    with zipfile.ZipFile(io.BytesIO(files["report_zip"])) as archive:
        data = archive.read("data.json").decode("utf-8")
        csvs = {name: archive.read(name).decode("utf-8-sig")
                for name in archive.namelist() if name.startswith("csv/")}
    assert "$argon2id$" not in data
    records = [record for category in json.loads(data)["categories"]
               for table in category["tables"] if table["table"] == "customers"
               for record in table["records"]]
    assert [r["password_hash"] for r in records] == [
        "gespeichert, aus Sicherheitsgründen nicht herausgegeben"]
    assert all("$argon2id$" not in body for body in csvs.values())
    master = next(body for body in csvs.values() if "password_hash" in body)
    assert "gespeichert, aus Sicherheitsgründen nicht herausgegeben" in master
