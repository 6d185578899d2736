#!/usr/bin/env python
"""Case-conference data at scale for the reminder sweep benchmark (issue 6, issue 17).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/registry_bench \\
        .venv/bin/python bench/reminders.py --generate            # 20-40 s on 2 cores

The issue asks that sweeps find what is due with indexed queries, so that their cost grows with
what is due and not with everything stored. This script stores a million conferences of which
exactly ``--due`` (1,000) are planned inside the sweep's window on the fixed ``--today``, and
``--alt-due`` (100) on ``--alt-today``. ``bench/perf.py`` runs it when the database lacks the
benchmark partnership and times the sweep on it (``bench/targets/reminder_sweep.py``).

``--generate`` writes everything except a handful of organisations, users and the partnership
with ``INSERT ... SELECT generate_series`` in SQL (no rows pass through Python), then
``VACUUM (ANALYZE)``. Values that vary come from ``hashint8extended(n, --seed)``, so the same
seed gives the same rows in a fresh database on any day and machine.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import time
from typing import Any

from common import Progress, require_postgresql

D = datetime.date
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
    from common import isolate_from_workers, setup_django

    setup_django(debug=False)
    isolate_from_workers()


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
        description="Case-conference reminder data for the benchmarks (PostgreSQL, "
                    "DATABASE_URL).")
    parser.add_argument("--generate", action="store_true", required=True,
                        help="fill the database (the only mode: bench/perf.py times the sweep)")
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    setup()
    generate(args)


if __name__ == "__main__":
    main()
