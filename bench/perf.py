#!/usr/bin/env python
"""The one benchmark command: every page, endpoint and job of ``bench/targets/`` against the
hand-written SQL that produces the same output, at two data sizes.

    .venv/bin/python bench/perf.py                      # everything; rewrites docs/performance.md
    .venv/bin/python bench/perf.py --only partnership_page,search --iterations 10 --skip-load

What it does, in order:

1. **Data.** For each size (``--small-url``, default ``registry_bench_small``; ``--large-url``,
   default ``registry_bench``, both on 127.0.0.1) it creates the database if missing, runs
   ``manage.py migrate`` (so a new migration is applied), and runs whichever of the three
   generators (``generate.py``, ``monitoring.py generate``, ``reminders.py --generate``) has not
   left its marker rows yet. Existing data is reused, never wiped.
2. **Measure.** One subprocess per size (Django cannot switch databases cleanly mid-process),
   with production-like settings: DEBUG off (so the cached template loader), ``CONN_MAX_AGE``
   as configured, API throttling raised out of the way, Celery's in-memory broker with no
   worker and in-memory email. Each target module's ``cases(conn)`` chooses its subjects from
   the data; each case is warmed up, its query count recorded (``CaptureQueriesContext``),
   optionally checked against the baseline (``--check``), and, at the large size only, timed:
   ``--iterations`` rounds, each running the target and its baseline once, in alternating
   order, with ``reset()`` before each run and ``gc.collect()`` before each round, outside
   the timing.
3. **Report.** One table: p50 and p95 (nearest rank) of target and baseline, the ratio of
   medians (and of p95s), the aim, met or missed, and the query count at both sizes. Raw
   results go to ``bench/results/perf.json``; ``--write`` (the default when ``--only`` is not
   given) regenerates ``docs/performance.md`` entirely from this run, with the load test of
   ``bench/load.py`` (run unless ``--skip-load``) and ``bench/notes.md`` copied in.

Progress goes to stderr; the table to stdout. ``bench/README.md`` says how to add a target.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime
import gc
import importlib
import json
import math
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from common import BENCH_COMMISSIONER, ROOT

BENCH = ROOT / "bench"
TARGETS = BENCH / "targets"
RESULTS = BENCH / "results"
PERF_JSON = RESULTS / "perf.json"
LOAD_SCRIPT = BENCH / "load.py"
LOAD_JSON = RESULTS / "load.json"
NOTES = BENCH / "notes.md"
DOC = ROOT / "docs" / "performance.md"
PYTHON = sys.executable

DEFAULT_URLS = {
    "small": "postgres://postgres@127.0.0.1:5432/registry_bench_small",
    "large": "postgres://postgres@127.0.0.1:5432/registry_bench",
}
SIZES = ("small", "large")

# The generators, their arguments at each size, and the marker that says a run completed (each
# generator writes everything in one transaction, so its marker row means all its rows).
GENERATORS: list[dict[str, Any]] = [
    {
        "name": "registry (generate.py)",
        "script": "generate.py",
        "args": {
            "large": ["--organisations", "5000", "--partnerships", "1000",
                      "--memberships", "20000", "--services", "10000", "--seed", "1"],
            "small": ["--organisations", "500", "--partnerships", "100",
                      "--memberships", "2000", "--services", "1000", "--seed", "1"],
        },
        "marker": ("SELECT 1 FROM accounts_user WHERE username = %s", [BENCH_COMMISSIONER]),
    },
    {
        "name": "monitoring (monitoring.py generate)",
        "script": "monitoring.py",
        "args": {"large": ["generate", "--seed", "1"], "small": ["generate", "--seed", "1"]},
        "marker": ("SELECT 1 FROM partnerships_partnership WHERE slug = %s",
                   ["bench-monitoring-recovery-partnership"]),
    },
    {
        "name": "reminders (reminders.py --generate)",
        "script": "reminders.py",
        "args": {
            "large": ["--generate"],
            "small": ["--generate", "--cases", "10000", "--conferences", "100000",
                      "--due", "100", "--alt-due", "10"],
        },
        "marker": ("SELECT 1 FROM partnerships_partnership WHERE slug = %s",
                   ["bench-reminders-partnership"]),
    },
]

# The tables whose sizes the report gives (label, model).
ROW_COUNTS = [
    ("Organisations", "partnerships.Organisation"),
    ("Partnerships", "partnerships.Partnership"),
    ("Memberships", "partnerships.Membership"),
    ("Services", "services.Service"),
    ("Locations", "services.Location"),
    ("Monitoring returns", "monitoring.MonitoringReturn"),
    ("Monitoring values", "monitoring.Value"),
    ("Cases", "referrals.Case"),
    ("Case conferences", "referrals.CaseConference"),
    ("Users", "accounts.User"),
]

# Bench settings for the measuring subprocess (see worker_environment).
BENCH_ENV = {
    "DJANGO_ENV": "development",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "DEBUG": "0",
    "ALLOWED_HOSTS": "testserver",
    "API_THROTTLE_USER": "1000000/min",
    "API_THROTTLE_ANON": "1000000/min",
    "API_THROTTLE_WRITE": "1000000/min",
    "REDIS_URL": "",
    "CELERY_BROKER_URL": "memory://",
    "EMAIL_URL": "memorymail://",
}


def say(message: str) -> None:
    """A progress line on stderr, so a long run is never silent and stdout stays the table."""
    print(message, file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Nearest rank: the smallest value with at least ``pct``% of the values at or below it."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# ==========================================================================================
# Data: create, migrate, generate (parent process)
# ==========================================================================================
def ensure_database(url: str) -> bool:
    """Create the database named in ``url`` if it does not exist; True if it was created."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    parts = urlsplit(url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        say(f"  creating database {name}")
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return True


