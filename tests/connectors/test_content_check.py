"""``dsr datamap check`` warnings read from content samples, on the PrestaShop test schema."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from connectors.datamap import parse_datamap
from connectors.introspect.content_check import check_content
from tests.support.shop_schemas import PEOPLE, load, mariadb_database

PRESET = Path(__file__).parents[2] / "connectors" / "presets" / "prestashop.toml"


def test_content_warnings_name_the_reason_and_the_fix() -> None:
    text = PRESET.read_text(encoding="utf-8")
    text = text[:text.index("[tables.ps_customer_message]")]  # messages left out
    text = text.replace('erasure = "anonymise", disclose = false }', 'erasure = "anonymise" }', 1)
    text = text.replace('erasure = "delete", transform = "ip" }', 'erasure = "delete" }')
    text = text.replace('category = "newsletter", erasure = "anonymise" }',
                        'category = "newsletter", erasure = "null" }')
    text = text.replace('"Mobiltelefon", en = "Mobile phone" }, category = "contact", '
                        'erasure = "null" }', '"Mobiltelefon", en = "Mobile phone" }, '
                        'category = "contact", erasure = "keep" }')
    datamap = parse_datamap(text)
    with mariadb_database("dsr_content_check") as url:
        load("prestashop", url)
        engine = sa.create_engine(url)
        try:
            report = check_content(datamap, engine, "shop")
        finally:
            engine.dispose()
    by_where = {f.where: f.message for f in report.findings}
    assert "fix: disclose = false" in by_where["tables.ps_customer.columns.passwd.disclose"]
    assert "transform = \"ip\"" in by_where["tables.ps_connections.columns.ip_address.transform"]
    assert "NOT NULL" in by_where["tables.ps_customer.columns.newsletter.erasure"]
    assert "phone numbers" in by_where["tables.ps_address.columns.phone_mobile.erasure"]
    unmapped = by_where["database.ps_customer_message"]
    assert "free_text" in unmapped and "fix: map it" in unmapped
    assert "database.ps_configuration" not in by_where  # one shop address is no customer's
    assert ("ps_orders", "carrier_tax_rate") in report.cleared
    lines = "\n".join(by_where.values())
    for value in PEOPLE["juergen"].values["prestashop"]:
        assert value not in lines
