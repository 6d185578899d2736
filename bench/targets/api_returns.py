"""``GET /api/v1/returns/?page_size=100`` as the monitoring partnership's commissioner (2,459
returns at full scale): each return with its organisation, partnership and reporting period,
against one hand-written query (the visible returns sorted and sliced, then joined) and a
count. Visibility as ``MonitoringReturn.objects.visible_to``: a commissioner sees its own
organisation's returns and the submitted returns of the partnerships it funds."""

from __future__ import annotations

import datetime
import json
from typing import Any
from zoneinfo import ZoneInfo

from . import Case
from ._api import check as check_json
from ._api import envelope, page_cases

TITLE = "API: monitoring returns list, 100 rows"
AIM = 3.0
PATH = "/api/v1/returns/"
USER = "bench-mon-commissioner"
LONDON = ZoneInfo("Europe/London")

VISIBLE = """
  (r.organisation_id = %(org)s
   OR (r.status <> 'draft' AND EXISTS (
         SELECT 1 FROM partnerships_funding f
          WHERE f.partnership_id = r.partnership_id AND f.funder_id = %(org)s)))
"""

COUNT_SQL = f"SELECT count(*) FROM monitoring_monitoringreturn r WHERE {VISIBLE}"

PAGE_SQL = f"""
WITH page AS (
  SELECT r.id, r.organisation_id, r.partnership_id, r.period_id, r.status, r.revision,
         r.version, r.first_submitted_at, r.submitted_at, r.approved_at,
         p.starts_on AS period_starts_on, o.name AS organisation_name
    FROM monitoring_monitoringreturn r
    JOIN monitoring_reportingperiod p ON p.id = r.period_id
    JOIN partnerships_organisation o ON o.id = r.organisation_id
   WHERE {VISIBLE}
   ORDER BY p.starts_on DESC, o.name, r.revision DESC, r.id
   LIMIT %(limit)s OFFSET %(offset)s
)
SELECT r.id, o.slug, o.name, o.kind, s.slug, s.name,
       p.id, p.frequency, p.starts_on, p.ends_on, p.due_on,
       r.status, r.revision, r.version, r.first_submitted_at, r.submitted_at, r.approved_at
  FROM page r
  JOIN partnerships_organisation o ON o.id = r.organisation_id
  JOIN partnerships_partnership s ON s.id = r.partnership_id
  JOIN monitoring_reportingperiod p ON p.id = r.period_id
 ORDER BY r.period_starts_on DESC, r.organisation_name, r.revision DESC, r.id
"""


def commissioner(conn: Any, username: str, session_key: str = "") -> int:
    """The session row and its user (one query); the organisation of an active commissioner."""
    row = conn.execute(
        "SELECT s.session_data, u.is_active, u.role, u.organisation_id, u.is_superuser"
        " FROM accounts_user u LEFT JOIN django_session s"
        "   ON s.session_key = %s AND s.expire_date > now()"
        " WHERE u.username = %s", (session_key, username)).fetchone()
    if row is None or not row[1] or row[2] != "commissioner" or row[4]:
        raise PermissionError("this baseline answers an active commissioner only")
    return row[3]


def cases(conn: Any) -> list[Case]:
    org = commissioner(conn, USER)
    found = page_cases(conn, PATH, conn.execute(COUNT_SQL, {"org": org}).fetchone()[0])
    for case in found:
        case.user = USER
    return found


def period_label(frequency: str, starts_on: datetime.date) -> str:
    """'2026–27 Q2', 'July 2026' or '2026 to 2027', as the registry names periods."""
    year = starts_on.year if starts_on.month >= 4 else starts_on.year - 1
    if frequency == "quarterly":
        return f"{year}–{str(year + 1)[-2:]} Q{(starts_on.month - 4) % 12 // 3 + 1}"
    if frequency == "monthly":
        return f"{starts_on:%B %Y}"
    return f"{year} to {year + 1}"


def moment(value: datetime.datetime | None) -> str | None:
    """A timestamp as the API shows it: UK time, ISO 8601, "Z" for UTC (GMT in winter)."""
    if value is None:
        return None
    text = value.astimezone(LONDON).isoformat()
    return f"{text[:-6]}Z" if text.endswith("+00:00") else text


def baseline(conn: Any, case: Case) -> str:
    org = commissioner(conn, case.user, case.params.get("session_key", ""))
    page = case.params["page"]
    count = conn.execute(COUNT_SQL, {"org": org}).fetchone()[0]
    rows = conn.execute(PAGE_SQL, {"org": org, "limit": 100,
                                   "offset": (page - 1) * 100}).fetchall()
    prefix = f"http://testserver{PATH}"
    results = [{
        "url": f"{prefix}{pk}/", "id": pk,
        "organisation": {"slug": o_slug, "name": o_name, "kind": o_kind},
        "partnership": {"slug": s_slug, "name": s_name},
        "period": {"id": p_id, "frequency": frequency, "label": period_label(frequency, starts),
                   "starts_on": starts.isoformat(), "ends_on": ends.isoformat(),
                   "due_on": due.isoformat() if due else None},
        "status": status, "revision": revision, "version": version,
        "first_submitted_at": moment(first), "submitted_at": moment(submitted),
        "approved_at": moment(approved),
    } for (pk, o_slug, o_name, o_kind, s_slug, s_name, p_id, frequency, starts, ends, due,
           status, revision, version, first, submitted, approved) in rows]
    return json.dumps(envelope(PATH, page, count, results))


def check(case: Case, output: Any, baseline_output: Any) -> None:
    check_json(case, output, baseline_output)
