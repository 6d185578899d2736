#!/usr/bin/env python
"""Benchmark the case-conference reminder sweep (issue 6) over 1,000,000 stored conferences.

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench_reminders
    .venv/bin/python bench/reminders.py --generate            # 20-40 s on 2 cores
    .venv/bin/python bench/reminders.py --run --json          # about 75 s (--profile: cProfile)

The issue asks that sweeps find what is due with indexed queries, so that their cost grows with
what is due and not with everything stored. This script checks that for
``referrals.reminders``: it stores a million conferences of which exactly ``--due`` (1,000) are
planned inside the sweep's window on the fixed ``--today``, and times

1. the bare indexed range query the sweep starts from (``status = 'planned'`` and
   ``planned_on`` in the window, index ``conference_due``), run on a plain psycopg cursor with
   every row fetched;
2. ``referrals.reminders.due_conferences(today)`` (what is due, with the people to tell);
3. the whole ``referrals.reminders.sweep(today)``, notification writes included, each run from
   no notifications (deleted between runs, outside the timing);

and the same sweep on ``--alt-today``, where only ``--alt-due`` (100) are due among the same
million rows. On ``--today`` it also times the sweep inside one ``transaction.atomic()``
(what a caller's transaction adds).

Email delivery never runs: ``notification_create_many`` queues ``deliver_notifications`` on
commit, the broker is forced to Celery's in-memory one with no worker (so the tasks are only held:
the run checks they are all still queued and no notification left "pending"), eager mode is off, and
the email backend is the in-memory one in case anything tried to send.

``--generate`` writes everything except a handful of organisations, users and the partnership
with ``INSERT ... SELECT generate_series`` in SQL (no rows pass through Python), then
``VACUUM (ANALYZE)``. Values that vary come from ``hashint8extended(n, --seed)``, so the same
seed gives the same rows in a fresh database on any day and machine.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import gc
import io
import json
import os
import pstats
import statistics
import sys
import time
from typing import Any

from common import ROOT, Progress, require_postgresql

D = datetime.date
RESULTS = ROOT / "bench" / "results"
PARTNERSHIP_SLUG = "bench-reminders-partnership"
SLUG_PREFIX = "bench-rem-"       # organisations and services the generator made (--wipe)
USER_PREFIX = "bench-rem-"
REFERENCE_MARK = "B"             # P-B0000001, C-B0000001, R-B0000001: generated rows
FIRST_ORDER = D(2018, 11, 1)     # cases start from here to --today: eight years of casework
ORDER_DAYS = (182, 365, 547, 730)  # 6-, 12-, 18- and 24-month orders
DEFAULT_TODAY = D(2026, 11, 2)   # a Monday
DEFAULT_ALT_TODAY = D(2026, 12, 14)  # six weeks later: a quieter window of the same data
MARGIN_DAYS = 5  # days below the window kept free of planned conferences (see pin_due)


def setup() -> None:
    """Django with DEBUG off, Celery's in-memory broker (no worker: queued deliveries are only
    held), tasks not eager, and in-memory email: a sweep here can never reach an SMTP server."""
    os.environ["DEBUG"] = "0"
    os.environ["REDIS_URL"] = ""
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from common import setup_django

    setup_django(debug=False)
    from django.conf import settings

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from config.celery import app

    # Development settings point Celery at a folder shared with a local worker (or at Redis):
    # a worker there must never pick up the benchmark's deliveries.
    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    app.conf.result_backend = None
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        if conn.transport_cls != "memory":
            sys.exit(f"Celery's broker is {conn.transport_cls}; the benchmark needs memory://")


# ------------------------------------------------------------------------------------------
# The window the sweep reads
# ------------------------------------------------------------------------------------------
def rule_days() -> dict[str, int]:
    from django.conf import settings

    from notifications.sweeps import catch_up_days

    return {"lead": int(settings.CONFERENCE_REMINDER_LEAD_DAYS),
            "after": int(settings.CONFERENCE_UNRECORDED_AFTER_DAYS),
            "catch_up": catch_up_days()}


def window(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The planned_on range a sweep on ``today`` reads: from the oldest unrecorded conference
    still inside the catch-up window to the last one due soon (both included)."""
    r = rule_days()
    return (today - datetime.timedelta(days=r["after"] + r["catch_up"]),
            today + datetime.timedelta(days=r["lead"]))


def slots(today: datetime.date) -> dict[str, tuple[datetime.date, datetime.date]]:
    """Where the generator puts the due conferences: ``soon`` (today to today + lead days) and
    ``unrecorded`` (after to after + catch-up − 1 days ago). The window's oldest day is
    left out so a one-day difference in how the sweep counts its catch-up window cannot change
    the number due."""
    r = rule_days()
    day = datetime.timedelta(days=1)
    return {"soon": (today, today + r["lead"] * day),
            "unrecorded": (today - (r["after"] + r["catch_up"] - 1) * day,
                           today - r["after"] * day)}


# ------------------------------------------------------------------------------------------
# --generate
# ------------------------------------------------------------------------------------------
PROBATION = ["North", "South", "East"]
PROVIDERS = ["Recovery Services", "Alcohol Service", "Drug Treatment", "Housing Support",
             "Mental Health Partnership", "Women's Centre"]


