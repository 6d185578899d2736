"""``GET /api/v1/organisations/?page_size=100``: organisations with their region and parent
group, against one hand-written query (the page sorted and sliced, then its region and
parent joined) and a count."""

from __future__ import annotations

import json
from typing import Any

from . import Case
from ._api import check as check_json
from ._api import envelope, page_cases, signed_in_user

TITLE = "API: organisations list, 100 rows"
AIM = 3.0
PATH = "/api/v1/organisations/"

PAGE_SQL = """
WITH page AS (
  SELECT o.id, o.slug, o.name, o.kind, o.identifier, o.region_id, o.parent_id
    FROM partnerships_organisation o
   ORDER BY o.name, o.slug
   LIMIT %(limit)s OFFSET %(offset)s
)
SELECT o.slug, o.name, o.kind, o.identifier, r.code, r.name, g.slug, g.name, g.kind
  FROM page o
  LEFT JOIN partnerships_region r ON r.id = o.region_id
  LEFT JOIN partnerships_organisation g ON g.id = o.parent_id
 ORDER BY o.name, o.slug
"""


def cases(conn: Any) -> list[Case]:
    return page_cases(conn, PATH, "SELECT count(*) FROM partnerships_organisation")


def baseline(conn: Any, case: Case) -> str:
    signed_in_user(conn, case)
    page = case.params["page"]
    count = conn.execute("SELECT count(*) FROM partnerships_organisation").fetchone()[0]
    rows = conn.execute(PAGE_SQL, {"limit": 100, "offset": (page - 1) * 100}).fetchall()
    prefix = f"http://testserver{PATH}"
    results = [{"url": f"{prefix}{slug}/", "slug": slug, "name": name, "kind": kind,
                "identifier": identifier,
                "region": {"code": r_code, "name": r_name} if r_code is not None else None,
                "parent": ({"slug": g_slug, "name": g_name, "kind": g_kind}
                           if g_slug is not None else None)}
               for slug, name, kind, identifier, r_code, r_name, g_slug, g_name, g_kind in rows]
    return json.dumps(envelope(PATH, page, count, results))


def check(case: Case, output: Any, baseline_output: Any) -> None:
    check_json(case, output, baseline_output)