def run_step(label: str, command: list[str], url: str) -> None:
    """Run a bench or manage.py command against ``url``, its output on our stderr."""
    say(f"  {label}: {shlex.join(command[1:])}")
    started = time.perf_counter()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "development", "DEBUG": "0",
           "REDIS_URL": "", "CELERY_BROKER_URL": "memory://"}
    done = subprocess.run(command, cwd=ROOT, env=env, stdout=sys.stderr, check=False)  # noqa: S603
    if done.returncode:
        sys.exit(f"perf.py: {label} failed (exit {done.returncode}) on {database_name(url)}")
    say(f"  {label}: done in {time.perf_counter() - started:.0f}s")


def prepare_data(size: str, url: str, *, migrate: bool) -> None:
    """Migrate, then generate what is missing. The registry generator refuses a database that
    already holds organisations, so data without its marker is an error to resolve by hand."""
    import psycopg

    name = database_name(url)
    say(f"[{size}] database {name}")
    ensure_database(url)
    if migrate:
        run_step("migrate", [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], url)
    for generator in GENERATORS:
        with psycopg.connect(url, autocommit=True) as conn:
            sql, params = generator["marker"]
            present = conn.execute(sql, params).fetchone() is not None
        if present:
            say(f"  {generator['name']}: present, reused")
            continue
        run_step(generator["name"],
                 [PYTHON, str(BENCH / generator["script"]), *generator["args"][size]], url)


# ==========================================================================================
# Measuring (the worker subprocess, one per size)
# ==========================================================================================
def discover(only: list[str] | None) -> list[str]:
    """Target module names: every ``bench/targets/*.py`` not starting with an underscore, or
    exactly those named by ``--only`` (which may name an underscored example)."""
    found = sorted(p.stem for p in TARGETS.glob("*.py") if not p.stem.startswith("_"))
    if not only:
        return found
    missing = [n for n in only if not (TARGETS / f"{n}.py").exists()]
    if missing:
        sys.exit(f"perf.py: no target {', '.join(missing)} in bench/targets/ "
                 f"(there are: {', '.join(found) or 'none'})")
    return only


def worker_setup() -> None:
    """Django with the bench settings, Celery's in-memory broker and no worker, in-memory email.
    Refuses to go on if anything could reach a real worker or mail server."""
    os.environ.update(BENCH_ENV)
    from common import isolate_from_workers, require_postgresql, setup_django

    setup_django(debug=False)
    require_postgresql()
    from django.conf import settings

    isolate_from_workers()
    if settings.DEBUG:
        sys.exit("DEBUG is on: the benchmark needs production-like settings")


