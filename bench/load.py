"""A bounded load test (issue 17, point 4): gunicorn with production settings on the bench
database, and locust's mixed commissioner, provider and caseworker traffic at 10, then 50,
concurrent users, on loopback only.

    .venv/bin/pip install -e ".[bench]"         # locust, once (make bench-install)
    .venv/bin/python bench/load.py              # about 4 minutes with the defaults

What it does, in order:

1. Creates the ``bench-load-*`` accounts in the database ``DATABASE_URL`` names (default
   ``registry_bench``), all with one known password: commissioners at ``bench-commissioner``'s
   organisation; provider staff of the monitoring bench partnership's delivery partners and
   partnership managers of its lead partner (``bench/monitoring.py``); caseworkers at the
   reminders bench partnership's probation units and providers (``bench/reminders.py``). It
   picks what they read from the data (the median and largest partnership, as the page
   benchmark does; each account's own returns and open cases) and writes the plan
   ``bench/locustfile.py`` reads.
2. Collects the static files if they changed (the production storage needs the manifest).
3. Starts gunicorn (``--workers`` gthread workers × ``--threads``; 3 × 4 suits 2 cores) on a free
   port of 127.0.0.1 with ``DJANGO_ENV=production``: DEBUG off, a throwaway SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, no HTTPS redirect (loopback has no TLS; the session and CSRF
   cookies stay ``Secure``, which locust's client sends anyway), Redis as the cache
   (``--redis-url``) as in production, Celery's in-memory broker so nothing reaches a worker,
   console email; the API throttles keep their production rates (the traffic stays far
   below 600 requests a minute per user). It waits for ``/health/``.
4. Warms the workers up with ``--warmup`` seconds (default 15) of unrecorded traffic with
   hardly any pause (each worker's first requests import the views and compile templates).
   Then runs ``locust --headless`` through the steps (``--users``, default ``10,50``
   concurrent users): each step's new users arrive (``--spawn-rate`` a second, default a tenth
   of the step's users) and sign in through the sign-in form; once all have (at most
   ``--ramp-limit`` seconds), the step runs ``--duration`` seconds (default 75) of steady
   state, users thinking ``--think`` seconds (default 2–8) between pages; then the next
   step's users join those still reading.
5. Writes ``bench/results/load.json`` (commit, date, load average, gunicorn workers; per step:
   users, requests, requests/s, p50, p95 by nearest rank of the steady state, errors of the
   whole step, the ramp-up's length; the same per user class and per request name, sign-ins
   apart; every failure) and prints a table. ``bench/perf.py`` runs this script
   with its defaults and copies the figures into ``docs/performance.md``.
6. Always (also on Ctrl+C or an error): stops gunicorn, then deletes what the run wrote —
   the case-access rows its case pages logged, its sessions and axes login records, and the
   accounts (``--keep-accounts`` keeps them). Exit status 0 once the results are written, the
   errors counted in them (``--fail-on-errors``: 1 if any request failed); 1 if the run fails.

Only run it when nothing else is being timed: it keeps both cores busy, and its accounts
receive notifications if a reminder sweep runs meanwhile (they exist only during the run).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import logging
import math
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from importlib import import_module
from pathlib import Path
from typing import Any

from common import ROOT, require_postgresql, setup_django

PREFIX = "bench-load-"
# Known to the locustfile through the plan; the accounts live only while the test runs.
PASSWORD = "bench-load-Recovery-Partnership-2026"  # noqa: S105
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/registry_bench"
RESULTS = ROOT / "bench" / "results" / "load.json"
BIN = Path(sys.executable).parent
SEARCH_TERMS = ["recovery", "housing", "family", "prison", "women", "alcohol"]
MONITORING_SLUG = "bench-monitoring-recovery-partnership"
REMINDERS_SLUG = "bench-reminders-partnership"
CLASSES = ("commissioner", "provider", "caseworker")
SIGN_IN = (": sign-in form", ": sign in")  # the ends of the sign-in requests' names


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------
# The accounts and what they read
# ------------------------------------------------------------------------------------------

def remove_accounts() -> dict[str, int]:
    """Delete the bench-load accounts and everything the load test wrote for them: the case
    reads their case pages logged, their sessions, their axes login records."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from django.db import transaction

    from referrals.models import CaseAccess

    users = get_user_model().objects.filter(username__startswith=PREFIX)
    ids = {str(pk) for pk in users.values_list("pk", flat=True)}
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts["case reads"] = CaseAccess.objects.filter(user__in=users).delete()[0]
        # A session names its user only inside its signed data: decode the live ones (the
        # SECRET_KEY is the one gunicorn used, set in main()); others' fail to decode (Django
        # logs each as "corrupted": not worth a line each here) and are kept.
        quiet = logging.getLogger("django.security.SuspiciousSession")
        quiet.disabled, was = True, quiet.disabled
        try:
            mine = [s.pk for s in Session.objects.filter(
                        expire_date__gt=datetime.datetime.now(datetime.UTC)).iterator()
                    if s.get_decoded().get("_auth_user_id") in ids]
        finally:
            quiet.disabled = was
        # Through the session engine, whichever it is (the settings choose it).
        store = import_module(settings.SESSION_ENGINE).SessionStore
        for key in mine:
            store(session_key=key).delete()
        counts["sessions"] = len(mine)
        counts["axes records"] = sum(
            model.objects.filter(username__startswith=PREFIX).delete()[0]
            for model in (AccessLog, AccessAttempt, AccessFailureLog))
        counts["accounts"] = users.delete()[1].get("accounts.User", 0)
    return counts


