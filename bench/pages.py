#!/usr/bin/env python
"""Benchmark the registry search page and the partnership page against the bare SQL they need.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench \\
        .venv/bin/python bench/pages.py --iterations 20 --json

Needs a database filled by ``bench/generate.py``. Signs in as its ``bench-commissioner`` with
Django's test client (DEBUG off, the project's middleware and templates: the whole request as a
browser's would be served, minus the network) and GETs:

- the search page (home) with a mix of realistic queries: no query, a free-text term, a term
  with filters, sorted by a column, page 3, and two heavier filter-only searches;
- the partnership page for a sample of partnerships (default 50, always including the five
  with the most membership rows).

For each URL it first warms up, then records the SQL the request runs (with
``CaptureQueriesContext`` for the statements and an execute wrapper for their parameters). Each
iteration then times the page (``client.get`` until the body is complete) and, straight after,
the bare SQL: exactly those statements, same count, same parameters, executed and fetched with a
plain psycopg cursor on its own connection (no ORM, no templates). Page time / bare SQL time is
the ratio the targets speak of: pages under 100 ms at the 95th percentile and within 3x of
the bare SQL. "Python (ms)" is page median minus bare SQL median: what the ORM, the view, the
middleware and the templates add.

Prints a markdown table (paste it into docs/performance.md); ``--json`` also writes the timings,
per URL and per statement, under bench/results/. ``--explain N`` writes EXPLAIN (ANALYZE,
BUFFERS) for the N slowest statements of each page to bench/results/ too.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from common import BENCH_COMMISSIONER, ROOT, require_postgresql, setup_django

RESULTS = ROOT / "bench" / "results"
TARGET_P95_MS = 100.0
TARGET_RATIO = 3.0


@dataclass
class Target:
    """One URL to time: its page group (search / partnership), a label, and what it costs."""

    group: str
    label: str
    url: str
    statements: list[tuple[str, Any]] = field(default_factory=list)
    captured_sql: list[str] = field(default_factory=list)
    skipped_writes: int = 0
    page_ms: list[float] = field(default_factory=list)
    sql_ms: list[float] = field(default_factory=list)
    statement_ms: list[list[float]] = field(default_factory=list)
    status: int = 0
    note: str = ""


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct% of values at or below."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


# ------------------------------------------------------------------------------------------
# What to request
# ------------------------------------------------------------------------------------------
def search_targets() -> list[Target]:
    """Realistic searches. Filter values are read from the generated data (the busiest region,
    a funder named on many partnerships) so the mix means the same at any scale."""
    from django.db.models import Count
    from django.urls import reverse

    from partnerships.models import Funding, Region

    home = reverse("home")
    region = (Region.objects.exclude(code="national").annotate(n=Count("partnerships"))
              .order_by("-n", "code").values_list("code", flat=True).first())
    funder = (Funding.objects.values("funder__name").annotate(n=Count("partnership", distinct=True))
              .order_by("-n", "funder__name").values_list("funder__name", flat=True).first())
    # A word of the busiest funder's name that is not a stop word, e.g. "Lottery".
    funder_word = max((w for w in (funder or "fund").split() if len(w) > 3), key=len,
                      default="fund")
    mixes = [
        ("no query (all, by name)", {}),
        ("free text: recovery", {"q": "recovery"}),
        ("text + filters: housing, active, community, region",
         {"q": "housing", "status": "active", "setting": "community", "region": region}),
        ("sorted: most current members first", {"sort": "-members"}),
        ("page 3: active, by date started", {"status": "active", "sort": "-started",
                                              "page": 3}),
        ("filters: prison member, substance misuse, overdue review",
         {"kind": "prison", "category": "substance-misuse", "overdue": "true"}),
        ("filters: funder name + text 'family'", {"funder": funder_word, "q": "family"}),
    ]
    return [Target("search", label, home + ("?" + urlencode(params, doseq=True)
                                           if params else ""))
            for label, params in mixes]


def partnership_targets(sample: int, seed: int) -> list[Target]:
    """``sample`` partnerships: the five with the most membership rows, then a seeded random
    choice of the rest (ordered by slug first, so the same data gives the same sample)."""
    from django.db.models import Count
    from django.urls import reverse

    from partnerships.models import Partnership

    by_size = list(Partnership.objects.annotate(n=Count("memberships"))
                   .order_by("-n", "slug").values_list("slug", "n"))
    largest = by_size[:min(5, sample)]
    rest = sorted(by_size[len(largest):])
    chosen = largest + random.Random(seed).sample(rest, max(0, min(sample, len(by_size))
                                                             - len(largest)))
    return [Target("partnership", f"{slug} ({n} membership rows)",
                   reverse("partnerships:detail", args=[slug])) for slug, n in chosen]


# ------------------------------------------------------------------------------------------
# Measuring
# ------------------------------------------------------------------------------------------
def get(client: Any, target: Target) -> float:
    """GET the page and read the whole body; milliseconds."""
    started = time.perf_counter()
    response = client.get(target.url)
    body = response.content
    elapsed = (time.perf_counter() - started) * 1000
    target.status = response.status_code
    if response.status_code != 200:
        text = body.decode(errors="replace")
        target.note = ("not built yet" if "not built yet" in text
                       else f"HTTP {response.status_code}")
    return elapsed


def capture(client: Any, target: Target) -> None:
    """Record the statements one request runs, with their parameters as the ORM passed them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    recorded: list[tuple[str, Any, bool]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        recorded.append((sql, params, many))
        return execute(sql, params, many, context)

    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(keep):
        client.get(target.url)
    if len(recorded) != len(captured.captured_queries):
        raise RuntimeError(f"{target.url}: captured {len(captured.captured_queries)} statements "
                           f"but recorded {len(recorded)}")
    target.captured_sql = [q["sql"] for q in captured.captured_queries]
    for sql, params, many in recorded:
        # Only reads are replayed; a page that writes (e.g. a session update) is flagged.
        if many or not sql.lstrip().upper().startswith(("SELECT", "WITH")):
            target.skipped_writes += 1
            continue
        target.statements.append((sql, params))
    target.statement_ms = [[] for _ in target.statements]


def bare_connection() -> Any:
    """A plain psycopg connection to the same database, binding parameters on the client as
    Django's default cursor does, with Django's type adapters and time zone, in autocommit."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params["cursor_factory"] = psycopg.ClientCursor
    raw = psycopg.connect(**params, autocommit=True)
    timezone_name = connection.timezone_name
    if timezone_name:
        raw.execute("SELECT set_config('TimeZone', %s, false)", [timezone_name])
    return raw


def run_bare(raw: Any, target: Target) -> float:
    """Execute the page's statements and fetch every row; milliseconds in all."""
    total = 0.0
    with raw.cursor() as cursor:
        for i, (sql, params) in enumerate(target.statements):
            started = time.perf_counter()
            if params is None:
                cursor.execute(sql)
            else:
                cursor.execute(sql, params)
            if cursor.description is not None:
                cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            target.statement_ms[i].append(elapsed)
            total += elapsed
    return total


# ------------------------------------------------------------------------------------------
# Reporting
# ------------------------------------------------------------------------------------------
@dataclass
class Row:
    label: str
    requests: int
    queries: str
    page_median: float
    page_p95: float
    sql_median: float
    sql_p95: float

    @property
    def ratio_median(self) -> float:
        return self.page_median / self.sql_median if self.sql_median else math.nan

    @property
    def ratio_p95(self) -> float:
        return self.page_p95 / self.sql_p95 if self.sql_p95 else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "ratio_median": self.ratio_median, "ratio_p95": self.ratio_p95,
                "python_median": self.page_median - self.sql_median}