def make_world(args: argparse.Namespace) -> dict[str, Any]:
    """The few rows made with the ORM: three probation delivery units (lead agencies), six
    treatment providers, one partnership they all belong to, a service each, one
    information-sharing protocol, caseworkers (provider staff and a partnership manager per
    organisation, plus one leaver whose account is inactive) and a commissioner."""
    from django.contrib.auth.hashers import make_password
    from django.utils.text import slugify

    from accounts.models import Role, User
    from partnerships.choices import (
        AgreementKind,
        AgreementStatus,
        MemberRole,
        OrganisationKind,
        PartnershipStatus,
    )
    from partnerships.models import Agreement, Membership, Organisation, Partnership
    from referrals.choices import (
        CriminalOffenceCondition,
        LawfulBasis,
        SpecialCategoryCondition,
    )
    from referrals.models import SharingProtocol
    from services.models import Service

    started = D(2018, 10, 1)
    probation = [Organisation(name=f"Bench {area} Probation Delivery Unit",
                              slug=f"{SLUG_PREFIX}probation-{area.lower()}",
                              kind=OrganisationKind.PROBATION) for area in PROBATION]
    providers = [Organisation(name=f"Bench {name}", slug=SLUG_PREFIX + slugify(name),
                              kind=OrganisationKind.CHARITY) for name in PROVIDERS]
    Organisation.objects.bulk_create(probation + providers)
    partnership = Partnership.objects.create(
        name="Bench Reminders Reducing Reoffending Partnership", slug=PARTNERSHIP_SLUG,
        status=PartnershipStatus.ACTIVE, started_on=started)
    Membership.objects.bulk_create(
        [Membership(partnership=partnership, organisation=o, joined_on=started,
                    role=MemberRole.STATUTORY_PARTNER) for o in probation]
        + [Membership(partnership=partnership, organisation=o, joined_on=started,
                      role=MemberRole.LEAD_PARTNER if i == 0 else MemberRole.DELIVERY_PARTNER)
           for i, o in enumerate(providers)])
    services = Service.objects.bulk_create(
        [Service(name="Community supervision", slug=f"{o.slug}-supervision", provider=o,
                 partnership=partnership, accepts_court_ordered=True) for o in probation]
        + [Service(name="Structured treatment", slug=f"{o.slug}-treatment", provider=o,
                   partnership=partnership) for o in providers])
    agreement = Agreement.objects.create(
        partnership=partnership, kind=AgreementKind.INFORMATION_SHARING,
        reference="bench-rem-isp", title="Information-sharing protocol",
        status=AgreementStatus.ACTIVE, effective_from=started)
    protocol = SharingProtocol.objects.create(
        agreement=agreement, purpose="Coordinating supervision and treatment.",
        data_items="Order details, risk level, treatment attendance.",
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        special_category_condition=SpecialCategoryCondition.HEALTH_SOCIAL_CARE,
        criminal_offence_condition=CriminalOffenceCondition.STATUTORY_PURPOSES,
        retention_months=72, review_on=D(2030, 10, 1))
    protocol.parties.set(probation + providers)
    unusable = make_password(None)
    users = []
    for org in probation + providers:
        short = org.slug.removeprefix(SLUG_PREFIX)
        for n in range(args.caseworkers):
            role = Role.PARTNERSHIP_MANAGER if n == 0 else Role.PROVIDER_STAFF
            users.append(User(username=f"{USER_PREFIX}{short}-{n + 1}", organisation=org,
                              role=role, password=unusable,
                              email=f"{short}-{n + 1}@bench.example.org"))
        users.append(User(username=f"{USER_PREFIX}{short}-leaver", organisation=org,
                          role=Role.PROVIDER_STAFF, password=unusable, is_active=False,
                          email=f"{short}-leaver@bench.example.org"))
    users.append(User(username=f"{USER_PREFIX}commissioner", organisation=providers[0],
                      role=Role.COMMISSIONER, password=unusable))
    User.objects.bulk_create(users)
    # The partnership manager of each organisation signs for it (sets leads, sends referrals,
    # responds, records conferences): the audit fields every row needs.
    signer = {u.organisation_id: u.pk for u in users if u.role == Role.PARTNERSHIP_MANAGER}
    return {"partnership": partnership.pk, "protocol": protocol.pk,
            "probation_users": [signer[o.pk] for o in probation],
            "provider_users": [signer[o.pk] for o in providers],
            "probation": [o.pk for o in probation], "providers": [o.pk for o in providers],
            "probation_services": [s.pk for s in services[:len(probation)]],
            "provider_services": [s.pk for s in services[len(probation):]],
            "users": len(users)}


def next_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608 (fixed names)
    return int(cursor.fetchone()[0])


def reset_sequence(cursor: Any, table: str) -> None:
    """Rows were inserted with explicit ids: move the identity past them."""
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                   f"(SELECT max(id) FROM {table}))")


