"""The organisation page (``/organisations/<slug>/``) for a commissioner, beside a hand-written
handler: the session and its user, then one statement per panel on a plain psycopg connection
(the organisation with its region, parent and group; its memberships with their partnerships;
the activities it leads now; its services with partnership, categories and sites; the
locations it runs) and an HTML string of the same visible content built with f-strings.

Cases: the median organisation by membership rows (among those providing services), and the
one with the most memberships and services together, as ``bench-commissioner``. ``check``
compares the visible text and links of the two pages' ``<main>`` and their titles.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from bench.targets import Case
from bench.targets.partnership_page import (
    ROLE,
    USER,
    _org_link,
    _row,
    chrome,
    compare_pages,
    e,
    govuk_date,
    plural,
    signed_in_user,
)

TITLE = "Organisation page"
AIM = 3.0

KIND = {"charity": "Charity", "social_enterprise": "Social enterprise", "prison": "Prison",
        "probation": "Probation service", "police": "Police",
        "local_authority": "Local authority", "nhs_body": "NHS body",
        "commissioning_body": "Commissioning body", "other_statutory": "Other statutory body"}
LOCATION_KIND = {"prison": "Prison", "probation_office": "Probation office",
                 "community_hub": "Community hub", "hospital": "Hospital", "other": "Other"}
PRISON_CATEGORY = {"A": "Category A", "B": "Category B", "C": "Category C",
                   "D": "Category D (open)", "women_closed": "Women's closed",
                   "women_open": "Women's open", "yoi": "Young offender institution"}


def cases(conn: Any) -> list[Case]:
    """The median organisation by membership rows among those providing a service (so every
    panel has rows at both data sizes: an organisation without services skips the categories
    and sites queries, which would read as a query count that is not constant); the one with
    the most memberships and services (ties by slug)."""
    rows = conn.execute(
        "SELECT o.slug,"
        " (SELECT count(*) FROM partnerships_membership m WHERE m.organisation_id = o.id),"
        " (SELECT count(*) FROM services_service s WHERE s.provider_id = o.id)"
        " FROM partnerships_organisation o").fetchall()
    by_memberships = sorted((r for r in rows if r[2]), key=lambda r: (r[1], r[0]))
    median = by_memberships[len(by_memberships) // 2]
    busiest = min(rows, key=lambda r: (-(r[1] + r[2]), r[0]))
    return [Case(label=f"median ({median[1]} memberships, {median[2]} services)",
                 rows=median[1] + median[2], url=f"/organisations/{median[0]}/", user=USER,
                 params={"slug": median[0]}),
            Case(label=f"busiest ({busiest[1]} memberships, {busiest[2]} services)",
                 rows=busiest[1] + busiest[2], url=f"/organisations/{busiest[0]}/", user=USER,
                 params={"slug": busiest[0]})]


ORGANISATION_SQL = """
SELECT o.id, o.name, o.slug, o.kind, o.identifier, o.website, o.description, o.parent_id,
       r.name, po.name, po.slug,
       (SELECT json_agg(json_build_array(g.name, g.slug, g.parent_id) ORDER BY g.name)
          FROM partnerships_organisation g
         WHERE g.parent_id IN (o.id, o.parent_id) AND g.id <> o.id)
  FROM partnerships_organisation o
  LEFT JOIN partnerships_region r ON r.id = o.region_id
  LEFT JOIN partnerships_organisation po ON po.id = o.parent_id
 WHERE o.slug = %s
"""

MEMBERSHIPS_SQL = """
SELECT m.partnership_id, m.role, m.joined_on, m.left_on, m.notes, p.name, p.slug, p.ended_on
  FROM partnerships_membership m JOIN partnerships_partnership p ON p.id = m.partnership_id
 WHERE m.organisation_id = %s ORDER BY m.joined_on DESC, m.id
"""

LEADS_SQL = """
SELECT ac.name, p.name, p.slug, lr.starts_on, lr.contact
  FROM partnerships_leadresponsibility lr
  JOIN partnerships_activity ac ON ac.id = lr.activity_id
  JOIN partnerships_partnership p ON p.id = lr.partnership_id
 WHERE lr.organisation_id = %(o)s AND lr.starts_on <= %(on)s
   AND (lr.ends_on IS NULL OR lr.ends_on > %(on)s)
 ORDER BY p.name, ac.position, ac.name
"""

SERVICES_SQL = """
SELECT s.name, s.slug, s.is_active, p.name, p.slug,
       (SELECT string_agg(c.name, ', ' ORDER BY c.position, c.name)
          FROM services_service_categories sc JOIN services_servicecategory c
            ON c.id = sc.servicecategory_id WHERE sc.service_id = s.id),
       (SELECT json_agg(json_build_array(l.name, sl.co_located, sl.notes) ORDER BY l.name)
          FROM services_serviceatlocation sl JOIN services_location l ON l.id = sl.location_id
         WHERE sl.service_id = s.id)
  FROM services_service s LEFT JOIN partnerships_partnership p ON p.id = s.partnership_id
 WHERE s.provider_id = %s ORDER BY s.is_active DESC, s.name, s.id
