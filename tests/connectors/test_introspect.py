"""``dsr datamap propose`` and ``dsr datamap coverage`` on the shop test schemas in MariaDB
(tests/support/shop_schemas) and on a SQLite schema: the draft passes the check as written,
holds no sampled value, and its unedited answer reaches the seeded customer's values; a preset
adapts to another prefix and a missing table; coverage finds what a map leaves out, without
printing a value."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from connectors.base import Identity, Subject
from connectors.datamap import check_against_database, parse_datamap
from connectors.introspect.coverage import coverage, format_report
from connectors.shop_sql import ShopSqlConnector
from dsr.cli import main
from dsr.register.schema import parse_register
from tests.support.shop_schemas import PEOPLE, SYSTEMS, load, mariadb_database


@pytest.fixture(scope="module", params=SYSTEMS)
def shop(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    with mariadb_database(f"dsr_propose_{request.param}") as url:
        load(request.param, url)
        yield request.param, url


def run_propose(url: str, tmp_path: Path, *extra: str) -> tuple[str, str, str]:
    out, register = tmp_path / "datamap.toml", tmp_path / "register.toml"
    result = CliRunner().invoke(main, ["datamap", "propose", "--url", url, "--out", str(out),
                                       "--register-out", str(register), *extra],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8"), register.read_text(encoding="utf-8"), result.output


def check_errors(text: str, register: str, url: str) -> list[str]:
    rules = parse_register(register)["retention"]
    datamap = parse_datamap(text, retention_rules=rules)
    engine = sa.create_engine(url)
    try:
        return [str(f) for f in check_against_database(datamap, engine, "shop")
                if f.level == "error"]
    finally:
        engine.dispose()


def answer(url: str, text: str, email: str) -> set[str]:
    connector = ShopSqlConnector("shop", url, parse_datamap(text), 5000)
    try:
        found = connector.discover(Identity(email=email))
        result = connector.access(Subject.from_matches(found.matches))
    finally:
        connector.close()
    return {str(v) for t in result.tables for row in t.rows for v in row if v is not None}


def test_propose_drafts_a_map_that_passes_the_check_and_holds_no_value(
        shop: tuple[str, str], tmp_path: Path) -> None:
    system, url = shop
    text, register, output = run_propose(url, tmp_path)
    assert "TODO" in text and "TODO" in register
    assert not check_errors(text, register, url)
    seeded = {v for person in PEOPLE.values() for v in person.values[system] if len(v) >= 4}
    assert not [v for v in seeded if v in text or v in register]
    assert "subject table" in output


def test_the_draft_names_the_fields_a_customer_may_correct(
        shop: tuple[str, str], tmp_path: Path) -> None:
    """``rectify_as`` is drafted for every column holding a form field it can name, so that
    ``check`` asks about none of them (a name or a contact it cannot name stays a TODO)."""
    system, url = shop
    text, register, _ = run_propose(url, tmp_path)
    rules = parse_register(register)["retention"]
    datamap = parse_datamap(text, retention_rules=rules)
    engine = sa.create_engine(url)
    try:
        asked = [str(f) for f in check_against_database(datamap, engine, "shop")
                 if "rectify_as" in str(f) and "(name)" not in str(f)
                 and "(contact)" not in str(f)]
    finally:
        engine.dispose()
    assert asked == []
    assert 'rectify_as = "last_name"' in text


def test_unedited_proposal_answers_with_the_seeded_values(
        shop: tuple[str, str], tmp_path: Path) -> None:
    system, url = shop
    text, _, _ = run_propose(url, tmp_path)
    shown = answer(url, text, PEOPLE["juergen"].email)
    wanted = PEOPLE["juergen"].values[system]
    found = [v for v in wanted if v in shown]
    assert len(found) / len(wanted) >= 0.9, sorted(set(wanted) - set(found))
    for other in ("anna", "karl"):
        assert not [v for v in PEOPLE[other].values[system] if v in shown]


def test_preset_adapts_to_prefix_and_missing_tables(tmp_path: Path) -> None:
    with mariadb_database("dsr_preset_adapt") as url:
        load("prestashop", url, prefix="shop1_")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("DROP TABLE shop1_customer_message")
        engine.dispose()
        text, register, output = run_propose(url, tmp_path, "--preset", "prestashop")
        assert "# TODO: table prefix 'ps_' replaced by 'shop1_'" in text
        assert "'shop1_customer_message' is not in the database" in text
        assert "ps_" not in "".join(tomllib.loads(text)["tables"])
        assert not check_errors(text, register, url)
        assert "Lindenstraße 4" in answer(url, text, PEOPLE["juergen"].email)
        assert "change(s)" in output


def test_coverage_finds_what_the_map_leaves_out_without_a_value() -> None:
    preset = (Path(__file__).parents[2] / "connectors" / "presets" / "prestashop.toml")
    text = preset.read_text(encoding="utf-8")
    cut = text.index("[tables.ps_customer_message]")
    datamap = parse_datamap(text[:cut])  # the messages left out of the map
    with mariadb_database("dsr_coverage") as url:
        load("prestashop", url)
        seen: list[str] = []
        report = coverage(url, datamap, Identity(email=PEOPLE["juergen"].email),
                          progress=seen.append, row_budget=2)
    assert report.subjects == 1 and "ps_customer_message" in seen
    assert report.paths["ps_customer_thread"] == [1, 2]  # by customer id; by e-mail
    missed = {(p.table, p.column) for p in report.unreached}
    assert ("ps_customer_message", "message") in missed
    assert ("ps_customer_message", "ip_address") in missed
    assert ("ps_customer", "email") not in missed
    assert "ps_address" in report.truncated  # 4 rows, budget 2
    lines = "\n".join(format_report(report, datamap.tables))
    assert "NOT MAPPED ps_customer_message.message" in lines
    for value in PEOPLE["juergen"].values["prestashop"]:
        assert value not in lines


def test_propose_reads_sqlite_with_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    kunde = sa.Table("kunden", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("email", sa.String(100)), sa.Column("vorname", sa.String(50)),
                     sa.Column("passwort", sa.String(100)))
    sa.Table("auftraege", metadata, sa.Column("nr", sa.Integer, primary_key=True),
             sa.Column("kunde", sa.Integer, sa.ForeignKey("kunden.id")),
             sa.Column("datum", sa.DateTime), sa.Column("bemerkung", sa.Text))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(kunde.insert(), [{"id": 1, "email": "ida.roth@example.org",
                                             "vorname": "Ida", "passwort": "$2y$10$abc"}])
    engine.dispose()
    text, register, _ = run_propose(url, tmp_path)
    data = tomllib.loads(text)
    assert data["subject"]["table"] == "kunden"
    assert data["tables"]["auftraege"]["link"] == [
        {"columns": ["kunde"], "table": "kunden", "ref": ["id"]}]
    assert data["tables"]["kunden"]["columns"]["passwort"]["disclose"] is False
    assert not check_errors(text, register, url)


def test_coverage_command_prints_places_not_values_and_is_audited(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    kunden = sa.Table("kunden", metadata, sa.Column("id", sa.Integer, primary_key=True),
                      sa.Column("email", sa.String(100)), sa.Column("vorname", sa.String(50)))
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(kunden.insert(), [
            {"id": 1, "email": "ida.roth@example.org", "vorname": "Ida"},
            {"id": 2, "email": "ole.berg@example.org", "vorname": "Ole"}])
    engine.dispose()
    run_propose(url, tmp_path)
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a table the map does not know yet
        connection.exec_driver_sql("CREATE TABLE notizen (nr INTEGER PRIMARY KEY, text TEXT)")
        connection.exec_driver_sql("INSERT INTO notizen VALUES (1, 'Rückruf an ida.roth@example.org')")
    engine.dispose()
    (tmp_path / "config.toml").write_text(
        'register = "register.toml"\n[service]\ndata_dir = "data"\n'
        f'[connectors.shop]\nkind = "shop_sql"\nurl = "{url}"\ndatamap = "datamap.toml"\n',
        encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "config.toml"), "datamap",
                                       "coverage", "--email", "ida.roth@example.org"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "NOT MAPPED notizen.text: 1 row(s)" in result.output
    assert "reached    kunden.email: 1 row(s)" in result.output
    assert "ida.roth" not in result.output and "Rückruf" not in result.output
    service = sa.create_engine(f"sqlite:///{tmp_path / 'data' / 'service.sqlite'}")
    with service.connect() as connection:
        actions = [row[0] for row in connection.exec_driver_sql(
            "SELECT action FROM audit_events")]
    service.dispose()
    assert "datamap_coverage" in actions