def generate_casework(cursor: Any, args: argparse.Namespace, world: dict[str, Any],
                      progress: Progress) -> dict[str, int]:
    """People, cases, lead agencies, referrals and conferences, all in SQL. Case ``i`` has id
    ``base + i``; its person id ``person_base + i``."""
    n = args.cases
    span = (args.today - FIRST_ORDER).days
    p = {"n": n, "span": span, "first": FIRST_ORDER, "today": args.today, "seed": args.seed,
         "partnership": world["partnership"], "protocol": world["protocol"],
         "probation": world["probation"], "providers": world["providers"],
         "probation_services": world["probation_services"],
         "provider_services": world["provider_services"],
         "probation_users": world["probation_users"],
         "provider_users": world["provider_users"],
         "nprob": len(world["probation"]), "nprov": len(world["providers"]),
         "order_days": list(ORDER_DAYS), "mark": REFERENCE_MARK}
    counts: dict[str, int] = {}

    progress.start("people")
    p["person_base"] = next_id(cursor, "referrals_person")
    cursor.execute("""
        INSERT INTO referrals_person (id, created_on, modified_on, reference, initials,
                                      year_of_birth, gender)
        SELECT %(person_base)s + i, ts, ts, 'P-' || %(mark)s || lpad(i::text, 7, '0'),
               chr(65 + i %% 26) || chr(65 + (i * 7) %% 26), 1958 + (i * 13) %% 46,
               (ARRAY['male', 'male', 'male', 'female', 'not_stated', 'other'])
                   [1 + abs(hashint8extended(i, %(seed)s)) %% 6]
        FROM generate_series(1, %(n)s) AS i,
             LATERAL (SELECT (%(first)s::date + ((i - 1)::bigint * %(span)s / %(n)s)::int
                              + time '10:00') AT TIME ZONE 'Europe/London' AS ts) AS t
    """, p)
    counts["people"] = cursor.rowcount
    reset_sequence(cursor, "referrals_person")
    progress.done(people=counts["people"])

    progress.start("cases")
    p["case_base"] = next_id(cursor, "referrals_case")
    # Orders start evenly over eight years up to --today; 6 to 24 months long; closed four
    # weeks after the order ends (so every case with a conference near --today is open).
    cursor.execute("""
        INSERT INTO referrals_case (id, created_on, modified_on, reference, order_type,
            order_starts_on, order_ends_on, seriousness, complex_needs, compliance,
            significant_change_on, treatment_continues, status, closed_on, anonymised_on,
            partnership_id, person_id)
        SELECT %(case_base)s + i, ts, ts, 'C-' || %(mark)s || lpad(i::text, 7, '0'),
               (ARRAY['community_order', 'suspended_sentence_order', 'licence', 'drr', 'atr',
                      'community_order', 'licence', 'post_sentence_supervision'])[1 + h %% 8],
               s, s + len,
               CASE WHEN h / 8 %% 10 < 6 THEN 'low' WHEN h / 8 %% 10 < 9 THEN 'medium'
                    ELSE 'high' END,
               h / 80 %% 5 = 0,
               CASE WHEN h / 400 %% 10 < 7 THEN 'complying' WHEN h / 400 %% 10 < 9
                    THEN 'concerns' ELSE 'not_complying' END,
               NULL, h / 4000 %% 10 = 0,
               CASE WHEN s + len + 28 < %(today)s THEN 'closed' ELSE 'open' END,
               CASE WHEN s + len + 28 < %(today)s THEN s + len + 28 END,
               NULL, %(partnership)s, %(person_base)s + i
        FROM generate_series(1, %(n)s) AS i,
             LATERAL (SELECT abs(hashint8extended(i, %(seed)s + 1)) AS h) AS hh,
             LATERAL (SELECT %(first)s::date + ((i - 1)::bigint * %(span)s / %(n)s)::int AS s,
                             (%(order_days)s::int[])[1 + h / 40000 %% 4] AS len) AS o,
             LATERAL (SELECT (s + time '10:00') AT TIME ZONE 'Europe/London' AS ts) AS t
    """, p)
    counts["cases"] = cursor.rowcount
    reset_sequence(cursor, "referrals_case")
    cursor.execute("SELECT count(*) FROM referrals_case WHERE partnership_id = %(partnership)s "
                   "AND status = 'open'", p)
    counts["open cases"] = cursor.fetchone()[0]
    progress.done(cases=counts["cases"], open=counts["open cases"])

    progress.start("lead agencies")
    # Probation leads every case (delivery unit by case number); 1 in 20 older cases was
    # handed over from another unit after 30 days, so ``current()`` has history to skip.
    cursor.execute("""
        INSERT INTO referrals_leadagency (created_on, modified_on, starts_on, ends_on, case_id,
                                          organisation_id, set_by_id)
        SELECT c.created_on, c.created_on, c.order_starts_on, c.order_starts_on + 30, c.id,
               (%(probation)s::bigint[])[1 + (c.id - %(case_base)s + 1) %% %(nprob)s],
               (%(probation_users)s::bigint[])[1 + (c.id - %(case_base)s + 1) %% %(nprob)s]
        FROM referrals_case c
        WHERE c.partnership_id = %(partnership)s AND (c.id - %(case_base)s) %% 20 = 0
          AND c.order_starts_on + 30 < %(today)s
        UNION ALL
        SELECT c.created_on, c.created_on,
               CASE WHEN (c.id - %(case_base)s) %% 20 = 0
                         AND c.order_starts_on + 30 < %(today)s
                    THEN c.order_starts_on + 30 ELSE c.order_starts_on END, NULL, c.id,
               (%(probation)s::bigint[])[1 + (c.id - %(case_base)s) %% %(nprob)s],
               (%(probation_users)s::bigint[])[1 + (c.id - %(case_base)s) %% %(nprob)s]
        FROM referrals_case c WHERE c.partnership_id = %(partnership)s
    """, p)
    counts["lead agencies"] = cursor.rowcount
    progress.done(lead_agencies=counts["lead agencies"])

    progress.start("referrals")
    # 60% of cases were referred by their lead to a treatment provider, 10% also to a second
    # one. Open cases: sent 10%, accepted 65%, declined 10%, completed 10%, withdrawn 5%;
    # closed cases: completed, declined or withdrawn (none left open).
    cursor.execute("""
        INSERT INTO referrals_referral (created_on, modified_on, reference, reason,
            consent_recorded, lawful_basis, status, response_due_on, responded_at,
            decline_reason, closed_at, case_id, from_organisation_id, from_service_id,
            responded_by_id, sent_by_id, to_organisation_id, to_service_id, pathway_id,
            protocol_id)
        SELECT sent, sent, 'R-' || %(mark)s || lpad((k * 5000000 + i)::text, 7, '0'),
               'Substance use linked to offending; needs structured treatment.', true, '6_1_e',
               st, c.order_starts_on + 10,
               CASE WHEN st <> 'sent' THEN sent + interval '2 days' END,
               CASE WHEN st = 'declined' THEN 'No capacity at present.' ELSE '' END,
               CASE WHEN st IN ('completed', 'withdrawn')
                    THEN least(c.order_ends_on, %(today)s - 1) + time '16:00' END,
               c.id, lead, (%(probation_services)s::bigint[])[1 + i %% %(nprob)s],
               CASE WHEN st <> 'sent' THEN (%(provider_users)s::bigint[])[1 + prov] END,
               (%(probation_users)s::bigint[])[1 + i %% %(nprob)s],
               (%(providers)s::bigint[])[1 + prov],
               (%(provider_services)s::bigint[])[1 + prov], NULL, %(protocol)s
        FROM referrals_case c,
             LATERAL (SELECT c.id - %(case_base)s AS i,
                             abs(hashint8extended(c.id, %(seed)s + 2)) AS h) AS x,
             LATERAL (SELECT (%(probation)s::bigint[])[1 + i %% %(nprob)s] AS lead) AS l,
             LATERAL generate_series(0, CASE WHEN h %% 10 = 0 THEN 1 ELSE 0 END) AS k,
             LATERAL (SELECT ((i / %(nprob)s) + k) %% %(nprov)s AS prov,
                             (c.order_starts_on + 3 + k * 20 + time '11:00')
                                 AT TIME ZONE 'Europe/London' AS sent,
                             (h / 10 + k * 7) %% 20 AS r) AS y,
             LATERAL (SELECT CASE WHEN c.status = 'open' THEN
                                CASE WHEN r < 2 THEN 'sent' WHEN r < 15 THEN 'accepted'
                                     WHEN r < 17 THEN 'declined' WHEN r < 19 THEN 'completed'
                                     ELSE 'withdrawn' END
                             ELSE CASE WHEN r < 15 THEN 'completed' WHEN r < 18 THEN 'declined'
                                       ELSE 'withdrawn' END END AS st) AS z
        WHERE c.partnership_id = %(partnership)s AND h %% 10 < 6
          AND c.order_starts_on + 3 + k * 20 < %(today)s
    """, p)
    counts["referrals"] = cursor.rowcount
    cursor.execute("SELECT count(*) FROM referrals_referral r JOIN referrals_case c "
                   "ON c.id = r.case_id WHERE c.partnership_id = %(partnership)s "
                   "AND r.status IN ('sent', 'accepted') AND c.status = 'open'", p)
    counts["open referrals"] = cursor.fetchone()[0]
    progress.done(referrals=counts["referrals"], open=counts["open referrals"])

    progress.start("conferences")
    # Each case gets conferences/cases of them (the first cases one more), spread over the
    # order: the start three-way meeting a week in, joint meetings, the middle one, the end one
    # a week before the order ends, each a day or two either way. Past ones: 85% held, 9%
    # cancelled, 5% missed, 1% never recorded (still "planned": stale rows the window must
    # skip); future ones planned (5% cancelled). Inserted in the order they would have been
    # planned (about four weeks ahead), as a live system writes them.
    per, extra = divmod(args.conferences, n)
    p.update(per=per, extra=extra)
    cursor.execute("""
        INSERT INTO referrals_caseconference (created_on, modified_on, kind, planned_on, status,
                                              held_on, outcome, case_id, recorded_by_id)
        SELECT created, created, kind, planned_on, st,
               CASE WHEN st = 'held' THEN planned_on END,
               CASE WHEN st = 'held' THEN 'Plan reviewed; actions agreed.' ELSE '' END,
               case_id, CASE WHEN st <> 'planned' THEN recorder END
        FROM (
            SELECT c.id AS case_id, planned_on,
                   (%(probation_users)s::bigint[])[1 + (c.id - %(case_base)s) %% %(nprob)s]
                       AS recorder,
                   CASE WHEN j = 0 THEN 'start' WHEN j = k - 1 THEN 'end'
                        WHEN j = k / 2 THEN 'middle' ELSE 'joint' END AS kind,
                   CASE WHEN planned_on < %(today)s THEN
                            CASE WHEN r < 85 THEN 'held' WHEN r < 94 THEN 'cancelled'
                                 WHEN r < 99 THEN 'missed' ELSE 'planned' END
                        ELSE CASE WHEN r < 5 THEN 'cancelled' ELSE 'planned' END END AS st,
                   (least(planned_on - 28, %(today)s - 1) + time '09:00')
                       AT TIME ZONE 'Europe/London' AS created
            FROM referrals_case c,
                 LATERAL (SELECT %(per)s + CASE WHEN c.id - %(case_base)s <= %(extra)s
                                                THEN 1 ELSE 0 END AS k,
                                 c.order_ends_on - c.order_starts_on AS len) AS kk,
                 LATERAL generate_series(0, k - 1) AS j,
                 LATERAL (SELECT abs(hashint8extended(c.id * 64 + j, %(seed)s + 3)) AS h) AS hh,
                 LATERAL (SELECT c.order_starts_on + 7 + ((len - 14) * j / (k - 1))
                                 + (h %% 5)::int - 2 AS planned_on,
                                 h / 5 %% 100 AS r) AS x
            WHERE c.partnership_id = %(partnership)s
        ) AS rows
        ORDER BY created, case_id
    """, p)
    counts["conferences"] = cursor.rowcount
    progress.done(conferences=counts["conferences"])
    return counts


