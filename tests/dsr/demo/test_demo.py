"""The demo shop: schema, generator, access logs, data map and processing register."""

from __future__ import annotations

import gzip
import re
import tomllib
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, String, create_engine, func, select, text

from connectors.datamap import check_against_database, load_datamap
from dsr.demo import pools
from dsr.demo import shop_schema as schema
from dsr.demo.generator import DemoShopSummary, build_demo_shop

TODAY = date(2026, 3, 2)
CUSTOMERS = 200
DEMO_DIR = Path(schema.__file__).parent
RESERVED_DOMAINS = ("example.org", "example.com", "example.net")
EMAIL = re.compile(r"[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
IPV4 = re.compile(r"(?<![\w./])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])")
URL_HOST = re.compile(r"https?://([^/\s\"]+)")
COMBINED = re.compile(
    r'^(?P<ip>\S+) - (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>[A-Z]+) (?P<path>\S+) '
    r'HTTP/1\.[01]" (?P<status>\d{3}) (?P<size>\d+) "(?P<referer>[^"]*)" "(?P<agent>[^"]*)"$')


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[DemoShopSummary, Engine, Path]]:
    base = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{base / 'shop.db'}"
    done: list[int] = []
    summary = build_demo_shop(url, customers=CUSTOMERS, log_dir=base / "logs",
                              progress=done.append, today=TODAY)
    assert sum(done) == CUSTOMERS and all(n > 0 for n in done)
    engine = create_engine(url)
    yield summary, engine, base / "logs"
    engine.dispose()


def _rows(engine: Engine, sql: str, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql), params))


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t))
                for t in schema.metadata.sorted_tables}


def _log_lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def _is_reserved_domain(domain: str) -> bool:
    domain = domain.lower()
    return any(domain == d or domain.endswith("." + d) for d in RESERVED_DOMAINS)