def create_accounts(per_class: int, seed: int) -> dict[str, Any]:
    """Make the accounts (one password hash, computed once) and the plan the locustfile reads.
    Refuses with a clear message when the bench data it needs is missing."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.db import connection

    from accounts.models import Role
    from monitoring.models import MonitoringReturn
    from partnerships.models import Membership, Organisation, Partnership
    from referrals.models import Case

    user_model = get_user_model()
    rng = random.Random(seed)
    commissioner = user_model.objects.filter(username="bench-commissioner").first()
    monitoring = Partnership.objects.filter(slug=MONITORING_SLUG).first()
    reminders = Partnership.objects.filter(slug=REMINDERS_SLUG).first()
    missing = [what for what, row in (("bench/generate.py's bench-commissioner", commissioner),
                                      ("bench/monitoring.py's partnership", monitoring),
                                      ("bench/reminders.py's partnership", reminders))
               if row is None]
    if missing or commissioner is None or commissioner.organisation_id is None:
        sys.exit("The load test reads the bench data; missing: " + ", ".join(missing) + ".")

    members = Membership.objects.filter(partnership=monitoring)
    lead = members.filter(role="lead_partner").values_list("organisation_id", flat=True).first()
    delivery = list(members.filter(role="delivery_partner")
                    .order_by("organisation_id").values_list("organisation_id", flat=True))
    caseworking = list(Organisation.objects.filter(memberships__partnership=reminders)
                       .order_by("slug").values_list("pk", flat=True).distinct())
    password = make_password(PASSWORD)
    homes: dict[str, list[tuple[int | None, str, bool]]] = {
        "commissioner": [(commissioner.organisation_id, Role.COMMISSIONER, False)] * per_class,
        # Even accounts are a delivery partner's staff, odd ones the lead partner's managers.
        "provider": [(lead, Role.PARTNERSHIP_MANAGER, True) if n % 2 else
                     (delivery[(n // 2) % len(delivery)], Role.PROVIDER_STAFF, False)
                     for n in range(per_class)],
        "caseworker": [(caseworking[n % len(caseworking)], Role.PROVIDER_STAFF, False)
                       for n in range(per_class)],
    }
    users: dict[str, list[Any]] = {}
    for cls, places in homes.items():
        users[cls] = [user_model(username=f"{PREFIX}{cls}-{n + 1:03d}", password=password,
                                 organisation_id=org, role=role, first_name="Load",
                                 last_name=f"{cls.title()} {n + 1}",
                                 email=f"{PREFIX}{cls}-{n + 1:03d}@example.org")
                      for n, (org, role, _) in enumerate(places)]
        user_model.objects.bulk_create(users[cls])
        users[cls] = list(user_model.objects.filter(username__startswith=f"{PREFIX}{cls}-")
                          .order_by("username"))

    accounts: dict[str, list[dict[str, Any]]] = {cls: [] for cls in CLASSES}
    for user in users["commissioner"]:
        accounts["commissioner"].append({"username": user.username})
    for user, (_, _, manager) in zip(users["provider"], homes["provider"], strict=True):
        visible = MonitoringReturn.objects.visible_to(user).filter(partnership=monitoring)
        if manager:  # returns the lead partner reviews, not its own (it owes none)
            visible = visible.exclude(organisation_id=user.organisation_id)
        ids = list(visible.order_by("-pk").values_list("pk", flat=True)[:200])
        if not ids:
            sys.exit(f"{user.username} sees no returns of the monitoring bench partnership.")
        accounts["provider"].append({"username": user.username, "manager": manager,
                                     "returns": rng.sample(ids, min(len(ids), 30))})
    for user in users["caseworker"]:
        refs = list(Case.objects.visible_to(user).open().order_by("-pk")
                    .values_list("reference", flat=True)[:300])
        if not refs:
            sys.exit(f"{user.username} sees no open cases of the reminders bench partnership.")
        accounts["caseworker"].append({"username": user.username,
                                       "cases": rng.sample(refs, min(len(refs), 30))})

    with connection.cursor() as cursor:  # as bench/targets/partnership_page.py chooses them
        cursor.execute("SELECT p.slug, count(m.id) AS n FROM partnerships_partnership p"
                       " LEFT JOIN partnerships_membership m ON m.partnership_id = p.id"
                       " GROUP BY p.id ORDER BY n, p.slug")
        rows = cursor.fetchall()
    largest_n = rows[-1][1]
    slugs = [slug for slug, _ in rows]
    organisations = list(Organisation.objects.order_by("pk").values_list("slug", flat=True))
    return {
        "password": PASSWORD,
        "accounts": accounts,
        "partnership_median": rows[len(rows) // 2][0],
        "partnership_largest": min(slug for slug, n in rows if n == largest_n),
        "partnerships": rng.sample(slugs, min(len(slugs), 50)),
        "organisations": rng.sample(organisations, min(len(organisations), 100)),
        "monitoring_partnership": MONITORING_SLUG,
        "search_terms": SEARCH_TERMS,
    }


# ------------------------------------------------------------------------------------------
# The server
# ------------------------------------------------------------------------------------------

def server_env(database_url: str, secret_key: str, redis_url: str) -> dict[str, str]:
    """Production settings for loopback (config/settings/production.py)."""
    # Nothing inherited may change the settings: no DJANGO_* choice, and the API throttles at
    # their production rates even when a calling benchmark raised them for itself.
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_", "API_THROTTLE_"))}
    env.update({
        "DJANGO_ENV": "production",
        "DATABASE_URL": database_url,
        "SECRET_KEY": secret_key,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",   # plain HTTP on loopback; cookies stay Secure
        "SECURE_HSTS_SECONDS": "0",
        "REDIS_URL": redis_url,           # the cache (throttle counts, fragments), as deployed
        # Celery reads these before the settings: tasks go nowhere, no worker sees them.
        "CELERY_BROKER_URL": "memory://",
        "CELERY_RESULT_BACKEND": "cache+memory://",
        "EMAIL_URL": "consolemail://",
        "ALLOW_CONSOLE_EMAIL": "true",
        "LOG_LEVEL": "WARNING",
    })
    env.pop("DEBUG", None)
    return env


def collect_static(env: dict[str, str]) -> None:
    """``collectstatic`` when a source file is newer than the manifest (compressing every file
    takes a minute or more of CPU: not on every run)."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    newest = 0.0
    for finder in finders.get_finders():
        for path, storage in finder.list(["CVS", ".*", "*~"]):
            newest = max(newest, os.path.getmtime(storage.path(path)))
    if manifest.exists() and manifest.stat().st_mtime >= newest:
        return
    say("Collecting static files (changed since the last collection; a minute or two) ...")
    subprocess.run([str(BIN / "python"), "manage.py", "collectstatic", "--noinput",  # noqa: S603
                    "-v", "0"], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int,
                   log: Path) -> subprocess.Popen[bytes]:
    command = [str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
               "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
               "--timeout", "60", "--graceful-timeout", "10", "--log-level", "warning",
               "--error-logfile", str(log)]
    # Its own session: Ctrl+C reaches this script, which then stops gunicorn in order.
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603


