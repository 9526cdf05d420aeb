"""Benchmark: dsr beside the leading open-source engine (ethyca-fides), measured in one run.

    python -m bench.compare [--pairs 23] [--customers 100000] [--scales 10000,1000000]
                            [--fides-venv DIR]

1. The competitor goes into a virtual environment of its own (``--fides-venv``, created with
   ``pip install ethyca-fides==2.78.2`` when it has no ``fides`` yet) — never into dsr's.
2. The shop: the shared schema (customers, addresses, orders keyed by e-mail;
   ``--schema``), loaded with ``--customers`` customers and ten orders each into a throw-away
   PostgreSQL database (kept between runs unless the size changes; ``--reload`` loads again).
3. The competitor's API runs under uvicorn on 127.0.0.1 in eager mode (its tasks run inside
   the web process; ``task_always_eager``), on an application database of its own, configured
   over its REST API: an access policy, an erasure policy (``null_rewrite`` of every ``user``
   category), the shop's PostgreSQL connection and a dataset for the three tables (written
   here, ``_dataset``).
4. dsr runs in this process on a fresh PostgreSQL service database with one ``shop_sql``
   connector on the same shop and the data map ``bench/fides/shop_datamap.toml``.
5. Interleaved, pair by pair: an access request for customer *k* by dsr (verified → answer
   ready: process, collect, compile the PDF, JSON and export) and by the competitor (submitted →
   ``complete``; its identity verification and approval are switched off, so its whole request
   is this), on the same customer; then erasures, dsr on one customer and the competitor on the
   next (an erased customer has nothing left to erase). CPU per request: this process's CPU
   time for dsr, the uvicorn process's (``/proc/<pid>/stat``) for the competitor; the
   database server's CPU is in neither.
6. Sequential access throughput (whole requests one after another: dsr from submission through
   discovery and verification to the answer), the idle resident memory of each web server and
   of each worker (``dsr worker`` on rq with rq's scheduler process; the competitor's
   ``fides worker``, its Celery worker with its pool processes, in its non-eager set-up), as the
   proportional set size of the whole process tree (shared pages counted once).
7. Access at other shop sizes (``--scales``, default 10,000 and 1,000,000 customers): a shop
   of that size of its own, dsr's median over ``--pairs`` customers spread over it.

Prints the table of the issue with the ratios, the load average and the machine; ``--json-out``
keeps the figures for ``bench/RESULTS.md``. Everything it started is stopped by pid.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from bench.common import SECRET, create_database
from bench.machine import describe, load_average
from bench.proc import cpu_seconds

HERE = Path(__file__).resolve().parent
FIDES_VERSION = "2.78.2"
SCHEMA = HERE.parents[1] / "shared" / "bench" / "fides_shop_schema.sql"
SHOP_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_fides_shop"
SERVICE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_compare"
FIDES_DB = "dsr_bench_fides_app"
REDIS_DB = 7
DATAMAP = HERE / "fides" / "shop_datamap.toml"
ORDERS_PER = 10
CLIENT_ID, CLIENT_SECRET = "benchroot", "benchroot-secret-for-this-run"
SCALES = "10000,1000000"


def parse_scales(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in text.replace("_", "").split(",") if part.strip())
    except ValueError:
        raise click.BadParameter(f"not a comma-separated list of sizes: {text!r}") from None
    if any(n < 100 for n in sizes):
        raise click.BadParameter("each size must be at least 100 customers")
    return sizes

FIDES_TOML = """\
[database]
server = "127.0.0.1"
port = "5432"
user = "postgres"
password = "unused-trust-auth"
db = "{db}"
automigrate = true

[redis]
host = "127.0.0.1"
port = 6379
password = ""
db_index = {redis_db}
enabled = true

[security]
env = "prod"
app_encryption_key = "{key}"
oauth_root_client_id = "{client_id}"
oauth_root_client_secret = "{client_secret}"
cors_origins = ["http://127.0.0.1:{port}"]

[execution]
require_manual_request_approval = false
subject_identity_verification_required = false

[celery]
task_always_eager = true

[user]
analytics_opt_out = true

[cli]
server_host = "127.0.0.1"
server_port = "{port}"
analytics_id = "dsrbench"

