"""The monitoring part of the demo: a metric library for criminal-justice substance-misuse
partnerships, frameworks that share those metrics, who owes which partnership returns, and
returns in every state of the workflow, written through ``monitoring.actions``.

The story, relative to today (periods run from 2024–25 Q1 to the current quarter):

- **North Pennine Prisons Recovery Partnership** (led by Northgate Recovery Trust, the
  demo-manager's organisation; funded by the NHS health and justice commissioners and, for
  continuity of care, by the Justice Services Commissioning Directorate, the
  demo-commissioner's). Four providers and the prison group owe quarterly returns, among them
  Turning Tide Recovery (the demo-provider's organisation) since it was sub-contracted in July
  2025. Past quarters are approved, with one approved late and one corrected (revision 2
  approved). For the latest quarter that has ended: one return submitted on time, one
  submitted late, one returned for correction with a query on a figure, Turning Tide's draft in
  progress, and the prison group's not started (overdue). The current quarter is not due yet.
- **Marchshire Women's Centre Partnership**: Turning Tide also reports to the women's centre
  for the Police and Crime Commissioner's framework.
- **Kestrelford Multiple Disadvantage Programme**: the recovery network reports to the
  programme for the city council's (local authority) treatment framework.

Figures are deterministic (seeded per organisation and quarter) and drift gently over time, so
trends look real. Timestamps are moved back to when each step would have happened (the actions
stamp "now"): otherwise every past return would look submitted late. Idempotent: what exists
(looked up by natural key) is skipped.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from core import clock
from core.actions import audited_create
from core.models import AuditEvent
from demo.data import model_label
from demo.inbox import dated
from monitoring import actions
from monitoring.choices import Frequency, MetricKind, Operator, RuleForm
from monitoring.models import (
    CrossMetricRule,
    Framework,
    FrameworkMetric,
    Metric,
    MonitoringReturn,
    Query,
    ReportingPeriod,
    ReturnRequirement,
)
from notifications.actions import notification_mark_read
from notifications.models import Notification
from partnerships.models import Organisation, Partnership

D = datetime.date
#: The first quarter the demo has returns for.
FIRST_QUARTER_START = D(2024, 4, 1)
#: The partnership whose grid shows every state (the demo-manager's organisation leads it).
MAIN_PARTNERSHIP = "north-pennine-prisons-recovery-partnership"
MARCHSHIRE = "marchshire-womens-centre-partnership"
KESTRELFORD = "kestrelford-multiple-disadvantage-programme"

COUNT, DECIMAL, PERCENT, YES_NO, TEXT = (MetricKind.COUNT, MetricKind.DECIMAL,
                                         MetricKind.PERCENTAGE, MetricKind.YES_NO,
                                         MetricKind.TEXT)

# --------------------------------------------------------------------------------------------
# The metric library: each figure asked once, whichever frameworks use it.
# --------------------------------------------------------------------------------------------
METRICS: list[dict[str, Any]] = [
    {"code": "referrals-received", "name": "Referrals received", "kind": COUNT,
     "unit": "people",
     "description": "People referred to the service in the quarter, from any source (prison "
                    "healthcare, probation, courts, self-referral)."},
    {"code": "treatment-starts", "name": "Treatment starts", "kind": COUNT, "unit": "people",
     "description": "People who started a structured treatment intervention in the quarter."},
    {"code": "successful-completions", "name": "Successful completions (planned exits)",
     "kind": COUNT, "unit": "people",
     "description": "People who left treatment in a planned way in the quarter: free of "
                    "dependence, or occasional use only."},
    {"code": "drop-outs", "name": "Drop-outs (unplanned exits)", "kind": COUNT,
     "unit": "people",
     "description": "People who stopped attending before completing treatment."},
    {"code": "housed-on-release", "name": "People housed on release", "kind": COUNT,
     "unit": "people",
     "description": "People released from custody in the quarter with settled or supported "
                    "accommodation on their first night."},
    {"code": "engagement-rate", "name": "Engagement rate", "kind": PERCENT, "unit": "%",
     "description": "Share of people referred who attended at least two appointments."},
    {"code": "average-wait-days", "name": "Average wait to start treatment", "kind": DECIMAL,
     "unit": "days", "min_value": Decimal(0), "max_value": Decimal(365),
     "aggregation": "average",  # an average itself: partnership figures average it too
     "description": "Mean days from referral to the first treatment appointment."},
    {"code": "naloxone-kits-issued", "name": "Naloxone kits issued", "kind": COUNT,
     "unit": "kits",
     "description": "Take-home naloxone kits given out, including on release."},
    {"code": "case-conferences-held", "name": "Case conferences held", "kind": COUNT,
     "unit": "conferences",
     "description": "Multi-agency case conferences held about people on the caseload."},
    {"code": "feedback-collected", "name": "Service-user feedback collected", "kind": YES_NO,
     "description": "Whether feedback was collected from people using the service this "
                    "quarter."},
    {"code": "feedback-responses", "name": "Service-user feedback responses", "kind": COUNT,
     "unit": "responses",
     "description": "Completed feedback forms or interviews this quarter."},
    {"code": "continuity-of-care-3-weeks", "name": "Continuity of care within 3 weeks of release",
     "kind": PERCENT, "unit": "%",
     "description": "Share of people released with a treatment need who engaged with community "
                    "treatment within three weeks of release."},
    {"code": "significant-issues", "name": "Significant issues this quarter", "kind": TEXT,
     "description": "Anything the commissioners should know: staffing, incidents, changes to "
                    "the service. Leave blank if none."},
]

# --------------------------------------------------------------------------------------------
# Frameworks (several share metrics) and the cross-metric rules admins configured.
# ``metrics``: (code, required).
# --------------------------------------------------------------------------------------------
FRAMEWORKS: list[dict[str, Any]] = [
    {"key": "health-justice", "name": "Health and justice substance misuse performance "
                                      "framework",
     "version": "2024", "owner": "np-health-commissioning", "partnership": None,
     "description": "The NHS health and justice commissioners' treatment performance measures "
                    "(aligned with the national drug treatment monitoring measures).",
     "metrics": [("referrals-received", True), ("treatment-starts", True),
                 ("successful-completions", True), ("drop-outs", True),
                 ("average-wait-days", True), ("naloxone-kits-issued", True),
                 ("continuity-of-care-3-weeks", True), ("engagement-rate", True)]},
    {"key": "reducing-reoffending", "name": "Reducing reoffending: continuity of care "
                                            "framework",
     "version": "1", "owner": "jscd", "partnership": None,
     "description": "What the Justice Services Commissioning Directorate's continuity-of-care "
                    "grant pays for: people leaving prison housed, in treatment and supported.",
     "metrics": [("treatment-starts", True), ("housed-on-release", True),
                 ("continuity-of-care-3-weeks", True), ("case-conferences-held", True),
                 ("significant-issues", False)]},
    {"key": "north-pennine-outcomes", "name": "North Pennine partnership outcomes framework",
     "version": "2", "owner": "northgate-recovery", "partnership": MAIN_PARTNERSHIP,
     "description": "The partnership's own outcomes, reviewed at the quarterly partnership "
                    "board.",
     "metrics": [("referrals-received", True), ("treatment-starts", True),
                 ("successful-completions", True), ("drop-outs", True),
                 ("engagement-rate", True), ("case-conferences-held", True),
                 ("feedback-collected", True), ("feedback-responses", True),
                 ("significant-issues", False)]},
    {"key": "marchshire-pcc", "name": "Women's diversion and recovery framework",
     "version": "2020", "owner": "marchshire-pcc", "partnership": MARCHSHIRE,
     "description": "The Police and Crime Commissioner's reducing-reoffending measures for "
                    "women diverted from charge or on community orders.",
     "metrics": [("referrals-received", True), ("treatment-starts", True),
                 ("successful-completions", True), ("engagement-rate", True),
                 ("feedback-collected", True), ("feedback-responses", True),
                 ("significant-issues", False)]},
    {"key": "kestrelford-council", "name": "Kestrelford drug and alcohol treatment framework",
     "version": "2023", "owner": "kestrelford-council", "partnership": KESTRELFORD,
     "description": "The city council's (Drug and Alcohol Action Team) treatment measures for "
                    "the programme's recovery partner.",
     "metrics": [("referrals-received", True), ("treatment-starts", True),
                 ("successful-completions", True), ("drop-outs", True),
                 ("average-wait-days", True), ("naloxone-kits-issued", True),
                 ("housed-on-release", False)]},
]

RULES: list[dict[str, Any]] = [
    {"framework": "health-justice", "left": "successful-completions", "operator": Operator.LE,
     "right": "treatment-starts",
     "message": "Successful completions cannot be more than treatment starts in the quarter: "
                "check that both count the same people."},
    {"framework": "kestrelford-council", "left": "successful-completions",
     "operator": Operator.LE, "right": "treatment-starts",
     "message": "Successful completions cannot be more than treatment starts in the quarter."},
    {"framework": "north-pennine-outcomes", "left": "treatment-starts",
     "operator": Operator.LE, "right": "referrals-received",
     "message": "Treatment starts cannot be more than referrals received in the quarter."},
    # Everywhere: a yes needs responses to back it.
    {"framework": None, "form": RuleForm.YES_THEN_POSITIVE, "left": "feedback-collected",
     "right": "feedback-responses",
     "message": "You said service-user feedback was collected, so the number of feedback "
                "responses must be more than 0."},
]

# --------------------------------------------------------------------------------------------
# Who owes returns, and the story of each organisation's returns. ``story`` maps quarters
# counted back from the latest one that has ended (0 = latest, 1 = the one before...) to a
# state; every other quarter up to the latest is approved on time. ``size`` scales the figures.
# --------------------------------------------------------------------------------------------
APPROVED, APPROVED_LATE, CORRECTED = "approved", "approved late", "corrected"
SUBMITTED, SUBMITTED_LATE, RETURNED = "submitted", "submitted late", "returned"
DRAFT, NOT_STARTED = "draft", "not started"

REQUIREMENTS: list[dict[str, Any]] = [
    {"org": "clearwater", "partnership": MAIN_PARTNERSHIP, "size": 1.0,
     "frameworks": ["health-justice", "reducing-reoffending", "north-pennine-outcomes"],
     "story": {0: SUBMITTED, 2: CORRECTED}},
    {"org": "moorside-nhs", "partnership": MAIN_PARTNERSHIP, "size": 1.6,
     "frameworks": ["health-justice", "reducing-reoffending", "north-pennine-outcomes"],
     "story": {0: SUBMITTED_LATE, 4: APPROVED_LATE}},
    {"org": "second-chance", "partnership": MAIN_PARTNERSHIP, "size": 0.6,
     "frameworks": ["health-justice", "north-pennine-outcomes"],
     "story": {0: RETURNED}},
    {"org": "np-prison-group", "partnership": MAIN_PARTNERSHIP, "size": 2.2,
     "frameworks": ["reducing-reoffending"],
     "story": {0: NOT_STARTED}},
    # Sub-contracted from July 2025 (2025–26 Q2): earlier quarters are not required.
    {"org": "turning-tide", "partnership": MAIN_PARTNERSHIP, "size": 0.3,
     "from_quarter": D(2025, 7, 1),
     "frameworks": ["reducing-reoffending", "north-pennine-outcomes"],
     "story": {0: DRAFT}},
    {"org": "turning-tide", "partnership": MARCHSHIRE, "size": 0.8,
     "frameworks": ["marchshire-pcc"], "story": {0: SUBMITTED}},
    {"org": "kestrelford-recovery", "partnership": KESTRELFORD, "size": 1.2,
     "frameworks": ["kestrelford-council"], "story": {3: APPROVED_LATE}},
]

# People who submit and review returns. Demo logins where they exist; the others are fictional
# staff with no usable password (nobody signs in as them).
PROVIDER_STAFF = "provider_staff"
MANAGER = "partnership_manager"
STAFF: dict[str, dict[str, str]] = {
    "turning-tide": {"username": "demo-provider"},
    "clearwater": {"username": "clearwater-returns", "first_name": "Aisha",
                   "last_name": "Rahman", "role": PROVIDER_STAFF},
    "moorside-nhs": {"username": "moorside-returns", "first_name": "Gareth",
                     "last_name": "Lloyd", "role": PROVIDER_STAFF},
    "second-chance": {"username": "second-chance-returns", "first_name": "Niamh",
                      "last_name": "O'Connor", "role": PROVIDER_STAFF},
    "np-prison-group": {"username": "np-prison-group-returns", "first_name": "Tom",
                        "last_name": "Hartley", "role": PROVIDER_STAFF},
    "kestrelford-recovery": {"username": "kestrelford-recovery-returns",
                             "first_name": "Jas", "last_name": "Bains",
                             "role": PROVIDER_STAFF},
}
REVIEWERS: dict[str, dict[str, str]] = {
    MAIN_PARTNERSHIP: {"username": "demo-manager"},
    MARCHSHIRE: {"username": "womens-centre-manager", "first_name": "Helen",
                 "last_name": "Marsh", "role": MANAGER, "org": "womens-centre"},
    KESTRELFORD: {"username": "kestrel-programme-manager", "first_name": "Daniel",
                  "last_name": "Okafor", "role": MANAGER, "org": "kestrel-ha"},
}

ISSUES = [
    "", "", "",
    "Two recovery workers on long-term sick leave; caseloads covered by agency staff.",
    "Lockdown regime at HMP Greystone Hill for nine days cut group sessions.",
    "New evening clinic opened in Marchbridge.",
    "Spice-related incidents rose on two wings; harm-reduction sessions added.",
    "Data migration to the new case management system delayed some records.",
    "Housing on release hampered by a shortage of approved premises beds.",
]

# The query the lead partner raises on the returned return, and the figure it is about.
QUERIED_FIGURE = "average-wait-days"
QUERY_TEXT = ("An average wait of 0.5 days is far below every earlier quarter (about 11 days). "
              "Please check whether it was counted from referral or from assessment.")
CORRECTION_REASON = ("Naloxone kits issued at HMP Hollins Bank were counted twice: once by the "
                     "prison team and once on release.")


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@dataclass
class _Figures:
    """One organisation's figures for one quarter, drifting gently over the quarters."""

    size: float
    index: int  # quarters since 2024–25 Q1
    rng: random.Random

    def _count(self, base: float, growth: float = 0.015, spread: float = 0.07) -> int:
        value = base * self.size * (1 + growth * self.index)
        return max(1, round(value * self.rng.uniform(1 - spread, 1 + spread)))

    def values(self) -> dict[str, str]:
        rng, t = self.rng, self.index
        referrals = self._count(60)
        starts = round(referrals * rng.uniform(0.64, 0.72))
        responses = self._count(18, growth=0.03)
        return {
            "referrals-received": str(referrals),
            "treatment-starts": str(starts),
            "successful-completions": str(round(starts * rng.uniform(0.44, 0.52))),
            "drop-outs": str(round(starts * rng.uniform(0.16, 0.2))),
            "housed-on-release": str(self._count(14, growth=0.02)),
            "engagement-rate": f"{min(95, rng.uniform(70, 74) + 0.6 * t):.1f}",
            "average-wait-days": f"{max(3, rng.uniform(10.5, 12) - 0.15 * t):.1f}",
            "naloxone-kits-issued": str(self._count(30)),
            "case-conferences-held": str(self._count(12, growth=0.01, spread=0.05)),
            "feedback-collected": "yes",
            "feedback-responses": str(responses),
            "continuity-of-care-3-weeks": f"{min(90, rng.uniform(50, 53) + 1.6 * t):.1f}",
            "significant-issues": rng.choice(ISSUES),
        }