"""

LOCATIONS_SQL = """
SELECT l.name, l.kind, l.prison_category, r.name, l.postcode
  FROM services_location l LEFT JOIN partnerships_region r ON r.id = l.region_id
 WHERE l.operator_id = %s ORDER BY l.name, l.id
"""


def baseline(conn: Any, case: Case) -> str:
    from core import clock

    today = clock.today()
    user = signed_in_user(conn, case)
    assert user["is_active"]
    o = conn.execute(ORGANISATION_SQL, [case.params["slug"]]).fetchone()
    assert o is not None, "404"
    (pk, name, slug, kind, identifier, website, description, parent_id, region, parent,
     parent_slug, relatives) = o
    memberships = conn.execute(MEMBERSHIPS_SQL, [pk]).fetchall()
    leads = conn.execute(LEADS_SQL, {"o": pk, "on": today}).fetchall()
    services = conn.execute(SERVICES_SQL, [pk]).fetchall()
    locations = conn.execute(LOCATIONS_SQL, [pk]).fetchall()

    n = e(name)
    out = ['<span class="govuk-caption-l">Organisation</span>'
           f'<h1 class="govuk-heading-l">{n}</h1>']
    out += [f'<p class="govuk-body">{e(para.strip())}</p>'
            for para in description.replace("\r\n", "\n").split("\n\n") if para.strip()]
    out.append(f'<p class="govuk-body"><a class="govuk-link" href="/?member={slug}">'
               f'Find partnerships that {n} is a member of</a></p>'
               '<h2 class="govuk-heading-m" id="details">Details</h2>'
               '<dl class="govuk-summary-list">')
    out.append(_row("Kind of organisation", KIND[kind]))
    out.append(_row("Identifier", e(identifier) or "Not recorded"))
    out.append(_row("Region", e(region) if region else "Not recorded"))
    out.append(_row("Website", f'<a class="govuk-link" href="{e(website)}">{e(website)}</a>'
                    if website else "Not recorded"))
    out.append(_row("Parent group", _org_link(parent, parent_slug) if parent else "None"))
    out.append("</dl>")
    relatives = relatives or []
    members = [r for r in relatives if r[2] == pk]
    siblings = [r for r in relatives if parent_id and r[2] == parent_id]
    if members or siblings:
        out.append('<h2 class="govuk-heading-m" id="group">Group</h2>')
        if members:
            out.append(f'<p class="govuk-body">{n} heads a group of {len(members)} member '
                       f'organisation{plural(len(members))}, each with its own board:</p>'
                       '<ul class="govuk-list govuk-list--bullet">'
                       + "".join(f"<li>{_org_link(m[0], m[1])}</li>" for m in members)
                       + "</ul>")
        if siblings:
            out.append(f'<p class="govuk-body">Other members of {e(parent)}:</p>'
                       '<ul class="govuk-list govuk-list--bullet">'
                       + "".join(f"<li>{_org_link(m[0], m[1])}</li>" for m in siblings)
                       + "</ul>")

    by_partnership: dict[int, list[tuple]] = defaultdict(list)
    for m in memberships:
        by_partnership[m[0]].append(m)
    current, past = [], []
    for rows in by_partnership.values():
        p_name, p_slug, p_ended = rows[0][5], rows[0][6], rows[0][7]
        in_force = any(m[3] is None or m[3] > today for m in rows)
        over = bool(p_ended and p_ended < today)
        left_dates = [m[3] for m in rows if m[3]] + ([p_ended] if p_ended else [])
        entry = {"name": p_name, "slug": p_slug, "ended_on": p_ended, "rows": rows,
                 "first_joined": min(m[2] for m in rows),
                 "left_on": max(left_dates) if left_dates else None}
        (current if in_force and not over else past).append(entry)
    current.sort(key=lambda x: x["name"])
    past.sort(key=lambda x: (x["left_on"] or datetime.date.min, x["name"]), reverse=True)

    out.append('<h2 class="govuk-heading-m" id="partnerships">Partnerships</h2>')
    if current:
        out.append(f'<table class="govuk-table"><caption>Current partnerships ({len(current)})'
                   '</caption><thead><tr><th>Partnership</th><th>Role</th><th>Member since'
                   '</th></tr></thead><tbody>')
        for x in current:
            roles = []
            for m in x["rows"]:
                if m[3] is None or m[3] > today:
                    roles.append(f"<li>{ROLE[m[1]]}"
                                 + (f" from {govuk_date(m[2])}" if m[2] > today
                                    else f", leaving on {govuk_date(m[3])}" if m[3] else "")
                                 + "</li>")
            for m in x["rows"]:
                if m[3] and m[3] <= today:
                    roles.append(f"<li>Previously {ROLE[m[1]].lower()}, {govuk_date(m[2])} to "
                                 f"{govuk_date(m[3])}</li>")
            out.append(f'<tr><th scope="row"><a class="govuk-link" href="/partnerships/'
                       f'{x["slug"]}/">{e(x["name"])}</a></th><td><ul class="govuk-list">'
                       f'{"".join(roles)}</ul></td><td>{govuk_date(x["first_joined"])}</td></tr>')
        out.append("</tbody></table>")
    else:
        out.append(f'<p class="govuk-body">{n} is not a member of any partnership now.</p>')
    if past:
        out.append(f'<table class="govuk-table"><caption>Past partnerships ({len(past)})'
                   '</caption><thead><tr><th>Partnership</th><th>Role</th><th>Joined</th>'
                   '<th>Left</th></tr></thead><tbody>')
        for x in past:
            notes = dict.fromkeys(m[4] for m in x["rows"] if m[3] and m[4])
            out.append(
                f'<tr><th scope="row"><a class="govuk-link" href="/partnerships/{x["slug"]}/">'
                f'{e(x["name"])}</a></th><td>{", ".join(ROLE[m[1]] for m in x["rows"])}</td>'
                f'<td>{govuk_date(x["first_joined"])}</td><td>'
                + (f'Left on {govuk_date(x["left_on"])}' if x["left_on"] else "")
                + (" (the partnership ended)" if x["ended_on"]
                   and x["ended_on"] == x["left_on"] else "")
                + "".join(f'<span class="registry-block">{e(note)}</span>' for note in notes)
                + "</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append('<p class="govuk-body">No past partnerships are recorded.</p>')
    if leads:
        out.append('<h2 class="govuk-heading-m" id="lead-responsibilities">Activities it leads'
                   f'</h2><table class="govuk-table"><caption>Activities {n} leads now'
                   '</caption><thead><tr><th>Activity</th><th>Partnership</th><th>Since</th>'
                   '<th>Named contact</th></tr></thead><tbody>')
        out += [f'<tr><th scope="row">{e(activity)}</th><td><a class="govuk-link" href="'
                f'/partnerships/{p_slug}/">{e(p_name)}</a></td><td>{govuk_date(starts_on)}'
                f'</td><td>{e(contact) or "None named"}</td></tr>'
                for activity, p_name, p_slug, starts_on, contact in leads]
        out.append("</tbody></table>")
    out.append('<h2 class="govuk-heading-m" id="services">Services it provides</h2>')
    if services:
        out.append(f'<table class="govuk-table"><caption>Services provided by {n}</caption>'
                   '<thead><tr><th>Service</th><th>Partnership</th><th>Categories</th>'
                   '<th>Delivered at</th></tr></thead><tbody>')
        for s_name, s_slug, is_active, p_name, p_slug, categories, sites in services:
            places = "".join(
                f"<li>{e(loc)}"
                + (' <strong class="govuk-tag govuk-tag--turquoise">Co-located</strong>'
                   if co else "")
                + (f'<span class="registry-block">{e(notes)}</span>' if notes else "")
                + "</li>" for loc, co, notes in sites or [])
            out.append(
                f'<tr><th scope="row"><a class="govuk-link" href="/services/{s_slug}/">'
                f'{e(s_name)}</a>'
                + ("" if is_active else '<span class="registry-block"><strong class="govuk-tag'
                   ' govuk-tag--grey">No longer delivered</strong></span>')
                + "</th><td>"
                + (f'<a class="govuk-link" href="/partnerships/{p_slug}/">{e(p_name)}</a>'
                   if p_name else "Not under a partnership")
                + f'</td><td>{e(categories) if categories else "None"}</td><td>'
                + (f'<ul class="govuk-list">{places}</ul>' if places else "No locations recorded")
                + "</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append(f'<p class="govuk-body">No services are recorded for {n}.</p>')
    out.append('<h2 class="govuk-heading-m" id="locations">Locations it runs</h2>')
    if locations:
        out.append(f'<table class="govuk-table"><caption>Locations run by {n}</caption><thead>'
                   '<tr><th>Location</th><th>Kind</th><th>Region</th><th>Postcode</th></tr>'
                   '</thead><tbody>')
        out += [f'<tr><th scope="row">{e(l_name)}</th><td>{LOCATION_KIND[l_kind]}'
                + (f" ({e(PRISON_CATEGORY[category])})" if category else "")
                + f'</td><td>{e(l_region) if l_region else "Not recorded"}</td>'
                f'<td>{e(postcode) or "Not recorded"}</td></tr>'
                for l_name, l_kind, category, l_region, postcode in locations]
        out.append("</tbody></table>")
    else:
        out.append(f'<p class="govuk-body">{n} runs no locations in the registry.</p>')
    return chrome(user, name, "".join(out))


def check(case: Case, output: str | bytes, baseline_output: str | bytes) -> None:
    compare_pages(output, baseline_output)