def pin_due(cursor: Any, today: datetime.date, due: int, unrecorded_share: float,
            seed: int, progress: Progress) -> dict[str, int]:
    """Make exactly ``due`` conferences planned inside the sweep's window on ``today``:
    ``unrecorded_share`` of them past their date and unrecorded, the rest due soon, chosen
    at random (by hash) over the window's days. Every other conference in the window, and in
    ``MARGIN_DAYS`` below it, that was planned becomes held (past) or cancelled (today or
    later), so nothing else planned lies near the window's edges."""
    lo, hi = window(today)
    s = slots(today)
    unrecorded = round(due * unrecorded_share)
    p = {"lo": lo - datetime.timedelta(days=MARGIN_DAYS), "hi": hi, "today": today,
         "soon_from": s["soon"][0], "soon_to": s["soon"][1],
         "unrec_from": s["unrecorded"][0], "unrec_to": s["unrecorded"][1],
         "soon": due - unrecorded, "unrec": unrecorded, "seed": seed + 4}
    progress.start(f"due on {today}")
    cursor.execute("""
        WITH eligible AS (
            SELECT cc.id,
                   CASE WHEN cc.planned_on BETWEEN %(soon_from)s AND %(soon_to)s THEN 'soon'
                        WHEN cc.planned_on BETWEEN %(unrec_from)s AND %(unrec_to)s
                        THEN 'unrec' END AS slot
            FROM referrals_caseconference cc JOIN referrals_case c ON c.id = cc.case_id
            WHERE cc.planned_on BETWEEN %(lo)s AND %(hi)s AND c.status = 'open'
        ), ranked AS (
            SELECT id, slot, row_number() OVER (PARTITION BY slot
                                                ORDER BY hashint8extended(id, %(seed)s)) AS rn
            FROM eligible WHERE slot IS NOT NULL
        ), chosen AS (
            SELECT id FROM ranked
            WHERE (slot = 'soon' AND rn <= %(soon)s) OR (slot = 'unrec' AND rn <= %(unrec)s)
        )
        UPDATE referrals_caseconference cc SET
            status = CASE WHEN cc.id IN (SELECT id FROM chosen) THEN 'planned'
                          WHEN cc.planned_on < %(today)s THEN 'held' ELSE 'cancelled' END,
            held_on = CASE WHEN cc.id NOT IN (SELECT id FROM chosen)
                                AND cc.planned_on < %(today)s THEN cc.planned_on END,
            outcome = CASE WHEN cc.id NOT IN (SELECT id FROM chosen)
                                AND cc.planned_on < %(today)s
                           THEN 'Plan reviewed; actions agreed.' ELSE '' END,
            recorded_by_id = CASE WHEN cc.id NOT IN (SELECT id FROM chosen) THEN
                                 (SELECT la.set_by_id FROM referrals_leadagency la
                                  WHERE la.case_id = cc.case_id AND la.ends_on IS NULL) END
        WHERE cc.planned_on BETWEEN %(lo)s AND %(hi)s
          AND (cc.status = 'planned' OR cc.id IN (SELECT id FROM chosen))
    """, p)
    changed = cursor.rowcount
    cursor.execute("""
        SELECT count(*) FILTER (WHERE planned_on BETWEEN %(soon_from)s AND %(soon_to)s),
               count(*) FILTER (WHERE planned_on BETWEEN %(unrec_from)s AND %(unrec_to)s),
               count(*)
        FROM referrals_caseconference WHERE status = 'planned'
          AND planned_on BETWEEN %(lo)s AND %(hi)s
    """, p)
    soon, unrec, total = cursor.fetchone()
    if (soon, unrec, total) != (p["soon"], p["unrec"], due):
        raise RuntimeError(f"Wanted {p['soon']} due soon and {p['unrec']} unrecorded on {today}; "
                           f"the data has {soon} and {unrec} ({total} planned in the window): "
                           f"too few conferences near that day for --due {due}.")
    progress.done(due_soon=soon, unrecorded=unrec, rows_changed=changed)
    return {"due soon": soon, "unrecorded": unrec, "planned in window": total}