[logging]
level = "WARNING"
"""


def _field(name: str, category: str, **meta: Any) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name, "data_categories": [category]}
    if meta:
        found["fides_meta"] = meta
    return found


def _dataset() -> dict[str, Any]:
    """The competitor's dataset of the shop: the e-mail identifies the customer, the children
    refer to it."""
    ref = {"data_type": "string",
           "references": [{"dataset": "bench_shop", "field": "customers.email",
                           "direction": "from"}]}
    key = {"primary_key": True}
    return {"dataset": [{
        "fides_key": "bench_shop", "name": "dsr comparison shop",
        "description": "customers, addresses and orders keyed by e-mail",
        "collections": [
            {"name": "customers", "fields": [
                _field("id", "system.operations", **key),
                _field("email", "user.contact.email", identity="email", data_type="string"),
                _field("name", "user.name"),
                _field("phone", "user.contact.phone_number"),
                _field("created_at", "system.operations")]},
            {"name": "addresses", "fields": [
                _field("id", "system.operations", **key),
                _field("customer_email", "user.contact.email", **ref),
                _field("street", "user.contact.address.street"),
                _field("city", "user.contact.address.city"),
                _field("zip", "user.contact.address.postal_code")]},
            {"name": "orders", "fields": [
                _field("id", "system.operations", **key),
                _field("customer_email", "user.contact.email", **ref),
                _field("shipping_street", "user.contact.address.street"),
                _field("total_cents", "system.operations"),
                _field("status", "system.operations"),
                _field("created_at", "system.operations")]},
        ]}]}


# --- the competitor -----------------------------------------------------------------------------


def ensure_fides(venv: Path) -> Path:
    """The competitor's interpreter, installed into ``venv`` (its own) when missing."""
    python = venv / "bin" / "python"
    if not (venv / "bin" / "fides").exists():
        click.echo(f"installing ethyca-fides=={FIDES_VERSION} into {venv} (a venv of its own)")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q",
                        f"ethyca-fides=={FIDES_VERSION}"], check=True)
    version = subprocess.run([str(python), "-c", "import fides; print(fides.__version__)"],
                             capture_output=True, text=True, check=True).stdout.strip()
    if version != FIDES_VERSION:
        raise click.ClickException(f"{venv} holds fides {version}, not {FIDES_VERSION}")
    return python


