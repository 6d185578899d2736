"""``GET /api/v1/services/?page_size=100``: the service directory with each service's provider,
partnership, categories, eligibility, referral routes and delivery sites, against one
hand-written query (categories and sites aggregated per row) and a count."""

from __future__ import annotations

import json
from typing import Any

from . import Case
from ._api import check as check_json
from ._api import envelope, page_cases, signed_in_user

TITLE = "API: services list, 100 rows"
AIM = 3.0
PATH = "/api/v1/services/"

PAGE_SQL = """
WITH page AS (
  SELECT s.id, s.slug, s.name, s.provider_id, s.partnership_id, s.gender, s.min_age,
         s.max_age, s.setting, s.accepts_self_referral, s.accepts_professional_referral,
         s.accepts_court_ordered, s.is_active
    FROM services_service s
   ORDER BY s.name, s.slug
   LIMIT %(limit)s OFFSET %(offset)s
)
SELECT s.slug, s.name, o.slug, o.name, o.kind, p.slug, p.name,
       s.gender, s.min_age, s.max_age, s.setting,
       s.accepts_self_referral, s.accepts_professional_referral, s.accepts_court_ordered,
       s.is_active,
       (SELECT coalesce(json_agg(json_build_object('slug', c.slug, 'name', c.name)
                                 ORDER BY c.position, c.name), '[]')
          FROM services_service_categories sc
          JOIN services_servicecategory c ON c.id = sc.servicecategory_id
         WHERE sc.service_id = s.id),
       (SELECT coalesce(json_agg(json_build_object(
                   'location', json_build_object('slug', l.slug, 'name', l.name,
                                                 'kind', l.kind),
                   'co_located', sl.co_located, 'notes', sl.notes)
                 ORDER BY l.name, sl.id), '[]')
          FROM services_serviceatlocation sl
          JOIN services_location l ON l.id = sl.location_id
         WHERE sl.service_id = s.id)
  FROM page s
  JOIN partnerships_organisation o ON o.id = s.provider_id
  LEFT JOIN partnerships_partnership p ON p.id = s.partnership_id
 ORDER BY s.name, s.slug
"""


def cases(conn: Any) -> list[Case]:
    return page_cases(conn, PATH, "SELECT count(*) FROM services_service")


def baseline(conn: Any, case: Case) -> str:
    signed_in_user(conn, case)
    page = case.params["page"]
    count = conn.execute("SELECT count(*) FROM services_service").fetchone()[0]
    rows = conn.execute(PAGE_SQL, {"limit": 100, "offset": (page - 1) * 100}).fetchall()
    prefix = f"http://testserver{PATH}"
    results = []
    for (slug, name, o_slug, o_name, o_kind, p_slug, p_name, gender, min_age, max_age,
         setting, self_referral, professional, court_ordered, is_active, categories,
         sites) in rows:
        routes = [label for accepted, label in ((self_referral, "Self"),
                                                (professional, "Professional"),
                                                (court_ordered, "Court-ordered")) if accepted]
        results.append({
            "url": f"{prefix}{slug}/", "slug": slug, "name": name,
            "provider": {"slug": o_slug, "name": o_name, "kind": o_kind},
            "partnership": {"slug": p_slug, "name": p_name} if p_slug is not None else None,
            "categories": categories,
            "eligibility": {"gender": gender, "min_age": min_age, "max_age": max_age,
                            "setting": setting},
            "referral_routes": routes, "is_active": is_active, "locations": sites})
    return json.dumps(envelope(PATH, page, count, results))


def check(case: Case, output: Any, baseline_output: Any) -> None:
    check_json(case, output, baseline_output)