def existing(cursor: Any) -> bool:
    cursor.execute("SELECT 1 FROM partnerships_partnership WHERE slug = %s", [PARTNERSHIP_SLUG])
    return cursor.fetchone() is not None


def wipe(cursor: Any) -> None:
    """Delete exactly what a previous run made (plain DELETEs in one transaction): the
    notifications of the ``bench-rem-`` users; the benchmark partnership's conferences,
    referrals, lead agencies, cases and their people; its protocol, agreement, services,
    memberships and the partnership; the ``bench-rem-`` users and organisations. Refuses (the
    transaction rolls back) if anything else points at them."""
    p = {"slug": PARTNERSHIP_SLUG, "users": USER_PREFIX + "%", "orgs": SLUG_PREFIX + "%"}
    steps = [
        ("cases to delete", "CREATE TEMPORARY TABLE bench_rem_cases ON COMMIT DROP AS "
                            "SELECT c.id, c.person_id FROM referrals_case c JOIN "
                            "partnerships_partnership p ON p.id = c.partnership_id "
                            "WHERE p.slug = %(slug)s"),
        ("notifications", "DELETE FROM notifications_notification WHERE recipient_id IN "
                          "(SELECT id FROM accounts_user WHERE username LIKE %(users)s)"),
        ("conferences", "DELETE FROM referrals_caseconference WHERE case_id "
                        "IN (SELECT id FROM bench_rem_cases)"),
        ("referrals", "DELETE FROM referrals_referral WHERE case_id "
                      "IN (SELECT id FROM bench_rem_cases)"),
        ("lead agencies", "DELETE FROM referrals_leadagency WHERE case_id "
                          "IN (SELECT id FROM bench_rem_cases)"),
        ("cases", "DELETE FROM referrals_case WHERE id IN (SELECT id FROM bench_rem_cases)"),
        ("people", "DELETE FROM referrals_person WHERE id "
                   "IN (SELECT person_id FROM bench_rem_cases)"),
        ("protocol parties", "DELETE FROM referrals_sharingprotocol_parties WHERE "
                             "sharingprotocol_id IN (SELECT s.id FROM referrals_sharingprotocol"
                             " s JOIN partnerships_agreement a ON a.id = s.agreement_id JOIN "
                             "partnerships_partnership p ON p.id = a.partnership_id WHERE "
                             "p.slug = %(slug)s)"),
        ("protocols", "DELETE FROM referrals_sharingprotocol WHERE agreement_id IN (SELECT a.id "
                      "FROM partnerships_agreement a JOIN partnerships_partnership p ON "
                      "p.id = a.partnership_id WHERE p.slug = %(slug)s)"),
        ("agreements", "DELETE FROM partnerships_agreement WHERE partnership_id IN "
                       "(SELECT id FROM partnerships_partnership WHERE slug = %(slug)s)"),
        ("services", "DELETE FROM services_service WHERE slug LIKE %(orgs)s"),
        ("memberships", "DELETE FROM partnerships_membership WHERE partnership_id IN "
                        "(SELECT id FROM partnerships_partnership WHERE slug = %(slug)s)"),
        ("partnership", "DELETE FROM partnerships_partnership WHERE slug = %(slug)s"),
        ("users", "DELETE FROM accounts_user WHERE username LIKE %(users)s"),
        ("organisations", "DELETE FROM partnerships_organisation WHERE slug LIKE %(orgs)s"),
    ]
    print("Wiping the previous reminder benchmark rows:")
    for label, sql in steps:
        started = time.perf_counter()
        cursor.execute(sql, p)
        print(f"  {label:<18} {cursor.rowcount:>10,} deleted "
              f"({time.perf_counter() - started:.1f}s)", flush=True)