class Fides:
    """The competitor's REST API (eager mode)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.token = ""

    def call(self, method: str, path: str, body: Any = None, *, form: dict[str, str] | None = None,
             raw: bytes | None = None, content_type: str = "application/json") -> Any:
        data, headers = None, {}
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif raw is not None:
            data, headers["Content-Type"] = raw, content_type
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=600) as answer:
                text = answer.read()
        except urllib.error.HTTPError as exc:
            raise click.ClickException(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None
        found = json.loads(text) if text else None
        if isinstance(found, dict) and found.get("failed"):
            raise click.ClickException(f"{method} {path} failed: {found['failed']}")
        return found

    def configure(self, shop: sa.engine.URL) -> None:
        self.token = self.call("POST", "/oauth/token", form={
            "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
            "grant_type": "client_credentials"})["access_token"]
        self.call("PATCH", "/dsr/policy", [{"name": "dsr bench access", "key": "dsrbench_access"},
                                          {"name": "dsr bench erasure",
                                           "key": "dsrbench_erasure"}])
        self.call("PATCH", "/dsr/policy/dsrbench_access/rule", [{
            "name": "access rule", "key": "dsrbench_access_rule", "action_type": "access"}])
        self.call("PATCH", "/dsr/policy/dsrbench_access/rule/dsrbench_access_rule/target", [{
            "name": "access user", "key": "dsrbench_access_user", "data_category": "user"}])
        self.call("PATCH", "/dsr/policy/dsrbench_erasure/rule", [{
            "name": "erasure rule", "key": "dsrbench_erasure_rule", "action_type": "erasure",
            "masking_strategy": {"strategy": "null_rewrite", "configuration": {}}}])
        self.call("PATCH", "/dsr/policy/dsrbench_erasure/rule/dsrbench_erasure_rule/target", [{
            "name": "erasure user", "key": "dsrbench_erasure_user", "data_category": "user"}])
        self.call("PATCH", "/connection", [{"name": "bench shop", "key": "dsrbench_shop",
                                            "connection_type": "postgres", "access": "write"}])
        tested = self.call("PUT", "/connection/dsrbench_shop/secret", {
            "host": shop.host, "port": shop.port or 5432, "username": shop.username,
            "password": "unused-trust-auth", "dbname": shop.database})
        if tested.get("test_status") != "succeeded":
            raise click.ClickException(f"the competitor cannot reach the shop: {tested}")
        # JSON is YAML: the dataset goes to the YAML route as it is.
        self.call("PATCH", "/yml/connection/dsrbench_shop/dataset",
                  raw=json.dumps(_dataset()).encode(), content_type="application/x-yaml")

    def request(self, policy: str, email: str) -> tuple[float, str]:
        """Submit and wait for the end (eager: the POST returns when it has run); seconds and
        the final status."""
        started = time.perf_counter()
        created = self.call("POST", "/privacy-request", [{"identity": {"email": email},
                                                          "policy_key": policy}])
        request_id = created["succeeded"][0]["id"]
        while True:
            found = self.call("GET", f"/privacy-request?request_id={request_id}")["items"][0]
            if found["status"] in ("complete", "error", "canceled", "denied"):
                return time.perf_counter() - started, str(found["status"])
            if time.perf_counter() - started > 600:
                raise click.ClickException(f"the competitor's request {request_id} hangs")
            time.sleep(0.01)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _wait(url: str, seconds: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the server for {url} ended ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise click.ClickException(f"{url} did not answer within {seconds:.0f} s")


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# --- the shop and dsr ---------------------------------------------------------------------------


def shop_url(customers: int, main_size: int) -> str:
    """The shop of the main comparison, or one of its own for another size."""
    return SHOP_URL if customers == main_size else f"{SHOP_URL}_{customers}"


def load_shop(schema: Path, customers: int, reload: bool, url: str = SHOP_URL) -> float | None:
    """The shared schema with ``customers`` customers; seconds it took, None when kept. A shop
    whose customers an earlier run erased (no name left) is loaded again."""
    create_database(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            present = conn.scalar(sa.text("SELECT to_regclass('customers') IS NOT NULL"))
            count = conn.scalar(sa.text("SELECT count(*) FROM customers")) if present else 0
            erased = bool(present and conn.scalar(sa.text(
                "SELECT EXISTS (SELECT 1 FROM customers WHERE name IS NULL)")))
    finally:
        engine.dispose()
    if count == customers and not reload and not erased:
        return None
    parts = sa.engine.make_url(url)
    started = time.perf_counter()
    subprocess.run(["psql", "-q", "-h", parts.host or "127.0.0.1", "-U", parts.username or "postgres",
                    "-d", parts.database or "", "-v", "ON_ERROR_STOP=1",
                    "-v", f"n_customers={customers}", "-v", f"orders_per={ORDERS_PER}",
                    "-f", str(schema)], check=True, env={**os.environ,
                                                         "PGOPTIONS": "-c client_min_messages=warning"})
    return time.perf_counter() - started


@dataclass
class Dsr:
    """dsr in this process, on the comparison shop."""

    data_dir: Path
    shop_url: str = SHOP_URL
    service_url: str = SERVICE_URL
    services: Any = None
    connectors: list[str] = field(default_factory=lambda: ["shop"])

    def start(self) -> None:
        from dsr.audit import ensure_head
        from dsr.config import load_config
        from dsr.context import Services
        from dsr.migrate import upgrade

        create_database(self.service_url, fresh=True)
        config = load_config(path=None, env={}, overrides={
            "service": {"data_dir": str(self.data_dir), "secret_key": SECRET,
                        "database_url": self.service_url},
            "connectors": {"shop": {"kind": "shop_sql", "url": self.shop_url,
                                    "datamap": str(DATAMAP),
                                    "label": {"de": "Shop-Datenbank", "en": "Shop database"}}},
            "tasks": {"backoff_seconds": 0, "backend": "thread"}})
        self.services = Services(config)
        upgrade(self.services.db.engine)
        with self.services.db.session() as session:
            ensure_head(session)

    def _get(self, session: Any, request_id: int) -> Any:
        from dsr.requests.models import Request

        request = session.get(Request, request_id)
        assert request is not None
        return request

    def verified(self, email: str, types: list[str]) -> int:
        """Submitted, discovered and verified: the request id."""
        from dsr.requests import intake
        from dsr.requests import operations as actions
        from workflows.runner import run_pending
        from workflows.states import State

        services = self.services
        with services.db.session() as session:
            request_id = int(intake.submit(session, intake.Submission(
                types=types, name="Bench Customer", email=email, channel="form",
                received_at=services.clock.now()), calendar=services.calendar,
                connectors=self.connectors).id)
        run_pending(services)
        with services.db.session() as session:
            request = self._get(session, request_id)
            if "shop" not in (request.subject_keys or {}):
                raise click.ClickException(f"dsr's discovery did not find {email}: "
                                           f"{request.status}")
            if request.status == State.AWAITING_VERIFICATION:
                actions.verify(session, request, actor="bench", method="manual")
        return request_id

    def _until(self, request_id: int, state: str) -> None:
        with self.services.db.session() as session:
            status = self._get(session, request_id).status
        if status != state:
            raise click.ClickException(f"dsr's request {request_id} is {status}, not {state}")

    def stop(self) -> None:
        if self.services is not None:
            self.services.close()

    def access(self, request_id: int) -> None:
        """Verified → answer ready (review)."""
        from dsr.requests import operations as actions
        from workflows.runner import run_pending
        from workflows.states import State

        with self.services.db.session() as session:
            actions.process(session, self._get(session, request_id), actor="bench",
                            connectors=self.connectors)
        run_pending(self.services)
        self._until(request_id, State.REVIEW)

    def erase(self, request_id: int) -> None:
        """Verified → completed: plan, draft, approve, execute, final answer, release."""
        from dsr.answers import operations as reports
        from dsr.requests import operations as actions
        from workflows.runner import run_pending
        from workflows.states import State

        services = self.services
        with services.db.session() as session:
            actions.process(session, self._get(session, request_id), actor="bench",
                            connectors=self.connectors)
        run_pending(services)
        self._until(request_id, State.REVIEW)
        with services.db.session() as session:
            request = self._get(session, request_id)
            decisions = actions.default_decisions(
                request, reports.found_categories(session, request_id))
            actions.approve(session, request, actor="bench", user_id=None, decisions=decisions)
        run_pending(services)
        with services.db.session() as session:
            actions.release(session, self._get(session, request_id), actor="bench")
        run_pending(services)
        self._until(request_id, State.COMPLETED)


def _pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _tree_pss_mb(pid: int) -> float:
    """The proportional set size of a process and all its descendants, in MB: a page shared
    by several of them (a forked child's copy-on-write pages: rq's scheduler process, Celery's
    pool) counts once, split between them, where adding their RSS would count it again."""
    from bench.proc import descendants

    total = 0.0
    for current in descendants(pid):
        try:
            total += _pss_mb(current)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _dsr_config(config_dir: Path, *, redis_db: int | None = None) -> Path:
    config = config_dir / ("worker.toml" if redis_db is not None else "serve.toml")
    text = (f'[service]\ndatabase_url = "{SERVICE_URL}"\ndata_dir = "{config_dir / "serve-data"}"\n'
            f'secret_key = "{SECRET}"\n\n[connectors.shop]\nkind = "shop_sql"\nurl = "{SHOP_URL}"\n'
            f'datamap = "{DATAMAP}"\n')
    if redis_db is not None:
        text += f'\n[tasks]\nbackend = "rq"\nredis_url = "redis://127.0.0.1:6379/{redis_db}"\n'
    config.write_text(text)
    return config


def _dsr_idle_rss(config_dir: Path, port: int) -> float:
    """``dsr serve`` on the same databases, after start-up and one page load: VmRSS in MB."""
    config = _dsr_config(config_dir)
    serve = subprocess.Popen([str(Path(sys.executable).with_name("dsr")), "serve", "--port",
                              str(port)], env={**os.environ, "DSR_CONFIG": str(config)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/", 60, serve)
        time.sleep(1)
        return _rss_mb(serve.pid)
    finally:
        _stop(serve)


def _dsr_worker_idle_rss(config_dir: Path) -> float:
    """``dsr worker`` (rq on Redis) on the same databases, once it has registered with rq and
    waits for jobs: the PSS of its process tree (the worker and rq's scheduler process) in MB."""
    import redis
    from rq import Worker

    connection = redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB + 1)
    connection.flushdb()
    config = _dsr_config(config_dir, redis_db=REDIS_DB + 1)
    worker = subprocess.Popen([str(Path(sys.executable).with_name("dsr")), "worker"],
                              env={**os.environ, "DSR_CONFIG": str(config)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not Worker.all(connection=connection):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException("`dsr worker` did not register with rq")
            time.sleep(0.2)
        time.sleep(2)
        return _tree_pss_mb(worker.pid)
    finally:
        _stop(worker)
        connection.flushdb()


def _fides_worker_idle_rss(python: Path, root: Path) -> float:
    """The competitor's worker (``fides worker``: Celery with its pool processes), as its
    non-eager set-up runs it, once Celery says it is ready: the PSS of its process tree in MB."""
    log = root / "fides-worker.log"
    env = {**os.environ, "FIDES__CONFIG_PATH": str(root / "fides.toml"),
           "FIDES__CELERY__TASK_ALWAYS_EAGER": "false", "FIDES__LOGGING__LEVEL": "INFO"}
    worker = subprocess.Popen([str(python.with_name("fides")), "worker"], cwd=root, env=env,
                              stdout=log.open("wb"), stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while b"ready." not in log.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException("the competitor's worker did not start: "
                                           + log.read_text(errors="replace")[-500:])
            time.sleep(0.5)
        time.sleep(2)
        return _tree_pss_mb(worker.pid)
    finally:
        _stop(worker)


def scale_run(schema: Path, sizes: list[int], reload: bool, data_dir: Path, main_size: int,
              pairs: int) -> dict[int, dict[str, Any]]:
    """dsr's access (verified → answer ready) on shops of other sizes, each of its own: the
    median over ``pairs`` customers spread over the shop, after one warm-up."""
    found: dict[int, dict[str, Any]] = {}
    for size in sizes:
        url = shop_url(size, main_size)
        click.echo(f"scale: a shop of {size:,} customers ...")
        loaded = load_shop(schema, size, reload, url)
        dsr = Dsr(data_dir / f"scale-{size}", shop_url=url,
                  service_url=SERVICE_URL + "_scale")
        try:
            dsr.start()
            dsr.access(dsr.verified(f"customer{size}@example.com", ["access"]))  # warm-up
            step = max(1, size // (pairs + 1))
            timings = []
            for k in range(pairs):
                request_id = dsr.verified(f"customer{1 + k * step}@example.com", ["access"])
                started = time.perf_counter()
                dsr.access(request_id)
                timings.append(time.perf_counter() - started)
        finally:
            dsr.stop()
        found[size] = {"access": timings, "loaded_s": loaded}
    return found


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def run(pairs: int, customers: int, venv: Path, schema: Path, reload: bool, port: int,
        throughput_requests: int, scales: tuple[int, ...] = ()) -> dict[str, Any]:
    python = ensure_fides(venv)
    loaded = load_shop(schema, customers, reload)
    create_database(f"postgresql+psycopg://postgres@127.0.0.1:5432/{FIDES_DB}")
    import redis

    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    figures: dict[str, Any] = {"customers": customers, "orders": customers * ORDERS_PER,
                               "pairs": pairs, "shop_loaded_s": loaded,
                               "load_start": load_average(), "fides_version": FIDES_VERSION}
    fides_server = None
    with tempfile.TemporaryDirectory(prefix="dsr-compare-") as tmp:
        root = Path(tmp)
        (root / "fides.toml").write_text(FIDES_TOML.format(
            db=FIDES_DB, redis_db=REDIS_DB, key="dsrbench" + "k" * 24, client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET, port=port))
        dsr = Dsr(root / "dsr-data")
        try:
            started = time.perf_counter()
            fides_server = subprocess.Popen(
                [str(python), "-m", "uvicorn", "fides.api.main:app", "--host", "127.0.0.1",
                 "--port", str(port)], cwd=root,
                env={**os.environ, "FIDES__CONFIG_PATH": str(root / "fides.toml")},
                stdout=(root / "fides.log").open("wb"), stderr=subprocess.STDOUT)
            _wait(f"http://127.0.0.1:{port}/health", 600, fides_server)
            figures["fides_start_s"] = time.perf_counter() - started
            fides = Fides(f"http://127.0.0.1:{port}/api/v1")
            fides.configure(sa.engine.make_url(SHOP_URL))
            figures["fides_idle_rss_mb"] = _rss_mb(fides_server.pid)
            dsr.start()
            pid = fides_server.pid
            # warm-up, not counted: one access each
            fides.request("dsrbench_access", f"customer{customers}@example.com")
            dsr.access(dsr.verified(f"customer{customers}@example.com", ["access"]))
            access: dict[str, list[float]] = {"dsr": [], "fides": [], "dsr_cpu": [],
                                              "fides_cpu": []}
            erasure: dict[str, list[float]] = {k: [] for k in access}
            step = max(1, customers // (3 * pairs + 3))
            for k in range(pairs):
                email = f"customer{1 + k * step}@example.com"
                request_id = dsr.verified(email, ["access"])
                wall, cpu = time.perf_counter(), time.process_time()
                dsr.access(request_id)
                access["dsr"].append(time.perf_counter() - wall)
                access["dsr_cpu"].append(time.process_time() - cpu)
                cpu = cpu_seconds(pid)
                seconds, status = fides.request("dsrbench_access", email)
                access["fides_cpu"].append(cpu_seconds(pid) - cpu)
                access["fides"].append(seconds)
                if status != "complete":
                    raise click.ClickException(f"the competitor's access ended {status}")
            for k in range(pairs):
                base = 1 + (pairs + 2 * k) * step + step // 2
                request_id = dsr.verified(f"customer{base}@example.com", ["erasure"])
                wall, cpu = time.perf_counter(), time.process_time()
                dsr.erase(request_id)
                erasure["dsr"].append(time.perf_counter() - wall)
                erasure["dsr_cpu"].append(time.process_time() - cpu)
                cpu = cpu_seconds(pid)
                seconds, status = fides.request("dsrbench_erasure",
                                                f"customer{base + 1}@example.com")
                erasure["fides_cpu"].append(cpu_seconds(pid) - cpu)
                erasure["fides"].append(seconds)
                if status != "complete":
                    raise click.ClickException(f"the competitor's erasure ended {status}")
            throughput: dict[str, float] = {}
            first = 1 + (3 * pairs + 1) * step
            started = time.perf_counter()
            for i in range(throughput_requests):
                dsr.access(dsr.verified(f"customer{first + i}@example.com", ["access"]))
            throughput["dsr"] = throughput_requests / (time.perf_counter() - started)
            started = time.perf_counter()
            for i in range(throughput_requests):
                fides.request("dsrbench_access", f"customer{first + i}@example.com")
            throughput["fides"] = throughput_requests / (time.perf_counter() - started)
            figures.update(access=access, erasure=erasure, throughput=throughput,
                           erased_check=_erased(pairs, step))
        finally:
            _stop(fides_server)
            dsr.stop()
        figures["dsr_idle_rss_mb"] = _dsr_idle_rss(root, port + 1)
        figures["dsr_worker_rss_mb"] = _dsr_worker_idle_rss(root)
        figures["fides_worker_rss_mb"] = _fides_worker_idle_rss(python, root)
        sizes = sorted({*scales, customers})
        scale = scale_run(schema, [n for n in sizes if n != customers], reload, root, customers,
                          pairs)
        scale[customers] = {"access": figures["access"]["dsr"], "loaded_s": loaded}
        figures["scale"] = {n: scale[n] for n in sizes}
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    figures["load_end"] = load_average()
    figures["machine"] = describe(SERVICE_URL)
    return figures


def _erased(pairs: int, step: int) -> dict[str, int]:
    """How many of the erased customers have no name left, per engine (dsr's anonymise the
    e-mail, the competitor's null it)."""
    engine = sa.create_engine(SHOP_URL)
    try:
        with engine.connect() as conn:
            nulled = conn.scalar(sa.text("SELECT count(*) FROM customers WHERE name IS NULL "
                                         "AND email IS NULL"))
            anonymised = conn.scalar(sa.text("SELECT count(*) FROM customers WHERE name IS NULL "
                                             "AND email IS NOT NULL"))
    finally:
        engine.dispose()
    return {"competitor (e-mail nulled)": int(nulled or 0),
            "dsr (e-mail anonymised)": int(anonymised or 0), "each engine erased": pairs}


def table(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The issue's rows: figure, dsr, competitor, ratio."""
    a, e, t = figures["access"], figures["erasure"], figures["throughput"]
    rows = [
        (f"access, verified → answer ready ({figures['pairs']} pairs, median)",
         f"{_median_ms(a['dsr']):.0f} ms", f"{_median_ms(a['fides']):.0f} ms",
         f"{statistics.median(a['dsr']) / statistics.median(a['fides']):.2f}"),
        ("erasure, verified → complete (median)", f"{_median_ms(e['dsr']):.0f} ms",
         f"{_median_ms(e['fides']):.0f} ms",
         f"{statistics.median(e['dsr']) / statistics.median(e['fides']):.2f}"),
        ("CPU per access / erasure (median)",
         f"{_median_ms(a['dsr_cpu']):.0f} / {_median_ms(e['dsr_cpu']):.0f} ms",
         f"{_median_ms(a['fides_cpu']):.0f} / {_median_ms(e['fides_cpu']):.0f} ms",
         f"{statistics.median(a['dsr_cpu']) / max(1e-9, statistics.median(a['fides_cpu'])):.2f} / "
         f"{statistics.median(e['dsr_cpu']) / max(1e-9, statistics.median(e['fides_cpu'])):.2f}"),
        ("sequential access throughput (whole requests)", f"{t['dsr']:.1f} req/s",
         f"{t['fides']:.1f} req/s", f"{t['dsr'] / t['fides']:.1f}×"),
        ("idle web server RSS / worker PSS (whole process tree)",
         f"{figures['dsr_idle_rss_mb']:.0f} / {figures['dsr_worker_rss_mb']:.0f} MB",
         f"{figures['fides_idle_rss_mb']:.0f} / {figures['fides_worker_rss_mb']:.0f} MB",
         f"{figures['dsr_idle_rss_mb'] / figures['fides_idle_rss_mb']:.2f} / "
         f"{figures['dsr_worker_rss_mb'] / figures['fides_worker_rss_mb']:.2f}"),
    ]
    scale = figures.get("scale") or {}
    if scale:
        sizes = sorted(scale, key=int)
        medians = [statistics.median(scale[n]["access"]) for n in sizes]
        spread = max(medians) / min(medians)
        rows.append((f"dsr's access at {' / '.join(_size(int(n)) for n in sizes)} customers "
                     "(median)", " / ".join(f"{m * 1000:.0f}" for m in medians) + " ms", "",
                     f"largest / smallest {spread:.2f}"))
    return rows


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else (
        f"{n // 1000}k" if n % 1000 == 0 else f"{n:,}")


def print_figures(figures: dict[str, Any]) -> None:
    print(f"shop: {figures['customers']:,} customers, {figures['orders']:,} orders; "
          f"competitor ethyca-fides {figures['fides_version']} (eager), started in "
          f"{figures['fides_start_s']:.0f} s")
    print("| figure | dsr | competitor | ratio |")
    print("| --- | ---: | ---: | ---: |")
    for row in table(figures):
        print("| " + " | ".join(row) + " |")
    print(f"erased customers left without name: {figures['erased_check']}")
    for size, found in (figures.get("scale") or {}).items():
        loaded = found["loaded_s"]
        print(f"shop of {int(size):,} customers: "
              + ("kept from an earlier run" if loaded is None else f"loaded in {loaded:.0f} s"))
    print(f"load average at start / end: {figures['load_start']} / {figures['load_end']}")
    print("machine: " + "; ".join(f"{k} {v}" for k, v in figures["machine"].items()))


@click.command()
@click.option("--pairs", default=23, show_default=True, type=click.IntRange(1, 500))
@click.option("--customers", default=100_000, show_default=True,
              type=click.IntRange(100, 10_000_000))
@click.option("--fides-venv", "venv", type=click.Path(file_okay=False, path_type=Path),
              default=Path(tempfile.gettempdir()) / "dsr-bench-fides-venv", show_default=True)
@click.option("--schema", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              default=SCHEMA, show_default=True)
@click.option("--reload", is_flag=True, help="Load the shop again even if it has the size.")
@click.option("--port", default=8941, show_default=True, type=int)
@click.option("--throughput-requests", default=10, show_default=True, type=click.IntRange(1, 500))
@click.option("--scales", default=SCALES, show_default=True,
              help="Other shop sizes (customers, comma-separated) at which dsr's access is "
                   "timed; each gets a shop of its own. Empty: none.")
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path))
def main(pairs: int, customers: int, venv: Path, schema: Path, reload: bool, port: int,
         throughput_requests: int, scales: str, json_out: Path | None) -> None:
    """dsr and the competitor, interleaved on the same shop."""
    if shutil.which("psql") is None:
        raise click.ClickException("psql is needed to load the shop schema")
    figures = run(pairs, customers, venv, schema, reload, port, throughput_requests,
                  parse_scales(scales))
    print_figures(figures)
    if json_out is not None:
        json_out.write_text(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