def summarise(label: str, targets: list[Target]) -> Row:
    page = [ms for t in targets for ms in t.page_ms]
    sql = [ms for t in targets for ms in t.sql_ms]
    counts = sorted({len(t.captured_sql) for t in targets})
    queries = str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    return Row(label, len(page), queries, median(page), percentile(page, 95), median(sql),
               percentile(sql, 95))


def markdown(rows: list[Row]) -> str:
    lines = ["| Page | Requests | Queries | Median (ms) | p95 (ms) | Bare SQL median (ms) "
             "| Bare SQL p95 (ms) | Ratio (median) | Ratio (p95) | Python (ms) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.label} | {r.requests} | {r.queries} | {r.page_median:.1f} "
                     f"| {r.page_p95:.1f} | {r.sql_median:.1f} | {r.sql_p95:.1f} "
                     f"| {r.ratio_median:.1f}x | {r.ratio_p95:.1f}x "
                     f"| {r.page_median - r.sql_median:.1f} |")
    return "\n".join(lines)


def verdict(row: Row) -> str:
    p95_ok = row.page_p95 < TARGET_P95_MS
    ratio_ok = row.ratio_p95 <= TARGET_RATIO and row.ratio_median <= TARGET_RATIO
    return (f"{row.label}: p95 {row.page_p95:.0f} ms "
            f"({'meets' if p95_ok else 'MISSES'} < {TARGET_P95_MS:.0f} ms); "
            f"{row.ratio_median:.1f}x / {row.ratio_p95:.1f}x the bare SQL "
            f"({'meets' if ratio_ok else 'MISSES'} <= {TARGET_RATIO:.0f}x)")


