"""Sign-in sessions: when, and from which address, a customer used the shop.

Every order of the last half year was placed in a session from the customer's own address;
other sessions are browsing, from the customer's addresses or from a carrier-NAT address that
the customer shares with others at other times. One customer's sessions never overlap, so each
search and each order belongs to exactly one session. :func:`visits_for` turns sessions into
what the web server logged, the same way for fresh rows and for rows read back from a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from dsr.demo import pools
from dsr.demo.commerce import Purchase
from dsr.demo.context import Batch, Context, Row, Visit
from dsr.demo.people import Person, random_time

SESSION_DAYS = 180
"""The shop keeps session records for half a year."""

Window = tuple[datetime, datetime, str]


def add_sessions(ctx: Context, person: Person, purchases: list[Purchase], batch: Batch,
                 customer: Row) -> None:
    """Add the sessions and searches; note the last sign-in and the visits the logs show."""
    rng = ctx.rng
    agents = rng.sample(pools.BROWSER_AGENTS, 2)
    sessions: list[Row] = []
    searches: list[Row] = []
    for start, end, ip in _windows(ctx, person, purchases):
        sessions.append(batch.add("sessions", {
            "id": ctx.next_id("sessions"), "customer_id": person.id, "ip": ip,
            "started_at": start, "ended_at": end,
            "user_agent": agents[0] if rng.random() < 0.8 else agents[1]}))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            searches.append(batch.add("search_history", {
                "id": ctx.next_id("search_history"), "customer_id": person.id,
                "query": rng.choice(pools.SEARCH_TERMS), "searched_at": random_time(rng, start, end),
                "ip": ip, "result_count": rng.randint(0, 80)}))
    ctx.visits.extend(visits_for(sessions, searches, [p.order for p in purchases],
                                 ctx.log_since))
    if sessions:
        customer["last_login_at"] = sessions[-1]["started_at"]
        customer["last_login_ip"] = sessions[-1]["ip"]
    elif rng.random() < 0.9:
        before = max(person.created_at, ctx.now - timedelta(days=SESSION_DAYS))
        customer["last_login_at"] = random_time(rng, person.created_at, before)
        customer["last_login_ip"] = person.ips[0]


def _windows(ctx: Context, person: Person, purchases: list[Purchase]) -> list[Window]:
    rng, now = ctx.rng, ctx.now
    checkout: list[Window] = []
    for purchase in purchases:
        ordered_at = purchase.order["ordered_at"]
        if ordered_at < now - timedelta(days=SESSION_DAYS):
            continue
        start = ordered_at - timedelta(minutes=rng.randint(3, 25), seconds=rng.randint(0, 59))
        end = min(ordered_at + timedelta(minutes=rng.randint(1, 4)), now - timedelta(seconds=1))
        if checkout and start <= checkout[-1][1]:  # two orders in one sitting
            checkout[-1] = (checkout[-1][0], max(end, checkout[-1][1]), checkout[-1][2])
        else:
            checkout.append((start, end, person.ips[0]))
    browsing = ([(start, end, person.nat_ip) for start, end in person.nat_windows]
                if person.nat_ip else _browsing(ctx, person))
    browsing = [w for w in browsing
                if not any(w[0] <= c[1] and c[0] <= w[1] for c in checkout)]
    return sorted(checkout + browsing)


def _browsing(ctx: Context, person: Person) -> list[Window]:
    rng, now = ctx.rng, ctx.now
    wanted: list[datetime] = []
    recent_from = max(person.created_at, ctx.log_since + timedelta(days=2))
    wanted += [random_time(rng, recent_from, now - timedelta(hours=2))
               for _ in range(person.profile.recent_sessions)]
    if person.profile.recent_sessions or rng.random() < 0.55:
        since = max(person.created_at, now - timedelta(days=SESSION_DAYS))
        wanted += [random_time(rng, since, now - timedelta(hours=1))
                   for _ in range(rng.randint(1, 10))]
    windows: list[Window] = []
    for wanted_start in sorted(wanted):
        start = (max(wanted_start, windows[-1][1] + timedelta(minutes=1)) if windows
                 else wanted_start)
        end = start + timedelta(minutes=rng.randint(2, 60), seconds=rng.randint(0, 59))
        if end >= now:
            break
        windows.append((start, end, person.ips[0] if rng.random() < 0.7
                        else rng.choice(person.ips)))
    return windows


def visits_for(sessions: Iterable[Mapping[Any, Any]], searches: Iterable[Mapping[Any, Any]],
               orders: Iterable[Mapping[Any, Any]], since: datetime) -> list[Visit]:
    """The visits of sessions ending at or after *since*, with their searches and orders."""
    searched: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in searches:
        searched[row["customer_id"]].append(row)
    ordered: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for row in orders:
        ordered[row["customer_id"]].append(row)
    visits = []
    for s in sessions:
        if s["ended_at"] < since:
            continue
        start, end, customer = s["started_at"], s["ended_at"], s["customer_id"]
        found = sorted((q["searched_at"], q["query"]) for q in searched[customer]
                       if q["ip"] == s["ip"] and start <= q["searched_at"] <= end)
        placed = sorted((o["ordered_at"], o["order_no"]) for o in ordered[customer]
                        if start <= o["ordered_at"] <= end)
        visits.append(Visit(customer, s["ip"], start, end, s["user_agent"], tuple(found),
                            tuple(placed)))
    return visits