def baseline_connection(url: str) -> Any:
    """The plain autocommit psycopg connection the baselines run on, in Django's time zone
    (UTC) so that both sides read the same timestamps."""
    import psycopg
    from django.db import connection

    conn = psycopg.connect(url, autocommit=True)
    if connection.timezone_name:
        conn.execute("SELECT set_config('TimeZone', %s, false)", [connection.timezone_name])
    return conn


class Runner:
    """Runs one case's target and baseline; keeps a signed-in test client per user."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.clients: dict[str, Any] = {}

    def client(self, username: str) -> Any:
        from django.contrib.auth import get_user_model
        from django.test import Client

        if username not in self.clients:
            client = Client()
            if username:
                user = get_user_model().objects.filter(username=username).first()
                if user is None:
                    raise LookupError(f"no user {username!r} in the database")
                client.force_login(user)
            self.clients[username] = client
        return self.clients[username]

    def prepare(self, case: Any) -> None:
        if case.url:
            client = self.client(case.user)
            if case.user:
                case.params.setdefault("session_key", client.session.session_key)

    def target(self, case: Any) -> Any:
        """The page, endpoint or job: the whole body read for a request (the test client: the
        whole stack but the network), the return value for a call."""
        if case.call is not None:
            return case.call()
        # Headers by name ("Accept") or as WSGI environ keys ("HTTP_ACCEPT"): both are common.
        environ = {k: v for k, v in case.headers.items()
                   if k.startswith("HTTP_") or k in ("CONTENT_TYPE", "REMOTE_ADDR")}
        headers = {k: v for k, v in case.headers.items() if k not in environ}
        response = self.client(case.user).get(case.url, headers=headers or None, **environ)
        body = (b"".join(response.streaming_content) if response.streaming
                else response.content)
        if response.status_code != 200:
            raise RuntimeError(f"GET {case.url} as {case.user or 'anonymous'}: HTTP "
                               f"{response.status_code}")
        return body

    def close(self) -> None:
        for client in self.clients.values():
            client.logout()  # deletes the session row force_login made


def timed(run: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    output = run()
    return (time.perf_counter() - started) * 1000, output


def reset(case: Any) -> None:
    if case.reset is not None:
        case.reset()


def measure_case(module: Any, case: Any, runner: Runner, args: argparse.Namespace,
                 size: str, result: dict[str, Any]) -> None:
    """Warm up, count queries, check, and (at the timed size) time one case."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    name = module.__name__.rsplit(".", 1)[-1]
    runner.prepare(case)

    def run_target() -> Any:
        return runner.target(case)

    def run_baseline() -> Any:
        return module.baseline(runner.conn, case)

    started = time.perf_counter()
    last = {"target": 0.0, "baseline": 0.0, "reset": 0.0}
    for _ in range(args.warmup):
        for side, run in (("target", run_target), ("baseline", run_baseline)):
            last["reset"] = timed(lambda: reset(case))[0]
            last[side] = timed(run)[0]

    # The query count, on a warm process (a first request may fill caches).
    reset(case)
    connection.queries_log = collections.deque(maxlen=1_000_000)
    with CaptureQueriesContext(connection) as captured:
        output = run_target()
    result["queries"] = len(captured.captured_queries)
    result["statements"] = [q["sql"] for q in captured.captured_queries]
    result["target_bytes"] = len(output) if isinstance(output, (bytes, str)) else None
    if args.verbose:
        for q in captured.captured_queries:
            say(f"      {q['time']}s  {q['sql'][:200]}")

    if args.check:
        reset(case)
        base_output = run_baseline()
        result["baseline_bytes"] = (len(base_output) if isinstance(base_output, (bytes, str))
                                    else None)
        checker = getattr(module, "check", None)
        if checker is None:
            result["check"] = "no check()"
        else:
            try:
                checker(case, output, base_output)
                result["check"] = "passed"
            except AssertionError as error:
                result["check"] = f"FAILED: {error}"[:2000]
                say(f"    CHECK FAILED {name} / {case.label}: {str(error)[:500]}")

    if size == "large" and not args.count_only:
        per_round = last["target"] + last["baseline"] + 2 * last["reset"] + 10
        rounds = min(args.iterations, int(getattr(module, "ITERATIONS", args.iterations)))
        affordable = max(5, int(args.case_budget * 1000 / per_round))
        if affordable < rounds:
            say(f"    {rounds} rounds would take ~{rounds * per_round / 1000:.0f}s: "
                f"{affordable} rounds (--case-budget {args.case_budget:.0f}s)")
            rounds = affordable
        target_ms: list[float] = []
        baseline_ms: list[float] = []
        shown = time.perf_counter()
        for i in range(rounds):
            if time.perf_counter() - shown > 10:
                say(f"    {name} / {case.label}: round {i + 1} of {rounds}")
                shown = time.perf_counter()
            order = [(target_ms, run_target), (baseline_ms, run_baseline)]
            if i % 2:
                order.reverse()
            for position, (times, run) in enumerate(order):
                reset(case)
                # A full collection (~150 ms with Django loaded) before each round, the young
                # generations between its two runs: no collection of the other side's garbage
                # lands in a timing.
                gc.collect(2 if position == 0 else 1)
                times.append(timed(run)[0])
        result["target_ms"] = [round(ms, 3) for ms in target_ms]
        result["baseline_ms"] = [round(ms, 3) for ms in baseline_ms]
        result["rounds"] = rounds
    result["seconds"] = round(time.perf_counter() - started, 1)
    timing = ""
    if result.get("target_ms"):
        t, b = median(result["target_ms"]), median(result["baseline_ms"])
        timing = f", {t:.1f} ms vs {b:.1f} ms = {t / b:.2f}x" if b else ""
    say(f"    {name} / {case.label}: {result['queries']} queries{timing} "
        f"({result['seconds']:.0f}s)")


