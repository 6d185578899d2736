"""The case-conference reminder sweep (``referrals.reminders.sweep``) on the generator's fixed
day (bench/reminders.py: ``DEFAULT_TODAY``, 1,000 due among 1,000,000 stored at full scale),
against ONE hand-written ``INSERT … SELECT … ON CONFLICT (key) DO NOTHING RETURNING id`` that
writes the same notifications (same keys, recipients, subjects, bodies and links).

Each timed run starts from none of these notifications: ``reset()`` deletes the rows of the two
conference kinds made since ``cases()`` looked (the sweep's and the baseline's, nothing else) and
purges the deliveries queued on Celery's in-memory broker (there is no worker: nothing is sent).
``check()`` runs both once itself and compares the rows they write.
"""

from __future__ import annotations

import datetime
from typing import Any

from . import Case

TITLE = "Reminder sweep: 1,000 due among 1,000,000 stored"
AIM = 3.0

TODAY = datetime.date(2026, 11, 2)  # bench/reminders.py: DEFAULT_TODAY
KINDS = ("conference_due_soon", "conference_unrecorded")

# What a careful developer writes by hand: the due conferences of open cases (the
# ``conference_due`` index range), the organisations to tell (the current lead agency; for a
# conference coming up also both parties of each open referral), their active caseworkers, and
# every text built in SQL. The window, labels and link prefix are constants of the handler.
BASELINE_SQL = """
WITH due AS (
    SELECT c.id, c.kind, c.planned_on, c.case_id, k.reference,
           CASE WHEN c.planned_on >= %(today)s THEN 'conference_due_soon'
                ELSE 'conference_unrecorded' END AS reminder
      FROM referrals_caseconference c
      JOIN referrals_case k ON k.id = c.case_id AND k.status = 'open'
     WHERE c.status = 'planned'
       AND (c.planned_on BETWEEN %(today)s AND %(soon_to)s
            OR c.planned_on BETWEEN %(late_from)s AND %(late_to)s)
), organisations AS (
    SELECT d.id, l.organisation_id
      FROM due d
      JOIN referrals_leadagency l ON l.case_id = d.case_id AND l.starts_on <= %(today)s
                                 AND (l.ends_on IS NULL OR l.ends_on > %(today)s)
    UNION
    SELECT d.id, unnest(ARRAY[r.from_organisation_id, r.to_organisation_id])
      FROM due d
      JOIN referrals_referral r ON r.case_id = d.case_id AND r.status IN ('sent', 'accepted')
     WHERE d.reminder = 'conference_due_soon'
), texts AS (
    SELECT d.*, to_char(d.planned_on, 'FMDD FMMonth YYYY') AS day,
           CASE d.kind WHEN 'start' THEN 'Three-way meeting: start of order'
                       WHEN 'middle' THEN 'Three-way meeting: middle of order'
                       WHEN 'end' THEN 'Three-way meeting: end of order'
                       ELSE 'Joint case meeting' END AS what,
           d.planned_on - %(today)s::date AS ahead
      FROM due d
)
INSERT INTO notifications_notification
       (kind, key, recipient_id, subject, body, url, content_type_id, object_id, created_on,
        email_status, attempts)
SELECT t.reminder,
       t.reminder || ':' || t.id || ':' || to_char(t.planned_on, 'YYYY-MM-DD') || ':' || u.id,
       u.id,
       CASE WHEN t.reminder = 'conference_due_soon' THEN
            'Case conference ' || CASE t.ahead WHEN 0 THEN 'today' WHEN 1 THEN 'tomorrow'
                                  ELSE 'in ' || t.ahead || ' days' END
            || ': ' || t.reference || ', ' || t.day
       ELSE 'Case conference not recorded: ' || t.reference || ', ' || t.day END,
       CASE WHEN t.reminder = 'conference_due_soon' THEN
            t.what || ' for case ' || t.reference || ' is planned for ' || t.day
            || '. You are told as a caseworker of an organisation involved in the case; '
            || 'the case page has the details.'
       ELSE t.what || ' for case ' || t.reference || ' was planned for ' || t.day || ' ('
            || -t.ahead || ' day' || CASE WHEN t.ahead = -1 THEN '' ELSE 's' END
            || ' ago) and has not been recorded. You are told as a caseworker of the case''s '
            || 'lead agency: record it as held or missed, or plan it again, from the case page.'
       END,
       %(url_prefix)s || t.reference || '/',
       %(content_type)s, t.id::text, now(), 'pending', 0
  FROM texts t
  JOIN organisations o ON o.id = t.id
  JOIN accounts_user u ON u.organisation_id = o.organisation_id AND u.is_active
                      AND u.role IN ('provider_staff', 'partnership_manager')
ON CONFLICT (key) DO NOTHING
RETURNING id
"""