def generate(args: argparse.Namespace) -> None:
    from django.db import connection, transaction

    name = require_postgresql()
    if args.conferences < 2 * args.cases:
        sys.exit("Give at least two conferences per case (--conferences >= 2 x --cases).")
    if window(args.alt_today)[0] - datetime.timedelta(days=MARGIN_DAYS) <= window(args.today)[1]:
        sys.exit("--alt-today must be later than --today, far enough that their windows "
                 "(and the margin below each) do not overlap.")
    print(f"Database {name}: {args.cases:,} cases, {args.conferences:,} conferences, "
          f"{args.due:,} due on {args.today} and {args.alt_due:,} on {args.alt_today} "
          f"(seed {args.seed}); load average {os.getloadavg()[0]:.1f}", flush=True)
    progress = Progress()
    with transaction.atomic(), connection.cursor() as cursor:
        if existing(cursor):
            if not args.wipe:
                sys.exit("The benchmark partnership already exists. Use --wipe to delete the "
                         "rows a previous run made first, or a fresh database.")
            wipe(cursor)
        progress.start("organisations, partnership, services, users")
        world = make_world(args)
        progress.done(organisations=len(world["probation"]) + len(world["providers"]),
                      users=world["users"])
        counts = generate_casework(cursor, args, world, progress)
        due = pin_due(cursor, args.today, args.due, args.unrecorded_share, args.seed, progress)
        alt = pin_due(cursor, args.alt_today, args.alt_due, args.unrecorded_share, args.seed,
                      progress)
        progress.start("checking constraints (deferred foreign keys) and committing")
    progress.done()
    progress.start("vacuum and analyse")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    progress.done()
    print("Made: " + ", ".join(f"{n:,} {label}" for label, n in counts.items())
          + f"; due on {args.today}: {due}; on {args.alt_today}: {alt}; "
          + f"in {progress.elapsed:.0f}s (load average {os.getloadavg()[0]:.1f}).")


# ------------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Case-conference reminder sweep benchmark (PostgreSQL, DATABASE_URL).")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--generate", action="store_true", help="fill the database")
    what.add_argument("--run", action="store_true", help="time the sweep")
    parser.add_argument("--today", type=D.fromisoformat, default=DEFAULT_TODAY,
                        help=f"the sweep's day (default {DEFAULT_TODAY})")
    parser.add_argument("--alt-today", type=D.fromisoformat, default=DEFAULT_ALT_TODAY,
                        help=f"a second day, with --alt-due due (default {DEFAULT_ALT_TODAY})")
    gen = parser.add_argument_group("--generate")
    gen.add_argument("--cases", type=int, default=100_000)
    gen.add_argument("--conferences", type=int, default=1_000_000)
    gen.add_argument("--due", type=int, default=1_000,
                     help="conferences planned in the window on --today (default 1,000)")
    gen.add_argument("--alt-due", type=int, default=100,
                     help="the same on --alt-today (default 100)")
    gen.add_argument("--unrecorded-share", type=float, default=0.3,
                     help="share of the due ones past their date and unrecorded (default 0.3)")
    gen.add_argument("--caseworkers", type=int, default=3,
                     help="active caseworkers per organisation (default 3: a partnership "
                          "manager and two provider staff; plus one inactive leaver)")
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--wipe", action="store_true",
                     help="first delete the rows a previous run made (see wipe())")
    run = parser.add_argument_group("--run")
    run.add_argument("--runs", type=int, default=5, help="timed sweeps per day (default 5)")
    run.add_argument("--bare-runs", type=int, default=21,
                     help="timed bare queries and due_conferences calls (default 21)")
    run.add_argument("--json", action="store_true",
                     help="write the figures to bench/results/ (see --output)")
    run.add_argument("--output", default="reminders.json",
                     help="the JSON file's name under bench/results/ (default reminders.json)")
    run.add_argument("--profile", action="store_true",
                     help="cProfile one more sweep: where its time goes")
    return parser.parse_args(argv)


# ------------------------------------------------------------------------------------------
# --run
# ------------------------------------------------------------------------------------------
def ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def stats(values: list[float]) -> dict[str, float]:
    from pages import percentile

    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "p95": round(percentile(values, 95), 3), "runs": len(values)}


def bare_queryset(today: datetime.date) -> Any:
    """The contract's range query: what the sweep must start from."""
    from referrals.models import CaseConference

    lo, hi = window(today)
    return CaseConference.objects.filter(status="planned", planned_on__gte=lo,
                                         planned_on__lte=hi)


def time_bare(raw: Any, today: datetime.date, runs: int) -> tuple[list[float], int]:
    """The range query's SQL as Django compiles it, on a plain psycopg cursor, every row
    fetched: milliseconds per run, and the number of rows."""
    sql, params = bare_queryset(today).query.sql_with_params()
    times, rows = [], 0
    with raw.cursor() as cursor:
        for _ in range(3):  # warm up
            cursor.execute(sql, params)
            cursor.fetchall()
        for _ in range(runs):
            started = time.perf_counter()
            cursor.execute(sql, params)
            rows = len(cursor.fetchall())
            times.append(ms_since(started))
    return times, rows