def machine_and_data() -> dict[str, Any]:
    """What the report says about the machine and the data, read inside the worker."""
    import django
    from django.apps import apps
    from django.conf import settings
    from django.db import connection
    from django.template import engines

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgresql = cursor.fetchone()[0]
    backend: Any = engines["django"]  # django.template.backends.django.DjangoTemplates
    loaders = backend.engine.template_loaders
    rows = {}
    for label, model in ROW_COUNTS:
        try:
            rows[label] = apps.get_model(model).objects.count()
        except LookupError:
            continue
    return {
        "postgresql": postgresql.split(" ")[0],
        "python": platform.python_version(),
        "django": django.get_version(),
        "debug": settings.DEBUG,
        "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
        "cached_templates": any(type(loader).__name__ == "Loader"
                                and type(loader).__module__.endswith("cached")
                                for loader in loaders),
        "rows": rows,
    }


def worker(args: argparse.Namespace) -> None:
    """Measure every case of every target on one database; write the results as JSON."""
    size = args.worker
    worker_setup()
    # Targets are imported as bench.targets.<name> (the project root is on sys.path), as
    # they import each other.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from django.core import mail

    conn = baseline_connection(args.database_url)
    runner = Runner(conn)
    out: dict[str, Any] = {"size": size, "database": database_name(args.database_url),
                           "environment": machine_and_data(), "targets": []}
    for name in discover(args.only):
        entry: dict[str, Any] = {"name": name, "title": name, "aim": None, "cases": [],
                                 "error": None}
        out["targets"].append(entry)
        say(f"  [{size}] {name}")
        try:
            module = importlib.import_module(f"bench.targets.{name}")
            missing = [a for a in ("TITLE", "AIM", "cases", "baseline") if not hasattr(module, a)]
            if missing:
                raise AttributeError(f"bench/targets/{name}.py lacks {', '.join(missing)}")
            entry["title"], entry["aim"] = str(module.TITLE), float(module.AIM)
            cases = module.cases(conn)
        except Exception as error:  # noqa: BLE001 - a broken target must not stop the others
            entry["error"] = f"{type(error).__name__}: {error}"
            say(f"    ERROR {name}: {entry['error']}\n{traceback.format_exc()}")
            continue
        for case in cases:
            result: dict[str, Any] = {"label": case.label, "rows": case.rows, "url": case.url,
                                      "user": case.user, "kind": "call" if case.call else "request",
                                      "error": None}
            entry["cases"].append(result)
            try:
                measure_case(module, case, runner, args, size, result)
            except Exception as error:  # noqa: BLE001
                result["error"] = f"{type(error).__name__}: {error}"[:2000]
                say(f"    ERROR {name} / {case.label}: {result['error']}\n"
                    f"{traceback.format_exc()}")
            finally:
                # Leave nothing behind that a job (or its baseline) wrote, even on Ctrl+C.
                with contextlib.suppress(Exception):
                    reset(case)
    runner.close()
    conn.close()
    out["emails_sent"] = len(getattr(mail, "outbox", []))
    Path(args.out).write_text(json.dumps(out, indent=1, default=str))