class MonitoringLoader:
    """Loads the monitoring demo into ``report`` (a ``demo.data.DemoReport``), logging a
    progress line per step. Call inside the demo's transaction."""

    def __init__(self, *, report: Any, log: Callable[[str], None],
                 today: datetime.date | None = None) -> None:
        self.report = report
        self.log = log
        self.today = today or clock.today()
        self.now = timezone.now()
        self.orgs: dict[str, Organisation] = {}
        self.metrics: dict[str, Metric] = {}
        self.frameworks: dict[str, Framework] = {}
        self.partnerships: dict[str, Partnership] = {}
        self.users: dict[str, Any] = {}

    # -- bookkeeping --------------------------------------------------------------------------
    def _ensure(self, model: type[models.Model], found: Any, create: Callable[[], Any]) -> Any:
        return self.report.ensure(model, found, create)

    def _snapshot(self) -> tuple[int, int]:
        return self.report.total_created, self.report.total_existing

    def _progress(self, label: str, before: tuple[int, int]) -> None:
        created = self.report.total_created - before[0]
        existing = self.report.total_existing - before[1]
        if created:
            state = f"created {created} records"
            if existing:
                state += f", {existing} already present"
        else:
            state = f"already loaded, skipped ({existing} records present)"
        self.log(f"  Monitoring – {label}: {state}")

    @contextmanager
    def _dated(self, when: datetime.datetime) -> Iterator[None]:
        """Audit rows and notifications written inside the block are dated ``when`` (the
        actions stamp now)."""
        mark = AuditEvent.objects.aggregate(last=models.Max("id"))["last"] or 0
        with dated(when):
            yield
        AuditEvent.objects.filter(id__gt=mark).update(occurred_at=when)

    def _past(self, when: datetime.datetime) -> datetime.datetime:
        """Never in the future, so timeliness and history stay believable on any day."""
        return min(when, self.now - datetime.timedelta(hours=1))

    # -- steps --------------------------------------------------------------------------------
    def run(self) -> None:
        keys = {r["org"] for r in REQUIREMENTS} | {f["owner"] for f in FRAMEWORKS}
        keys |= {r["org"] for r in REVIEWERS.values() if "org" in r}
        from demo.data import ORGANISATIONS

        identifiers = {o["key"]: o["identifier"] for o in ORGANISATIONS if o["key"] in keys}
        self.orgs = {o.identifier: o for o in
                     Organisation.objects.filter(identifier__in=identifiers.values())}
        self.orgs = {key: self.orgs[ident] for key, ident in identifiers.items()}
        self.partnerships = {p.slug: p for p in Partnership.objects.filter(
            slug__in={r["partnership"] for r in REQUIREMENTS})}

        before = self._snapshot()
        for spec in METRICS:
            self._metric(spec)
        for spec in FRAMEWORKS:
            self._framework(spec)
        for spec in RULES:
            self._rule(spec)
        self._progress(f"metric library ({len(METRICS)}), frameworks ({len(FRAMEWORKS)}) and "
                       f"rules ({len(RULES)})", before)

        before = self._snapshot()
        periods = self._periods()
        self._progress(f"reporting periods ({periods[0].label} to {periods[-1].label})", before)

        before = self._snapshot()
        self._people()
        requirements = [self._requirement(spec) for spec in REQUIREMENTS]
        self._progress(f"return requirements ({len(REQUIREMENTS)}) and the staff who submit "
                       "and review them", before)

        ended = [p for p in periods if p.ends_on < self.today]
        for slug in dict.fromkeys(r["partnership"] for r in REQUIREMENTS):
            before = self._snapshot()
            for spec, requirement in zip(REQUIREMENTS, requirements, strict=True):
                if spec["partnership"] == slug:
                    self._returns(spec, requirement, ended)
            self._progress(f"returns to {self.partnerships[slug].name}", before)

    def _metric(self, spec: dict[str, Any]) -> None:
        found = Metric.objects.filter(code=spec["code"]).first()
        self.metrics[spec["code"]] = self._ensure(Metric, found, lambda: audited_create(
            instance=Metric(**spec), by=None, summary="Added metric"))

    def _framework(self, spec: dict[str, Any]) -> None:
        found = Framework.objects.filter(name=spec["name"], version=spec["version"]).first()
        partnership = (Partnership.objects.get(slug=spec["partnership"])
                       if spec["partnership"] else None)
        framework = self._ensure(Framework, found, lambda: audited_create(
            instance=Framework(name=spec["name"], version=spec["version"],
                               owner=self.orgs[spec["owner"]], partnership=partnership,
                               description=spec["description"]),
            by=None, summary="Added framework"))
        self.frameworks[spec["key"]] = framework
        for position, (code, required) in enumerate(spec["metrics"], start=1):
            metric = self.metrics[code]
            self._ensure(FrameworkMetric, FrameworkMetric.objects.filter(
                framework=framework, metric=metric).first(),
                lambda metric=metric, position=position, required=required: audited_create(
                    instance=FrameworkMetric(framework=framework, metric=metric,
                                             required=required, position=position),
                    by=None, summary=f"Added {metric.code} to the framework"))

    def _rule(self, spec: dict[str, Any]) -> None:
        framework = self.frameworks[spec["framework"]] if spec["framework"] else None
        fields = {"framework": framework, "form": spec.get("form", RuleForm.COMPARE),
                  "left_metric": self.metrics[spec["left"]],
                  "right_metric": self.metrics[spec["right"]],
                  "operator": spec.get("operator", Operator.LE)}
        found = CrossMetricRule.objects.filter(**fields).first()
        self._ensure(CrossMetricRule, found, lambda: audited_create(
            instance=CrossMetricRule(message=spec["message"], **fields), by=None,
            summary="Added cross-metric rule"))

    def _periods(self) -> list[ReportingPeriod]:
        start, end = FIRST_QUARTER_START, self.today
        existing = ReportingPeriod.objects.filter(frequency=Frequency.QUARTERLY,
                                                  starts_on__gte=start,
                                                  starts_on__lte=end).count()
        periods = actions.periods_ensure(start=start, end=end, by=None)
        self.report.existing[model_label(ReportingPeriod)] += existing
        self.report.created[model_label(ReportingPeriod)] += len(periods) - existing
        return periods

    def _people(self) -> None:
        """The staff the actions need: demo logins where they exist, otherwise fictional
        people with no usable password."""
        user_model = get_user_model()
        for org_key, spec in [*STAFF.items(),
                              *((r.get("org"), r) for r in REVIEWERS.values())]:
            username = spec["username"]
            user = user_model.objects.filter(username=username).first()
            if user is None:
                if "role" not in spec:
                    raise RuntimeError(f"The demo login {username} is missing.")
                user = user_model(username=username, first_name=spec["first_name"],
                                  last_name=spec["last_name"], role=spec["role"],
                                  organisation=self.orgs[org_key],
                                  email=f"{username}@example.org")
                user.set_unusable_password()
                user.save()
                self.report.created[model_label(user_model)] += 1
            elif "role" in spec:
                self.report.existing[model_label(user_model)] += 1
            self.users[username] = user

    def _requirement(self, spec: dict[str, Any]) -> ReturnRequirement:
        org, partnership = self.orgs[spec["org"]], self.partnerships[spec["partnership"]]
        found = ReturnRequirement.objects.filter(organisation=org, partnership=partnership,
                                                 frequency=Frequency.QUARTERLY).first()

        def create() -> ReturnRequirement:
            from_period = None
            if spec.get("from_quarter"):
                from_period = ReportingPeriod.objects.get(frequency=Frequency.QUARTERLY,
                                                          starts_on=spec["from_quarter"])
            requirement = audited_create(
                instance=ReturnRequirement(organisation=org, partnership=partnership,
                                           frequency=Frequency.QUARTERLY,
                                           from_period=from_period),
                by=None, summary="Added return requirement")
            requirement.frameworks.set([self.frameworks[k] for k in spec["frameworks"]])
            return requirement

        return self._ensure(ReturnRequirement, found, create)

    # -- returns ------------------------------------------------------------------------------
    def _returns(self, spec: dict[str, Any], requirement: ReturnRequirement,
                 ended: list[ReportingPeriod]) -> None:
        org, partnership = self.orgs[spec["org"]], self.partnerships[spec["partnership"]]
        staff = self.users[STAFF[spec["org"]]["username"]]
        reviewer = self.users[REVIEWERS[spec["partnership"]]["username"]]
        codes = {code for key in spec["frameworks"]
                 for code, _ in next(f for f in FRAMEWORKS if f["key"] == key)["metrics"]}
        existing = set(MonitoringReturn.objects.filter(organisation=org, partnership=partnership)
                       .values_list("period_id", flat=True))
        for index, period in enumerate(ended):  # oldest first: warnings read the history
            back = len(ended) - 1 - index
            if requirement.from_period and period.starts_on < requirement.from_period.starts_on:
                continue
            state = spec["story"].get(back, APPROVED)
            if state == NOT_STARTED:
                continue
            if period.pk in existing:
                self.report.existing[model_label(MonitoringReturn)] += 1
                continue
            seed = f"{spec['org']}/{spec['partnership']}/{period.starts_on}"
            rng = random.Random(seed)  # noqa: S311 (demo figures, not secrets)
            figures = _Figures(spec["size"], index, rng).values()
            values = {code: figures[code] for code in sorted(codes)}
            self.report.created[model_label(MonitoringReturn)] += 1
            self._one_return(org, partnership, period, state, values, staff, reviewer, rng)

    def _one_return(self, org: Organisation, partnership: Partnership, period: ReportingPeriod,
                    state: str, values: dict[str, str], staff: Any, reviewer: Any,
                    rng: random.Random) -> None:
        started = self._past(_at(period.ends_on + datetime.timedelta(days=rng.randint(2, 6)),
                                 9, rng.randint(0, 59)))
        with self._dated(started):
            ret = actions.return_start(organisation=org, partnership=partnership,
                                       period=period, by=staff)
        if state == DRAFT:  # in progress: some figures typed in, not submitted
            partial = dict(list(values.items())[:3])
            saved = self._past(started + datetime.timedelta(days=3, hours=4))
            with self._dated(saved):
                ret = actions.return_save_values(monitoring_return=ret, values=partial,
                                                 expected_version=ret.version, by=staff)
            self._stamp(ret, created_on=started, modified_on=saved)
            return

        late = state in (APPROVED_LATE, SUBMITTED_LATE)
        due = period.due_on
        submitted = _at(due + datetime.timedelta(days=rng.randint(6, 14)) if late
                        else due - datetime.timedelta(days=rng.randint(2, 14)),
                        rng.randint(10, 16), rng.randint(0, 59))
        submitted = self._past(max(submitted, started + datetime.timedelta(hours=2)))
        note = ""
        if state == RETURNED:  # a figure far below earlier quarters, explained in a note
            values = {**values, QUERIED_FIGURE: "0.5"}
            note = "Waiting list cleared after the new evening clinic opened."
        ret = self._submit(ret, values, staff, submitted, note)
        self._stamp(ret, created_on=started, modified_on=submitted,
                    first_submitted_at=submitted, submitted_at=submitted)
        if state in (SUBMITTED, SUBMITTED_LATE):
            return

        reviewed = self._past(submitted + datetime.timedelta(days=rng.randint(3, 10),
                                                             hours=rng.randint(0, 3)))
        self._opened(ret, reviewer, reviewed)
        if state == RETURNED:
            with self._dated(reviewed):
                ret = actions.return_send_back(
                    monitoring_return=ret, by=reviewer,
                    comment="Thanks – one figure needs checking before we can approve.",
                    metric_comments={QUERIED_FIGURE: QUERY_TEXT})
            Query.objects.filter(monitoring_return=ret).update(created_on=reviewed,
                                                               modified_on=reviewed)
            self._stamp(ret, modified_on=reviewed)
            return

        with self._dated(reviewed):
            ret = actions.return_approve(monitoring_return=ret, by=reviewer)
        self._stamp(ret, modified_on=reviewed, approved_at=reviewed)
        if state == CORRECTED:
            self._correct(ret, values, staff, reviewer, reviewed, rng)

    def _submit(self, ret: MonitoringReturn, values: dict[str, str], staff: Any,
                when: datetime.datetime, note: str) -> MonitoringReturn:
        """Save the figures and submit; a figure far from earlier quarters gets a note, as a
        provider would write one."""
        with self._dated(when - datetime.timedelta(minutes=25)):
            ret = actions.return_save_values(monitoring_return=ret, values=values,
                                             expected_version=ret.version, by=staff)
        with self._dated(when):
            errors, warnings = actions.return_check(ret)
            if errors:
                raise RuntimeError(f"Demo figures for {ret} break a rule: {errors}")
            if warnings and not note:
                note = "Checked against the case management system: the figure is right."
            return actions.return_submit(monitoring_return=ret, by=staff,
                                         warning_note=note if warnings else "")

    def _correct(self, approved: MonitoringReturn, values: dict[str, str], staff: Any,
                 reviewer: Any, approved_at: datetime.datetime, rng: random.Random) -> None:
        """Revision 2 of an approved return, with one figure corrected, approved in turn."""
        if MonitoringReturn.objects.filter(replaces=approved).exists():
            return
        self.report.created[model_label(MonitoringReturn)] += 1
        started = self._past(approved_at + datetime.timedelta(days=rng.randint(30, 45)))
        with self._dated(started):
            correction = actions.return_correct(approved_return=approved, by=staff,
                                                reason=CORRECTION_REASON)
        kits = int(values["naloxone-kits-issued"])
        submitted = self._past(started + datetime.timedelta(days=1, hours=3))
        correction = self._submit(correction, {"naloxone-kits-issued": str(kits - kits // 4)},
                                  staff, submitted, "")
        self._stamp(correction, created_on=started, modified_on=submitted,
                    first_submitted_at=submitted, submitted_at=submitted)
        reviewed = self._past(submitted + datetime.timedelta(days=2))
        self._opened(correction, reviewer, reviewed)
        with self._dated(reviewed):
            correction = actions.return_approve(monitoring_return=correction, by=reviewer)
        self._stamp(correction, modified_on=reviewed, approved_at=reviewed)

    @staticmethod
    def _opened(ret: MonitoringReturn, reviewer: Any, when: datetime.datetime) -> None:
        """The reviewer opened the notification of the submission (which marks it read) to
        review it, as they would: a return already reviewed is not "to review" any more."""
        for notice in Notification.objects.for_recipient(reviewer).unread().filter(
                kind="return_submitted", object_id=str(ret.pk)):
            notification_mark_read(notification=notice, by=reviewer)
            Notification.objects.filter(pk=notice.pk).update(read_at=when)

    @staticmethod
    def _stamp(ret: MonitoringReturn, **when: datetime.datetime) -> None:
        MonitoringReturn.objects.filter(pk=ret.pk).update(**when)
        for name, value in when.items():
            setattr(ret, name, value)


def load_monitoring(*, report: Any, log: Callable[[str], None] = lambda line: None,
                    today: datetime.date | None = None) -> None:
    """Load the monitoring demo (call after the registry and the demo logins are loaded, in
    the same transaction). Skips whatever already exists."""
    MonitoringLoader(report=report, log=log, today=today).run()


def monitoring_counts() -> list[tuple[str, int]]:
    """Rows for the load_demo summary."""
    from monitoring.choices import ReturnStatus
    from monitoring.models import Value

    returns = MonitoringReturn.objects.all()
    return [("Metrics", Metric.objects.count()),
            ("Frameworks", Framework.objects.count()),
            ("Monitoring returns (all revisions)", returns.count()),
            ("Returns awaiting review", returns.filter(status=ReturnStatus.SUBMITTED).count()),
            ("Figures (values)", Value.objects.count())]


__all__ = ["MAIN_PARTNERSHIP", "METRICS", "FRAMEWORKS", "REQUIREMENTS", "load_monitoring",
           "monitoring_counts"]
