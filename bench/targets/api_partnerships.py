"""``GET /api/v1/partnerships/?page_size=100``: partnerships with their regions and current
members, against one hand-written query (regions and members aggregated per row) and a count."""

from __future__ import annotations

import json
from typing import Any

from . import Case
from ._api import check as check_json
from ._api import envelope, page_cases, signed_in_user, today

TITLE = "API: partnerships list, 100 rows"
AIM = 3.0
PATH = "/api/v1/partnerships/"

PAGE_SQL = """
WITH page AS (
  SELECT p.id, p.slug, p.name, p.status, p.setting, p.started_on, p.ended_on
    FROM partnerships_partnership p
   ORDER BY p.name, p.slug
   LIMIT %(limit)s OFFSET %(offset)s
)
SELECT p.slug, p.name, p.status, p.setting, p.started_on, p.ended_on,
       (SELECT coalesce(json_agg(json_build_object('code', r.code, 'name', r.name)
                                 ORDER BY r.position, r.name), '[]')
          FROM partnerships_partnership_regions pr
          JOIN partnerships_region r ON r.id = pr.region_id
         WHERE pr.partnership_id = p.id),
       (SELECT coalesce(json_agg(json_build_object(
                   'organisation', json_build_object('slug', o.slug, 'name', o.name,
                                                     'kind', o.kind),
                   'role', m.role, 'joined_on', m.joined_on, 'left_on', m.left_on)
                 ORDER BY m.joined_on, o.name, m.id), '[]')
          FROM partnerships_membership m
          JOIN partnerships_organisation o ON o.id = m.organisation_id
         WHERE m.partnership_id = p.id AND m.joined_on <= %(today)s
           AND (m.left_on IS NULL OR m.left_on > %(today)s))
  FROM page p
 ORDER BY p.name, p.slug
"""


def cases(conn: Any) -> list[Case]:
    return page_cases(conn, PATH, "SELECT count(*) FROM partnerships_partnership")


def baseline(conn: Any, case: Case) -> str:
    signed_in_user(conn, case)
    page = case.params["page"]
    count = conn.execute("SELECT count(*) FROM partnerships_partnership").fetchone()[0]
    rows = conn.execute(PAGE_SQL, {"today": today(), "limit": 100,
                                   "offset": (page - 1) * 100}).fetchall()
    prefix = f"http://testserver{PATH}"
    results = [{"url": f"{prefix}{slug}/", "slug": slug, "name": name, "status": status,
                "setting": setting,
                "started_on": started.isoformat() if started else None,
                "ended_on": ended.isoformat() if ended else None,
                "regions": regions, "current_members": members}
               for slug, name, status, setting, started, ended, regions, members in rows]
    return json.dumps(envelope(PATH, page, count, results))


def check(case: Case, output: Any, baseline_output: Any) -> None:
    check_json(case, output, baseline_output)