# ==========================================================================================
# The parent: run the workers, merge, print, write
# ==========================================================================================
def run_worker(size: str, url: str, args: argparse.Namespace, *, count_only: bool) -> dict:
    with tempfile.NamedTemporaryFile(suffix=f"-perf-{size}.json", delete=False) as handle:
        out = Path(handle.name)
    command = [PYTHON, str(Path(__file__).resolve()), "--worker", size, "--database-url", url,
               "--out", str(out), "--iterations", str(args.iterations),
               "--warmup", str(args.warmup), "--case-budget", str(args.case_budget)]
    if args.only:
        command += ["--only", ",".join(args.only)]
    if args.check:
        command.append("--check")
    if args.verbose:
        command.append("--verbose")
    if count_only:
        command.append("--count-only")
    what = "query counts" if count_only else "query counts and timings"
    say(f"[{size}] measuring on {database_name(url)}: {what}")
    started = time.perf_counter()
    env = {**os.environ, **BENCH_ENV, "DATABASE_URL": url}
    done = subprocess.run(command, cwd=ROOT, env=env, check=False)  # noqa: S603
    try:
        if done.returncode:
            sys.exit(f"perf.py: the {size} run failed (exit {done.returncode})")
        result = json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)
    say(f"[{size}] done in {time.perf_counter() - started:.0f}s")
    return result


def issue_order(name: str) -> tuple[int, str]:
    """The issue's aims first, in its order (perf_report.EXPECTED), then any other target."""
    from perf_report import EXPECTED

    names = list(EXPECTED)
    return (names.index(name) if name in names else len(names), name)


def merge(runs: dict[str, dict]) -> list[dict[str, Any]]:
    """One row per (target, case): timings from the large run, query counts from both. Cases
    are matched by position (``cases()`` picks the analogous subjects at each size)."""
    rows: list[dict[str, Any]] = []
    primary = runs.get("large") or runs.get("small") or {"targets": []}
    others = {size: {t["name"]: t for t in run["targets"]} for size, run in runs.items()}
    for target in sorted(primary["targets"], key=lambda t: issue_order(t["name"])):
        if target["error"] or not target["cases"]:
            rows.append({"target": target["name"], "title": target["title"],
                         "aim": target["aim"], "label": "",
                         "error": target["error"] or "no cases"})
        for i, case in enumerate(target["cases"]):
            row: dict[str, Any] = {"target": target["name"], "title": target["title"],
                                   "aim": target["aim"], "label": case["label"],
                                   "error": case["error"], "check": case.get("check"),
                                   "url": case.get("url"), "kind": case.get("kind")}
            for size in SIZES:
                other = others.get(size, {}).get(target["name"])
                match = other["cases"][i] if other and i < len(other["cases"]) else None
                row[f"queries_{size}"] = match.get("queries") if match else None
                row[f"rows_{size}"] = match.get("rows") if match else None
                if match and match.get("error") and not row["error"]:
                    row["error"] = f"{size}: {match['error']}"
                if match and size != "large" and str(match.get("check", "")).startswith("FAIL"):
                    row["check"] = f"{size}: {match['check']}"
            t, b = case.get("target_ms") or [], case.get("baseline_ms") or []
            if t and b:
                row.update(
                    rounds=len(t), p50=median(t), p95=percentile(t, 95), base_p50=median(b),
                    base_p95=percentile(b, 95))
                row["ratio"] = row["p50"] / row["base_p50"] if row["base_p50"] else math.nan
                row["ratio_p95"] = (row["p95"] / row["base_p95"] if row["base_p95"]
                                    else math.nan)
            rows.append(row)
    return rows


