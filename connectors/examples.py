"""Minimal files the connector kinds' ``example_settings`` point at (the conformance test
builds every registered kind from them): a data map of one customer table, and optionally
the newsletter's two tables linked to it."""

from __future__ import annotations

from pathlib import Path

_CUSTOMERS = '''version = 1

[subject]
table = "customers"
key = ["id"]

[[identifiers]]
kind = "email"
table = "customers"
column = "email"
normalise = "casefold"

[tables.customers]
connector = "{shop}"
key = ["id"]
label = {{ de = "Kundenkonto", en = "Customer account" }}
category = "master_data"
link = []

[tables.customers.columns]
id = {{ label = {{ de = "Kunden-ID", en = "Customer ID" }}, erasure = "keep" }}
email = {{ label = {{ de = "E-Mail-Adresse", en = "E-mail address" }}, erasure = "anonymise" }}
'''

_LINKED = '''
[tables.{table}]
connector = "{connector}"
key = ["id"]
label = {{ de = "{table}", en = "{table}" }}
category = "newsletter"
link = [ {{ columns = ["customer_id"], table = "customers", ref = ["id"] }} ]

[tables.{table}.columns]
id = {{ label = {{ de = "ID", en = "ID" }}, erasure = "keep" }}
customer_id = {{ label = {{ de = "Kunden-ID", en = "Customer ID" }}, erasure = "keep" }}
{columns}
'''


def example_datamap(directory: Path, shop: str, linked: dict[str, tuple[str, ...]] | None = None,
                    connector: str = "") -> Path:
    """Write a data map whose customer table belongs to ``shop`` and, for each table named in
    ``linked`` (table -> its other columns), a table of ``connector`` linked to it."""
    text = _CUSTOMERS.format(shop=shop)
    for table, columns in (linked or {}).items():
        lines = "\n".join(f'{column} = {{ label = {{ de = "{column}", en = "{column}" }}, '
                          f'erasure = "null" }}' for column in columns)
        text += _LINKED.format(table=table, connector=connector, columns=lines)
    path = directory / f"{connector or shop}-datamap.toml"
    path.write_text(text, encoding="utf-8")
    return path
