"""An access request through the web app against each shop test schema in MariaDB, read with
the shipped preset and the starter register: the PDF answer shows the seeded customer's values
(on PrestaShop: integer IPs as text, country and order state by their labels, money in euros,
secrets as stored but not disclosed) and none of another customer's."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from connectors.introspect.propose import starter_register
from dsr.audit import ensure_head
from dsr.config import load_config
from dsr.context import Services
from tests.support.shop_schemas import PEOPLE, SYSTEMS, load, mariadb_database
from tests.web.test_access_path import walk_access_request

PRESETS = Path(__file__).parents[2] / "connectors" / "presets"


@pytest.mark.parametrize("system", SYSTEMS)
def test_access_request_with_the_preset(tmp_path: Path, migrated_template: Path,
                                        system: str) -> None:
    import shutil

    shutil.copy(migrated_template, tmp_path / "service.sqlite")
    (tmp_path / "register.toml").write_text(starter_register(), encoding="utf-8")
    with mariadb_database(f"dsr_preset_web_{system}") as url:
        load(system, url)
        config = load_config(path=None, env={}, overrides={
            "register": str(tmp_path / "register.toml"),
            "service": {"data_dir": str(tmp_path), "secret_key": "test-secret-" + "x" * 20,
                        "database_url": f"sqlite:///{tmp_path / 'service.sqlite'}"},
            "connectors": {"shop": {"kind": "shop_sql", "url": url, "datamap": str(PRESETS / f"{system}.toml"),
                                    "label": {"de": "Shop-Datenbank", "en": "Shop database"}}},
            "tasks": {"backoff_seconds": 0}})
        services = Services(config)
        with services.db.session() as session:
            ensure_head(session)
        pdf, reference = walk_access_request(services, PEOPLE["juergen"].email, "Jürgen Weiß")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = re.sub(r"\s+", "", text)
    for value in PEOPLE["juergen"].values[system]:
        shown = re.sub(r"^(\d{4})-(\d{2})-(\d{2})$", r"\3.\2.\1", value)  # as the PDF shows dates
        assert re.sub(r"\s+", "", shown) in flat, f"{value!r} missing from the PDF"
    assert "gespeichert,ausSicherheitsgründennichtherausgegeben" in flat
    if system == "prestashop":
        for shown in ("Deutschland", "Zugestellt", "49,90€", "192.0.2.10"):
            assert shown in flat, shown
    assert "$2y$" not in text
    for other in ("anna", "karl"):
        assert not [v for v in PEOPLE[other].values[system]
                    if re.sub(r"\s+", "", v) in flat]