def verdict(row: dict[str, Any]) -> str:
    """"met (2.1× ≤ 3×)" or "missed (3.4× > 3×)", on the ratio of medians."""
    if row.get("error"):
        return "error"
    ratio, aim = row.get("ratio"), row.get("aim")
    if ratio is None or aim is None or math.isnan(ratio):
        return "not timed"
    # One decimal, or two when one would read "1.5× > 1.5×".
    shown = f"{ratio:.1f}" if round(ratio, 1) != aim else f"{ratio:.2f}"
    if ratio <= aim:
        return f"met ({shown}× ≤ {aim:g}×)"
    return f"missed ({shown}× > {aim:g}×)"


def fmt(value: Any, spec: str = ".1f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return format(value, spec)


def queries_cell(row: dict[str, Any]) -> str:
    s, lg = row.get("queries_small"), row.get("queries_large")
    if s is None and lg is None:
        return "–"
    if s is None or lg is None:
        return fmt(s if lg is None else lg, "d")
    return f"{s}" if s == lg else f"{s}→{lg} (not constant)"


def table_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    out = []
    for r in rows:
        label = f"{r['title']}: {r['label']}" if r["label"] else r["title"]
        out.append([
            label, fmt(r.get("p50")), fmt(r.get("p95")), fmt(r.get("base_p50")),
            fmt(r.get("base_p95")),
            f"{fmt(r.get('ratio'), '.2f')}× / {fmt(r.get('ratio_p95'), '.2f')}×"
            if r.get("ratio") is not None else "–",
            f"≤ {r['aim']:g}×" if r.get("aim") is not None else "–",
            verdict(r),
            check_cell(r),
            queries_cell(r),
            f"{fmt(r.get('rows_small'), ',')}→{fmt(r.get('rows_large'), ',')}",
        ])
    return out


HEADER = ["Target / case", "p50 ms", "p95 ms", "base p50", "base p95", "ratio p50 / p95",
          "aim", "verdict", "check", "queries S→L", "rows S→L"]


def failed_check(row: dict[str, Any]) -> bool:
    return str(row.get("check") or "").startswith(("FAIL", "small: FAIL"))


def check_cell(row: dict[str, Any]) -> str:
    check = row.get("check")
    if not check:
        return "–"
    if failed_check(row):
        return "FAILED"
    return "ok" if check == "passed" else "none"


def text_table(rows: list[dict[str, Any]]) -> str:
    body = table_rows(rows)
    widths = [max(len(line[i]) for line in [HEADER, *body]) for i in range(len(HEADER))]
    right = {1, 2, 3, 4, 5}

    def line(cells: list[str]) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths, strict=True)))

    return "\n".join([line(HEADER), "  ".join("-" * w for w in widths),
                      *(line(c) for c in body)])


def markdown_table(rows: list[dict[str, Any]]) -> str:
    header = ["Target / case", "p50 (ms)", "p95 (ms)", "Baseline p50 (ms)",
              "Baseline p95 (ms)", "Ratio p50 / p95", "Aim", "Verdict", "Check",
              "Queries (small → large)", "Rows (small → large)"]
    lines = ["| " + " | ".join(header) + " |",
             "|---|" + "---:|" * 5 + "---|---|---|---:|---:|"]
    for cells in table_rows(rows):
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------
#: What a run writes, excluded from the "uncommitted changes" check (git pathspecs).
OWN_OUTPUTS = (":!bench/results", ":!docs/performance.md", ":!bench/notes.md")


