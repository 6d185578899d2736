#!/usr/bin/env python
"""Fill a PostgreSQL database with a realistic registry at scale, for the benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench \\
        .venv/bin/python bench/generate.py --organisations 5000 --partnerships 1000 \\
        --memberships 20000 --services 10000 --seed 1

What it makes (every name is invented; see docs/performance.md for the volumes):

- organisations of every kind in realistic proportions (charities, social enterprises, prisons,
  probation, police, local authorities, NHS bodies, commissioners), with org-id identifiers,
  regions, descriptions, and charity groups (a parent with member charities);
- partnerships of the five shapes in DOMAIN.md, with statuses, settings and regions;
- memberships with history, obeying the model's rules: half-open periods [joined_on, left_on)
  inside the partnership's life, at most one lead partner at a time, one open-ended lead,
  leavers and rejoiners, hubs that shrank when recommissioned; a few very large partnerships;
- lead responsibilities for the standard activities (and custom ones for multi-site
  partnerships), held by members while they are members, one lead per activity at a time;
- agreements with versions (each replacing the last, at most one active per reference), some
  overdue for review, with signatories; funding by period;
- locations (prisons with category and capacity, probation offices, hubs, hospitals) and
  services with 1-3 categories delivered at 1-3 locations, some co-located;
- a commissioner user, ``bench-commissioner``, for the page benchmark to sign in as.

Rows are written with ``bulk_create`` in batches, in one transaction, then the database is
vacuumed and analysed so the planner sees the real volumes. The same ``--seed`` and ``--as-of``
give the same data. It refuses to touch a database that already holds registry data unless
``--wipe`` is given (see ``wipe()`` for exactly what that deletes).
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import itertools
import random
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from common import BENCH_COMMISSIONER, BENCH_USER_PREFIX, Progress, require_postgresql, setup_django

D = datetime.date
DAY = datetime.timedelta(days=1)
YEAR = 365


# ------------------------------------------------------------------------------------------
# Vocabulary. Focus areas tie an organisation's name, description and services to the
# service taxonomy's slugs (services/seeds.py), so searching "recovery" or "housing" finds
# organisations, partnerships and services that belong together.
# ------------------------------------------------------------------------------------------
FOCUS: dict[str, dict[str, list[str]]] = {
    "substance-misuse": {
        "org": ["Recovery Trust", "Recovery Network", "Drug and Alcohol Services",
                "Recovery Community", "Treatment Services"],
        "what": ["drug and alcohol treatment and recovery", "structured drug treatment",
                 "recovery support and harm reduction"],
        "service": ["Structured drug treatment", "Recovery support group",
                    "Opioid substitution support", "Through-the-gate recovery coaching",
                    "Harm reduction outreach", "Prison drug and alcohol recovery team",
                    "Drug rehabilitation requirement programme"],
    },
    "alcohol": {
        "org": ["Alcohol Service", "Alcohol Advisory Service"],
        "what": ["alcohol treatment", "alcohol brief interventions and treatment"],
        "service": ["Alcohol treatment requirement programme", "Alcohol brief interventions",
                    "Community alcohol detoxification support"],
    },
    "mental-health": {
        "org": ["Mind", "Mental Health Trust", "Wellbeing Service"],
        "what": ["mental health support", "counselling and talking therapies"],
        "service": ["Mental health in-reach", "Talking therapies on probation",
                    "Trauma-informed counselling", "Dual diagnosis support"],
    },
    "domestic-abuse": {
        "org": ["Women's Aid", "Domestic Abuse Service", "Refuge"],
        "what": ["support for survivors of domestic abuse", "refuge and outreach"],
        "service": ["Independent domestic violence advocacy", "Domestic abuse perpetrator "
                    "programme", "Safe accommodation support"],
    },
    "sexual-violence": {
        "org": ["Rape Crisis", "Sexual Violence Support Centre"],
        "what": ["specialist support after sexual violence"],
        "service": ["Independent sexual violence advocacy", "Sexual violence counselling"],
    },
    "family-support": {
        "org": ["Family Links", "Families Outside", "Family Support"],
        "what": ["support for prisoners' families, children and carers"],
        "service": ["Family casework in custody", "Visits hall family support",
                    "Parenting course", "Family ties support on release"],
    },
    "housing": {
        "org": ["Housing Association", "Housing Advice", "Night Shelter", "Homes Trust"],
        "what": ["housing advice and tenancy support", "supported accommodation"],
        "service": ["Housing advice on release", "Tenancy sustainment",
                    "Supported accommodation", "Rough sleeper outreach"],
    },
    "employment-education": {
        "org": ["Employment Trust", "Learning and Skills", "Works"],
        "what": ["employment, education and training"],
        "service": ["Employment support through the gate", "Education in custody",
                    "Construction skills academy", "Job club"],
    },
    "purposeful-activity": {
        "org": ["Arts", "Sports Trust", "Theatre Company", "Gardening Project"],
        "what": ["creative, sporting and purposeful activity"],
        "service": ["Creative writing group", "Prison gardening project",
                    "Storytelling and reading group", "Football coaching programme"],
    },
    "peer-support": {
        "org": ["Mentoring", "Peer Mentors", "Lived Experience Network"],
        "what": ["peer mentoring by people with lived experience"],
        "service": ["Peer mentoring on release", "Lived experience mentoring",
                    "Recovery peer mentors"],
    },
    "womens-services": {
        "org": ["Women's Centre", "Women's Project"],
        "what": ["a single front door to support for women"],
        "service": ["Women's centre drop-in", "Women's specified activity programme",
                    "Police referral and diversion for women"],
    },
    "life-skills": {
        "org": ["Life Skills Collective", "Skills for Life"],
        "what": ["life skills and independent living"],
        "service": ["Life skills workshops", "Budgeting and cooking course"],
    },
    "finance-debt": {
        "org": ["Money Advice Centre", "Citizens Advice", "Debt Advice"],
        "what": ["money, benefit and debt advice"],
        "service": ["Debt advice clinic", "Benefits advice on release"],
    },
    "health": {
        "org": ["Community Health", "Health Trust"],
        "what": ["physical health care"],
        "service": ["Hepatitis C testing and treatment", "Health checks on arrival"],
    },
    "restorative-justice": {
        "org": ["Restorative Justice Service", "Restore"],
        "what": ["restorative justice and victim awareness"],
        "service": ["Restorative justice conferencing", "Victim awareness course"],
    },
}
# How often each focus area is a charity's main work (treatment, housing and family dominate).
FOCUS_WEIGHTS = {
    "substance-misuse": 16, "alcohol": 5, "mental-health": 10, "domestic-abuse": 7,
    "sexual-violence": 3, "family-support": 8, "housing": 11, "employment-education": 8,
    "purposeful-activity": 6, "peer-support": 7, "womens-services": 5, "life-skills": 4,
    "finance-debt": 4, "health": 3, "restorative-justice": 3,
}
# Categories that often come together on one service.
RELATED_FOCUS = {
    "substance-misuse": ["alcohol", "health", "peer-support", "mental-health"],
    "alcohol": ["substance-misuse", "health"],
    "mental-health": ["substance-misuse", "health", "womens-services"],
    "domestic-abuse": ["womens-services", "sexual-violence", "housing"],
    "sexual-violence": ["domestic-abuse", "womens-services", "mental-health"],
    "family-support": ["peer-support", "life-skills"],
    "housing": ["finance-debt", "life-skills"],
    "employment-education": ["life-skills", "purposeful-activity"],
    "purposeful-activity": ["employment-education", "peer-support"],
    "peer-support": ["substance-misuse", "purposeful-activity"],
    "womens-services": ["domestic-abuse", "life-skills", "mental-health"],
    "life-skills": ["employment-education", "finance-debt"],
    "finance-debt": ["housing", "life-skills"],
    "health": ["substance-misuse", "mental-health"],
    "restorative-justice": ["peer-support", "purposeful-activity"],
}

PLACE_START = ["Ash", "Bar", "Black", "Bram", "Brook", "Calder", "Carr", "Castle", "Chester",
               "Clay", "Cold", "Crow", "Dale", "Deer", "East", "Elm", "Fair", "Fern", "Fox",
               "Glen", "Gold", "Grey", "Hart", "Hazel", "High", "Holly", "Kes", "Kings",
               "Lang", "Lark", "Lea", "Lin", "Long", "March", "Mar", "Mill", "Moor",
               "Nether", "New", "North", "Oak", "Pen", "Red", "Ros", "Rye", "Salt", "Sand",
               "Shep", "South", "Stan", "Stone", "Sud", "Thorn", "Wal", "West", "Whit",
               "Wild", "Wil", "Wyn", "Yar"]
PLACE_END = ["bridge", "brook", "bury", "by", "caster", "combe", "dale", "field", "ford",
             "gate", "ham", "hampton", "holme", "hurst", "ley", "mere", "minster", "mouth",
             "port", "stead", "stow", "thorpe", "ton", "well", "wick", "wood", "worth"]
BRANDS = ["Second Chance", "Open Door", "New Leaf", "Turning Point", "Bright Futures",
          "Fresh Start", "Safe Harbour", "Clear Path", "Stepping Stones", "Haven", "Lantern",
          "Compass", "Anchor", "Horizon", "Beacon", "Phoenix", "Pathway", "Threshold",
          "Keystone", "Waymark", "Northstar", "Cornerstone", "Open Gate", "Bridgeway",
          "Willow", "Kindred", "Harbour Lights", "Lighthouse", "Foundations", "Tideway"]
JOB_TITLES = ["Chief Executive", "Director", "Director of Operations", "Managing Director",
              "Head of Partnerships", "Chair of Trustees", "Deputy Director of Custody",
              "Governor", "Head of Commissioning", "Director of Nursing",
              "Head of Reducing Reoffending", "Service Manager"]
CONTACTS = ["Strategic Partnership Manager", "Head of Reducing Reoffending",
            "Contracts and Quality Lead", "Health and Justice Commissioning Manager",
            "Community Transitions Lead", "Information Governance Lead", "Service Manager",
            "Head of Operations", "Partnership Manager", "Senior Probation Officer",
            "DAAT Coordinator", "Service User Involvement Lead", "Referrals Coordinator"]
LEAVING_NOTES = ["Left when the contract was recommissioned.", "Funding for its post ended.",
                 "Merged into another member.", "Service decommissioned by the commissioner.",
                 "Stepped back to concentrate on community work."]
SITE_NOTES = ["Tuesday and Thursday groups", "Visits days", "Weekday drop-in",
              "Based in the healthcare centre", "Recovery wing", "Fortnightly clinic",
              "Pre-release clinics", "By appointment"]

# Share of each organisation kind (sums to 1).
KIND_SHARES = {
    "charity": 0.62, "social_enterprise": 0.12, "prison": 0.025, "probation": 0.015,
    "police": 0.01, "local_authority": 0.06, "nhs_body": 0.06, "commissioning_body": 0.06,
    "other_statutory": 0.03,
}
# Relative number of organisations per region code (national bodies are few).
REGION_WEIGHTS = {
    "national": 3, "north-east": 5, "north-west": 12, "yorkshire-humber": 9,
    "east-midlands": 8, "west-midlands": 10, "east-of-england": 9, "london": 14,
    "south-east": 13, "south-west": 9, "wales": 7,
}

PROVIDERS = ("charity", "social_enterprise")
STATUTORY = ("prison", "probation", "police", "local_authority", "nhs_body", "other_statutory")
COMMISSIONERS = ("commissioning_body", "local_authority", "nhs_body")

# The five shapes of DOMAIN.md: share of partnerships, base size (membership rows), and the
# seats (role, kinds it is drawn from, weight) that fill it beyond the lead partner.
SHAPES: dict[int, dict[str, Any]] = {
    1: {"share": 0.25, "size": (3, 6), "label": "lead partner with sub-contractors",
        "mandatory": [("sub_contractor", PROVIDERS), ("sub_contractor", PROVIDERS),
                      ("commissioner", ("commissioning_body", "nhs_body"))],
        "extra": [("sub_contractor", PROVIDERS, 5), ("delivery_partner", PROVIDERS, 3),
                  ("statutory_partner", ("prison",), 2)]},
    2: {"share": 0.12, "size": (8, 25), "label": "coordinated multi-provider across sites",
        "mandatory": [("delivery_partner", PROVIDERS), ("delivery_partner", PROVIDERS),
                      ("delivery_partner", ("nhs_body",)), ("statutory_partner",
                                                             ("other_statutory",)),
                      ("statutory_partner", ("prison",)), ("statutory_partner", ("prison",)),
                      ("statutory_partner", ("prison",)),
                      ("commissioner", ("nhs_body", "commissioning_body"))],
        "extra": [("statutory_partner", ("prison",), 5), ("delivery_partner", PROVIDERS, 4),
                  ("statutory_partner", ("probation",), 1)]},
    3: {"share": 0.23, "size": (6, 12), "label": "hub with co-located specialist partners",
        "mandatory": [("delivery_partner", PROVIDERS)] * 4
        + [("statutory_partner", ("probation",)), ("statutory_partner", ("police",)),
           ("commissioner", ("commissioning_body",))],
        "extra": [("delivery_partner", PROVIDERS, 6),
                  ("statutory_partner", ("local_authority", "nhs_body", "police",
                                         "probation"), 2),
                  ("funder", ("commissioning_body", "other_statutory"), 1)]},
    4: {"share": 0.08, "size": (14, 30), "label": "system change governed by a board",
        "mandatory": [("board_member", PROVIDERS)] * 8
        + [("statutory_partner", ("police",)), ("statutory_partner", ("local_authority",)),
           ("statutory_partner", ("probation",)), ("statutory_partner", ("nhs_body",)),
           ("statutory_partner", ("nhs_body",)), ("funder", ("other_statutory",))],
        "extra": [("board_member", PROVIDERS, 6), ("delivery_partner", PROVIDERS, 3),
                  ("statutory_partner", STATUTORY, 2)]},
    5: {"share": 0.32, "size": (2, 3), "label": "small unfunded collaboration",
        "mandatory": [("delivery_partner", PROVIDERS), ("statutory_partner", ("prison",))],
        "extra": [("delivery_partner", PROVIDERS, 1)]},
}
# How much of the extra membership volume (beyond the base sizes) each shape soaks up: large
# national and multi-site partnerships grow, a two-charity group in one prison does not.
SHAPE_GROWTH = {1: 0.7, 2: 3.0, 3: 1.2, 4: 3.0, 5: 0.03}
MAX_ROWS_PER_PARTNERSHIP = 600


# ------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------
def between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    """A date in [start, end] (start when the range is empty)."""
    days = (end - start).days
    return start if days <= 0 else start + rng.randint(0, days) * DAY


def weighted(rng: random.Random, weights: dict[Any, float]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Slugs:
    """Unique slugs without asking the database: -2, -3... on clashes, as core.slugs does."""

    def __init__(self, max_length: int = 200) -> None:
        self.used: set[str] = set()
        self.max_length = max_length

    def __call__(self, text: str) -> str:
        from django.utils.text import slugify

        base = (slugify(text) or "item")[: self.max_length]
        slug, n = base, 1
        while slug in self.used:
            n += 1
            suffix = f"-{n}"
            slug = f"{base[: self.max_length - len(suffix)]}{suffix}"
        self.used.add(slug)
        return slug


def bulk(model: type, rows: list, batch_size: int) -> list:
    """bulk_create in batches; on PostgreSQL the objects come back with their ids."""
    for i in range(0, len(rows), batch_size):
        model.objects.bulk_create(rows[i: i + batch_size], batch_size=batch_size)
    return rows


@dataclass
class Period:
    """One membership row before it is written."""

    org: Any
    role: str
    joined_on: datetime.date
    left_on: datetime.date | None
    notes: str = ""


@dataclass
class Plan:
    """One partnership and everything decided about it before rows are written."""

    obj: Any
    shape: int
    focus: str
    region_ids: list[int]
    life_start: datetime.date  # the day life began (for a forming one without a start date too)
    ended_on: datetime.date | None
    target_rows: int = 0
    periods: list[Period] = field(default_factory=list)
    leads: list[Period] = field(default_factory=list)
    recommissioned_on: datetime.date | None = None

    def life_end(self, as_of: datetime.date) -> datetime.date:
        return self.ended_on or as_of

    def final_members(self) -> list[Period]:
        """Members at the end: current members, or those still in when it ended."""
        if self.ended_on:
            return [p for p in self.periods if p.left_on == self.ended_on]
        return [p for p in self.periods if p.left_on is None]


# ------------------------------------------------------------------------------------------
# The generator
# ------------------------------------------------------------------------------------------
class Generator:
    def __init__(self, args: argparse.Namespace) -> None:
        from partnerships.models import Region

        self.args = args
        self.rng = random.Random(args.seed)
        self.as_of: datetime.date = args.as_of
        self.batch = args.batch_size
        self.progress = Progress()
        self.regions = list(Region.objects.order_by("position"))
        self.region_by_code = {r.code: r for r in self.regions}
        self.national_id = self.region_by_code["national"].pk
        self.local_region_ids = [r.pk for r in self.regions if r.code != "national"]
        self.counts: dict[str, int] = {}
        # Filled as we go.
        self.orgs: list[Any] = []
        self.focus_of: dict[int, str] = {}  # organisation id -> focus area
        self.pool: dict[str, dict[int, list[Any]]] = defaultdict(lambda: defaultdict(list))
        self.pool_all: dict[str, list[Any]] = defaultdict(list)
        self.places = self._places()
        self.plans: list[Plan] = []
        self.location_rows: list[Any] = []

    # -- names ------------------------------------------------------------------------------
    def _places(self) -> list[str]:
        places = [a + b for a, b in itertools.product(PLACE_START, PLACE_END)]
        self.rng.shuffle(places)
        return places

    def place(self) -> str:
        return self.rng.choice(self.places)

    # -- organisations ------------------------------------------------------------------------
    def organisations(self) -> None:
        from partnerships.models import Organisation

        self.progress.start("organisations")
        rng, n = self.rng, self.args.organisations
        kinds: list[str] = []
        for kind, share in KIND_SHARES.items():
            kinds += [kind] * round(n * share)
        kinds = (kinds + ["charity"] * n)[:n]
        rng.shuffle(kinds)
        region_weights = {self.region_by_code[c].pk: w for c, w in REGION_WEIGHTS.items()}
        local_weights = {k: v for k, v in region_weights.items() if k != self.national_id}
        slugs, identifiers, names = Slugs(), set(), set()
        unique_places = iter(self.places * 3)  # prisons and police forces take a place each
        rows = []
        for kind in kinds:
            focus = weighted(rng, FOCUS_WEIGHTS)
            if kind in PROVIDERS or kind in ("commissioning_body", "other_statutory"):
                region_id = weighted(rng, region_weights)
            else:
                region_id = weighted(rng, local_weights)
            name = self._org_name(kind, focus, names, unique_places)
            names.add(name)
            identifier = self._identifier(kind, identifiers)
            description = ""
            if kind in PROVIDERS and rng.random() < 0.75:
                where = rng.choice(["in prisons and the community", "in the community",
                                    "in custody", "for people on probation",
                                    "for people leaving prison"])
                description = (f"{rng.choice(FOCUS[focus]['what']).capitalize()} {where}. "
                               f"Works with "
                               f"{rng.choice(['women', 'young adults', 'men', 'families'])} "
                               f"across {self.place()} and the surrounding area.")
            elif kind == "nhs_body":
                focus = rng.choice(["mental-health", "substance-misuse", "health"])
            slug = slugs(name)
            website = ""
            if kind in PROVIDERS and rng.random() < 0.4:
                website = f"https://{slug[:40].strip('-')}.example.org"
            org = Organisation(name=name, slug=slug, kind=kind, identifier=identifier,
                               region_id=region_id, description=description, website=website)
            rows.append(org)
            self.focus_of[id(org)] = focus
        bulk(Organisation, rows, self.batch)
        self.focus_of = {org.pk: self.focus_of[id(org)] for org in rows}
        for org in rows:
            self.pool[org.kind][org.region_id].append(org)
            self.pool_all[org.kind].append(org)
        self.orgs = rows
        # Charity groups: a parent providing back-office services to member charities that
        # keep their own boards. Members come from the parent's region.
        charities = list(self.pool_all["charity"])
        rng.shuffle(charities)
        n_groups = max(1, round(len(charities) * 0.025))
        parents, members = charities[:n_groups], []
        free = charities[n_groups:]
        for parent in parents:
            parent.description = (parent.description + " " if parent.description else "") + \
                "Parent charity providing finance, HR, IT and data protection services to " \
                "its member charities, each with its own board."
            same_region = [c for c in free if c.region_id == parent.region_id][:rng.randint(2, 6)]
            for member in same_region:
                member.parent_id = parent.pk
                free.remove(member)
                members.append(member)
        Organisation.objects.bulk_update(members, ["parent"], batch_size=self.batch)
        Organisation.objects.bulk_update(parents, ["description"], batch_size=self.batch)
        self.counts["organisations"] = len(rows)
        self.progress.done(organisations=len(rows), groups=len(parents),
                           group_members=len(members))

    def _org_name(self, kind: str, focus: str, names: set[str], places: Any) -> str:
        rng = self.rng
        for _ in range(20):
            if kind in PROVIDERS:
                noun = rng.choice(FOCUS[focus]["org"])
                first = self.place() if rng.random() < 0.55 else rng.choice(BRANDS)
                name = f"{first} {noun}"
                if kind == "social_enterprise":
                    name += rng.choice([" CIC", " CIC", " Ltd"])
            elif kind == "prison":
                name = f"{rng.choice(['HMP', 'HMP', 'HMP', 'HMYOI', 'HMP & YOI'])} {next(places)}"
            elif kind == "police":
                name = f"{next(places)}{rng.choice(['shire Police', ' Police', ' Constabulary'])}"
            elif kind == "probation":
                name = f"Probation Service {self.place()} Delivery Unit"
            elif kind == "local_authority":
                name = f"{self.place()} " + rng.choice(
                    ["City Council", "County Council", "Borough Council",
                     "Metropolitan Borough Council", "District Council"])
            elif kind == "nhs_body":
                place = self.place()
                name = rng.choice([f"{place} NHS Foundation Trust",
                                   f"NHS {place} Integrated Care Board",
                                   f"{place} Healthcare NHS Trust",
                                   f"NHS {place} Clinical Commissioning Group"])
            elif kind == "commissioning_body":
                place = self.place()
                name = rng.choice([
                    f"Office of the Police and Crime Commissioner for {place}shire",
                    f"{place} Drug and Alcohol Action Team",
                    f"{place} Area Planning Board",
                    f"{place} Substance Misuse Action Team",
                    f"{place} Reducing Reoffending Commissioning Board"])
            else:
                place = self.place()
                name = rng.choice([f"Prison Service {place} Group",
                                   f"{place} Youth Justice Service",
                                   f"{place} Community Foundation",
                                   f"{rng.choice(BRANDS)} Lottery Fund"])
            if name not in names:
                return name
        return f"{name} ({self.place()})"

    def _identifier(self, kind: str, used: set[str]) -> str:
        rng = self.rng
        if kind in PROVIDERS and rng.random() < 0.05:
            return ""  # small unregistered groups
        letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
        for _ in range(50):
            if kind == "charity":
                ident = f"GB-CHC-{rng.randint(1000000, 1209999)}"
            elif kind == "social_enterprise":
                ident = f"GB-COH-{rng.choice(['07', '08', '09', '10', '11', '12', '13'])}" \
                        f"{rng.randint(0, 999999):06d}"
            elif kind == "prison":
                ident = f"GB-GOR-PRN{rng.randint(0, 9999):04d}"
            elif kind == "police":
                ident = f"GB-GOR-PF{rng.randint(0, 9999):04d}"
            elif kind == "probation":
                ident = f"GB-GOR-PS{rng.randint(0, 9999):04d}"
            elif kind == "local_authority":
                ident = "GB-LAE-" + "".join(rng.choice(letters) for _ in range(3))
            elif kind == "nhs_body":
                ident = f"GB-NHS-{rng.choice(letters)}{rng.choice(letters + '0123456789')}" \
                        f"{rng.randint(0, 9)}"
            else:
                ident = f"GB-GOR-{rng.choice(letters)}{rng.choice(letters)}" \
                        f"{rng.randint(0, 9999):04d}"
            if ident not in used:
                used.add(ident)
                return ident
        return ""

    # -- partnerships -----------------------------------------------------------------------
    def partnerships(self) -> None:
        from partnerships.models import Partnership

        self.progress.start("partnerships")
        rng, n, as_of = self.rng, self.args.partnerships, self.as_of
        shapes: list[int] = []
        for shape, spec in SHAPES.items():
            shapes += [shape] * round(n * spec["share"])
        shapes = (shapes + [5] * n)[:n]
        rng.shuffle(shapes)
        slugs, rows, plans = Slugs(), [], []
        region_links = []
        for shape in shapes:
            focus = self._shape_focus(shape)
            status = weighted(rng, {"active": 72, "ended": 18, "forming": 10})
            ended_on = None
            if status == "active":
                started_on = between(rng, D(2008, 4, 1), as_of - 90 * DAY)
                life_start = started_on
            elif status == "ended":
                started_on = between(rng, D(2005, 4, 1), D(2021, 4, 1))
                ended_on = between(rng, started_on + 2 * YEAR * DAY, as_of - 30 * DAY)
                life_start = started_on
            else:  # forming: members are joining; some have no start date yet
                life_start = between(rng, as_of - 300 * DAY, as_of - 30 * DAY)
                started_on = life_start if rng.random() < 0.4 else None
            # April starts are common (the financial year).
            if started_on and rng.random() < 0.5:
                started_on = life_start = D(started_on.year, 4, 1) if D(
                    started_on.year, 4, 1) < (ended_on or as_of) - 60 * DAY else started_on
            if shape == 1 and rng.random() < 0.5:
                region_ids = [self.national_id]
            elif shape == 1:
                region_ids = rng.sample(self.local_region_ids, rng.randint(1, 3))
            else:
                region_ids = [rng.choice(self.local_region_ids)]
            setting = {1: ["custody", "custody", "both"], 2: ["both", "custody"],
                       3: ["community"], 4: ["community", "both"],
                       5: ["custody"]}[shape]
            place = self.place()
            name = self._partnership_name(shape, focus, place)
            summary = self._partnership_summary(shape, focus, place)
            obj = Partnership(name=name, slug=slugs(name), summary=summary,
                              setting=rng.choice(setting), status=status,
                              started_on=started_on, ended_on=ended_on)
            rows.append(obj)
            plans.append(Plan(obj=obj, shape=shape, focus=focus, region_ids=region_ids,
                              life_start=life_start, ended_on=ended_on))
        bulk(Partnership, rows, self.batch)
        through = Partnership.regions.through
        for plan in plans:
            region_links += [through(partnership_id=plan.obj.pk, region_id=r)
                             for r in plan.region_ids]
        bulk(through, region_links, self.batch)
        self.plans = plans
        self.counts["partnerships"] = len(rows)
        by_status = defaultdict(int)
        for row in rows:
            by_status[row.status] += 1
        self.progress.done(partnerships=len(rows), region_links=len(region_links),
                           **dict(sorted(by_status.items())))

    def _shape_focus(self, shape: int) -> str:
        options = {1: ["family-support", "substance-misuse", "employment-education",
                       "peer-support", "housing"],
                   2: ["substance-misuse", "substance-misuse", "alcohol", "mental-health"],
                   3: ["womens-services", "womens-services", "domestic-abuse",
                       "substance-misuse", "mental-health"],
                   4: ["housing", "mental-health", "substance-misuse"],
                   5: ["purposeful-activity", "family-support", "peer-support",
                       "restorative-justice", "life-skills"]}[shape]
        return self.rng.choice(options)

    def _partnership_name(self, shape: int, focus: str, place: str) -> str:
        rng = self.rng
        area = focus.replace("-", " ").replace("womens", "women's")
        if shape == 1:
            return rng.choice([f"{rng.choice(BRANDS)} National {area.title()} Service",
                               f"{place} {area.title()} Contract",
                               f"{rng.choice(BRANDS)} {area.title()} Through the Gate"])
        if shape == 2:
            return rng.choice([f"{place} Prisons Recovery Partnership",
                               f"{place} Custody {area.title()} Partnership",
                               f"{place} Prison Group Treatment Alliance"])
        if shape == 3:
            return rng.choice([f"{place} Women's Centre Partnership",
                               f"{place} {area.title()} Hub",
                               f"{place} Whole System Approach for Women"])
        if shape == 4:
            return rng.choice([f"{place} Multiple Disadvantage Programme",
                               f"{place} Changing Futures Board",
                               f"{place} Fulfilling Lives Partnership"])
        group = rng.choice(["Reading", "Storytelling", "Gardening", "Family Days",
                            "Peer Support"])
        return rng.choice([f"HMP {place} {group} Group", f"{place} Joint {area.title()} Group"])

    def _partnership_summary(self, shape: int, focus: str, place: str) -> str:
        rng = self.rng
        what = rng.choice(FOCUS[focus]["what"])
        texts = {
            1: (f"A lead charity holds the contract for {what} and sub-contracts partner "
                f"charities. Frontline workers are employed across the partners and use one "
                f"shared case management system, so a person's record follows them when they "
                f"transfer between prisons. Every worker sends a quarterly monitoring report "
                f"to the lead partner."),
            2: (f"Prisons in the {place} group, the prison service and treatment providers "
                f"working together on {what}, coordinated by one provider whose strategic "
                f"partnership manager and partnership managers are each assigned to a prison. "
                f"A partnership working agreement sets out referral pathways and continuity "
                f"into community services on release."),
            3: (f"A hub in {place} where specialist partners offer {what}. Courts refer "
                f"through a specified activity requirement and police refer voluntarily; "
                f"partners' staff are co-located in the hub."),
            4: (f"A long-term programme in {place} for people facing multiple disadvantage: "
                f"homelessness, {what}, mental ill health and offending. A partnership board "
                f"of voluntary organisations and statutory agencies, fed by working groups, "
                f"with a service-user group embedded in governance."),
            5: (f"Two charities run a weekly group in {place} prison under a joint agreement "
                f"signed off by the prison, which assigns who receives materials, who monitors "
                f"attendance and who supervises volunteers. No dedicated funding."),
        }
        return texts[shape]

    # -- memberships --------------------------------------------------------------------------
    def _allocate_rows(self) -> None:
        """Decide how many membership rows each partnership gets so the total is the target:
        base sizes by shape, then the rest spread heavy-tailed, so a few are very large."""
        rng, target = self.rng, self.args.memberships
        for plan in self.plans:
            lo, hi = SHAPES[plan.shape]["size"]
            plan.target_rows = rng.randint(lo, hi)
        base = sum(p.target_rows for p in self.plans)
        extra = target - base
        if extra < 0:  # fewer rows wanted than the base sizes: shrink proportionally
            scale = target / base
            for plan in self.plans:
                plan.target_rows = max(2, round(plan.target_rows * scale))
            return
        # Forming partnerships are still small; the long-running ones grew.
        weights = [SHAPE_GROWTH[p.shape] * rng.paretovariate(1.3)
                   * (0.05 if p.obj.status == "forming" else 1.0) for p in self.plans]
        total_w = sum(weights)
        for plan, w in zip(self.plans, weights, strict=True):
            plan.target_rows += int(extra * w / total_w)
        # Cap the largest and hand the excess (and rounding) to the others, biggest first.
        overflow = 0
        for plan in self.plans:
            if plan.target_rows > MAX_ROWS_PER_PARTNERSHIP:
                overflow += plan.target_rows - MAX_ROWS_PER_PARTNERSHIP
                plan.target_rows = MAX_ROWS_PER_PARTNERSHIP
        overflow += target - sum(p.target_rows for p in self.plans) - overflow
        growable = sorted((p for p in self.plans if p.shape != 5 and p.obj.status != "forming"),
                          key=lambda p: -p.target_rows)
        i = 0
        while overflow > 0 and growable:
            plan = growable[i % len(growable)]
            if plan.target_rows < MAX_ROWS_PER_PARTNERSHIP:
                plan.target_rows += 1
                overflow -= 1
            i += 1
            if i > 10 * len(growable) * MAX_ROWS_PER_PARTNERSHIP:
                break

    def _pick_org(self, kinds: tuple[str, ...], plan: Plan, used: set[int]) -> Any | None:
        rng = self.rng
        regions = plan.region_ids if plan.region_ids != [self.national_id] else None
        for attempt in range(40):
            kind = rng.choice(kinds)
            if regions and attempt < 25:
                candidates = self.pool[kind].get(rng.choice(regions), [])
            else:
                candidates = self.pool_all[kind]
            if candidates:
                org = rng.choice(candidates)
                if org.pk not in used:
                    used.add(org.pk)
                    return org
        for kind in kinds:  # exhaustive fallback for very large partnerships
            for org in self.pool_all[kind]:
                if org.pk not in used:
                    used.add(org.pk)
                    return org
        return None

    def memberships(self) -> None:
        from partnerships.models import Membership

        self.progress.start("memberships")
        self._allocate_rows()
        rows: list[Any] = []
        for plan in self.plans:
            self._plan_members(plan)
            for p in plan.leads + plan.periods:
                rows.append(Membership(partnership_id=plan.obj.pk, organisation_id=p.org.pk,
                                       role=p.role, joined_on=p.joined_on, left_on=p.left_on,
                                       notes=p.notes))
            plan.periods = plan.leads + plan.periods
        bulk(Membership, rows, self.batch)
        self.counts["memberships"] = len(rows)
        left = sum(1 for r in rows if r.left_on)
        sizes = sorted(p.target_rows for p in self.plans)
        self.progress.done(memberships=len(rows), ended_periods=left,
                           largest_partnership=sizes[-1] if sizes else 0)

    def _plan_members(self, plan: Plan) -> None:
        rng, as_of = self.rng, self.as_of
        spec = SHAPES[plan.shape]
        used: set[int] = set()
        start, ended = plan.life_start, plan.ended_on
        end = plan.life_end(as_of)
        budget = plan.target_rows
        life_days = (end - start).days

        # Lead partner timeline: one at a time, one open-ended (none open once ended).
        has_lead = not (plan.obj.status == "forming" and rng.random() < 0.3)
        if has_lead:
            changes = 0
            if life_days > 3 * YEAR and budget >= 4:
                changes = weighted(rng, {0: 75, 1: 20, 2: 5})
            dates = sorted({between(rng, start + YEAR * DAY, end - 60 * DAY)
                            for _ in range(changes)})
            bounds = [start, *dates, ended]  # ended is None when still running
            lead_kinds = ("charity",) if plan.shape == 4 else PROVIDERS
            for i in range(len(bounds) - 1):
                org = self._pick_org(lead_kinds, plan, used)
                if org is None:
                    break
                note = "" if i == len(bounds) - 2 else "Lost the lead contract at recommissioning."
                plan.leads.append(Period(org, "lead_partner", bounds[i], bounds[i + 1], note))
                budget -= 1
            # A former lead sometimes stays on to deliver.
            for lead in plan.leads[:-1]:
                if budget > 1 and rng.random() < 0.5:
                    plan.periods.append(Period(lead.org, "delivery_partner", lead.left_on,
                                               ended, "Stepped down as lead partner; continues "
                                                      "to deliver."))
                    budget -= 1

        seats = list(spec["mandatory"])
        extra_roles = [(role, kinds) for role, kinds, _ in spec["extra"]]
        extra_weights = [w for _, _, w in spec["extra"]]
        while budget > 0:
            if seats:
                role, kinds = seats.pop(0)
            else:
                role, kinds = rng.choices(extra_roles, weights=extra_weights)[0]
            org = self._pick_org(kinds, plan, used)
            if org is None:  # e.g. every prison is already in: take another provider instead
                role = "board_member" if plan.shape == 4 else "delivery_partner"
                org = self._pick_org(PROVIDERS, plan, used)
            if org is None:
                break
            founding = rng.random() < (0.7 if plan.shape in (2, 4, 5) else 0.55)
            joined = start if founding else between(rng, start, end - 30 * DAY)
            if ended:
                left = ended if rng.random() < 0.75 else min(
                    ended, between(rng, joined + 30 * DAY, ended))
            elif rng.random() < 0.2 and (as_of - joined).days > 60:
                left = between(rng, joined + 30 * DAY, as_of - DAY)
            else:
                left = None
            if left is not None and left <= joined:
                left = ended if ended else None
            if left is not None and left <= joined:  # a very short life: stay to the end
                joined, left = start, ended
            note = rng.choice(LEAVING_NOTES) if left and left != ended and \
                rng.random() < 0.4 else ""
            plan.periods.append(Period(org, role, joined, left, note))
            budget -= 1
            # Some leavers come back later (a new row; the old one is kept).
            if (left and left != ended and budget > 0 and (end - left).days > 90
                    and rng.random() < 0.25):
                rejoined = between(rng, left, end - 60 * DAY)
                plan.periods.append(Period(org, role, rejoined, ended,
                                           "Rejoined when the service was recommissioned."))
                budget -= 1

        # A hub that shrank: at recommissioning all but two delivery partners left.
        if (plan.shape == 3 and not ended and (as_of - start).days > 4 * YEAR
                and rng.random() < 0.5):
            cut = between(rng, start + 3 * YEAR * DAY, as_of - 60 * DAY)
            plan.recommissioned_on = cut
            in_force = [p for p in plan.periods
                        if p.role == "delivery_partner" and p.joined_on < cut
                        and (p.left_on is None or p.left_on > cut)]
            keep = {id(p) for p in rng.sample(in_force, min(2, len(in_force)))}
            rejoining = {p.org.pk for p in plan.periods if p.joined_on >= cut}
            for p in in_force:
                if id(p) not in keep and p.org.pk not in rejoining:
                    p.left_on = cut
                    p.notes = "Left at recommissioning: the contract was halved."

    # -- lead responsibilities ------------------------------------------------------------
    def lead_responsibilities(self) -> None:
        from partnerships.models import Activity, LeadResponsibility

        self.progress.start("lead responsibilities")
        rng = self.rng
        standard = {a.slug: a for a in Activity.objects.filter(is_standard=True)}
        custom: list[Any] = []
        custom_for: list[tuple[Plan, Any, Period]] = []
        rows: list[Any] = []
        for plan in self.plans:
            final = plan.final_members()
            if not final:
                continue
            lead_now = next((p for p in final if p.role == "lead_partner"), None)
            k = {1: (3, 6), 2: (5, 9), 3: (4, 7), 4: (4, 8), 5: (1, 3)}[plan.shape]
            slugs = rng.sample(sorted(standard), min(len(standard), rng.randint(*k)))
            if lead_now and "case-management" not in slugs:
                slugs[0] = "case-management"
            for slug in slugs:
                activity = standard[slug]
                if slug in ("case-management", "referral-pathways") and plan.leads:
                    # The lead partner holds it; it passes on with the lead role.
                    for lead in plan.leads:
                        rows.append(self._responsibility(plan, activity.pk, lead, lead.joined_on))
                    continue
                holder = self._holder(slug, final)
                starts = holder.joined_on
                previous = [p for p in plan.periods
                            if p.left_on and p.left_on != plan.ended_on
                            and p.left_on <= holder.joined_on + 400 * DAY
                            and p.org.pk != holder.org.pk]
                if previous and rng.random() < 0.3:
                    before = rng.choice(previous)
                    rows.append(self._responsibility(plan, activity.pk, before,
                                                     before.joined_on))
                    starts = max(starts, before.left_on)
                if holder.left_on and starts >= holder.left_on:
                    continue
                rows.append(self._responsibility(plan, activity.pk, holder, starts))
            # Multi-site partnerships add a custom activity per prison: its partnership manager.
            if plan.shape == 2 and lead_now:
                prisons = [p for p in final if p.org.kind == "prison"][:7]
                for prison in prisons:
                    name = f"Partnership management at {prison.org.name}"
                    act = Activity(name=name, slug=self._slug(name)[:140],
                                   description=f"The partnership manager assigned to "
                                               f"{prison.org.name}.",
                                   is_standard=False, partnership_id=plan.obj.pk,
                                   position=200)
                    custom.append(act)
                    custom_for.append((plan, act, prison))
        bulk(Activity, custom, self.batch)
        for plan, act, prison in custom_for:
            lead_now = next(p for p in plan.final_members() if p.role == "lead_partner")
            starts = max(lead_now.joined_on, prison.joined_on)
            rows.append(LeadResponsibility(
                partnership_id=plan.obj.pk, activity_id=act.pk, organisation_id=lead_now.org.pk,
                starts_on=starts, ends_on=lead_now.left_on,
                contact=f"Partnership Manager, {prison.org.name}"))
        bulk(LeadResponsibility, rows, self.batch)
        self.counts["lead_responsibilities"] = len(rows)
        self.counts["custom_activities"] = len(custom)
        self.progress.done(lead_responsibilities=len(rows), custom_activities=len(custom))

    @staticmethod
    def _slug(text: str) -> str:
        from django.utils.text import slugify

        return slugify(text)

    def _holder(self, slug: str, final: list[Period]) -> Period:
        rng = self.rng
        prefer = {
            "overall-supervision": ("probation",), "offending-behaviour-programmes": (
                "probation",),
            "treatment-delivery": ("charity", "social_enterprise", "nhs_body"),
            "treatment-commissioning": ("commissioning_body", "nhs_body", "local_authority"),
            "performance-management": ("commissioning_body", "local_authority", "nhs_body"),
            "information-sharing": ("prison", "other_statutory", "probation"),
        }.get(slug, ("charity", "social_enterprise"))
        fitting = [p for p in final if p.org.kind in prefer]
        return rng.choice(fitting or final)

    def _responsibility(self, plan: Plan, activity_id: int, member: Period,
                        starts: datetime.date) -> Any:
        from partnerships.models import LeadResponsibility

        return LeadResponsibility(
            partnership_id=plan.obj.pk, activity_id=activity_id,
            organisation_id=member.org.pk, starts_on=starts, ends_on=member.left_on,
            contact=self.rng.choice(CONTACTS))

    # -- agreements ---------------------------------------------------------------------------
    def agreements(self) -> None:
        from partnerships.models import Agreement, Signatory

        self.progress.start("agreements")
        rng, as_of = self.rng, self.as_of
        refs = {
            1: [("sla", "service_level", "Service level agreement: {area} sub-contracts"),
                ("contract", "contract", "{area} contract"),
                ("isp", "information_sharing", "Information-sharing protocol")],
            2: [("pwa", "partnership_working", "{place} partnership working agreement"),
                ("isp", "information_sharing", "Information-sharing protocol"),
                ("sla-treatment", "service_level", "Service level agreement: treatment")],
            3: [("hub-pwa", "partnership_working", "Hub partnership agreement"),
                ("isp", "information_sharing", "Information-sharing protocol"),
                ("mou-colocation", "mou", "Memorandum of understanding: co-location")],
            4: [("board-tor", "partnership_working", "Partnership board terms of reference"),
                ("isp", "information_sharing", "Information-sharing protocol"),
                ("mou-data", "mou", "Memorandum of understanding: shared outcomes data")],
            5: [("joint", "joint", "Joint agreement signed off by the prison")],
        }
        # Versions are written in rounds (all v1, then all v2 replacing them...) so each new
        # version can point at the id of the one it replaced.
        rounds: list[list[tuple[Plan, dict[str, Any]]]] = [[] for _ in range(5)]
        for plan in self.plans:
            if not plan.periods:
                continue
            end = plan.life_end(as_of)
            chosen = refs[plan.shape][:1] + [r for r in refs[plan.shape][1:]
                                              if rng.random() < 0.55]
            for reference, kind, title in chosen:
                area = plan.focus.replace("-", " ").capitalize()
                title = title.format(area=area, place=plan.obj.name.split(" ")[0])
                first = plan.life_start + rng.randint(0, 200) * DAY
                if plan.shape == 2 and reference == "pwa":
                    first = plan.life_start + 183 * DAY  # launched six months after formation
                if first >= end:
                    first = plan.life_start
                n_versions = weighted(rng, {1: 55, 2: 30, 3: 12, 4: 3})
                dates = [first]
                for _ in range(n_versions - 1):
                    nxt = dates[-1] + rng.randint(400, 1400) * DAY
                    if nxt >= end - 30 * DAY:
                        break
                    dates.append(nxt)
                draft_next = plan.obj.status == "active" and rng.random() < 0.08
                for i, effective in enumerate(dates):
                    last = i == len(dates) - 1
                    if plan.obj.status == "forming":
                        status = "draft"
                    elif not last:
                        status = "superseded"
                    elif plan.ended_on:
                        status = "expired"
                    else:
                        status = "active"
                    version = {"reference": reference, "kind": kind, "title": title,
                               "version": i + 1, "status": status,
                               "effective_from": effective if status != "draft" or
                               rng.random() < 0.5 else None}
                    version.update(self._review_dates(plan, status, effective, dates, i))
                    rounds[i].append((plan, version))
                if draft_next and len(dates) < 4:
                    rounds[len(dates)].append((plan, {
                        "reference": reference, "kind": kind, "title": title,
                        "version": len(dates) + 1, "status": "draft", "effective_from": None,
                        "review_due": None, "expires_on": None}))
        made: dict[tuple[int, str, int], Any] = {}
        all_rows: list[tuple[Plan, Any]] = []
        for number, versions in enumerate(rounds, start=1):
            rows = []
            for plan, v in versions:
                previous = made.get((plan.obj.pk, v["reference"], number - 1))
                row = Agreement(
                    partnership_id=plan.obj.pk, kind=v["kind"], reference=v["reference"],
                    title=v["title"], version=v["version"], status=v["status"],
                    summary=self._agreement_summary(v["kind"], plan),
                    effective_from=v["effective_from"], review_due=v["review_due"],
                    expires_on=v["expires_on"],
                    replaces_id=previous.pk if previous else None,
                    change_reason=rng.choice([
                        "Annual review: updated contacts and referral pathways.",
                        "Rewritten after recommissioning.", "New partner joined.",
                        "Updated for the probation reforms.",
                        "Data protection changes (UK GDPR)."]) if previous else "")
                rows.append(row)
                all_rows.append((plan, row))
            bulk(Agreement, rows, self.batch)
            for row in rows:
                made[(row.partnership_id, row.reference, row.version)] = row
        # Signatories: parties drawn from the members in force when it took effect.
        signatories = []
        for plan, row in all_rows:
            when = row.effective_from or as_of
            in_force = [p for p in plan.periods if p.joined_on <= when
                        and (p.left_on is None or p.left_on > when)] or plan.periods
            orgs = list({p.org.pk: p.org for p in in_force}.values())
            n = {"joint": 3, "service_level": 4, "contract": 2}.get(row.kind, 6)
            lead = next((p.org for p in in_force if p.role == "lead_partner"), None)
            parties = rng.sample(orgs, min(len(orgs), rng.randint(2, n)))
            if lead and lead not in parties:
                parties[0] = lead
            for org in parties:
                signed = None
                if row.status != "draft" or rng.random() < 0.3:
                    signed = (row.effective_from or as_of) - rng.randint(1, 40) * DAY
                signatories.append(Signatory(
                    agreement_id=row.pk, organisation_id=org.pk,
                    signed_by=rng.choice(JOB_TITLES) if signed else "", signed_on=signed))
        bulk(Signatory, signatories, self.batch)
        overdue = sum(1 for _, r in all_rows
                      if r.status == "active" and r.review_due and r.review_due < as_of)
        self.counts["agreements"] = len(all_rows)
        self.counts["signatories"] = len(signatories)
        self.progress.done(agreements=len(all_rows), active_overdue_for_review=overdue,
                           signatories=len(signatories))

    def _review_dates(self, plan: Plan, status: str, effective: datetime.date,
                      dates: list[datetime.date], i: int) -> dict[str, Any]:
        rng, as_of = self.rng, self.as_of
        if status == "active":
            if rng.random() < 0.15:  # overdue for review
                review = max(effective, as_of - rng.randint(1, 500) * DAY)
            else:
                review = as_of + rng.randint(30, 1000) * DAY
            expires = review + rng.randint(0, 3) * YEAR * DAY if rng.random() < 0.5 else None
        elif status == "superseded":
            review = dates[i + 1] if i + 1 < len(dates) else effective + YEAR * DAY
            expires = None
        elif status == "expired":
            review = min(effective + 2 * YEAR * DAY, plan.ended_on or as_of)
            review = max(review, effective)
            expires = max(plan.ended_on or as_of, effective)
        else:
            review = expires = None
        return {"review_due": review, "expires_on": expires}

    def _agreement_summary(self, kind: str, plan: Plan) -> str:
        what = FOCUS[plan.focus]["what"][0]
        return {
            "service_level": f"The agreed performance framework for {what}: caseloads, "
                             f"outcomes and a quarterly monitoring report to the lead partner; "
                             f"contract reviews every quarter.",
            "contract": f"The commissioner's contract for {what}.",
            "information_sharing": "What is shared, with whom, on a need-to-know basis, and "
                                   "how requests and breaches are handled.",
            "partnership_working": "Roles of each partner, referral pathways between services "
                                   "and continuity of care on release; reviewed at quarterly "
                                   "meetings.",
            "mou": "How partners share premises and data, and how disagreements are settled.",
            "joint": "Who receives materials, who monitors attendance and who supervises "
                     "volunteers.",
        }[kind]

    # -- funding ----------------------------------------------------------------------------
    def funding(self) -> None:
        from partnerships.models import Funding

        self.progress.start("funding")
        rng, as_of = self.rng, self.as_of
        rows = []
        ranges = {1: (500_000, 3_000_000), 2: (1_000_000, 8_000_000), 3: (150_000, 900_000),
                  4: (5_000_000, 12_000_000)}
        for plan in self.plans:
            if plan.shape == 5 or plan.obj.status == "forming" or not plan.periods:
                if plan.shape == 5 and plan.periods and rng.random() < 0.15:
                    rows.append(self._grant(plan, rng.choice(self.pool_all["other_statutory"]),
                                            "in_kind", Decimal("0.00"), plan.life_start,
                                            plan.life_start + YEAR * DAY, None))
                continue
            funders = [p.org for p in plan.periods if p.role in ("commissioner", "funder")]
            if not funders:
                funders = [rng.choice(self.pool_all["commissioning_body"])]
            source = "lottery" if plan.shape == 4 else rng.choice(["contract", "contract",
                                                                    "grant"])
            lo, hi = ranges[plan.shape]
            amount = Decimal(rng.randrange(lo, hi, 5_000))
            start = plan.life_start
            end = plan.life_end(as_of)
            length = 8 if plan.shape == 4 else rng.choice([3, 5, 7])
            while start < end:
                period_end = min(start + length * YEAR * DAY - DAY,
                                 (plan.ended_on - DAY) if plan.ended_on else D(2035, 3, 31))
                if period_end < start:
                    break
                if plan.recommissioned_on and start < plan.recommissioned_on <= period_end:
                    period_end = plan.recommissioned_on - DAY
                lead = next((p.org for p in plan.leads if p.joined_on <= start
                             and (p.left_on is None or p.left_on > start)), None)
                rows.append(self._grant(plan, rng.choice(funders), source, amount, start,
                                        period_end, lead if rng.random() < 0.8 else None))
                if plan.recommissioned_on and period_end == plan.recommissioned_on - DAY:
                    amount = (amount / 2).quantize(Decimal("0.01"))  # halved
                start = period_end + DAY
        bulk(Funding, rows, self.batch)
        self.counts["funding"] = len(rows)
        self.progress.done(funding_periods=len(rows))

    def _grant(self, plan: Plan, funder: Any, source: str, amount: Decimal,
               start: datetime.date, end: datetime.date, recipient: Any) -> Any:
        from partnerships.models import Funding

        return Funding(partnership_id=plan.obj.pk, funder_id=funder.pk,
                       recipient_id=recipient.pk if recipient else None, source=source,
                       amount=amount, period_start=start, period_end=max(end, start),
                       reference=f"{source[:3].upper()}/{start.year}/{plan.obj.pk:04d}")

    # -- locations ---------------------------------------------------------------------------
    def locations(self) -> None:
        from services.models import Location

        self.progress.start("locations")
        rng = self.rng
        slugs, rows = Slugs(), []
        categories = {"B": 20, "C": 45, "D": 10, "A": 5, "women_closed": 7, "women_open": 3,
                      "yoi": 10}
        for prison in self.pool_all["prison"]:
            rows.append(Location(
                name=prison.name, slug=slugs(prison.name), kind="prison", operator_id=prison.pk,
                region_id=prison.region_id, address=f"{prison.name}, {self.place()}",
                postcode=self._postcode(), prison_category=weighted(rng, categories),
                operational_capacity=rng.randint(30, 170) * 10))
        others = max(0, self.args.locations - len(rows))
        kinds = {"probation_office": 35, "community_hub": 40, "hospital": 10, "other": 15}
        for _ in range(others):
            kind = weighted(rng, kinds)
            place = self.place()
            if kind == "probation_office":
                operator = rng.choice(self.pool_all["probation"])
                name = f"{place} Probation Office"
            elif kind == "community_hub":
                operator = rng.choice(self.pool_all[rng.choice(PROVIDERS)])
                name = rng.choice([f"{place} Community Hub", f"{place} Women's Centre hub",
                                   f"{place} Recovery Hub", f"{place} Navigator Hub"])
            elif kind == "hospital":
                operator = rng.choice(self.pool_all["nhs_body"])
                name = f"{place} General Hospital"
            else:
                operator = rng.choice(self.pool_all["local_authority"])
                name = rng.choice([f"{place} Library", f"{place} Jobcentre",
                                   f"{place} Magistrates' Court"])
            street = rng.choice(["High Street", "Mill Lane", "Foundry Yard", "Station Road",
                                 "Chantry Street"])
            rows.append(Location(
                name=name, slug=slugs(name), kind=kind, operator_id=operator.pk,
                region_id=operator.region_id, address=f"{rng.randint(1, 120)} {street}, {place}",
                postcode=self._postcode()))
        bulk(Location, rows, self.batch)
        self.location_rows = rows
        self.counts["locations"] = len(rows)
        self.progress.done(locations=len(rows), prisons=len(self.pool_all["prison"]))

    def _postcode(self) -> str:
        rng = self.rng
        letters = "ABCDEFGHJKLMNPRSTUWY"
        return (f"{rng.choice(letters)}{rng.choice(letters)}{rng.randint(1, 29)} "
                f"{rng.randint(0, 9)}{rng.choice(letters)}{rng.choice(letters)}")

    # -- services ----------------------------------------------------------------------------
    def services(self) -> None:
        from services.models import Service, ServiceAtLocation, ServiceCategory

        self.progress.start("services")
        rng, n = self.rng, self.args.services
        category_ids = dict(ServiceCategory.objects.values_list("slug", "pk"))
        # Services under a partnership come from its providers, more for larger partnerships.
        offers: list[tuple[Plan | None, Period | None]] = []
        weights: list[float] = []
        for plan in self.plans:
            for p in plan.periods:
                current_lead = p.role == "lead_partner" and p.left_on in (None, plan.ended_on)
                provider = p.org.kind in (*PROVIDERS, "nhs_body") and p.role != "lead_partner"
                if provider or current_lead:
                    offers.append((plan, p))
                    weights.append(2.0 if p.role == "lead_partner" else 1.0)
        cumulative = list(itertools.accumulate(weights))
        independent = [o for k in PROVIDERS for o in self.pool_all[k]]
        by_region_kind: dict[tuple[int, str], list[Any]] = defaultdict(list)
        prisons_of_org: dict[int, Any] = {}
        for loc in self.location_rows:
            by_region_kind[(loc.region_id, loc.kind)].append(loc)
            if loc.kind == "prison":
                prisons_of_org[loc.operator_id] = loc
        slugs, rows, plans_of = Slugs(), [], []
        for _ in range(n):
            if offers and rng.random() < 0.85:
                i = bisect.bisect_left(cumulative, rng.random() * cumulative[-1])
                plan, period = offers[min(i, len(offers) - 1)]
                provider = period.org
                setting = plan.obj.setting
            else:
                plan, provider = None, rng.choice(independent)
                setting = rng.choice(["community", "community", "custody", "both"])
            focus = self.focus_of.get(provider.pk, "substance-misuse")
            if plan and rng.random() < 0.5:
                focus = plan.focus
            base = rng.choice(FOCUS[focus]["service"])
            where = self.place()
            name = rng.choice([base, f"{base} in {where}", f"{where} {base[0].lower()}{base[1:]}",
                               f"{base} ({provider.name})"])
            gender = "women" if focus in ("womens-services", "domestic-abuse") and \
                rng.random() < 0.7 else weighted(rng, {"any": 88, "women": 7, "men": 5})
            min_age = weighted(rng, {18: 85, 16: 5, 21: 5, 25: 5})
            max_age = rng.choice([None, None, None, None, 25, 65]) if min_age < 25 else None
            routes = [rng.random() < 0.4, rng.random() < 0.85, rng.random() < 0.2]
            if not any(routes):
                routes[1] = True
            cats = [focus] + rng.sample(RELATED_FOCUS[focus], rng.randint(0, 2))
            where_delivered = "in custody" if setting == "custody" else "in the community"
            referrer = rng.choice(["probation", "the courts", "prison staff", "police",
                                   "themselves"])
            row = Service(
                name=name[:200], slug=slugs(name), provider_id=provider.pk,
                partnership_id=plan.obj.pk if plan else None,
                description=f"{rng.choice(FOCUS[focus]['what']).capitalize()} "
                            f"{where_delivered} for people referred by {referrer}.",
                gender=gender, min_age=min_age, max_age=max_age, setting=setting,
                accepts_self_referral=routes[0], accepts_professional_referral=routes[1],
                accepts_court_ordered=routes[2], is_active=rng.random() < 0.92)
            row._bench_categories = list(dict.fromkeys(category_ids[c] for c in cats))
            rows.append(row)
            plans_of.append(plan)
        bulk(Service, rows, self.batch)
        through = Service.categories.through
        links = [through(service_id=s.pk, servicecategory_id=c)
                 for s in rows for c in s._bench_categories]
        bulk(through, links, self.batch)
        # Where each service is delivered: prisons for custody, offices and hubs otherwise;
        # co-located when the provider's staff work in somebody else's building.
        sites = []
        all_locations = self.location_rows
        for service, plan in zip(rows, plans_of, strict=True):
            region_ids = plan.region_ids if plan else [self.orgs_region(service.provider_id)]
            if region_ids == [self.national_id]:
                region_ids = self.local_region_ids
            prisons_here = []
            if plan:
                prisons_here = [prisons_of_org[p.org.pk] for p in plan.periods
                                if p.org.pk in prisons_of_org]
            chosen: dict[int, Any] = {}
            for _ in range(weighted(self.rng, {1: 45, 2: 35, 3: 20})):
                if service.setting == "custody" or (service.setting == "both"
                                                    and rng.random() < 0.5):
                    options = prisons_here or by_region_kind[(rng.choice(region_ids), "prison")]
                else:
                    kind = weighted(rng, {"community_hub": 50, "probation_office": 35,
                                          "hospital": 5, "other": 10})
                    options = by_region_kind[(rng.choice(region_ids), kind)]
                loc = rng.choice(options or all_locations)
                chosen[loc.pk] = loc
            for loc in chosen.values():
                someone_else = loc.operator_id != service.provider_id
                co_located = someone_else and loc.kind in ("prison", "probation_office",
                                                           "community_hub") and \
                    rng.random() < 0.4
                sites.append(ServiceAtLocation(
                    service_id=service.pk, location_id=loc.pk, co_located=co_located,
                    notes=rng.choice(SITE_NOTES) if rng.random() < 0.3 else ""))
        bulk(ServiceAtLocation, sites, self.batch)
        self.counts["services"] = len(rows)
        self.counts["service_categories"] = len(links)
        self.counts["services_at_locations"] = len(sites)
        self.progress.done(services=len(rows), category_links=len(links),
                           delivery_sites=len(sites),
                           co_located=sum(1 for s in sites if s.co_located))

    def orgs_region(self, org_id: int) -> int:
        if not hasattr(self, "_org_region"):
            self._org_region = {o.pk: o.region_id for o in self.orgs}
        region = self._org_region.get(org_id) or self.national_id
        return region if region != self.national_id else self.rng.choice(self.local_region_ids)

    # -- users -------------------------------------------------------------------------------
    def users(self) -> None:
        from django.contrib.auth import get_user_model

        self.progress.start("users")
        user_model = get_user_model()
        commissioner_org = self.pool_all["commissioning_body"][0]
        user = user_model(username=BENCH_COMMISSIONER, first_name="Bench",
                          last_name="Commissioner", email="bench-commissioner@example.org",
                          role="commissioner", organisation_id=commissioner_org.pk)
        user.set_unusable_password()  # the benchmark signs in with force_login
        user.save()
        self.progress.done(users=1)

    def run(self) -> None:
        self.organisations()
        self.partnerships()
        self.memberships()
        self.lead_responsibilities()
        self.agreements()
        self.funding()
        self.locations()
        self.services()
        self.users()


# ------------------------------------------------------------------------------------------
# Existing data, and --wipe
# ------------------------------------------------------------------------------------------
def registry_models() -> list[tuple[type, str]]:
    """The tables the generator writes, children first, with the condition for its rows.

    Reference data seeded by migrations (regions, standard activities, service categories)
    is kept; so are users other than the generator's ``bench-`` users.
    """
    from django.contrib.auth import get_user_model

    from partnerships.models import (
        Activity,
        Agreement,
        Funding,
        LeadResponsibility,
        Membership,
        Organisation,
        Partnership,
        Signatory,
    )
    from services.models import Location, Service, ServiceAtLocation

    return [
        (ServiceAtLocation, ""), (Service.categories.through, ""), (Service, ""),
        (Location, ""), (Signatory, ""), (Agreement, ""), (Funding, ""),
        (LeadResponsibility, ""), (Activity, "partnership_id IS NOT NULL"),
        (Membership, ""), (Partnership.regions.through, ""), (Partnership, ""),
        (get_user_model(), f"username LIKE '{BENCH_USER_PREFIX}%%'"), (Organisation, ""),
    ]


def existing_rows() -> dict[str, int]:
    from partnerships.models import Organisation, Partnership
    from services.models import Location, Service

    return {m._meta.label: m.objects.count() for m in (Organisation, Partnership, Service,
                                                        Location)}


def blocking_references() -> list[str]:
    """Rows outside the generator's tables that point at rows --wipe would delete (cases,
    monitoring returns, users of other organisations...): wiping would break them, so refuse."""
    from django.contrib.auth import get_user_model

    wiped = {m for m, _ in registry_models()}
    user_model = get_user_model()
    found = []
    for model, _ in registry_models():
        for rel in model._meta.related_objects:
            if rel.many_to_many or rel.related_model in wiped and \
                    rel.related_model is not user_model:
                continue
            qs = rel.related_model._base_manager.filter(**{f"{rel.field.name}__isnull": False})
            if rel.related_model is user_model:
                qs = qs.exclude(username__startswith=BENCH_USER_PREFIX)
            if model is user_model:
                qs = qs.filter(**{f"{rel.field.name}__username__startswith":
                                  BENCH_USER_PREFIX})
            n = qs.count()
            if n:
                found.append(f"{rel.related_model._meta.db_table}.{rel.field.column} "
                             f"({n:,} row{'s' if n != 1 else ''} point at "
                             f"{model._meta.db_table})")
    return found


def wipe() -> None:
    """Delete the registry's rows: every row of the tables in ``registry_models()`` except the
    seeded reference data (regions, standard activities, service categories) and users other
    than ``bench-*``. Plain DELETEs in one transaction; nothing else is touched."""
    from django.db import connection, transaction

    blockers = blocking_references()
    if blockers:
        sys.exit("Refusing to wipe: other tables point at registry rows:\n  "
                 + "\n  ".join(blockers)
                 + "\nUse a fresh database for the benchmark (createdb ...; manage.py migrate).")
    print("Wiping the registry tables (reference data and other users are kept):")
    with transaction.atomic(), connection.cursor() as cursor:
        for model, condition in registry_models():
            # Table names and conditions come from registry_models(), never from input.
            table = connection.ops.quote_name(model._meta.db_table)
            where = f" WHERE {condition}" if condition else ""
            cursor.execute(f"DELETE FROM {table}{where}")  # noqa: S608
            print(f"  {model._meta.db_table:<40} {cursor.rowcount:>8,} deleted")


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")


def table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for model, condition in reversed(registry_models()):
            table = connection.ops.quote_name(model._meta.db_table)
            where = f" WHERE {condition}" if condition else ""
            cursor.execute(f"SELECT count(*) FROM {table}{where}")  # noqa: S608
            counts[model._meta.db_table] = cursor.fetchone()[0]
    return counts


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate a realistic registry at scale in a PostgreSQL database "
                    "(DATABASE_URL) for the benchmarks.")
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--partnerships", type=int, default=1000)
    parser.add_argument("--memberships", type=int, default=20000,
                        help="membership rows, history included (default 20000)")
    parser.add_argument("--services", type=int, default=10000)
    parser.add_argument("--locations", type=int, default=1500,
                        help="locations in all, one per prison included (default 1500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--as-of", type=datetime.date.fromisoformat, default=D(2026, 11, 1),
                        help="the 'today' the history is generated up to (default 2026-11-01, "
                             "fixed so the same seed gives the same data)")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--wipe", action="store_true",
                        help="first delete the registry rows already in the database (every "
                             "organisation, partnership, membership, agreement, service, "
                             "location...; not regions, standard activities, categories or "
                             "users other than bench-*)")
    args = parser.parse_args(argv)
    if args.organisations < 200 or args.partnerships < 10 or args.services < 0:
        parser.error("use at least 200 organisations and 10 partnerships")
    if args.memberships < 2 * args.partnerships:
        parser.error("use at least two memberships per partnership")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup_django(debug=False)
    from django.db import transaction

    name = require_postgresql()
    print(f"Database {name}: generating with seed {args.seed}, as of {args.as_of}")
    existing = existing_rows()
    if any(existing.values()):
        summary = ", ".join(f"{n:,} {label}" for label, n in existing.items() if n)
        if not args.wipe:
            sys.exit(f"The database already holds registry data ({summary}).\n"
                     "Refusing to add to it: use --wipe to delete the registry rows first, "
                     "or a fresh database.")
        wipe()
    generator = Generator(args)
    with transaction.atomic():
        generator.run()
    generator.progress.start("vacuum and analyse")
    vacuum_analyze()
    generator.progress.done()
    print("Rows now in the registry tables:")
    for table, n in table_counts().items():
        print(f"  {table:<40} {n:>8,}")
    print(f"Done in {generator.progress.elapsed:.1f}s.")


if __name__ == "__main__":
    main()
