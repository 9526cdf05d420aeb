"""The machine-readable copy (Art. 15(3), Art. 20 GDPR): one ZIP with ``data.json``, the JSON
Schema it validates against (``schema.json``), one CSV per data category and a short README.

Field names are the data map's column names (stable across answers); values are as stored
(ISO dates, numbers as numbers). CSV files are UTF-8 (with a byte-order mark, so spreadsheet
programs read umlauts); a text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is prefixed with ``'`` so no spreadsheet runs it as a formula.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Mapping
from typing import Any

from connectors.shop_sql_values import NOT_DISCLOSED

FORMAT = "dsr-export/1"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SCALAR = {"type": ["string", "number", "boolean", "null"]}
ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed member dates: the same answer gives the same bytes

README = """Maschinenlesbare Kopie Ihrer Daten / Machine-readable copy of your data
Aktenzeichen / Reference: {reference}

data.json     Alle Daten, nach Kategorie und Tabelle; Feldnamen wie in unseren Systemen.
              All data, by category and table; field names as in our systems.
schema.json   JSON Schema (2020-12), gegen das data.json geprüft werden kann.
              JSON Schema (2020-12) that data.json validates against.
csv/*.csv     Eine CSV-Datei je Datenkategorie (UTF-8, Komma als Trennzeichen).
              One CSV file per data category (UTF-8, comma-separated).
              Zellen, die mit = + - @ beginnen, sind mit ' versehen (Schutz vor Formeln).
              Cells beginning with = + - @ are prefixed with ' (protection against formulas).
"""


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet evaluates: text starting like a formula gets a ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _secret_label(column: Mapping[str, Any]) -> str | None:
    """A secret's text in the answer's language ("stored, not disclosed for security reasons"),
    or None for a column that is disclosed."""
    return (column.get("value_labels") or {}).get(NOT_DISCLOSED)


def _records(table: Mapping[str, Any]) -> list[dict[str, Any]]:
    columns = table.get("columns") or []
    names = [c["name"] for c in columns]
    secrets = [_secret_label(c) for c in columns]
    # A withheld secret reads as the sentence saying so, not as the connector's code for it.
    return [{name: secret if secret and value == NOT_DISCLOSED else value
             for name, value, secret in zip(names, row, secrets, strict=False)}
            for row in table.get("rows") or []]


def export_document(payload: Mapping[str, Any], provided_only: bool = False) -> dict[str, Any]:
    """The ``data.json`` document: every category and table of the payload as records."""
    sections = [s for s in payload.get("sections") or []
                if s.get("provided") or not provided_only]
    return {
        "format": FORMAT,
        "reference": payload.get("reference"),
        "generated_at": payload.get("generated_at"),
        "controller": (payload.get("controller") or {}).get("name"),
        "scope": "art20_provided" if provided_only else "art15_copy",
        "categories": [{
            "category": s["category"], "label": s.get("label"),
            "tables": [{"system": t["system"], "table": t["table"], "label": t.get("label"),
                        "fields": {c["name"]: c.get("label") for c in t.get("columns") or []},
                        "records": _records(t)} for t in s.get("tables") or []],
        } for s in sections],
    }


def json_schema(document: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for ``document``: each table's records must carry exactly
    its fields, so a consumer can rely on the names."""
    tables: list[dict[str, Any]] = []
    for category in document["categories"]:
        for table in category["tables"]:
            fields = list(table["fields"])
            tables.append({
                "type": "object",
                "required": ["system", "table", "label", "fields", "records"],
                "additionalProperties": False,
                "properties": {
                    "system": {"const": table["system"]},
                    "table": {"const": table["table"]},
                    "label": {"type": ["string", "null"]},
                    "fields": {"type": "object", "required": fields,
                               "additionalProperties": {"type": ["string", "null"]}},
                    "records": {"type": "array", "items": {
                        "type": "object", "required": fields, "additionalProperties": False,
                        "properties": dict.fromkeys(fields, SCALAR)}},
                },
            })
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Copy of personal data (Art. 15(3), Art. 20 GDPR)",
        "type": "object",
        "required": ["format", "reference", "generated_at", "controller", "scope", "categories"],
        "additionalProperties": False,
        "properties": {
            "format": {"const": FORMAT},
            "reference": {"type": "string"},
            "generated_at": {"type": "string"},
            "controller": {"type": ["string", "null"]},
            "scope": {"enum": ["art15_copy", "art20_provided"]},
            "categories": {"type": "array", "items": {
                "type": "object", "required": ["category", "label", "tables"],
                "additionalProperties": False,
                "properties": {
                    "category": {"type": "string"},
                    "label": {"type": ["string", "null"]},
                    "tables": {"type": "array", "items": {"anyOf": tables} if tables else {}},
                }}},
        },
    }


def category_csv(category: Mapping[str, Any]) -> str:
    """One category as CSV: ``system``, ``table``, then every field of its tables in order."""
    fields: list[str] = []
    for table in category["tables"]:
        fields += [f for f in table["fields"] if f not in fields]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["system", "table", *fields])
    for table in category["tables"]:
        for record in table["records"]:
            writer.writerow([table["system"], table["table"],
                             *(neutralise(record.get(f)) for f in fields)])
    return out.getvalue()


def _member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def build_export(payload: Mapping[str, Any], provided_only: bool = False) -> bytes:
    """The ZIP of the machine-readable copy (only what the subject provided for Art. 20)."""
    document = export_document(payload, provided_only)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _member(archive, "README.txt",
                README.format(reference=document["reference"]).encode("utf-8"))
        _member(archive, "data.json",
                json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8"))
        _member(archive, "schema.json",
                json.dumps(json_schema(document), ensure_ascii=False, indent=2).encode("utf-8"))
        for category in document["categories"]:
            _member(archive, f"csv/{category['category']}.csv",
                    category_csv(category).encode("utf-8-sig"))
    return buffer.getvalue()
