"""Mixed traffic for the bounded load test (issue 17, point 4): commissioners, providers and
caseworkers, each signing in through the real sign-in form and reading the pages they use.

Run by ``bench/load.py``, which creates the ``bench-load-*`` accounts, picks the subjects from
the data (the median and the largest partnership, each account's own returns and cases) and
passes them in a JSON plan named by the ``LOAD_PLAN`` environment variable. It is not meant to
be run on its own; ``locust -f bench/locustfile.py`` without a plan stops with a message.

Every request is read-only except a case page, which logs the read (``CaseAccess``, as the
privacy rules require); ``bench/load.py`` deletes those rows, the sessions the sign-ins
made and the accounts afterwards. Requests are named by what they are, not their URL
(``name=``), so slugs and ids do not explode the statistics; each name starts with the user
class ("commissioner: partnership page (median)").

A request counts as an error unless it answers 200 without a redirect (a lost session would
otherwise redirect to the sign-in page and look like success), or 302 for the sign-in POST.
The raw timings (name, class, milliseconds, error) go to the JSON file named by ``LOAD_RAW``
when locust quits, so ``bench/load.py`` computes p50/p95 by nearest rank, as ``perf.py`` does.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from http.cookiejar import DefaultCookiePolicy
from typing import Any

from locust import FastHttpUser, LoadTestShape, between, events, task
from locust.exception import StopUser

PLAN: dict[str, Any] = {}
if os.environ.get("LOAD_PLAN"):
    with open(os.environ["LOAD_PLAN"]) as plan_file:
        PLAN = json.load(plan_file)

CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
# Seconds between pages; LOAD_THINK ("min,max") overrides the plan (load.py's warm-up).
THINK = ([float(x) for x in os.environ["LOAD_THINK"].split(",")] if os.environ.get("LOAD_THINK")
         else PLAN.get("think_seconds", [2.0, 8.0]))
RAW: list[list[Any]] = []
MARKS: dict[str, Any] = {"steps": []}
# Sign-ins answered so far (passed or failed): a step's steady state starts when all its users
# have signed in.
SIGN_INS = [0]
# The steps (LOAD_STEPS "10,50": concurrent users), each LOAD_DURATION seconds of steady state
# after its users have signed in (at most RAMP_LIMIT seconds), users arriving at a tenth of the
# step's users a second unless LOAD_SPAWN_RATE says otherwise.
STEPS = [int(n) for n in os.environ.get("LOAD_STEPS", "").split(",") if n.strip()]
DURATION = float(os.environ.get("LOAD_DURATION", "75"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE") or 0)
RAMP_LIMIT = float(os.environ.get("LOAD_RAMP_LIMIT", "120"))


@events.test_start.add_listener
def _require_plan(environment: Any, **_: Any) -> None:
    if not PLAN:
        raise SystemExit("No plan: run the load test with bench/load.py (it sets LOAD_PLAN).")
    MARKS["start"] = time.time()


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None,
            start_time: float | None = None, context: dict | None = None, **_: Any) -> None:
    RAW.append([round(start_time or time.time(), 3), (context or {}).get("cls", "?"), name,
                round(response_time, 2), None if exception is None else str(exception)[:200]])


@events.quitting.add_listener
def _write_raw(environment: Any, **_: Any) -> None:
    if os.environ.get("LOAD_RAW"):
        with open(os.environ["LOAD_RAW"], "w") as out:
            json.dump({"marks": MARKS, "stop": time.time(), "requests": RAW}, out)


class LoopbackCookiePolicy(DefaultCookiePolicy):
    """Sends the ``Secure`` session and CSRF cookies (production settings) over the loopback's
    plain HTTP, as they would arrive from a TLS-terminating proxy; the stdlib jar would keep
    them back, and every sign-in would fail with "CSRF cookie not set"."""

    def return_ok_secure(self, cookie: Any, request: Any) -> bool:
        return True


class RegistryUser(FastHttpUser):
    """One person: signs in once through the form, then reads pages with think time between."""

    abstract = True
    wait_time = between(*THINK)
    role = ""
    # Accounts are handed out in turn; with more users than accounts, some share one, each
    # with a session of its own (nothing here depends on one session per account).
    _turn: itertools.count

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._turn = itertools.count()

    def context(self) -> dict[str, str]:
        return {"cls": self.role}

    def on_start(self) -> None:
        accounts = PLAN["accounts"][self.role]
        self.account: dict[str, Any] = accounts[next(self._turn) % len(accounts)]
        self.client.cookiejar.set_policy(LoopbackCookiePolicy())
        try:
            self.sign_in()
        finally:
            SIGN_INS[0] += 1

    def sign_in(self) -> None:
        with self.client.get("/sign-in/", name=f"{self.role}: sign-in form",
                             catch_response=True) as form:
            found = CSRF_INPUT.search(form.content or b"")
            if form.status_code != 200 or not found:
                form.failure(f"sign-in form: {form.status_code}, CSRF token "
                             f"{'found' if found else 'missing'}")
                raise StopUser
        with self.client.post("/sign-in/", name=f"{self.role}: sign in", allow_redirects=False,
                              data={"username": self.account["username"],
                                    "password": PLAN["password"],
                                    "csrfmiddlewaretoken": found.group(1).decode()},
                              catch_response=True) as answer:
            # Success is a redirect home; a wrong password or a lockout answers 200/403.
            if answer.status_code != 302:
                answer.failure(f"sign in as {self.account['username']}: {answer.status_code}")
                raise StopUser

    def page(self, path: str, what: str) -> None:
        with self.client.get(path, name=f"{self.role}: {what}", allow_redirects=False,
                             catch_response=True) as answer:
            if answer.status_code != 200:
                where = answer.headers.get("Location", "") if answer.headers else ""
                answer.failure(f"{answer.status_code} {where}".strip())


class Commissioner(RegistryUser):
    """Searches the registry, reads partnership and organisation pages, compares partnerships
    and pulls the API lists (a commissioner's spreadsheet refresh)."""

    weight = 2
    role = "commissioner"

    @task(2)
    def search_all(self) -> None:
        self.page("/search/", "search (no query)")

    @task(3)
    def search_term(self) -> None:
        self.page(f"/search/?q={random.choice(PLAN['search_terms'])}", "search (?q=)")

    @task(2)
    def partnership_median(self) -> None:
        self.page(f"/partnerships/{PLAN['partnership_median']}/", "partnership page (median)")

    @task(1)
    def partnership_largest(self) -> None:
        self.page(f"/partnerships/{PLAN['partnership_largest']}/", "partnership page (largest)")

    @task(2)
    def partnership_other(self) -> None:
        self.page(f"/partnerships/{random.choice(PLAN['partnerships'])}/",
                  "partnership page (sample)")

    @task(3)
    def organisation(self) -> None:
        self.page(f"/organisations/{random.choice(PLAN['organisations'])}/",
                  "organisation page")

    @task(1)
    def compare(self) -> None:
        slugs = random.sample(PLAN["partnerships"], 3)
        self.page("/partnerships/compare/?" + "&".join(f"p={s}" for s in slugs), "compare")

    @task(1)
    def api_partnerships(self) -> None:
        self.page("/api/v1/partnerships/?page_size=100", "API partnerships (100)")

    @task(1)
    def api_organisations(self) -> None:
        self.page("/api/v1/organisations/?page_size=100", "API organisations (100)")


class Provider(RegistryUser):
    """Monitoring: provider staff of a delivery partner read what their organisation owes and
    its returns; the lead partner's managers (every other account) also review returns and
    read the partnership's dashboard."""

    weight = 3
    role = "provider"

    def on_start(self) -> None:
        super().on_start()
        # Each task repeated by its weight, as locust's @task(n) does.
        mix: list[Any] = ([Provider.returns_list, *[Provider.reviews] * 2,
                           *[Provider.a_return] * 3, *[Provider.dashboard] * 3]
                          if self.account["manager"]
                          else [*[Provider.returns_list] * 3, *[Provider.a_return] * 4])
        self.tasks = mix

    def returns_list(self) -> None:
        self.page("/monitoring/returns/", "returns list")

    def reviews(self) -> None:
        self.page("/monitoring/reviews/", "returns to review")

    def a_return(self) -> None:
        self.page(f"/monitoring/returns/{random.choice(self.account['returns'])}/",
                  "return page")

    def dashboard(self) -> None:
        self.page(f"/monitoring/partnerships/{PLAN['monitoring_partnership']}/",
                  "monitoring dashboard")

    tasks: list[Any] = [returns_list]  # replaced per account in on_start


class Caseworker(RegistryUser):
    """Casework at a probation delivery unit or a treatment provider of the reminders bench
    partnership: Your work, the caseload, a case, the conference diary."""

    weight = 5
    role = "caseworker"

    @task(3)
    def your_work(self) -> None:
        self.page("/your-work/", "your work")

    @task(3)
    def caseload(self) -> None:
        self.page("/casework/", "caseload")

    @task(4)
    def case(self) -> None:
        self.page(f"/casework/cases/{random.choice(self.account['cases'])}/", "case page")

    @task(2)
    def diary(self) -> None:
        self.page("/casework/conferences/", "conference diary")


class Steps(LoadTestShape):
    """10, then 50, concurrent users (LOAD_STEPS): each step's new users arrive and sign in;
    once all have (or RAMP_LIMIT seconds passed) the step runs DURATION seconds, then the next
    step's users join those still reading. The marks (start, steady, end of each step) let
    ``bench/load.py`` cut the timings into steps and their steady states."""

    abstract = not STEPS  # without LOAD_STEPS (not run by load.py) locust's own options rule

    def __init__(self) -> None:
        super().__init__()
        self.index = 0
        self.mark: dict[str, Any] | None = None

    def tick(self) -> tuple[int, float] | None:
        now = time.time()
        if self.index >= len(STEPS):
            return None
        users = STEPS[self.index]
        if self.mark is None:
            self.mark = {"users": users, "start": now}
            MARKS["steps"].append(self.mark)
        if "steady" not in self.mark and (SIGN_INS[0] >= users
                                          or now - self.mark["start"] >= RAMP_LIMIT):
            self.mark["steady"] = now
        if "steady" in self.mark and now - self.mark["steady"] >= DURATION:
            self.mark["end"] = now
            self.index, self.mark = self.index + 1, None
            return self.tick()
        return users, SPAWN_RATE or max(1.0, users / 10)