def capture(call: Any) -> tuple[Any, list[tuple[str, Any]], int]:
    """Run ``call`` once: its result, each statement it executed with its parameters (an
    execute wrapper), and the number of queries ``CaptureQueriesContext`` counts, which also
    includes transaction control (Django logs each COMMIT/ROLLBACK of an ``atomic`` block in
    autocommit mode). The query log is widened for the call: Django keeps only the last 9,000
    entries, and a sweep issues more."""
    from collections import deque

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    recorded: list[tuple[str, Any]] = []

    def keep(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        recorded.append((sql, params))
        return execute(sql, params, many, context)

    log = connection.queries_log
    connection.queries_log = deque(maxlen=10_000_000)
    try:
        with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(keep):
            result = call()
        queries = [q["sql"] for q in captured.captured_queries]  # read before the log goes
    finally:
        connection.queries_log = log
    statements = [sql for sql in queries if sql not in ("COMMIT", "ROLLBACK", "BEGIN")]
    if len(statements) != len(recorded):
        raise RuntimeError(f"captured {len(statements)} statements but recorded "
                           f"{len(recorded)}")
    return result, recorded, len(queries)


def time_replay(raw: Any, statements: list[tuple[str, Any]], runs: int) -> list[float]:
    """The statements ``due_conferences`` ran, replayed bare (same SQL and parameters)."""
    times = []
    with raw.cursor() as cursor:
        for i in range(runs + 3):
            started = time.perf_counter()
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description is not None:
                    cursor.fetchall()
            if i >= 3:
                times.append(ms_since(started))
    return times


def time_calls(call: Any, runs: int) -> list[float]:
    for _ in range(3):
        call()
    times = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        call()
        times.append(ms_since(started))
    return times


def clear_notifications() -> int:
    """Delete every notification (the benchmark database has only the sweep's) and purge the
    deliveries queued for them on the in-memory broker; returns how many were queued."""
    from django.db import connection

    from config.celery import app

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification")
    return int(app.control.purge() or 0)


def statement_kinds(statements: list[tuple[str, Any]]) -> dict[str, int]:
    """How many statements of each verb and table: where a sweep's round trips go."""
    kinds: dict[str, int] = {}
    for sql, _ in statements:
        word = sql.lstrip().split(None, 1)[0].upper()
        table = next((t for t in ("notifications_notification", "accounts_user",
                                  "referrals_caseconference", "referrals_leadagency",
                                  "referrals_referral", "django_content_type")
                      if f'"{t}"' in sql), "")
        label = f"{word} {table}".strip()
        kinds[label] = kinds.get(label, 0) + 1
    return dict(sorted(kinds.items(), key=lambda kv: -kv[1]))


def sweep_in_one_transaction(today: datetime.date) -> dict[str, int]:
    """The same sweep inside one ``transaction.atomic()`` (the deliveries are queued when the
    block commits): what running it inside a caller's transaction adds. Since the sweep writes
    through ``notification_create_many`` this differs little from the plain sweep."""
    from django.db import transaction

    from referrals.reminders import sweep

    with transaction.atomic():
        return sweep(today)


def time_sweeps(today: datetime.date, runs: int, *, atomic: bool = False) -> dict[str, Any]:
    """``runs`` sweeps, each from no notifications (deleted, and their queued deliveries
    purged, between runs and outside the timing); then, untimed, one more with its statements
    recorded, and a second straight after it, which must create nothing."""
    from notifications.models import EmailStatus, Notification
    from referrals import reminders

    sweep = sweep_in_one_transaction if atomic else reminders.sweep
    clear_notifications()
    times, results, queued, repeat = [], [], [], []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = sweep(today)
        times.append(ms_since(started))
        results.append(result)
        # The same sweep again straight away: everything is already sent (a re-run, or most
        # of a daily run, since due-soon and unrecorded reminders span several days).
        started = time.perf_counter()
        if sum(sweep(today).values()):
            raise RuntimeError("a second sweep created notifications")
        repeat.append(ms_since(started))
        created = Notification.objects.count()
        if created != sum(result.values()):
            raise RuntimeError(f"sweep reported {result} but {created} notifications exist")
        not_pending = Notification.objects.exclude(email_status=EmailStatus.PENDING).count()
        if not_pending:
            raise RuntimeError(f"{not_pending} notifications were delivered: delivery ran")
        queued.append(clear_notifications())
    _, first, first_queries = capture(lambda: sweep(today))
    again, _, second_queries = capture(lambda: sweep(today))
    clear_notifications()
    return {"ms": times, "results": results, "deliveries_queued": queued, "repeat_ms": repeat,
            "queries": first_queries, "statements": len(first),
            "statement_kinds": statement_kinds(first),
            "second_sweep_queries": second_queries, "second_sweep_created": sum(again.values())}


def explain(sql: str, params: Any) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def profile_sweep(today: datetime.date) -> str:
    from referrals.reminders import sweep

    clear_notifications()
    profiler = cProfile.Profile()
    profiler.enable()
    sweep(today)
    profiler.disable()
    clear_notifications()
    out = io.StringIO()
    stats_ = pstats.Stats(profiler, stream=out)
    stats_.sort_stats("cumulative").print_stats(30)
    stats_.sort_stats("tottime").print_stats(20)
    return out.getvalue()


def data_sizes(today: datetime.date, alt_today: datetime.date) -> dict[str, Any]:
    from django.db import connection
    from django.db.models import Count

    from accounts.models import Role, User
    from notifications.sweeps import catch_up_days
    from partnerships.models import Organisation, Partnership
    from referrals.models import Case, CaseConference, LeadAgency, Referral

    partnership = Partnership.objects.filter(slug=PARTNERSHIP_SLUG).first()
    if partnership is None:
        sys.exit("No benchmark data: run `bench/reminders.py --generate` first.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_total_relation_size('referrals_caseconference'), "
                       "pg_relation_size('conference_due')")
        table_bytes, index_bytes = cursor.fetchone()
    by_status = dict(CaseConference.objects.values_list("status").annotate(n=Count("id"))
                     .order_by("status"))
    caseworkers = User.objects.filter(username__startswith=USER_PREFIX, is_active=True,
                                      role__in=[Role.PROVIDER_STAFF, Role.PARTNERSHIP_MANAGER])
    r = rule_days()
    return {
        "conferences": CaseConference.objects.count(),
        "conferences by status": by_status,
        "conference table + indexes MB": round(table_bytes / 2**20, 1),
        "conference_due index MB": round(index_bytes / 2**20, 1),
        "cases": Case.objects.count(), "open cases": Case.objects.open().count(),
        "lead agency rows": LeadAgency.objects.count(),
        "referrals": Referral.objects.count(), "open referrals": Referral.objects.open().count(),
        "organisations": Organisation.objects.filter(slug__startswith=SLUG_PREFIX).count(),
        "caseworkers (active)": caseworkers.count(),
        "settings": {"CONFERENCE_REMINDER_LEAD_DAYS": r["lead"],
                     "CONFERENCE_UNRECORDED_AFTER_DAYS": r["after"],
                     "REMINDER_CATCH_UP_DAYS": catch_up_days()},
        "windows": {str(d): [str(x) for x in window(d)] for d in (today, alt_today)},
        "planned in window": {str(d): bare_queryset(d).count() for d in (today, alt_today)},
    }


def run_timing(args: argparse.Namespace) -> None:
    from django.core import mail
    from pages import bare_connection, environment

    from referrals import reminders

    database = require_postgresql()
    for day in (args.today, args.alt_today):
        theirs = getattr(reminders, "_window", None)
        if theirs is not None and theirs(day) != window(day):
            sys.exit(f"The sweep reads {theirs(day)} on {day}, the benchmark expects "
                     f"{window(day)}: update window() in bench/reminders.py.")
    data = data_sizes(args.today, args.alt_today)
    print(f"Database {database}: {data['conferences']:,} conferences, {data['cases']:,} cases; "
          f"planned in the window: {data['planned in window']}", flush=True)
    raw = bare_connection()
    load = {"start": round(os.getloadavg()[0], 2)}
    days: dict[str, Any] = {}
    for label, day in (("main", args.today), ("alt", args.alt_today)):
        print(f"{day}:", flush=True)
        bare_ms, rows = time_bare(raw, day, args.bare_runs)
        print(f"  bare range query: {rows:,} rows, median {statistics.median(bare_ms):.2f} ms",
              flush=True)
        orm_ms = time_calls(lambda d=day: list(bare_queryset(d)), args.bare_runs)
        due, statements, _ = capture(lambda d=day: reminders.due_conferences(d))
        due_ms = time_calls(lambda d=day: reminders.due_conferences(d), args.bare_runs)
        due_bare_ms = time_replay(raw, statements, args.bare_runs)
        print(f"  due_conferences: {len(due):,} due, {len(statements)} queries, median "
              f"{statistics.median(due_ms):.1f} ms (its SQL bare "
              f"{statistics.median(due_bare_ms):.1f} ms)", flush=True)
        sweeps = time_sweeps(day, args.runs)
        first_q, second_q = sweeps["queries"], sweeps["second_sweep_queries"]
        created = sum(sweeps["results"][0].values())
        print(f"  sweep: {created:,} notifications {sweeps['results'][0]}, {first_q:,} queries "
              f"(a second sweep: {second_q}, creating {sweeps['second_sweep_created']}), "
              f"median {statistics.median(sweeps['ms']):.0f} ms; deliveries queued and not run "
              f"{sweeps['deliveries_queued']}", flush=True)
        print(f"  statements of that sweep: {sweeps['statement_kinds']}", flush=True)
        print(f"  a second sweep straight after (all already sent): median "
              f"{statistics.median(sweeps['repeat_ms']):.1f} ms", flush=True)
        days[label] = {
            "today": str(day), "window": [str(x) for x in window(day)],
            "planned rows in window": rows, "due conferences": len(due),
            "due by kind": {k: sum(1 for d in due if k in d.kinds) for k in reminders.KINDS},
            "bare_query_ms": stats(bare_ms), "bare_query_orm_list_ms": stats(orm_ms),
            "due_conferences_ms": stats(due_ms), "due_conferences_sql_bare_ms":
                stats(due_bare_ms), "due_conferences_queries": len(statements),
            "due_conferences_sql": [sql[:300] for sql, _ in statements],
            "sweep_ms": stats(sweeps["ms"]), "sweep_queries": first_q,
            "sweep_statements_without_commits": sweeps["statements"],
            "second_sweep_queries": second_q,
            "second_sweep_ms": stats(sweeps["repeat_ms"]),
            "second_sweep_created": sweeps["second_sweep_created"],
            "notifications_created": created, "created_by_kind": sweeps["results"][0],
            "deliveries_queued_not_run": sweeps["deliveries_queued"],
            "sweep_statements_by_kind": sweeps["statement_kinds"],
        }
        b = statistics.median(bare_ms)
        days[label]["ratios"] = {
            "due_conferences / bare query": round(statistics.median(due_ms) / b, 1),
            "sweep / bare query": round(statistics.median(sweeps["ms"]) / b, 1),
            "due_conferences / its own SQL bare": round(
                statistics.median(due_ms) / statistics.median(due_bare_ms), 1),
        }
        if label == "main":
            batched = time_sweeps(day, args.runs, atomic=True)
            days[label]["sweep_in_one_transaction_ms"] = stats(batched["ms"])
            days[label]["sweep_in_one_transaction_queries"] = batched["queries"]
            print(f"  the same sweep in one transaction: median "
                  f"{statistics.median(batched['ms']):.0f} ms, {batched['queries']:,} queries",
                  flush=True)
        days[label]["sweep_ms_per_notification"] = round(
            (statistics.median(sweeps["ms"]) - statistics.median(due_ms)) / max(created, 1), 3)
        load[str(day)] = round(os.getloadavg()[0], 2)
    sql, params = bare_queryset(args.today).query.sql_with_params()
    plan = explain(sql, params)
    first_sql, first_params = capture(lambda: reminders.due_conferences(args.today))[1][0]
    sweep_plan = explain(first_sql, first_params)
    emails = len(getattr(mail, "outbox", []))
    if emails:
        sys.exit(f"{emails} emails were sent: delivery must not run in the benchmark")
    profile = profile_sweep(args.today) if args.profile else ""
    load["end"] = round(os.getloadavg()[0], 2)

    main, alt = days["main"], days["alt"]
    print(f"\nLoad average: {load}")
    print("\n| Day | Due | Notifications | Bare query (ms) | due_conferences (ms) | Sweep median "
          "(ms) | Sweep min (ms) | Queries | Sweep ÷ bare | due_conferences ÷ bare |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for d in (main, alt):
        print(f"| {d['today']} | {d['due conferences']:,} | {d['notifications_created']:,} "
              f"| {d['bare_query_ms']['median']:.2f} | {d['due_conferences_ms']['median']:.1f} "
              f"| {d['sweep_ms']['median']:.0f} | {d['sweep_ms']['min']:.0f} "
              f"| {d['sweep_queries']:,} | {d['ratios']['sweep / bare query']:,}x "
              f"| {d['ratios']['due_conferences / bare query']}x |")
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of the bare query on {args.today}:\n{plan}")
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) of due_conferences' first statement:\n{sweep_plan}")
    if profile:
        print("\n==== cProfile of one sweep on", args.today, "====\n" + profile)
    if args.json:
        env = environment(database, raw)
        env.pop("rows", None)
        RESULTS.mkdir(parents=True, exist_ok=True)
        path = RESULTS / args.output
        path.write_text(json.dumps({
            "environment": {**env, "load_average": load},
            "arguments": {k: str(v) for k, v in vars(args).items()},
            "data": data, "days": days,
            "explain_bare_query": plan.splitlines(),
            "explain_due_conferences_first_statement": sweep_plan.splitlines(),
            "profile": profile.splitlines()[:90],
        }, default=str, indent=1))
        print(f"Wrote {path.relative_to(ROOT)}")
    raw.close()


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup()
    if args.generate:
        generate(args)
    else:
        run_timing(args)


if __name__ == "__main__":
    main()
