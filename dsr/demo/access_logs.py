"""nginx access logs for the demo shop, in the "combined" format and rotated weekly.

``access.log`` holds the current week, ``access.log.1`` the week before, ``access.log.2.gz`` to
``access.log.5.gz`` the four weeks before that (gzipped, as logrotate's ``delaycompress`` leaves
them). Signed-in customers appear from their session addresses inside their session windows;
anonymous visitors and crawlers use addresses that no customer has.
"""

from __future__ import annotations

import gzip
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from dsr.demo import pools
from dsr.demo.context import LOG_DAYS, Visit

ROTATIONS = LOG_DAYS // 7  # six files of a week each
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SCANNER_PATHS = ("/wp-login.php", "/.env", "/admin/config.php", "/phpmyadmin/index.php")
Event = tuple[datetime, str]


@cache
def berlin() -> ZoneInfo:
    """The shop's time zone (loaded on first use, not at import)."""
    return ZoneInfo("Europe/Berlin")


@dataclass(frozen=True)
class LogFiles:
    """What was written (or found): the files, newest first, and their total line count."""

    files: tuple[Path, ...]
    lines: int


def log_file_names() -> tuple[str, ...]:
    """File names from the live log to the oldest rotation."""
    return ("access.log", "access.log.1",
            *(f"access.log.{n}.gz" for n in range(2, ROTATIONS)))