def git_commit() -> str:
    def git(*argv: str) -> str:
        return subprocess.run(["git", *argv], cwd=ROOT, capture_output=True, text=True,  # noqa: S603, S607
                              check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    # The run's own outputs (results, this report, the notes copied into it) do not count.
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", *OWN_OUTPUTS)
    return commit + (" with uncommitted changes" if dirty else "")


def machine() -> dict[str, Any]:
    cpu, memory = "", ""
    with contextlib.suppress(OSError):
        cpu = next((line.split(":", 1)[1].strip() for line in
                    Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(next(line for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")).split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GB"
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": memory,
            "platform": platform.platform(terse=True)}


def load_test(args: argparse.Namespace) -> dict[str, Any]:
    """Run ``bench/load.py`` with its defaults against the large database, if it exists."""
    if args.skip_load:
        return {"ran": False, "why": "--skip-load"}
    if not LOAD_SCRIPT.exists():
        return {"ran": False, "why": "bench/load.py does not exist"}
    say("[load] bench/load.py (its defaults) against the large database")
    started, began = time.perf_counter(), time.time()
    env = {**os.environ, "DATABASE_URL": args.large_url}
    done = subprocess.run([PYTHON, str(LOAD_SCRIPT)], cwd=ROOT, env=env,  # noqa: S603
                          stdout=sys.stderr, check=False)
    say(f"[load] exit {done.returncode} in {time.perf_counter() - started:.0f}s")
    # load.py exits 1 when a request failed, with its results written: what matters is whether
    # this run wrote load.json.
    fresh = LOAD_JSON.exists() and LOAD_JSON.stat().st_mtime >= began
    return {"ran": True, "exit": done.returncode, "wrote": fresh,
            "seconds": round(time.perf_counter() - started)}


# ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time every bench/targets/ module against its hand-written SQL baseline "
                    "at two data sizes; print one table; rewrite docs/performance.md.",
        epilog="Defaults: both databases on 127.0.0.1, every target, 3 warm-up runs and 20 "
               "timed rounds per case, the load test, and --write unless --only is given. "
               "About 8-10 minutes once the data exists, 3-4 of them the load test.")
    parser.add_argument("--only", type=lambda s: [n.strip().removesuffix(".py")
                                                  for n in s.split(",") if n.strip()],
                        metavar="NAMES",
                        help="comma-separated target names (files in bench/targets/, without "
                             ".py); implies --no-write unless --write is given")
    parser.add_argument("--iterations", type=int, default=20, metavar="N",
                        help="timed rounds per case, each running target and baseline once "
                             "(default 20; capped by a target's ITERATIONS and --case-budget)")
    parser.add_argument("--warmup", type=int, default=3, metavar="N",
                        help="untimed runs of target and baseline per case first (default 3)")
    parser.add_argument("--case-budget", type=float, default=60.0, metavar="SECONDS",
                        help="fewer rounds (at least 5) for a case whose rounds would take "
                             "longer than this (default 60)")
    parser.add_argument("--check", action="store_true",
                        help="run each target's check() once per case at both sizes (fails "
                             "loudly if a baseline's output differs); always on with --write")
    parser.add_argument("--write", dest="write", action="store_true", default=None,
                        help="regenerate docs/performance.md from this run (default when "
                             "--only is not given)")
    parser.add_argument("--no-write", dest="write", action="store_false",
                        help="do not touch docs/performance.md")
    parser.add_argument("--skip-load", action="store_true",
                        help="do not run bench/load.py (the doc then reports the last "
                             "bench/results/load.json, with its own commit and date)")
    parser.add_argument("--sizes", default="small,large", metavar="SIZES",
                        type=lambda s: [n.strip() for n in s.split(",") if n.strip()],
                        help="which databases to use (default small,large; the small one only "
                             "counts queries)")
    parser.add_argument("--no-migrate", dest="migrate", action="store_false",
                        help="skip manage.py migrate on the bench databases")
    parser.add_argument("--large-url", default=DEFAULT_URLS["large"], metavar="URL",
                        help=f"default {DEFAULT_URLS['large']}")
    parser.add_argument("--small-url", default=DEFAULT_URLS["small"], metavar="URL",
                        help=f"default {DEFAULT_URLS['small']}")
    parser.add_argument("--verbose", action="store_true",
                        help="print each case's SQL statements (from the query-count run)")
    parser.add_argument("--rewrite-doc", action="store_true",
                        help="measure nothing: rewrite docs/performance.md from the last full "
                             "run (bench/results/perf.json), e.g. after editing bench/notes.md")
    # The measuring subprocess (one per size); not for direct use.
    parser.add_argument("--worker", choices=SIZES, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown or not args.sizes:
        parser.error(f"--sizes takes small and/or large, not {', '.join(unknown)}")
    if args.iterations < 1 or args.warmup < 0:
        parser.error("--iterations must be at least 1 and --warmup at least 0")
    return args


def rewrite_doc() -> None:
    """docs/performance.md again from the saved run: the same figures, with the current
    bench/notes.md (and bench/results/load.json if the run did not run the load test)."""
    from perf_report import write_doc

    if not PERF_JSON.exists():
        sys.exit(f"perf.py: no {PERF_JSON.relative_to(ROOT)}: run bench/perf.py first")
    results = json.loads(PERF_JSON.read_text())
    results["rows"] = merge(results["runs"])
    DOC.write_text(write_doc(results, markdown_table(results["rows"])))
    say(f"Wrote {DOC.relative_to(ROOT)} from {PERF_JSON.relative_to(ROOT)} "
        f"(the run of {results['date']}, commit {results['commit']})")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.worker:
        worker(args)
        return
    if args.rewrite_doc:
        rewrite_doc()
        return
    if args.write is None:
        args.write = not args.only
    if args.write:
        args.check = True
    started = time.perf_counter()
    names = discover(args.only)
    urls = {"small": args.small_url, "large": args.large_url}
    say(f"perf.py: {len(names)} targets ({', '.join(names) or 'none'}); sizes "
        f"{', '.join(args.sizes)}; {args.warmup} warm-up + {args.iterations} rounds; "
        f"check {'on' if args.check else 'off'}; "
        f"{'will' if args.write else 'will not'} rewrite docs/performance.md"
        f"{' (default without --only)' if args.write and not args.only else ''}; "
        f"load test {'skipped' if args.skip_load else 'after the timings'}")
    for size in args.sizes:
        prepare_data(size, urls[size], migrate=args.migrate)

    load_before = os.getloadavg()
    runs = {}
    for size in SIZES:
        if size in args.sizes:
            runs[size] = run_worker(size, urls[size], args, count_only=size != "large")
    load_after = os.getloadavg()
    rows = merge(runs)
    measured = time.perf_counter() - started

    print()
    print(text_table(rows))
    print()
    print(f"Load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
          f"{measured:.0f}s so far")

    load = load_test(args)
    results = {
        "commit": git_commit(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["bench/perf.py", *(argv if argv is not None else sys.argv[1:])]),
        "arguments": {k: v for k, v in vars(args).items()
                      if k not in ("worker", "database_url", "out", "count_only")},
        "machine": machine(),
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in load_after]},
        "seconds": round(time.perf_counter() - started),
        "runs": runs,
        "rows": rows,
        "load_test": load,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    # perf.json belongs with the document; a partial run (--only, no --write) goes beside it.
    saved = PERF_JSON if args.write else RESULTS / "perf-last.json"
    saved.write_text(json.dumps(results, indent=1, default=str) + "\n")
    say(f"Wrote {saved.relative_to(ROOT)}")
    if args.write:
        from perf_report import write_doc

        DOC.write_text(write_doc(results, markdown_table(rows)))
        say(f"Wrote {DOC.relative_to(ROOT)}")

    problems = [r for r in rows if r.get("error") or failed_check(r)]
    emails = sum(run.get("emails_sent", 0) for run in runs.values())
    if emails:
        say(f"perf.py: {emails} emails were sent: delivery must not run in the benchmark")
    if problems or emails:
        for r in problems:
            say(f"perf.py: {r['target']} / {r['label']}: {r.get('error') or r.get('check')}")
        sys.exit(1)


if __name__ == "__main__":
    main()