def test_second_build_changes_nothing(shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    summary, engine, logs = shop
    before = _counts(engine)
    log_bytes = {p.name: p.read_bytes() for p in logs.iterdir()}
    again = build_demo_shop(str(engine.url), customers=50, seed=7, log_dir=logs, today=TODAY)
    assert summary.created and not again.created
    assert again == summary
    assert _counts(engine) == before == dict(summary.counts)
    assert {p.name: p.read_bytes() for p in logs.iterdir()} == log_bytes


def test_same_seed_same_shop_and_logs_rebuilt_from_the_database(
        shop: tuple[DemoShopSummary, Engine, Path], tmp_path: Path) -> None:
    summary, engine, logs = shop
    url = f"sqlite:///{tmp_path / 'twin.db'}"
    twin = build_demo_shop(url, customers=CUSTOMERS, today=TODAY)  # no logs yet
    assert twin.to_json() == summary.to_json()
    query = "SELECT * FROM customers ORDER BY id"
    assert _rows(create_engine(url), query) == _rows(engine, query)
    late = build_demo_shop(url, log_dir=tmp_path / "logs", today=TODAY)
    assert not late.created and late.log_lines == summary.log_lines
    for path in summary.log_files:
        assert (tmp_path / "logs" / path.name).read_bytes() == path.read_bytes(), path.name


def test_only_reserved_domains_ips_and_phone_numbers(
        shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    _, engine, logs = shop
    drama = tuple(area + block for area, block in pools.DRAMA_NUMBER_PREFIXES)
    seen_emails = 0
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(c.type, String)]
            for row in conn.execute(select(*columns)):
                for column, value in zip(columns, row, strict=True):
                    if value is None:
                        continue
                    for domain in EMAIL.findall(value):
                        seen_emails += 1
                        assert _is_reserved_domain(domain), (table.name, column.name, value)
                    for address in IPV4.findall(value):
                        assert pools.is_reserved_ip(address), (table.name, column.name, value)
                    if column.name == "ip" or column.name.endswith("_ip"):
                        assert pools.is_reserved_ip(value), (table.name, column.name, value)
                    if column.name.endswith("phone"):
                        digits = re.sub(r"\D", "", value)
                        digits = "0" + digits[2:] if value.startswith("+49") else digits
                        assert digits.startswith(drama) and len(digits) in (11, 12, 13), value
    assert seen_emails > CUSTOMERS
    for path in logs.iterdir():
        for line in _log_lines(path):
            match = COMBINED.match(line)
            assert match, line
            assert pools.is_reserved_ip(match["ip"]), line
            assert not EMAIL.search(line), line
            for host in URL_HOST.findall(line):
                assert _is_reserved_domain(host), line


def _retained_until(issued: date) -> date:
    return date(issued.year + 8, 12, 31)


def test_showcase_customers(shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    summary, engine, _ = shop
    assert (summary.sample_customer_name, summary.sample_customer_email,
            summary.sample_customer_no) == ("Jürgen Weiß", "juergen.weiss@example.org", "K-100001")
    [(cid, no)] = _rows(engine, "SELECT id, customer_no FROM customers WHERE email = :e",
                        e=summary.sample_customer_email)
    assert no == summary.sample_customer_no
    issued = [date.fromisoformat(str(r[0])[:10]) for r in _rows(
        engine, "SELECT i.issued_on FROM invoices i JOIN orders o ON o.id = i.order_id "
                "WHERE o.customer_id = :c", c=cid)]
    assert any(_retained_until(d) < TODAY for d in issued)
    assert any(_retained_until(d) >= TODAY for d in issued)
    for table in ("addresses", "credit_checks", "search_history", "sessions", "reviews"):
        assert _rows(engine, f"SELECT 1 FROM {table} WHERE customer_id = :c", c=cid), table
    for table in ("shipments", "payment_transactions"):
        assert _rows(engine, f"SELECT 1 FROM {table} t JOIN orders o ON o.id = t.order_id "
                             "WHERE o.customer_id = :c", c=cid), table
    [doi] = _rows(engine, "SELECT subscribed_at, confirmed_at, signup_ip, confirm_ip, "
                          "policy_version, channel FROM newsletter_subscriptions "
                          "WHERE customer_id = :c", c=cid)
    assert all(doi)
    assert _rows(engine, "SELECT 1 FROM consents WHERE customer_id = :c AND kind = 'newsletter' "
                         "AND withdrawn_at IS NULL", c=cid)
    bodies = [r[0] for r in _rows(engine, "SELECT body FROM service_emails "
                                          "WHERE customer_id = :c", c=cid)]
    assert any(summary.sample_third_party_name in body for body in bodies)

    gifts = _rows(engine, "SELECT o.customer_id, c.customer_no FROM orders o JOIN customers c "
                          "ON c.email = o.recipient_email WHERE o.recipient_email = :e",
                  e=summary.recipient_customer_email)
    assert {no for _, no in gifts} == {summary.recipient_customer_no}
    assert any(buyer == cid for buyer, _ in gifts)

    [(company,)] = _rows(engine, "SELECT co.name FROM customers c JOIN companies co "
                                 "ON co.id = c.company_id WHERE c.email = :e",
                         e=summary.b2b_contact_email)
    assert company == summary.b2b_company_name
    assert _rows(engine, "SELECT 1 FROM collection_cases k JOIN customers c ON c.id = "
                         "k.customer_id WHERE c.email = :e AND k.status = 'open'",
                 e=summary.collection_customer_email)


def test_the_shop_looks_like_a_shop(shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    _, engine, _ = shop
    per_customer = [n for (n,) in _rows(
        engine, "SELECT COUNT(o.id) FROM customers c LEFT JOIN orders o ON o.customer_id = c.id "
                "GROUP BY c.id")]
    assert sum(1 <= n <= 10 for n in per_customer) > 0.6 * CUSTOMERS
    assert any(n > 10 for n in per_customer)
    years = {str(y)[:4] for (y,) in _rows(engine, "SELECT issued_on FROM invoices")}
    assert len(years) >= 11
    [(to_customers, to_others)] = _rows(
        engine, "SELECT SUM(c.id IS NOT NULL), SUM(c.id IS NULL) FROM orders o LEFT JOIN "
                "customers c ON c.email = o.recipient_email WHERE o.recipient_email IS NOT NULL")
    assert to_customers and to_others
    assert _rows(engine, "SELECT 1 FROM orders o JOIN customers c ON c.id = o.customer_id "
                         "WHERE o.recipient_name <> c.first_name || ' ' || c.last_name "
                         "AND o.recipient_email IS NULL")  # a gift without an e-mail address
    for sql in ("SELECT 1 FROM customers WHERE company_id IS NOT NULL",
                "SELECT 1 FROM newsletter_subscriptions WHERE confirm_ip IS NOT NULL",
                "SELECT 1 FROM credit_checks WHERE decision = 'declined'",
                "SELECT 1 FROM collection_cases", "SELECT 1 FROM service_emails",
                "SELECT 1 FROM payment_methods WHERE iban_masked LIKE 'DE__ **** **** **** ____'"):
        assert _rows(engine, sql), sql


def test_shared_addresses_are_used_at_different_times(
        shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    summary, engine, logs = shop
    by_ip: dict[str, list[tuple[datetime, datetime, int]]] = defaultdict(list)
    for ip, start, end, customer in _rows(
            engine, "SELECT ip, started_at, ended_at, customer_id FROM sessions"):
        by_ip[ip].append((_dt(start), _dt(end), customer))
    shared = {ip: s for ip, s in by_ip.items() if len({c for *_, c in s}) > 1}
    assert summary.shared_ip in shared
    for windows in shared.values():
        windows.sort()
        for (_, end, first), (start, _, second) in zip(windows, windows[1:], strict=False):
            assert first == second or end < start, windows
    emails = {r[0] for r in _rows(engine, "SELECT c.email FROM sessions s JOIN customers c ON "
                                          "c.id = s.customer_id WHERE s.ip = :ip",
                                  ip=summary.shared_ip)}
    assert emails == set(summary.shared_ip_customer_emails)
    # Every log line from the shared address lies in one of its sessions.
    windows = [(s, e) for s, e, _ in by_ip[summary.shared_ip]]
    lines = [line for p in logs.iterdir() for line in _log_lines(p)
             if line.startswith(summary.shared_ip + " ")]
    assert lines
    for line in lines:
        at = _log_time(line)
        assert any(s <= at <= e for s, e in windows), line


def _dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _log_time(line: str) -> datetime:
    match = COMBINED.match(line)
    assert match
    stamp = datetime.strptime(match["time"], "%d/%b/%Y:%H:%M:%S %z")
    return stamp.astimezone(UTC).replace(tzinfo=None)


def test_logs_are_rotated_gzipped_and_chronological(
        shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    summary, _, logs = shop
    names = ["access.log", "access.log.1"] + [f"access.log.{n}.gz" for n in range(2, 6)]
    assert [p.name for p in summary.log_files] == names
    assert sorted(p.name for p in logs.iterdir()) == sorted(names)
    newer_start: datetime | None = None
    total = 0
    for path in summary.log_files:
        with path.open("rb") as raw:
            assert (raw.read(2) == b"\x1f\x8b") == path.name.endswith(".gz")
        times = [_log_time(line) for line in _log_lines(path)]
        assert times and times == sorted(times), path.name
        if newer_start is not None:
            assert times[-1] <= newer_start, path.name
        newer_start, total = times[0], total + len(times)
    assert total == summary.log_lines
    assert 1000 < total < 200 * CUSTOMERS


def test_recent_orders_were_placed_in_a_logged_session(
        shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    summary, engine, _ = shop
    placed: dict[str, tuple[str, datetime]] = {}
    for path in summary.log_files:
        for line in _log_lines(path):
            match = COMBINED.match(line)
            assert match
            if match["path"].startswith("/kasse/danke?bestellung="):
                placed[match["path"].split("=", 1)[1]] = (match["ip"], _log_time(line))
    oldest = _log_time(_log_lines(summary.log_files[-1])[0])
    orders = _rows(engine, "SELECT o.order_no, o.ordered_at, s.ip FROM orders o JOIN sessions s "
                           "ON s.customer_id = o.customer_id AND o.ordered_at BETWEEN "
                           "s.started_at AND s.ended_at WHERE o.ordered_at > :t",
                   t=oldest.isoformat(sep=" "))
    assert orders and len(orders) == len(placed)
    for order_no, ordered_at, ip in orders:
        assert placed[order_no][0] == ip
        assert 0 <= (placed[order_no][1] - _dt(ordered_at)).total_seconds() <= 2


def test_credit_decisions_follow_the_registered_bands(
        shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    _, engine, _ = shop
    register = tomllib.loads((DEMO_DIR / "register.toml").read_text(encoding="utf-8"))
    bands = [(b["min_score"], b["decision"], tuple(b["options"]))
             for b in register["automated_decisions"]["credit_check"]["bands"]]
    assert bands == list(pools.CREDIT_BANDS)
    checks = _rows(engine, "SELECT score, decision, payment_options_offered FROM credit_checks")
    assert checks
    for score, decision, options in checks:
        expected = next((d, o) for floor, d, o in bands if score >= floor)
        assert (decision, tuple(options.split(","))) == expected


def test_datamap_covers_the_schema_and_names_only_registered_rules() -> None:
    datamap = tomllib.loads((DEMO_DIR / "datamap.toml").read_text(encoding="utf-8"))
    register = tomllib.loads((DEMO_DIR / "register.toml").read_text(encoding="utf-8"))
    tables = {t.name: t for t in schema.metadata.sorted_tables}
    assert set(datamap["tables"]) == set(tables)
    assert datamap["version"] == 1 and datamap["subject"]["table"] == "customers"
    assert datamap["subject"]["restriction_flag"] in tables["customers"].c
    kinds = {i["kind"] for i in datamap["identifiers"]}
    assert kinds == {"email", "customer_number", "name_address"}
    for ident in datamap["identifiers"]:
        columns = [ident["column"]] if "column" in ident else list(ident["columns"].values())
        assert set(columns) <= set(tables[ident["table"]].c.keys())
    for name, table in tables.items():
        entry = datamap["tables"][name]
        # The subscriptions and consents belong to the newsletter connector (same database).
        assert entry["connector"] == ("newsletter" if name in ("newsletter_subscriptions",
                                                               "consents") else "shop")
        assert entry["key"] == [c.name for c in table.primary_key.columns]
        assert set(entry["columns"]) == set(table.c.keys()), name
        assert entry.get("document_date") in (None, *table.c.keys()), name
        _check_link(tables, name, entry["link"])
        for column_name, column in entry["columns"].items():
            where = f"{name}.{column_name}"
            assert column["label"]["de"] and column["label"]["en"], where
            assert column["erasure"] in {"keep", "delete", "null", "anonymise"}, where
            if column["erasure"] == "null":
                assert table.c[column_name].nullable, where
            assert column.get("category", entry.get("category")) in register["categories"], where
            rule = column.get("retention", entry.get("retention"))
            assert rule is None or rule in register["retention"], where
            if re.search(r"email|phone|(^|_)ip$|score", column_name) and name not in (
                    "newsletter_subscriptions", "consents"):
                # at most a storage limit (erased at once on request, at the latest then)
                assert rule is None or register["retention"][rule].get("storage_limit"), \
                    f"{where} must never be retained"
        if "recipient" in entry:
            recipient = entry["recipient"]
            assert recipient["identifier"] in kinds
            assert recipient["column"] in recipient["fields"]
            assert set(recipient["fields"]) <= set(table.c.keys())
    assert "recipient" in datamap["tables"]["orders"]


def test_datamap_passes_the_loader_and_the_database_check(
        shop: tuple[DemoShopSummary, Engine, Path]) -> None:
    _, engine, _ = shop
    register = tomllib.loads((DEMO_DIR / "register.toml").read_text(encoding="utf-8"))
    datamap = load_datamap(DEMO_DIR / "datamap.toml", retention_rules=register["retention"])
    findings = check_against_database(datamap, engine, "shop")
    assert not [f for f in findings if f.level == "error"], findings
    # The only warnings: a company account's own data is kept when a contact is erased, and a
    # company links to each of its contacts.
    assert {f.where.split(".")[1] for f in findings} <= {"companies"}, findings


def _check_link(tables: dict[str, Any], name: str, hops: list[dict[str, Any]]) -> None:
    if name == "customers":
        assert hops == []
        return
    assert hops and hops[-1]["table"] == "customers", name
    current = name
    for hop in hops:
        assert len(hop["columns"]) == len(hop["ref"]), name
        assert set(hop["columns"]) <= set(tables[current].c.keys()), name
        assert set(hop["ref"]) <= set(tables[hop["table"]].c.keys()), name
        current = hop["table"]


def test_register_is_consistent() -> None:
    register = tomllib.loads((DEMO_DIR / "register.toml").read_text(encoding="utf-8"))
    assert register["version"] == 1
    assert register["controller"]["email"].endswith("@pso.example.org")
    assert "Ansbach" in register["supervisory_authority"]["address"]
    for rule in register["retention"].values():
        assert rule["label"]["de"] and rule["norm"] and rule["starts"]
    assert register["retention"]["accounting_voucher"]["years"] == 8
    assert register["retention"]["business_letter"]["years"] == 6
    assert register["retention"]["books"]["years"] == 10
    assert register["retention"]["consent_proof"]["years"] == 3
    for recipient in register["recipients"].values():
        assert recipient["kind"] in {"processor", "controller"} and recipient["role"]["en"]
    names = {p["name"] for p in register["purposes"]}
    assert {"contract", "accounting", "credit_check", "newsletter", "advertising",
            "market_research", "analytics", "fraud_prevention", "dsr_handling"} <= names
    for purpose in register["purposes"]:
        assert purpose["legal_basis"] and purpose["label"]["de"] and purpose["source"]["en"]
        assert set(purpose["categories"]) <= set(register["categories"]), purpose["name"]
        assert set(purpose["recipients"]) <= set(register["recipients"]), purpose["name"]
        assert set(purpose["retention"]) <= set(register["retention"]), purpose["name"]
    decision = register["automated_decisions"]["credit_check"]
    assert decision["bureau"] in register["recipients"]
    for transfer in register["transfers"]:
        assert transfer["recipient"] in register["recipients"]
        assert all("Data Privacy Framework" in transfer["safeguard"][lang] for lang in ("de", "en"))
    assert "Safe Harbor" not in repr(register)


def test_refuses_a_database_that_is_not_a_demo_shop(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = create_engine(url)
    schema.metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(schema.customers.insert(), [{
            "customer_no": "X-1", "first_name": "A", "last_name": "B",
            "email": "a.b@example.org", "created_at": datetime(2020, 1, 1)}])
    engine.dispose()
    with pytest.raises(RuntimeError):
        build_demo_shop(url, customers=10, today=TODAY)
    with pytest.raises(ValueError):
        build_demo_shop(f"sqlite:///{tmp_path / 'tiny.db'}", customers=3, today=TODAY)


def _builds_on_a_server(url: str, tmp_path: Path) -> None:
    summary = build_demo_shop(url, customers=60, today=TODAY)
    again = build_demo_shop(url, customers=60, today=TODAY)
    assert summary.created and not again.created and again == summary
    engine = create_engine(url)
    try:
        assert _counts(engine) == dict(summary.counts)
        with engine.connect() as conn:  # new rows get ids after the generated ones
            conn.execute(schema.sessions.insert(), {
                "customer_id": 1, "ip": "192.0.2.1", "started_at": datetime(2026, 1, 1),
                "ended_at": datetime(2026, 1, 1, 1)})
            new_id = conn.scalar(select(func.max(schema.sessions.c.id)))
            conn.rollback()
        assert new_id == summary.counts["sessions"] + 1
    finally:
        engine.dispose()
    twin = build_demo_shop(f"sqlite:///{tmp_path / 'twin.db'}", customers=60, today=TODAY)
    assert twin == summary


@pytest.mark.postgres
def test_builds_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    _builds_on_a_server(pg_url, tmp_path)


@pytest.mark.mariadb
def test_builds_on_mariadb(mariadb_url: str, tmp_path: Path) -> None:
    _builds_on_a_server(mariadb_url + "?charset=utf8mb4", tmp_path)