def write_access_logs(log_dir: Path, visits: Iterable[Visit], now: datetime, seed: int,
                      anonymous_visits: int) -> LogFiles:
    """Write the rotated logs for *visits* (UTC times before *now*) unless they exist already."""
    names = log_file_names()
    paths = tuple(log_dir / name for name in names)
    if paths[0].exists():
        return LogFiles(paths, sum(_count_lines(p) for p in paths if p.exists()))
    log_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed * 7919 + 17)
    since = now - timedelta(days=LOG_DAYS)
    events: list[Event] = []
    for visit in visits:
        events += _customer_events(rng, visit)
    for _ in range(anonymous_visits):
        events += _anonymous_events(rng, since, now)
    for _ in range(max(10, anonymous_visits // 5)):
        events += _bot_events(rng, since, now)
    events = sorted(e for e in events if since <= e[0] < now)
    buckets: list[list[str]] = [[] for _ in names]
    live_start = datetime.combine(now.replace(tzinfo=UTC).astimezone(berlin()).date()
                                  - timedelta(days=6), datetime.min.time(), berlin())
    for at, line in events:
        local = at.replace(tzinfo=UTC).astimezone(berlin())
        age = 0 if local >= live_start else 1 + (live_start - local) // timedelta(days=7)
        if age < len(buckets):
            buckets[age].append(line)
    for path, lines in zip(paths, buckets, strict=True):
        data = "".join(f"{line}\n" for line in lines).encode()
        if path.suffix == ".gz":
            with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
                out.write(data)
        else:
            path.write_bytes(data)
    return LogFiles(paths, sum(len(b) for b in buckets))


def _count_lines(path: Path) -> int:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        return sum(1 for _ in handle)


def format_line(ip: str, at: datetime, method: str, path: str, status: int, size: int,
                referer: str, agent: str) -> str:
    """One line in nginx's combined format; *at* is UTC and is written in Berlin time."""
    local = at.replace(tzinfo=UTC).astimezone(berlin())
    stamp = (f"{local.day:02d}/{MONTHS[local.month - 1]}/{local.year}:"
             f"{local:%H:%M:%S} {local:%z}")
    return (f'{ip} - - [{stamp}] "{method} {path} HTTP/1.1" {status} {size} '
            f'"{referer}" "{agent}"')


def _page(rng: random.Random) -> str:
    sku, _, category, _, _ = rng.choice(pools.PRODUCTS)
    return rng.choice((f"/produkte/{category}", f"/produkte/{category}/{sku.lower()}", "/"))


def _url(path: str) -> str:
    return f"https://{pools.SHOP_HOST}{path}"


def _customer_events(rng: random.Random, visit: Visit) -> list[Event]:
    """A signed-in visit: log in, look around, search, perhaps fill the cart."""
    span = max(1, int((visit.ended_at - visit.started_at).total_seconds()))
    steps = [("GET", "/", 200), ("POST", "/login", 302), ("GET", "/konto", 200)]
    steps += [("GET", _page(rng), 200) for _ in range(rng.randint(1, 6))]
    if rng.random() < 0.3:
        steps += [("POST", "/warenkorb", 302), ("GET", "/warenkorb", 200)]
    if rng.random() < 0.2:
        steps.append(("GET", "/konto/bestellungen", 200))
    times = sorted(visit.started_at + timedelta(seconds=rng.randint(1, span))
                   for _ in steps[1:])
    timed = [(visit.started_at, *steps[0])] + [(t, *s) for t, s in zip(times, steps[1:],
                                                                        strict=True)]
    timed += [(at, "GET", f"/suche?q={quote_plus(query)}", 200) for at, query in visit.searches]
    for at, order_no in visit.orders:
        timed += [(at - timedelta(seconds=95), "GET", "/warenkorb", 200),
                  (at - timedelta(seconds=60), "GET", "/kasse", 200),
                  (at, "POST", "/kasse/bestellen", 302),
                  (at + timedelta(seconds=1), "GET", f"/kasse/danke?bestellung={order_no}", 200)]
    timed.sort(key=lambda item: item[0])
    events, referer = [], "-"
    for at, method, path, status in timed:
        size = 0 if status == 302 else rng.randint(4_000, 60_000)
        events.append((at, format_line(visit.ip, at, method, path, status, size, referer,
                                       visit.user_agent)))
        referer = _url(path)
    return events


def _anonymous_events(rng: random.Random, since: datetime, now: datetime) -> list[Event]:
    ip = (rng.choice(pools.ANONYMOUS_IPV4) if rng.random() < 0.6
          else pools.anonymous_ipv6(rng.randint(1, 5000)))
    agent = rng.choice(pools.BROWSER_AGENTS)
    day = since + timedelta(days=rng.randrange(int((now - since).days)))
    at = day.replace(hour=0, minute=0, second=0) + timedelta(
        hours=rng.choices(range(24), weights=[1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8,
                                              9, 8, 8, 8, 8, 9, 10, 11, 10, 8, 5, 2])[0],
        seconds=rng.randint(0, 3599))
    referer = rng.choice(("-", "https://search.example.com/?q=it+shop+muenchen",
                          "https://preise.example.net/angebote"))
    events = []
    for _ in range(rng.randint(1, 5)):
        path, status = _page(rng), rng.choice((200, 200, 200, 304))
        events.append((at, format_line(ip, at, "GET", path, status,
                                       0 if status == 304 else rng.randint(3_000, 60_000),
                                       referer, agent)))
        referer, at = _url(path), at + timedelta(seconds=rng.randint(5, 240))
    return events


def _bot_events(rng: random.Random, since: datetime, now: datetime) -> list[Event]:
    ip, agent = rng.choice(pools.BOT_IPS), rng.choice(pools.BOT_AGENTS)
    at = since + timedelta(seconds=rng.randint(0, int((now - since).total_seconds())))
    events = []
    paths = ["/robots.txt", "/sitemap.xml", *(_page(rng) for _ in range(rng.randint(1, 8)))]
    if rng.random() < 0.2:
        paths = list(rng.sample(SCANNER_PATHS, 2))
    for path in paths:
        status = 404 if path in SCANNER_PATHS else 200
        events.append((at, format_line(ip, at, "GET", path, status,
                                       162 if status == 404 else rng.randint(500, 40_000),
                                       "-", agent)))
        at += timedelta(seconds=rng.randint(1, 20))
    return events