def wait_healthy(server: subprocess.Popen[bytes], base: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode} on start-up")
        with contextlib.suppress(OSError), \
                urllib.request.urlopen(f"{base}/health/", timeout=5) as answer:  # noqa: S310
            if answer.status == 200:
                return
        time.sleep(0.5)
    raise RuntimeError(f"gunicorn did not answer {base}/health/ within {timeout:.0f} s")


def stop_gunicorn(server: subprocess.Popen[bytes]) -> None:
    """SIGTERM (graceful: workers finish their requests), then SIGKILL after 20 s."""
    if server.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


# ------------------------------------------------------------------------------------------
# The steps and their figures
# ------------------------------------------------------------------------------------------

def nearest_rank(values: list[float], pct: float) -> float | None:
    """The pct-th percentile by nearest rank (as bench/perf.py reports), or None if empty."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def summarise(timed: list[list[Any]], seconds: float,
              counted: list[list[Any]]) -> dict[str, Any]:
    """Requests, requests a second and p50/p95 of ``timed`` over ``seconds``; the errors of
    ``counted`` (the whole step: an error while users arrive is still an error)."""
    times = [r[3] for r in timed]
    p50, p95 = nearest_rank(times, 50), nearest_rank(times, 95)
    return {"requests": len(timed), "rps": round(len(timed) / seconds, 2) if seconds else 0,
            "p50_ms": None if p50 is None else round(p50),
            "p95_ms": None if p95 is None else round(p95),
            "errors": sum(1 for r in counted if r[4] is not None)}


def run_locust(steps: list[int], duration: int, args: argparse.Namespace, base: str,
               plan_path: Path, work: Path, warmup: bool = False) -> list[dict[str, Any]]:
    """One locust run through the steps (the locustfile's ``Steps`` shape): each step's users
    sign in, then ``duration`` seconds of steady state, then the next step's users join."""
    raw_path = work / f"raw-{'warmup' if warmup else 'steps'}.json"
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_RAW": str(raw_path),
           "LOAD_STEPS": ",".join(map(str, steps)), "LOAD_DURATION": str(duration),
           "LOAD_RAMP_LIMIT": str(args.ramp_limit),
           "LOAD_SPAWN_RATE": str(args.spawn_rate or "")}
    if warmup:  # every page on every worker once or more: hardly any pause
        env.update({"LOAD_THINK": "0.1,0.5", "LOAD_SPAWN_RATE": str(max(steps))})
    command = [str(BIN / "locust"), "-f", str(ROOT / "bench" / "locustfile.py"), "--headless",
               "--host", base, "--stop-timeout", "10", "--only-summary",
               "--loglevel", "WARNING"]
    bound = len(steps) * (duration + args.ramp_limit) + 60
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, check=False,  # noqa: S603
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=bound)
    except subprocess.TimeoutExpired as late:
        raise RuntimeError(f"locust still running after {bound:.0f} s: stopped") from late
    if not raw_path.exists():
        say(done.stdout[-4000:])
        raise RuntimeError(f"locust exited with status {done.returncode} and wrote no timings")
    raw = json.loads(raw_path.read_text())
    marks = raw["marks"]["steps"]
    out = []
    for n, mark in enumerate(marks):
        # Requests belong to the step they started in; errors count up to the next step (the
        # last step's also while locust stops).
        following = marks[n + 1]["start"] if n + 1 < len(marks) else math.inf
        end = mark.get("end", raw["stop"])
        out.append(summarise_step(
            mark["users"], [r for r in raw["requests"] if mark["start"] <= r[0] < following],
            mark["start"], mark.get("steady", end), end))
        out[-1]["locust_exit"] = done.returncode
    return out


