"""The machine-readable copy: data.json validates against schema.json, the CSVs hold the same
records, formula-like cells are neutralised, Art. 20 exports only what the subject provided."""

from __future__ import annotations

import copy
import csv
import io
import json
import zipfile
from typing import Any

import jsonschema
import pytest

from dsr.answers.export import build_export, export_document, json_schema, neutralise


def payload() -> dict[str, Any]:
    return {
        "reference": "DSR-2026-ABCDE", "generated_at": "2026-11-27T15:04:00+01:00",
        "language": "de", "controller": {"name": "PSO Computer GmbH"},
        "sections": [
            {"category": "master_data", "label": "Stammdaten", "provided": True, "tables": [
                {"system": "shop", "system_label": "Shop", "table": "customers",
                 "label": "Kundenkonto",
                 "columns": [{"name": "id", "label": "ID"}, {"name": "first_name", "label": "Vorname"},
                             {"name": "last_name", "label": "Nachname"},
                             {"name": "birth_date", "label": "Geburtsdatum"}],
                 "rows": [[1, "=HYPERLINK(\"http://evil.example\")", "Weiß", "1968-04-12"]]},
            ]},
            {"category": "orders", "label": "Bestellungen", "provided": True, "tables": [
                {"system": "shop", "system_label": "Shop", "table": "orders", "label": "Bestellungen",
                 "columns": [{"name": "id", "label": "ID"}, {"name": "order_no", "label": "Nr."},
                             {"name": "total_cents", "label": "Summe"},
                             {"name": "customer_note", "label": "Hinweis"}],
                 "rows": [[1, "B2015-0000001", 76940, "+49 bitte klingeln"],
                          [2, "B2016-0000002", -1999, "@Nachbarin; Jürgen's \"Paket\""],
                          [3, "B2017-0000003", 12, None]]},
                {"system": "shop", "system_label": "Shop", "table": "order_items",
                 "label": "Positionen",
                 "columns": [{"name": "order_id", "label": "Bestellung"},
                             {"name": "product_name", "label": "Artikel"}],
                 "rows": [[1, "-Kabel, 2 m"], [1, "Maus\nkabellos"]]},
            ]},
            {"category": "credit_check", "label": "Bonität", "provided": False, "tables": [
                {"system": "shop", "system_label": "Shop", "table": "credit_checks",
                 "label": "Prüfungen", "columns": [{"name": "score", "label": "Score"}],
                 "rows": [["97.74"]]},
            ]},
        ],
    }


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_json_validates_against_its_schema_and_the_csvs_hold_the_same_records() -> None:
    files = unzip(build_export(payload()))
    assert {"README.txt", "data.json", "schema.json", "csv/master_data.csv", "csv/orders.csv",
            "csv/credit_check.csv"} <= set(files)
    document = json.loads(files["data.json"].decode("utf-8"))
    schema = json.loads(files["schema.json"].decode("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(document, schema, cls=jsonschema.Draft202012Validator)

    for category in document["categories"]:
        rows = list(csv.DictReader(io.StringIO(
            files[f"csv/{category['category']}.csv"].decode("utf-8-sig"))))
        records = [(t["table"], r) for t in category["tables"] for r in t["records"]]
        assert len(rows) == len(records)
        for row, (table, record) in zip(rows, records, strict=True):
            assert row["table"] == table and row["system"] == "shop"
            for name, value in record.items():
                shown = "" if value is None else str(neutralise(value))
                assert row[name] == shown, (name, value)
    orders = document["categories"][1]["tables"][0]["records"]
    assert orders[1] == {"id": 2, "order_no": "B2016-0000002", "total_cents": -1999,
                         "customer_note": "@Nachbarin; Jürgen's \"Paket\""}  # JSON keeps values


def test_a_name_beginning_with_equals_is_neutralised_in_the_csv() -> None:
    files = unzip(build_export(payload()))
    master = files["csv/master_data.csv"].decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(master)))
    assert row["first_name"] == "'=HYPERLINK(\"http://evil.example\")"
    assert row["last_name"] == "Weiß" and row["birth_date"] == "1968-04-12"
    orders = list(csv.DictReader(io.StringIO(files["csv/orders.csv"].decode("utf-8-sig"))))
    assert orders[0]["customer_note"] == "'+49 bitte klingeln"
    assert orders[1]["customer_note"].startswith("'@")
    assert orders[1]["total_cents"] == "-1999"  # a number is no formula
    assert orders[3]["product_name"] == "'-Kabel, 2 m"
    assert files["csv/orders.csv"].startswith(b"\xef\xbb\xbf")  # UTF-8 that Excel reads


@pytest.mark.parametrize("value,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("Weiß", "Weiß"), (-5, -5), (None, None), ("a=b", "a=b"),
])
def test_neutralise(value: Any, expected: Any) -> None:
    assert neutralise(value) == expected


def test_field_names_are_stable_and_the_schema_refuses_others() -> None:
    document = export_document(payload())
    schema = json_schema(document)
    broken = copy.deepcopy(document)
    broken["categories"][0]["tables"][0]["records"][0]["vorname"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema, cls=jsonschema.Draft202012Validator)
    missing = copy.deepcopy(document)
    del missing["categories"][1]["tables"][0]["records"][0]["order_no"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(missing, schema, cls=jsonschema.Draft202012Validator)


def test_portability_exports_only_what_the_subject_provided() -> None:
    files = unzip(build_export(payload(), provided_only=True))
    document = json.loads(files["data.json"])
    assert [c["category"] for c in document["categories"]] == ["master_data", "orders"]
    assert document["scope"] == "art20_provided" and "csv/credit_check.csv" not in files
    jsonschema.validate(document, json.loads(files["schema.json"]),
                        cls=jsonschema.Draft202012Validator)


def test_the_same_answer_gives_the_same_bytes() -> None:
    assert build_export(payload()) == build_export(payload())


def test_juergens_stored_export_validates_and_holds_every_collected_record(
        demo_services: Any) -> None:
    from dsr.answers import operations as reports
    from tests.support.reports import access_report

    _, req, collected = access_report(demo_services, "de")
    with demo_services.db.session() as session:
        doc = reports.latest_document(session, req.id, "report_zip")
        files = unzip(demo_services.documents.read(doc))
    document = json.loads(files["data.json"])
    jsonschema.validate(document, json.loads(files["schema.json"]),
                        cls=jsonschema.Draft202012Validator)
    exported = sum(len(t["records"]) for c in document["categories"] for t in c["tables"])
    assert exported == sum(len(t["rows"]) for found in collected for t in found["tables"])
    csv_rows = sum(len(list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")))))
                   for name, data in files.items() if name.startswith("csv/"))
    assert csv_rows == exported
