"""The controller and its data protection officer as answers and letters name them: the demo's
controller is the one of the shop's privacy policy (PSO GmbH, Theresienhöhe 28, 80339 München),
and a DPO given in ``[controller.dpo]`` appears in the Art. 15 answer and on letters — and is
left out where the register names none (the shop's policy names none)."""

from __future__ import annotations

import io
import re
import tomllib
from importlib import resources
from typing import Any

import pytest
import tomli_w
from pypdf import PdfReader

from dsr.answers.letters.compose import sender_from_register
from dsr.answers.report.pdf import render_access_report
from dsr.context import Services
from dsr.register.schema import RegisterError, parse_register
from tests.dsr.answers.test_reports_pdf import make_payload
from tests.web.test_access_path import walk_access_request

DPO = {"name": "Dr. Erika Muster", "email": "dsb@pso.example.org",
       "address": ["Datenschutzbeauftragte", "Postfach 10 20 30", "80339 München"]}


def _demo_register_text() -> str:
    return (resources.files("dsr.demo") / "register.toml").read_text(encoding="utf-8")


def _pdf_text(payload: dict[str, Any]) -> str:
    reader = PdfReader(io.BytesIO(render_access_report(payload)))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def test_the_demo_names_the_controller_of_the_privacy_policy() -> None:
    controller = parse_register(_demo_register_text())["controller"]
    assert controller["name"] == "PSO GmbH"
    assert controller["address"][-2:] == ["Theresienhöhe 28", "80339 München"]
    assert "dpo" not in controller  # the policy names no data protection officer


def test_the_register_takes_a_dpo_and_checks_it() -> None:
    raw = tomllib.loads(_demo_register_text())
    raw["controller"]["dpo"] = DPO
    assert parse_register(tomli_w.dumps(raw))["controller"]["dpo"] == DPO
    raw["controller"]["dpo"] = {"name": "Dr. Erika Muster"}
    with pytest.raises(RegisterError, match=r"controller\.dpo\.email"):
        parse_register(tomli_w.dumps(raw))
    raw["controller"]["dpo"] = {"name": "Dr. Erika Muster", "phone": "089 1"}
    with pytest.raises(RegisterError, match=r"controller\.dpo\.phone"):
        parse_register(tomli_w.dumps(raw))


@pytest.mark.parametrize(("language", "label"), [("de", "Datenschutzbeauftragte/r"),
                                                 ("en", "Data protection officer")])
def test_the_answer_names_the_dpo_only_when_there_is_one(language: str, label: str) -> None:
    payload = make_payload(language)
    assert label not in _pdf_text(payload)
    payload["controller"]["dpo"] = DPO
    text = _pdf_text(payload)
    assert label in text and "Dr. Erika Muster" in text and "dsb@pso.example.org" in text


def test_letters_name_the_dpo_only_when_there_is_one() -> None:
    controller = {"name": "PSO GmbH", "email": "datenschutz@pso.example.org",
                  "address": ["Datenschutz", "Theresienhöhe 28", "80339 München"]}
    assert sender_from_register({"controller": controller}, "de")["contact"] == [
        "datenschutz@pso.example.org"]
    with_dpo = {"controller": {**controller, "dpo": DPO}}
    assert sender_from_register(with_dpo, "en")["contact"] == [
        "datenschutz@pso.example.org", "Data protection officer: Dr. Erika Muster",
        "dsb@pso.example.org"]
    postal_only = {"controller": {**controller, "dpo": {"name": "Dr. Erika Muster",
                                                        "address": DPO["address"]}}}
    assert sender_from_register(postal_only, "de")["contact"][1:] == [
        "Datenschutzbeauftragte/r: Dr. Erika Muster",
        "Datenschutzbeauftragte, Postfach 10 20 30, 80339 München"]


def test_the_demo_answer_names_pso_gmbh(demo_services: Services,
                                        demo_shop: dict[str, Any]) -> None:
    pdf, _ = walk_access_request(demo_services, demo_shop["summary"].sample_customer_email,
                                 "Jürgen Weiß")
    text = re.sub(r"\s+", " ", "\n".join(p.extract_text()
                                         for p in PdfReader(io.BytesIO(pdf)).pages))
    assert text.startswith("PSO GmbH · Datenschutz · Theresienhöhe 28 · 80339 München ")
    assert "Musterring" not in text and "80999" not in text
    assert "Datenschutzbeauftragte" not in text
