#!/usr/bin/env python
"""Monitoring data at scale for the benchmarks (issue 4): one partnership's returns.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench \\
        .venv/bin/python bench/monitoring.py generate --seed 1          # about 5 s

``bench/perf.py`` runs this when the database lacks the benchmark partnership, and times the
monitoring grid and totals (``bench/targets/monitoring_*.py``) on what it makes.

``generate`` fills ONE partnership with monitoring at scale: 210 organisations owing it
quarterly returns (10 of them joined part-way, so early quarters are "not required" for them),
12 quarters, 30 metrics in three frameworks that share some of them: about 72,000 values. Most
returns are approved (a few late, a few corrected: revision 2 approved, or a correction under
way); the latest quarter has every state (not started, draft, submitted on time and late,
returned with a query on a figure, approved) and the one before a few stragglers, so every
branch of the grid is exercised. Rows are written with ``bulk_create`` in one transaction, then
``VACUUM (ANALYZE)``. It refuses if the benchmark partnership exists, unless ``--wipe`` (which
deletes exactly the rows a previous run made: see ``wipe()``).
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
from decimal import Decimal
from typing import Any

from common import Progress, require_postgresql, setup_django

D = datetime.date
PARTNERSHIP_SLUG = "bench-monitoring-recovery-partnership"
IDENTIFIER_PREFIX = "GB-BENCHMON-"  # org-id form; marks the organisations --wipe may delete
METRIC_PREFIX = "bench-"
FRAMEWORK_PREFIX = "Bench "
USER_PREFIX = "bench-mon-"
FIRST_QUARTER = D(2023, 10, 1)  # 2023–24 Q3; 12 quarters run to 2026–27 Q2

# code, name, kind, unit, typical value for a mid-sized provider (None for yes/no and text)
METRICS: list[tuple[str, str, str, str, float | None]] = [
    ("referrals-received", "Referrals received", "count", "people", 60),
    ("assessments-completed", "Assessments completed", "count", "people", 52),
    ("treatment-starts", "Treatment starts", "count", "people", 42),
    ("first-appointments-attended", "First appointments attended", "count", "people", 38),
    ("successful-completions", "Successful completions", "count", "people", 19),
    ("drop-outs", "Drop-outs (unplanned exits)", "count", "people", 8),
    ("opiate-clients", "Opiate clients in treatment", "count", "people", 85),
    ("non-opiate-clients", "Non-opiate clients in treatment", "count", "people", 40),
    ("alcohol-clients", "Alcohol clients in treatment", "count", "people", 55),
    ("prison-releases-referred", "Prison releases referred", "count", "people", 25),
    ("housed-on-release", "People housed on release", "count", "people", 14),
    ("naloxone-kits-issued", "Naloxone kits issued", "count", "kits", 30),
    ("case-conferences-held", "Case conferences held", "count", "conferences", 12),
    ("recovery-group-sessions", "Recovery group sessions", "count", "sessions", 36),
    ("peer-mentor-contacts", "Peer mentor contacts", "count", "contacts", 120),
    ("family-contacts", "Contacts with families", "count", "contacts", 45),
    ("safeguarding-referrals", "Safeguarding referrals made", "count", "referrals", 4),
    ("hepatitis-c-tests", "Hepatitis C tests", "count", "tests", 22),
    ("overdose-incidents", "Non-fatal overdoses reported", "count", "incidents", 3),
    ("feedback-responses", "Service-user feedback responses", "count", "responses", 18),
    ("average-wait-days", "Average wait to start treatment", "decimal", "days", 11.5),
    ("average-sessions-per-client", "Average sessions per client", "decimal", "sessions", 6.4),
    ("staff-fte", "Frontline staff (full-time equivalent)", "decimal", "FTE", 7.5),
    ("engagement-rate", "Engagement rate", "percentage", "%", 72),
    ("continuity-of-care-3-weeks", "Continuity of care within 3 weeks of release",
     "percentage", "%", 52),
    ("planned-exit-rate", "Planned exit rate", "percentage", "%", 46),
    ("client-satisfaction", "Clients satisfied with the service", "percentage", "%", 86),
    ("feedback-collected", "Service-user feedback collected", "yes_no", "", None),
    ("service-user-rep-at-board", "Service-user representative at the board", "yes_no", "",
     None),
    ("significant-issues", "Significant issues this quarter", "text", "", None),
]
# Three frameworks sharing some metrics (indexes into METRICS); together they ask all 30.
FRAMEWORKS = [
    ("Bench treatment performance framework", "health",
     [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 17, 18, 20, 21, 23, 25]),
    ("Bench reducing reoffending framework", "justice",
     [0, 2, 4, 9, 10, 12, 15, 16, 24, 29]),
    ("Bench partnership outcomes framework", "partnership",
     [0, 2, 4, 5, 13, 14, 19, 22, 23, 26, 27, 28, 29]),
]
ISSUES = ["", "", "", "", "Two workers on long-term sick leave.", "Lockdown regime cut group "
          "sessions for a week.", "New evening clinic opened.", "Case management system "
          "migration delayed some records.", "Shortage of approved premises beds on release."]


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


# ------------------------------------------------------------------------------------------
# The generator
# ------------------------------------------------------------------------------------------
class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.rng = random.Random(args.seed)
        self.progress = Progress()
        self.batch = args.batch_size

    def run(self) -> dict[str, int]:
        from generate import bulk

        from monitoring import actions
        from monitoring.models import (
            Framework,
            FrameworkMetric,
            Metric,
            MonitoringReturn,
            Query,
            ReturnRequirement,
            Value,
        )

        counts: dict[str, int] = {}
        self.progress.start("organisations, partnership, memberships, funding, users")
        lead, commissioner, providers, partnership = self._registry()
        counts["organisations owing returns"] = len(providers)
        self.progress.done(organisations=len(providers) + 2, partnerships=1)

        self.progress.start("metrics, frameworks, periods, requirements")
        metrics = bulk(Metric, [
            Metric(code=METRIC_PREFIX + code, name=name, kind=kind, unit=unit,
                   min_value=Decimal(0) if kind in ("count", "decimal") else None,
                   description=f"{name} in the quarter.")
            for code, name, kind, unit, _ in METRICS], self.batch)
        owners = {"health": commissioner, "justice": commissioner, "partnership": lead}
        frameworks = bulk(Framework, [
            Framework(name=name, version="1", owner=owners[owner],
                      partnership=partnership if owner == "partnership" else None)
            for name, owner, _ in FRAMEWORKS], self.batch)
        bulk(FrameworkMetric, [
            FrameworkMetric(framework=fw, metric=metrics[i], required=METRICS[i][2] != "text",
                            position=pos)
            for fw, (_, _, indexes) in zip(frameworks, FRAMEWORKS, strict=True)
            for pos, i in enumerate(indexes, start=1)], self.batch)
        periods = actions.periods_ensure(
            start=FIRST_QUARTER, end=FIRST_QUARTER + datetime.timedelta(days=3 * 31 * 11),
            by=None)
        assert len(periods) == 12, periods
        # 5% joined part-way: earlier quarters are not required of them.
        joined = {org.pk: (self.rng.randint(4, 9) if i % 20 == 19 else 0)
                  for i, org in enumerate(providers)}
        requirements = bulk(ReturnRequirement, [
            ReturnRequirement(organisation=org, partnership=partnership,
                              from_period=periods[joined[org.pk]] if joined[org.pk] else None)
            for org in providers], self.batch)
        through = ReturnRequirement.frameworks.through
        bulk(through, [through(returnrequirement_id=r.pk, framework_id=fw.pk)
                       for r in requirements for fw in frameworks], self.batch)
        self.progress.done(metrics=len(metrics), frameworks=len(frameworks),
                           periods=len(periods), requirements=len(requirements))

        self.progress.start("returns")
        returns, values_for, queries = self._returns(providers, partnership, periods, joined,
                                                     metrics)
        originals = [r for r in returns if r.revision == 1]
        bulk(MonitoringReturn, originals, self.batch)
        for r in returns:
            if r.revision > 1:
                r.replaces_id = r.replaces.pk
        bulk(MonitoringReturn, [r for r in returns if r.revision > 1], self.batch)
        for q in queries:
            q.monitoring_return_id = q.monitoring_return.pk
        bulk(Query, queries, self.batch)
        counts["returns"] = len(returns)
        self.progress.done(returns=len(returns), queries=len(queries))

        self.progress.start("values")
        rows = []
        for ret, figures in values_for:
            for metric, (number, text) in figures.items():
                rows.append(Value(monitoring_return_id=ret.pk, metric_id=metric.pk,
                                  number=number, text=text))
        bulk(Value, rows, self.batch)
        counts["values"] = len(rows)
        self.progress.done(values=len(rows))
        return counts

    def _registry(self) -> tuple[Any, Any, list[Any], Any]:
        from django.contrib.auth import get_user_model
        from generate import BRANDS, PLACE_END, PLACE_START, Slugs, bulk

        from partnerships.models import Funding, Membership, Organisation, Partnership, Region

        rng = self.rng
        regions = list(Region.objects.exclude(code="national"))
        slugs = Slugs()
        slugs.used |= set(Organisation.objects.values_list("slug", flat=True))
        places = [a + b for a in PLACE_START for b in PLACE_END]
        rng.shuffle(places)
        kinds = ["Recovery Trust", "Recovery Network", "Drug and Alcohol Services",
                 "Recovery Community", "Treatment Services", "Housing Advice", "Mentoring"]
        orgs = []
        for i in range(self.args.organisations + 2):
            if i == 0:
                name, kind = "Benchmark Lead Recovery Trust", "charity"
            elif i == 1:
                name, kind = "Benchmark Health and Justice Commissioners", "commissioning_body"
            else:
                base = rng.choice(BRANDS) if rng.random() < 0.3 else places[i % len(places)]
                name = f"{base} {rng.choice(kinds)}"
                kind = "social_enterprise" if rng.random() < 0.15 else "charity"
            orgs.append(Organisation(name=name, slug=slugs(name), kind=kind,
                                     identifier=f"{IDENTIFIER_PREFIX}{i:05d}",
                                     region=rng.choice(regions)))
        bulk(Organisation, orgs, self.batch)
        lead, commissioner, providers = orgs[0], orgs[1], orgs[2:]
        partnership = Partnership.objects.create(
            name="Benchmark Monitoring Recovery Partnership", slug=PARTNERSHIP_SLUG,
            summary="A very large multi-provider partnership for the monitoring benchmark.",
            status="active", setting="both", started_on=D(2019, 4, 1))
        started = partnership.started_on
        bulk(Membership, [
            Membership(partnership=partnership, organisation=lead, role="lead_partner",
                       joined_on=started),
            Membership(partnership=partnership, organisation=commissioner, role="commissioner",
                       joined_on=started),
            *(Membership(partnership=partnership, organisation=org, role="delivery_partner",
                         joined_on=started) for org in providers)], self.batch)
        Funding.objects.create(partnership=partnership, funder=commissioner, recipient=lead,
                               source="contract", amount=Decimal("12500000.00"),
                               period_start=started, period_end=D(2029, 3, 31),
                               reference="BENCH-MON-2019")
        user_model = get_user_model()
        for role, org in (("commissioner", commissioner), ("partnership_manager", lead)):
            user = user_model(username=f"{USER_PREFIX}{role.split('_')[-1]}", role=role,
                              organisation=org, first_name="Bench", last_name=role.title())
            user.set_unusable_password()
            user.save()
        return lead, commissioner, providers, partnership

    def _figures(self, size: float, q: int, metrics: list[Any],
                 rng: random.Random) -> dict[Any, tuple[Decimal | None, str]]:
        out = {}
        for metric, (_, _, kind, _, typical) in zip(metrics, METRICS, strict=True):
            if kind == "text":
                out[metric] = (None, rng.choice(ISSUES))
                if not out[metric][1]:
                    del out[metric]
            elif kind == "yes_no":
                out[metric] = (Decimal(1 if rng.random() < 0.9 else 0), "")
            elif kind == "percentage":
                value = min(100.0, typical * (1 + 0.01 * q) * rng.uniform(0.93, 1.07))
                out[metric] = (Decimal(f"{value:.1f}"), "")
            elif kind == "decimal":
                out[metric] = (Decimal(f"{typical * size ** 0.5 * rng.uniform(0.9, 1.1):.1f}"),
                               "")
            else:
                value = typical * size * (1 + 0.015 * q) * rng.uniform(0.9, 1.1)
                out[metric] = (Decimal(max(0, round(value))), "")
        return out

    def _returns(self, providers: list[Any], partnership: Any, periods: list[Any],
                 joined: dict[int, int], metrics: list[Any]) -> tuple[list, list, list]:
        from monitoring.models import MonitoringReturn, Query

        rng = self.rng
        returns, values_for, queries = [], [], []
        last = len(periods) - 1
        for org in providers:
            size = rng.lognormvariate(0, 0.5)
            for q, period in enumerate(periods):
                if q < joined[org.pk]:
                    continue
                roll = rng.random()
                due = period.due_on
                on_time = _at(due - datetime.timedelta(days=rng.randint(1, 14)), 14)
                late = _at(due + datetime.timedelta(days=rng.randint(3, 20)), 11)
                reviewed = on_time + datetime.timedelta(days=rng.randint(3, 12))
                figures = self._figures(size, q, metrics, rng)
                if q == last:
                    state = ("not started" if roll < 0.08 else "draft" if roll < 0.2
                             else "returned" if roll < 0.3 else "submitted" if roll < 0.6
                             else "approved")
                elif q == last - 1:
                    state = ("submitted" if roll < 0.03 else "returned" if roll < 0.05
                             else "approved")
                else:
                    state = ("approved late" if roll < 0.04 else "corrected" if roll < 0.06
                             else "correcting" if roll < 0.07 and q >= last - 4
                             else "approved")
                if state == "not started":
                    continue
                submitted = late if state == "approved late" or (
                    state == "submitted" and rng.random() < 0.2) else on_time
                ret = MonitoringReturn(organisation=org, partnership=partnership, period=period)
                if state == "draft":
                    figures = dict(list(figures.items())[:10])
                else:
                    ret.first_submitted_at = ret.submitted_at = submitted
                if state == "submitted":
                    ret.status = "submitted"
                elif state == "returned":
                    ret.status = "returned"
                    metric = metrics[20]  # average wait
                    queries.append(Query(monitoring_return=ret, metric=metric,
                                         text="This is far below earlier quarters: please "
                                              "check how it was counted."))
                elif state != "draft":
                    ret.status = "approved"
                    ret.approved_at = max(reviewed, submitted + datetime.timedelta(days=2))
                returns.append(ret)
                values_for.append((ret, figures))
                if state in ("corrected", "correcting"):
                    fixed = dict(figures)
                    kits = metrics[11]
                    fixed[kits] = (max(Decimal(0), fixed[kits][0] - 3), "")
                    correction = MonitoringReturn(
                        organisation=org, partnership=partnership, period=period, revision=2,
                        replaces=ret, correction_reason="Naloxone kits were counted twice.")
                    if state == "corrected":
                        resubmitted = ret.approved_at + datetime.timedelta(days=30)
                        correction.status = "approved"
                        correction.first_submitted_at = correction.submitted_at = resubmitted
                        correction.approved_at = resubmitted + datetime.timedelta(days=2)
                    returns.append(correction)
                    values_for.append((correction, fixed))
        return returns, values_for, queries


# ------------------------------------------------------------------------------------------
# --wipe: exactly the rows a previous run made
# ------------------------------------------------------------------------------------------
def wipe() -> None:
    """Delete the benchmark partnership's returns, values, queries, requirements, memberships,
    funding; the ``bench-`` metrics and ``Bench`` frameworks; the ``GB-BENCHMON-``
    organisations and ``bench-mon-`` users. Reporting periods are kept (shared)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from monitoring.models import (
        CrossMetricRule,
        Framework,
        FrameworkMetric,
        Metric,
        MonitoringReturn,
        Query,
        ReturnRequirement,
        Value,
    )
    from partnerships.models import Funding, Membership, Organisation, Partnership

    print("Wiping the previous monitoring benchmark rows:")
    mine = {"partnership__slug": PARTNERSHIP_SLUG}
    steps = [
        ("values", Value.objects.filter(monitoring_return__partnership__slug=PARTNERSHIP_SLUG)),
        ("queries", Query.objects.filter(monitoring_return__partnership__slug=PARTNERSHIP_SLUG)),
        ("corrections", MonitoringReturn.objects.filter(revision__gt=1, **mine)),
        ("returns", MonitoringReturn.objects.filter(**mine)),
        ("requirement frameworks", ReturnRequirement.frameworks.through.objects.filter(
            returnrequirement__partnership__slug=PARTNERSHIP_SLUG)),
        ("requirements", ReturnRequirement.objects.filter(**mine)),
        ("rules", CrossMetricRule.objects.filter(framework__name__startswith=FRAMEWORK_PREFIX)),
        ("framework metrics", FrameworkMetric.objects.filter(
            framework__name__startswith=FRAMEWORK_PREFIX)),
        ("frameworks", Framework.objects.filter(name__startswith=FRAMEWORK_PREFIX)),
        ("metrics", Metric.objects.filter(code__startswith=METRIC_PREFIX)),
        ("memberships", Membership.objects.filter(**mine)),
        ("funding", Funding.objects.filter(**mine)),
        ("partnership", Partnership.objects.filter(slug=PARTNERSHIP_SLUG)),
        ("users", get_user_model().objects.filter(username__startswith=USER_PREFIX)),
        ("organisations", Organisation.objects.filter(identifier__startswith=IDENTIFIER_PREFIX)),
    ]
    with transaction.atomic():
        for label, qs in steps:
            # Plain DELETE ... WHERE: these rows have no signals or dependants left by now.
            n = qs._raw_delete(qs.db)
            print(f"  {label:<24} {n:>8,} deleted")


