"""Benchmark: how much of a seeded customer's data the unedited ``propose`` map answers with.

    python -m bench.propose_coverage

For each shop test schema (PrestaShop 8, WooCommerce with HPOS, Shopware 6, Magento 2; DDL and
seeds in tests/support/shop_schemas) in a MariaDB database of its own (127.0.0.1:3306, root):
``propose`` drafts a map *without* a preset; ``coverage`` searches every table for the seeded
customer's personal values and the identifiers the answer shows, and counts the cells found and
how many of them the map's access answer shows. Printed per schema: that share (target ≥ 90 %),
the same for the shipped preset, and whether the answer held any value of another customer.
"""

from __future__ import annotations

import click
import sqlalchemy as sa

from connectors.base import Identity, Subject
from connectors.datamap import load_datamap, parse_datamap
from connectors.datamap_model import DataMap
from connectors.introspect.coverage import coverage
from connectors.introspect.presets import PRESETS
from connectors.introspect.propose import propose
from connectors.shop_sql import ShopSqlConnector
from tests.support.shop_schemas import PEOPLE, SYSTEMS, load, mariadb_database


def share(url: str, datamap: DataMap, system: str) -> tuple[int, int, list[str]]:
    """(cells reached, cells found, other customers' values in the answer)."""
    person = PEOPLE["juergen"]
    report = coverage(url, datamap, Identity(email=person.email), values=person.values[system])
    found = sum(place.rows for place in report.places)
    reached = sum(place.reached for place in report.places)
    connector = ShopSqlConnector(datamap.tables[datamap.subject.table].connector, url, datamap,
                                 30_000)
    try:
        match = connector.discover(Identity(email=person.email)).matches
        result = connector.access(Subject.from_matches(match))
    finally:
        connector.close()
    shown = {str(v) for t in result.tables for row in t.rows for v in row if v is not None}
    leaked = [v for key, other in PEOPLE.items() if key != "juergen"
              for v in other.values[system] if v in shown]
    return reached, found, leaked


@click.command()
def main() -> None:
    """Print the share per schema."""
    click.echo(f"{'schema':12} {'propose':>18} {'preset':>18}  other customers' values")
    for system in SYSTEMS:
        with mariadb_database(f"dsr_bench_propose_{system}") as url:
            load(system, url)
            engine = sa.create_engine(url)
            try:
                drafted = parse_datamap(propose(engine).datamap)
            finally:
                engine.dispose()
            reached, found, leaked = share(url, drafted, system)
            preset = load_datamap(PRESETS / f"{system}.toml")
            p_reached, p_found, p_leaked = share(url, preset, system)
        click.echo(f"{system:12} {reached:>4}/{found:<4} {reached / found:6.1%} "
                   f"{p_reached:>6}/{p_found:<4} {p_reached / p_found:6.1%}  "
                   f"{len(leaked)} (preset {len(p_leaked)})")


if __name__ == "__main__":
    main()
