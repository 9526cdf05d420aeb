"""Benchmark: the public API's intake under load, on the production set-up.

    python -m bench.intake_load [--duration 20] [--connections 16] [--gunicorn-workers 3]

What runs (each a process of its own, all on 127.0.0.1, all stopped by pid at the end):

- the web app under gunicorn as ``docs/deploy.md`` starts it (``--workers 3 --threads 4``,
  changeable), on a fresh PostgreSQL service database, the task backend ``rq`` on Redis,
  ``[web] trusted_proxies = 1`` (a TLS proxy in front, as in production), so the rate limiter
  (``submissions``: 10 per hour and 30 per day per client, stored in Redis) keys every client
  by its ``X-Forwarded-For`` address;
- one ``dsr worker`` that runs the tasks each request commits (acknowledgement mail, discovery
  against the demo shop on PostgreSQL) — discovery runs there, not in the web request;
- the load generator, ``wrk`` (Debian package) with a Lua script: ``POST /api/v1/requests``
  with a JSON body, a different customer and a different client address for every two
  requests (no client reaches its limit), ``--connections`` connections, for
  ``--duration`` seconds.

The CPU time each part spent while wrk ran (gunicorn's processes, the worker, the PostgreSQL
and Redis servers, wrk itself; from ``/proc``) is divided by the requests served: the sum per
request bounds what the machine's cores can serve, whatever the latency.

Then a short check of the limiter itself (one address sending 12 requests: the 11th and 12th
must be 429) and a count of what was stored. Prints requests per second, the latency
percentiles, the status codes, and the load average beside them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa

from bench.common import SECRET, create_database
from bench.machine import load_average
from bench.proc import cpu_seconds, descendants

SERVICE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_intake"
SHOP_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/dsr_bench_intake_shop"
REDIS_URL = "redis://127.0.0.1:6379/7"
DSR = Path(sys.executable).with_name("dsr")
GUNICORN = Path(sys.executable).with_name("gunicorn")

LUA = r"""
-- One POST per call; every second request comes from the next client address.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("id", thread_id)
  thread_id = thread_id + 1
  table.insert(threads, thread)
end

function init(args)
  counter = 0
  statuses = {}
end

function request()
  counter = counter + 1
  local n = id * 1000000 + counter
  local client = math.floor(n / 2)
  local address = string.format("10.%d.%d.%d", id % 250, math.floor(client / 250) % 250,
                                client % 250)
  local body = string.format(
    '{"types": ["access"], "name": "Kundin %d", "email": "load%d.%d@example.org", ' ..
    '"message": "Bitte um Auskunft nach Art. 15 DSGVO.", "language": "de"}', n, id, counter)
  return wrk.format("POST", "/api/v1/requests",
                    {["Content-Type"] = "application/json", ["X-Forwarded-For"] = address},
                    body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local all = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, count in pairs(s) do all[code] = (all[code] or 0) + count end
  end
  local parts = {}
  for code, count in pairs(all) do table.insert(parts, string.format('"%d": %d', code, count)) end
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "errors": %d, "timeouts": %d, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, ' ..
    '"statuses": {%s}}\n',
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status,
    summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, table.concat(parts, ", ")))
end
"""

CONFIG = """\
[service]
database_url = "{service_url}"
data_dir = "{data_dir}"
secret_key = "{secret}"
base_url = "http://127.0.0.1:{port}"

[tasks]
backend = "rq"
redis_url = "{redis_url}"
backoff_seconds = 0

[web]
trusted_proxies = 1