def generate(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    from partnerships.models import Partnership

    name = require_postgresql()
    print(f"Database {name}: generating monitoring with seed {args.seed}")
    if Partnership.objects.filter(slug=PARTNERSHIP_SLUG).exists():
        if not args.wipe:
            sys.exit("The benchmark partnership already exists. Use --wipe to delete the rows "
                     "a previous run made first, or a fresh database.")
        wipe()
    generator = Generator(args)
    with transaction.atomic():
        counts = generator.run()
    generator.progress.start("vacuum and analyse")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    generator.progress.done()
    print("Made: " + ", ".join(f"{n:,} {label}" for label, n in counts.items())
          + f" in {generator.progress.elapsed:.1f}s.")


# ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Monitoring data for the benchmarks (PostgreSQL, DATABASE_URL).")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="fill one partnership with monitoring at scale")
    gen.add_argument("--organisations", type=int, default=210,
                     help="organisations owing returns (default 210; 5%% join part-way)")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--batch-size", type=int, default=5000)
    gen.add_argument("--wipe", action="store_true",
                     help="first delete the rows a previous run made (see wipe())")
    args = parser.parse_args(argv)
    if args.command == "generate" and args.organisations < 200:
        parser.error("use at least 200 organisations")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_django(debug=False)
    generate(args)


if __name__ == "__main__":
    main()