def summarise_step(users: int, records: list[list[Any]], start: float, steady_from: float,
                   end: float) -> dict[str, Any]:
    """The step's figures. Users arrive over its first seconds and each signs in (a
    deliberately slow password hash): requests, requests/s, p50 and p95 are of the steady state
    after the last sign-in answered, when all the users are reading pages; the sign-ins are
    reported apart, and errors count throughout the step."""
    def signing(record: list[Any]) -> bool:
        return bool(record[2].endswith(SIGN_IN))

    steady = [r for r in records if steady_from <= r[0] < end and not signing(r)]
    in_steady = {id(r) for r in steady}
    window = max(end - steady_from, 1e-9)
    step: dict[str, Any] = {
        "users": users, "seconds": round(end - steady_from, 1),
        "ramp_up_s": round(steady_from - start, 1),
        **summarise(steady, window, records),
        "whole_step": summarise([r for r in records if r[0] < end], end - start, records),
    }
    step["by_class"] = {
        cls: summarise([r for r in steady if r[1] == cls], window,
                       [r for r in records if r[1] == cls])
        for cls in CLASSES if any(r[1] == cls for r in records)}
    names = sorted({r[2] for r in records})
    step["by_name"] = [{"name": name, **summarise(
        [r for r in records if r[2] == name and (signing(r) or id(r) in in_steady)],
        (steady_from - start or 1e-9) if name.endswith(SIGN_IN) else window,
        [r for r in records if r[2] == name])} for name in names]
    failures: dict[tuple[str, str], int] = defaultdict(int)
    for record in records:
        if record[4] is not None:
            failures[(record[2], record[4])] += 1
    step["failures"] = [{"name": name, "error": error, "count": count}
                        for (name, error), count in sorted(failures.items())]
    return step