[connectors.shop]
kind = "shop_sql"
url = "{shop_url}"
label = {{ de = "Shop-Datenbank", en = "Shop database" }}
"""


def _wait_http(url: str, seconds: float, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise click.ClickException(f"the process serving {url} ended ({process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except (urllib.error.URLError, OSError):
            time.sleep(0.2)
    raise click.ClickException(f"{url} did not answer within {seconds:.0f} s")


def _post(url: str, body: dict[str, Any], address: str) -> int:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "X-Forwarded-For": address})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _named(*names: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    pids.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
    return pids


def _cpu_by_part(web: int, worker: int) -> dict[str, float]:
    """CPU seconds so far of each part of the set-up (the servers' processes counted by name:
    the machine's other databases' sessions would count too, so run it on a quiet machine)."""
    return {"gunicorn": sum(map(cpu_seconds, descendants(web))),
            "dsr worker": sum(map(cpu_seconds, descendants(worker))),
            "PostgreSQL": sum(map(cpu_seconds, _named("postgres"))),
            "Redis": sum(map(cpu_seconds, _named("redis-server"))),
            "wrk": sum(map(cpu_seconds, _named("wrk")))}


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def _counts(service_url: str) -> dict[str, int]:
    engine = sa.create_engine(service_url)
    try:
        with engine.connect() as conn:
            return {
                "requests": int(conn.scalar(sa.text("SELECT count(*) FROM requests")) or 0),
                "tasks": int(conn.scalar(sa.text("SELECT count(*) FROM tasks")) or 0),
                "tasks done": int(conn.scalar(sa.text(
                    "SELECT count(*) FROM tasks WHERE status = 'done'")) or 0),
                "discovered (match table)": int(conn.scalar(sa.text(
                    "SELECT count(*) FROM requests WHERE match_table IS NOT NULL")) or 0),
            }
    finally:
        engine.dispose()


def run(duration: int, connections: int, threads: int, gunicorn_workers: int,
        gunicorn_threads: int, port: int, customers: int, warmup: int,
) -> dict[str, Any]:
    """The whole measurement; returns the figures (see the module's docstring)."""
    from dsr.demo.generator import build_demo_shop

    if shutil.which("wrk") is None:
        raise click.ClickException("wrk is not installed (Debian: apt-get install -y wrk)")
    from dsr.clock import Clock

    create_database(SHOP_URL)
    build_demo_shop(SHOP_URL, customers=customers, today=Clock().today())
    create_database(SERVICE_URL, fresh=True)
    _flush_redis(REDIS_URL)
    web = worker = None
    with tempfile.TemporaryDirectory(prefix="dsr-intake-bench-") as tmp:
        root = Path(tmp)
        config = root / "config.toml"
        config.write_text(CONFIG.format(service_url=SERVICE_URL, data_dir=root / "data",
                                        secret=SECRET, port=port, redis_url=REDIS_URL,
                                        shop_url=SHOP_URL))
        env = {**os.environ, "DSR_CONFIG": str(config)}
        subprocess.run([str(DSR), "db", "upgrade"], env=env, check=True,
                       stdout=subprocess.DEVNULL)
        logs = root / "logs"
        logs.mkdir()
        try:
            web = subprocess.Popen(
                [str(GUNICORN), "--workers", str(gunicorn_workers), "--threads",
                 str(gunicorn_threads), "--bind", f"127.0.0.1:{port}",
                 "dsr.app:create_app()"],
                env=env, stdout=(logs / "web.out").open("wb"), stderr=subprocess.STDOUT)
            worker = subprocess.Popen([str(DSR), "worker"], env=env,
                                      stdout=(logs / "worker.out").open("wb"),
                                      stderr=subprocess.STDOUT)
            base = f"http://127.0.0.1:{port}"
            _wait_http(f"{base}/api/v1/openapi.json", 60, web)
            for i in range(warmup):  # every gunicorn worker builds its app and pools first
                _post(f"{base}/api/v1/requests", {"types": ["access"], "name": "Warm Up",
                                                  "email": f"warm{i}@example.org"},
                      f"192.0.2.{i % 250}")
            script = root / "post.lua"
            script.write_text(LUA)
            load_start = load_average()
            cpu_before = _cpu_by_part(web.pid, worker.pid)
            wrk = subprocess.Popen(
                ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s",
                 "--timeout", "5s", "--latency", "-s", str(script), base],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            wrk_cpu = 0.0
            while wrk.poll() is None:  # wrk's own CPU, read while it lives
                wrk_cpu = max(wrk_cpu, cpu_seconds(wrk.pid))
                time.sleep(0.2)
            stdout, stderr = wrk.communicate(timeout=duration + 60)
            cpu_after = _cpu_by_part(web.pid, worker.pid)
            cpu_after["wrk"] = cpu_before["wrk"] + wrk_cpu
            load_end = load_average()
            if wrk.returncode != 0:
                raise click.ClickException(f"wrk failed ({wrk.returncode}): {stderr}")
            done = subprocess.CompletedProcess(wrk.args, 0, stdout, stderr)
            found = re.search(r"^RESULT (\{.*\})$", done.stdout, re.MULTILINE)
            if found is None:
                raise click.ClickException(f"wrk printed no result:\n{done.stdout}{done.stderr}")
            result: dict[str, Any] = json.loads(found.group(1))
            # The limiter itself, keyed by the forwarded address: 10 per hour per client.
            limited = [_post(f"{base}/api/v1/requests", {"types": ["access"], "name": "Lim It",
                                                         "email": f"lim{i}@example.org"},
                             "198.51.100.7") for i in range(12)]
            time.sleep(3)  # let the worker finish what is queued before counting
        finally:
            _stop(web)
            _stop(worker)
        result["cpu_ms_per_request"] = {
            part: (cpu_after[part] - cpu_before[part]) * 1000 / max(1, result["requests"])
            for part in cpu_before}
        result.update(load_start=load_start, load_end=load_end, limiter_check=limited,
                      stored=_counts(SERVICE_URL), gunicorn=f"{gunicorn_workers}x{gunicorn_threads}",
                      connections=connections, wrk_threads=threads, duration=duration)
    _flush_redis(REDIS_URL)
    return result


def print_result(result: dict[str, Any]) -> None:
    rps = result["requests"] / result["seconds"]
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(result["statuses"].items()))
    print(f"gunicorn {result['gunicorn']} (workers x threads), wrk {result['wrk_threads']} "
          f"threads x {result['connections']} connections for {result['duration']} s")
    print(f"intake: {result['requests']} requests in {result['seconds']:.1f} s = {rps:.0f} req/s "
          f"(target >= 200); latency p50 {result['p50_ms']:.1f} ms, p90 {result['p90_ms']:.1f} ms, "
          f"p99 {result['p99_ms']:.1f} ms (target < 100 ms), max {result['max_ms']:.1f} ms")
    print(f"status codes: {statuses}; socket errors {result['errors']}, timeouts "
          f"{result['timeouts']}")
    cpu = result.get("cpu_ms_per_request") or {}
    if cpu:
        total = sum(cpu.values())
        print("CPU per request: " + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
              + f"; {total:.1f} ms in all, so {os.cpu_count()} cores serve at most "
              f"{(os.cpu_count() or 1) * 1000 / total:.0f} req/s")
    print(f"limiter check, one address 12 times: {result['limiter_check']}")
    print(f"stored: {result['stored']}")
    print(f"load average at start / end: {result['load_start']} / {result['load_end']}")


@click.command()
@click.option("--duration", default=20, show_default=True, type=click.IntRange(3, 300))
@click.option("--connections", default=16, show_default=True, type=click.IntRange(1, 512))
@click.option("--threads", default=2, show_default=True, type=click.IntRange(1, 16),
              help="wrk threads")
@click.option("--gunicorn-workers", default=3, show_default=True, type=click.IntRange(1, 32))
@click.option("--gunicorn-threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option("--port", default=8937, show_default=True, type=int)
@click.option("--customers", default=1000, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--warmup", default=30, show_default=True, type=click.IntRange(0, 1000))
@click.option("--json-out", type=click.Path(dir_okay=False, path_type=Path))
def main(duration: int, connections: int, threads: int, gunicorn_workers: int,
         gunicorn_threads: int, port: int, customers: int, warmup: int,
         json_out: Path | None) -> None:
    """Load the public API's intake with wrk on the production set-up."""
    result = run(duration, connections, threads, gunicorn_workers, gunicorn_threads, port,
                 customers, warmup)
    print_result(result)
    if json_out is not None:
        json_out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