ROWS_SQL = """
SELECT key, recipient_id, subject, body, url FROM notifications_notification
 WHERE kind = ANY(%(kinds)s) AND id > %(after)s
"""


def _memory_broker() -> None:
    """Refuse to run unless Celery's broker is the in-memory one: the sweep queues deliveries,
    and no worker may ever pick them up (nor send mail)."""
    from config.celery import app

    with app.connection_for_write() as connection:
        if connection.transport_cls != "memory":
            raise RuntimeError(f"Celery's broker is {connection.transport_cls}; the reminder "
                               "sweep target needs CELERY_BROKER_URL=memory://")


def _reset(after: int) -> None:
    """Delete the conference reminders made since ``cases()`` looked (the sweep's and the
    baseline's) and purge the deliveries queued for them; nothing else."""
    from django.db import connection

    from config.celery import app

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_notification WHERE kind IN (%s, %s) "
                       "AND id > %s", [*KINDS, after])
    app.control.purge()


def _params() -> dict[str, Any]:
    """The handler's constants: today, the windows (from the same settings the sweep reads),
    the link prefix and the content type of a conference."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.urls import reverse

    from notifications.sweeps import catch_up_days
    from referrals.models import CaseConference

    day = datetime.timedelta(days=1)
    lead, after = settings.CONFERENCE_REMINDER_LEAD_DAYS, settings.CONFERENCE_UNRECORDED_AFTER_DAYS
    return {"today": TODAY, "soon_to": TODAY + lead * day,
            "late_from": TODAY - (after + catch_up_days()) * day, "late_to": TODAY - after * day,
            "url_prefix": reverse("referrals:case", args=["X"])[:-2],
            "content_type": ContentType.objects.get_for_model(CaseConference).pk}


def cases(conn: Any) -> list[Case]:
    from referrals.reminders import sweep

    _memory_broker()
    after = conn.execute("SELECT coalesce(max(id), 0) FROM notifications_notification") \
        .fetchone()[0]
    params = _params()
    # The rows it writes: the baseline's count (run once, inside a rolled-back transaction).
    with conn.transaction(force_rollback=True):
        rows = len(conn.execute(BASELINE_SQL, params).fetchall())

    def reset() -> None:
        _reset(after)

    return [Case(label=f"{TODAY.isoformat()}", rows=rows, call=lambda: sweep(TODAY),
                 reset=reset, params={**params, "after": after, "conn": conn})]


def baseline(conn: Any, case: Case) -> list[int]:
    params = {k: v for k, v in case.params.items() if k not in ("after", "conn")}
    return [row[0] for row in conn.execute(BASELINE_SQL, params).fetchall()]


def check(case: Case, output: Any, baseline_output: Any) -> None:
    """Both write the same set of (key, recipient, subject, body, url): checked by running each
    once from none and reading back what it wrote (then removing it)."""
    from referrals.reminders import sweep

    conn, after = case.params["conn"], case.params["after"]

    def written() -> set[tuple[Any, ...]]:
        return set(conn.execute(ROWS_SQL, {"kinds": list(KINDS), "after": after}).fetchall())

    assert case.reset is not None
    case.reset()
    counts = sweep(TODAY)
    ours = written()
    case.reset()
    ids = baseline(conn, case)
    theirs = written()
    case.reset()
    assert sum(counts.values()) == len(ours), f"the sweep says {counts}, wrote {len(ours)}"
    assert len(ids) == len(theirs)
    missing, extra = theirs - ours, ours - theirs
    assert not missing and not extra, (
        f"the sweep and the baseline differ: {len(missing)} only in the baseline (e.g. "
        f"{sorted(missing)[:2]}), {len(extra)} only in the sweep (e.g. {sorted(extra)[:2]})")
    if output is not None and baseline_output is not None:
        assert sum(output.values()) == len(baseline_output)