def print_table(steps: list[dict[str, Any]]) -> None:
    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:,.0f}"

    print("Steady state (all users signed in; ramp-up and sign-ins apart), errors throughout:")
    print(f"{'users':>5}  {'seconds':>7}  {'requests':>8}  {'req/s':>6}  {'p50 ms':>7}  "
          f"{'p95 ms':>7}  {'errors':>6}  {'ramp-up s':>9}")
    for step in steps:
        print(f"{step['users']:>5}  {step['seconds']:>7.0f}  {step['requests']:>8,}  "
              f"{step['rps']:>6.1f}  {ms(step['p50_ms']):>7}  {ms(step['p95_ms']):>7}  "
              f"{step['errors']:>6}  {step['ramp_up_s']:>9.0f}")
    for step in steps:
        print(f"\nAt {step['users']} users, per request: count, p50 / p95 ms, errors")
        for row in step["by_name"]:
            print(f"  {row['name']:<48} {row['requests']:>6,}  {ms(row['p50_ms']):>7} "
                  f"{ms(row['p95_ms']):>7}  {row['errors']:>4}")
        for failure in step["failures"]:
            print(f"  FAILED {failure['count']}× {failure['name']}: {failure['error']}")


def git(*words: str) -> str:
    done = subprocess.run(["git", *words], cwd=ROOT, capture_output=True,  # noqa: S603,S607
                          text=True, check=False)
    return done.stdout.strip()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="10,50",
                        help="concurrent users of each step, in order (default 10,50)")
    parser.add_argument("--duration", type=int, default=75,
                        help="seconds each step runs (default 75)")
    parser.add_argument("--warmup", type=int, default=15,
                        help="seconds of unrecorded traffic first, to warm the workers "
                             "(default 15; 0 for none)")
    parser.add_argument("--spawn-rate", type=float, default=0,
                        help="users started a second (default: a tenth of the step's users)")
    parser.add_argument("--ramp-limit", type=int, default=120,
                        help="seconds a step waits for its users to sign in before its steady "
                             "state starts anyway (default 120)")
    parser.add_argument("--think", default="2,8",
                        help="seconds a user pauses between pages, min,max (default 2,8)")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (default 3)")
    parser.add_argument("--threads", type=int, default=4,
                        help="threads per gunicorn worker (default 4)")
    parser.add_argument("--accounts", type=int, default=25,
                        help="accounts per user class (default 25; more users share them)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/13",
                        help="the server's cache (default redis://127.0.0.1:6379/13)")
    parser.add_argument("--seed", type=int, default=1, help="chooses the subjects (default 1)")
    parser.add_argument("--output", type=Path, default=RESULTS,
                        help=f"where the results go (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--fail-on-errors", action="store_true",
                        help="exit with status 1 when a request failed (by default only when "
                             "the run itself fails: the results record the errors)")
    parser.add_argument("--keep-accounts", action="store_true",
                        help="leave the bench-load accounts in the database afterwards")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (BIN / "locust").exists():
        sys.exit("locust is not installed: .venv/bin/pip install -e '.[bench]' "
                 "(or make bench-install).")
    think = [float(x) for x in args.think.split(",")]
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    os.environ["DATABASE_URL"] = database_url
    # One throwaway key for gunicorn and for this process, which reads the sessions back.
    secret_key = secrets.token_urlsafe(64)
    os.environ["SECRET_KEY"] = secret_key
    # This process only writes the accounts and reads the data: the development settings,
    # whatever a calling script set (gunicorn gets the production ones, server_env()).
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DJANGO_ENV"] = "development"
    # The server's cache (Redis, as in production);
    # Celery's in-memory broker, so nothing this process might queue reaches a worker.
    os.environ["REDIS_URL"] = args.redis_url
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["CELERY_RESULT_BACKEND"] = "cache+memory://"
    setup_django(debug=False)
    database = require_postgresql()
    # SIGTERM (perf.py or a shell stopping us) unwinds like Ctrl+C: the finally clauses run.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    env = server_env(database_url, secret_key, args.redis_url)
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    server = None
    steps: list[dict[str, Any]] = []
    warm: dict[str, Any] = {}
    try:
        leftover = remove_accounts()
        if leftover["accounts"]:
            say(f"Removed {leftover['accounts']} accounts left by an earlier run.")
        say(f"Creating {args.accounts} accounts per user class in {database} ...")
        plan = create_accounts(args.accounts, args.seed)
        plan["think_seconds"] = think
        plan_path = work / "plan.json"
        plan_path.write_text(json.dumps(plan))
        collect_static(env)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        say(f"Starting gunicorn ({args.workers} gthread workers × {args.threads} threads) "
            f"at {base} ...")
        server = start_gunicorn(env, port, args.workers, args.threads, work / "gunicorn.log")
        wait_healthy(server, base)
        if args.warmup:
            # Each worker's first requests import the views and compile the templates: not
            # what a running service costs, so a short unrecorded step goes first.
            say(f"[warm-up] {args.warmup} s, not recorded ...")
            warm = run_locust([min(6, 2 * args.workers)], args.warmup, args, base, plan_path,
                              work, warmup=True)[0]
            for failure in warm["failures"]:
                say(f"  warm-up FAILED {failure['count']}× {failure['name']}: "
                    f"{failure['error']}")
        load_before = os.getloadavg()
        started = datetime.datetime.now(datetime.UTC)
        users = [int(u) for u in args.users.split(",")]
        say(f"[load] {' then '.join(map(str, users))} users, {args.duration} s each once "
            "signed in ...")
        steps = run_locust(users, args.duration, args, base, plan_path, work)
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode}")
        load_after = os.getloadavg()
    finally:
        if server is not None:
            stop_gunicorn(server)
            log = work / "gunicorn.log"
            if log.exists() and log.read_text().strip():
                say("gunicorn's log (warnings and errors):\n" + log.read_text()[-3000:])
        if not args.keep_accounts:
            removed = remove_accounts()
            say("Cleaned up: " + ", ".join(f"{n:,} {what}" for what, n in removed.items()))
        shutil.rmtree(work, ignore_errors=True)

    # The results this run and bench/perf.py write do not count as changes to what was measured.
    dirty = bool(git("status", "--porcelain", "--untracked-files=no", "--", ".",
                     ":!bench/results", ":!docs/performance.md", ":!bench/notes.md"))
    result = {
        "commit": git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)"
                                                         if dirty else ""),
        "date": started.isoformat(timespec="seconds"),
        "database": database,
        "load_average": f"{load_before[0]:.2f} before, {load_after[0]:.2f} after",
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "workers": args.workers,
        "server": {"worker_class": "gthread", "workers": args.workers,
                   "threads": args.threads, "settings": "production (DJANGO_ENV=production, "
                   "DEBUG off), no HTTPS redirect on loopback, Redis cache, in-memory broker"},
        "measured": (f"One locust run: each step's new users arrive and sign in, then the "
                     f"step runs {args.duration} s with all its users reading pages, then the "
                     "next step's users join those. Requests, requests/s, p50 and p95 (nearest "
                     f"rank) are of those {args.duration} s; the arrivals and their sign-ins (a "
                     "deliberately slow password hash) are recorded apart in "
                     "bench/results/load.json. Errors count throughout."),
        "think_seconds": think,
        "duration_s": args.duration,
        "warmup_s": args.warmup,
        "accounts_per_class": args.accounts,
        "weights": {"commissioner": 2, "provider": 3, "caseworker": 5},
        "warmup": {key: warm[key] for key in ("users", "requests", "errors", "failures")}
        if warm else None,
        "steps": steps,
        "errors": sum(step["errors"] for step in steps),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print_table(steps)
    print(f"\nLoad average {result['load_average']}; results in {args.output}")
    return 1 if result["errors"] and args.fail_on_errors else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # gunicorn is stopped and the accounts removed by then
        say("Interrupted: no results written.")
        sys.exit(130)