def slowest_statements(targets: list[Target], limit: int) -> list[dict[str, Any]]:
    """The statements with the highest median bare time across ``targets``."""
    found = []
    for t in targets:
        for (sql, params), times in zip(t.statements, t.statement_ms, strict=True):
            found.append({"url": t.url, "median_ms": median(times), "sql": sql,
                          "params": params})
    found.sort(key=lambda s: -s["median_ms"])
    return found[:limit]


def explain(raw: Any, statements: list[dict[str, Any]]) -> str:
    out = []
    with raw.cursor() as cursor:
        for s in statements:
            sql = "EXPLAIN (ANALYZE, BUFFERS) " + s["sql"]
            cursor.execute(sql, s["params"]) if s["params"] is not None else cursor.execute(sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            out.append(f"-- {s['url']}  (bare median {s['median_ms']:.2f} ms)\n"
                       f"-- {s['sql']}\n-- params: {s['params']}\n{plan}\n")
    return "\n".join(out)


def environment(database: str, raw: Any) -> dict[str, Any]:
    import django
    from django.conf import settings
    from django.db import connection

    from partnerships.models import Membership, Organisation, Partnership
    from services.models import Location, Service

    cpu = ""
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,  # noqa: S607
                                capture_output=True, text=True, check=False).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT,  # noqa: S607
                               capture_output=True, text=True, check=False).stdout.strip()
    except OSError:
        commit, dirty = "", ""
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        # Other work on the machine inflates every figure: the 1-minute load average at the end.
        "load_average": round(os.getloadavg()[0], 2),
        "database": database,
        "postgresql": raw.execute("SHOW server_version").fetchone()[0],
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "django": django.get_version(),
        "debug": settings.DEBUG,
        "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
        "git": commit + (" (with uncommitted changes)" if dirty else ""),
        "rows": {
            "organisations": Organisation.objects.count(),
            "partnerships": Partnership.objects.count(),
            "memberships": Membership.objects.count(),
            "services": Service.objects.count(),
            "locations": Location.objects.count(),
        },
    }


# ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the search and partnership pages against their bare SQL "
                    "(PostgreSQL, DATABASE_URL).")
    parser.add_argument("--iterations", type=int, default=20,
                        help="timed requests per URL (default 20)")
    parser.add_argument("--warmup", type=int, default=3,
                        help="untimed requests per URL first (default 3)")
    parser.add_argument("--partnerships", type=int, default=50,
                        help="partnership pages in the sample (default 50)")
    parser.add_argument("--seed", type=int, default=1, help="for the partnership sample")
    parser.add_argument("--only", choices=["search", "partnership"],
                        help="time one page only")
    parser.add_argument("--json", action="store_true",
                        help="also write the results as JSON under bench/results/")
    parser.add_argument("--explain", type=int, default=0, metavar="N",
                        help="write EXPLAIN ANALYZE of the N slowest statements per page to "
                             "bench/results/")
    parser.add_argument("--verbose", action="store_true",
                        help="print a line per URL and the slowest statements")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    # The test client's host name; DEBUG off so nothing is kept per query and templates are
    # rendered as in production.
    os.environ["ALLOWED_HOSTS"] = "testserver"
    setup_django(debug=False)
    from django.contrib.auth import get_user_model
    from django.test import Client

    database = require_postgresql()
    user = get_user_model().objects.filter(username=BENCH_COMMISSIONER).first()
    if user is None:
        sys.exit(f"No {BENCH_COMMISSIONER} user: fill the database with bench/generate.py "
                 "first.")
    client = Client()
    client.force_login(user)

    targets: list[Target] = []
    if args.only in (None, "search"):
        targets += search_targets()
    if args.only in (None, "partnership"):
        targets += partnership_targets(args.partnerships, args.seed)

    print(f"Database {database}: {len(targets)} URLs, {args.warmup} warm-up + "
          f"{args.iterations} timed requests each", flush=True)
    for target in targets:
        for _ in range(args.warmup):
            get(client, target)
        if target.status != 200:
            continue
        capture(client, target)
    broken = [t for t in targets if t.status != 200]
    for t in broken:
        print(f"  skipped {t.url}: {t.note}")
    targets = [t for t in targets if t.status == 200]
    if not targets:
        sys.exit("No page answered 200: nothing to time.")

    raw = bare_connection()
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    for i in range(args.iterations):
        for target in targets:
            target.page_ms.append(get(client, target))
            target.sql_ms.append(run_bare(raw, target))
        gc.collect()  # between rounds, so a collection does not land in one page's time
        print(f"  round {i + 1}/{args.iterations} ({time.perf_counter() - started:.0f}s)",
              end="\r", flush=True)
    print()

    rows: list[Row] = []
    groups = {"search": [t for t in targets if t.group == "search"],
              "partnership": [t for t in targets if t.group == "partnership"]}
    if groups["search"]:
        rows += [summarise(f"Search: {t.label}", [t]) for t in groups["search"]]
        rows.append(summarise("**Search page, all mixes**", groups["search"]))
    if groups["partnership"]:
        # The sample forces in the five largest; real traffic would hit them far less often,
        # so they get their own rows and the random rest is shown apart too.
        pages = groups["partnership"]
        forced = min(5, len(pages))
        largest = pages[0]
        rows.append(summarise(f"Partnership: the largest, {largest.label.split('(')[1][:-1]}",
                              [largest]))
        rows.append(summarise(f"Partnership: the {forced} largest", pages[:forced]))
        if len(pages) > forced:
            rows.append(summarise(f"Partnership: {len(pages) - forced} chosen at random",
                                  pages[forced:]))
        rows.append(summarise(f"**Partnership page, all {len(pages)}**", pages))
    env = environment(database, raw)
    print()
    print(f"PostgreSQL {env['postgresql']}, {env['cpus']} CPUs ({env['cpu']}), Python "
          f"{env['python']}, Django {env['django']}, DEBUG={env['debug']}, load average "
          f"{load_before:.1f} before / {env['load_average']:.1f} after; rows: "
          + ", ".join(f"{n:,} {k}" for k, n in env["rows"].items()))
    print()
    print(markdown(rows))
    print()
    for row in rows:
        if row.label.startswith("**"):
            print(verdict(row))
    writes = sum(t.skipped_writes for t in targets)
    if writes:
        print(f"Note: {writes} non-SELECT statements were not replayed in the bare SQL.")

    if args.verbose:
        print()
        for t in targets:
            print(f"  {t.group:<11} {median(t.page_ms):7.1f} ms page, {median(t.sql_ms):6.1f} ms "
                  f"SQL, {len(t.captured_sql):3d} queries  {t.url}")
        for name, group in groups.items():
            if not group:
                continue
            print(f"\nSlowest statements, {name} page:")
            for s in slowest_statements(group, 5):
                print(f"  {s['median_ms']:7.2f} ms  {s['url']}\n      {s['sql'][:300]}")

    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    if args.json or args.explain:
        RESULTS.mkdir(parents=True, exist_ok=True)
    if args.json:
        path = RESULTS / f"pages-{stamp}.json"
        path.write_text(json.dumps({
            "environment": {**env, "load_average_before": round(load_before, 2)},
            "arguments": vars(args),
            "summary": [r.as_dict() for r in rows],
            "urls": [{
                "group": t.group, "label": t.label, "url": t.url,
                "queries": len(t.captured_sql),
                "page_ms": [round(ms, 3) for ms in t.page_ms],
                "sql_ms": [round(ms, 3) for ms in t.sql_ms],
                # The start of each statement is enough to tell them apart; --explain has
                # the full text.
                "statements": [{"sql": sql[:100], "median_ms": round(median(times), 3)}
                               for (sql, _), times in zip(t.statements, t.statement_ms,
                                                          strict=True)],
            } for t in targets],
        }, default=str, separators=(",", ":")))
        print(f"Wrote {path.relative_to(ROOT)}")
    if args.explain:
        path = RESULTS / f"explain-{stamp}.txt"
        text = []
        for name, group in groups.items():
            if group:
                text.append(f"==== {name} page ====\n"
                            + explain(raw, slowest_statements(group, args.explain)))
        path.write_text("\n".join(text))
        print(f"Wrote {path.relative_to(ROOT)}")
    raw.close()


if __name__ == "__main__":
    main()
