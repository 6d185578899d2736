"""The partnership page (``/partnerships/<slug>/``) for a commissioner, beside a hand-written
handler: a few SQL statements on a plain psycopg connection (the session and its user, the
partnership with its regions, the permission facts and its monitoring frameworks, every
membership, the agreements with their signatories and latest review, the lead-agency matrix,
the funding rows, the first services with their categories, sites and totals) and an HTML
string built with f-strings of the same visible content: every panel, row and field the page
shows (members, leavers, the membership timeline, leads, agreements and their versions,
funding and its financial years, services and sites).

Cases: the median partnership by membership rows and the largest one, as
``bench-commissioner``. ``check`` compares the visible text and links of the two pages'
``<main>`` and their titles, so the baseline cannot show less than the page.
"""

from __future__ import annotations

import datetime
import html
import re
from collections import Counter, defaultdict
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

from bench.targets import Case

TITLE = "Partnership page"
AIM = 3.0
USER = "bench-commissioner"

# The page caps its long lists; the baseline shows the same first rows (composition CAPS).
CAP_MEMBERS, CAP_PAST, CAP_TIMELINE, CAP_SERVICES = 50, 25, 20, 50

ROLE = {"lead_partner": "Lead partner", "sub_contractor": "Sub-contractor",
        "delivery_partner": "Delivery partner", "board_member": "Board member",
        "statutory_partner": "Statutory partner", "commissioner": "Commissioner",
        "funder": "Funder"}
SETTING = {"custody": "Custody", "community": "Community", "both": "Custody and community"}
STATUS = {"forming": ("Forming", "govuk-tag--blue"), "active": ("Active", "govuk-tag--green"),
          "ended": ("Ended", "govuk-tag--grey")}
AGREEMENT_KIND = {"partnership_working": "Partnership working agreement",
                  "service_level": "Service level agreement",
                  "information_sharing": "Information-sharing protocol",
                  "joint": "Joint agreement", "mou": "Memorandum of understanding",
                  "contract": "Contract"}
AGREEMENT_STATUS = {"draft": ("Draft", "govuk-tag--blue"),
                    "scheduled": ("Due to take effect", "govuk-tag--turquoise"),
                    "active": ("Active", "govuk-tag--green"),
                    "superseded": ("Superseded", "govuk-tag--grey"),
                    "ended": ("Ended", "govuk-tag--grey"),
                    "expired": ("Expired", "govuk-tag--orange")}
FUNDING_SOURCE = {"contract": "Contract", "grant": "Grant", "lottery": "Lottery",
                  "in_kind": "In kind"}

e = html.escape


def cases(conn: Any) -> list[Case]:
    """The median partnership by membership rows, and the largest (ties by slug)."""
    rows = conn.execute(
        "SELECT p.slug, count(m.id) AS n FROM partnerships_partnership p"
        " LEFT JOIN partnerships_membership m ON m.partnership_id = p.id"
        " GROUP BY p.id ORDER BY n, p.slug").fetchall()
    median_slug, median_n = rows[len(rows) // 2]
    largest_n = rows[-1][1]
    largest_slug = min(slug for slug, n in rows if n == largest_n)
    return [Case(label=f"median ({median_n} membership rows)", rows=median_n,
                 url=f"/partnerships/{median_slug}/", user=USER, params={"slug": median_slug}),
            Case(label=f"largest ({largest_n} membership rows)", rows=largest_n,
                 url=f"/partnerships/{largest_slug}/", user=USER,
                 params={"slug": largest_slug})]


# ------------------------------------------------------------------------------------------
# Shared by both page targets: the signed-in user, the page chrome, the check.
# ------------------------------------------------------------------------------------------
USER_SQL = """
SELECT u.id, u.first_name, u.last_name, u.username, u.role, u.is_active, u.organisation_id,
       o.name,
       (SELECT count(*) FROM notifications_notification n
         WHERE n.recipient_id = u.id AND n.read_at IS NULL),
       (SELECT s.session_data FROM django_session s
         WHERE s.session_key = %(key)s AND s.expire_date > now())
  FROM accounts_user u LEFT JOIN partnerships_organisation o ON o.id = u.organisation_id
 WHERE u.username = %(username)s
"""


def signed_in_user(conn: Any, case: Case) -> dict[str, Any]:
    """The session row and its user with organisation and unread count: one statement."""
    row = conn.execute(USER_SQL, {"key": case.params.get("session_key", ""),
                                  "username": case.user}).fetchone()
    keys = ("id", "first_name", "last_name", "username", "role", "is_active",
            "organisation_id", "organisation", "unread", "session")
    return dict(zip(keys, row, strict=True))


def govuk_date(day: datetime.date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def money(amount: Decimal) -> str:
    value = Decimal(amount).quantize(Decimal("0.01"))
    sign = "-" if value < 0 else ""
    value = abs(value)
    if value == value.to_integral_value():
        return f"{sign}£{int(value):,}"
    return f"{sign}£{value:,.2f}"


def plural(n: int) -> str:
    return "" if n == 1 else "s"


def chrome(user: dict[str, Any], title: str, main: str) -> str:
    """The page around ``main``: head, header with the user and unread count, navigation,
    breadcrumbs and footer (constant strings but for the user's own lines)."""
    name = f"{user['first_name']} {user['last_name']}".strip() or user["username"]
    org = f", {e(user['organisation'])}" if user["organisation"] else ""
    return (
        f'<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{e(title)} '
        '– Partnership Registry</title><link rel="stylesheet" href="/static/css/registry.css">'
        '</head><body class="govuk-template__body"><header class="govuk-template__header">'
        '<a href="/">Partnership Registry</a><p class="govuk-body-s">'
        f'{e(name)}{org}</p><a href="/notifications/">Notifications <strong class="govuk-tag">'
        f'{user["unread"]} unread</strong></a><a href="/account/api-tokens/">API tokens</a>'
        '<nav><a href="/your-work/">Your work</a><a href="/search/">Search the registry</a>'
        '<a href="/services/">Service directory</a><a href="/partnerships/compare/">Compare</a>'
        '<a href="/monitoring/">Monitoring</a><a href="/casework/">Casework</a></nav></header>'
        '<div class="govuk-width-container"><nav class="govuk-breadcrumbs"><a href="/">Home</a>'
        '<a href="/search/">Search the registry</a></nav>'
        f'<main class="govuk-main-wrapper" id="main-content">{main}</main></div>'
        '<footer class="govuk-footer"><a href="/api/docs/">API documentation</a></footer>'
        '</body></html>')


class _Visible(HTMLParser):
    """The visible text and link targets of ``<main>`` (and the title), in order."""

    def __init__(self) -> None:
        super().__init__()
        self.in_main = 0
        self.in_title = False
        self.title = ""
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Tags separate words (whitespace between them is layout, not content).
        self.parts.append(" ")
        if tag == "main":
            self.in_main += 1
        elif tag == "title":
            self.in_title = True
        elif tag == "a" and self.in_main:
            self.parts.append(f" [{dict(attrs).get('href')}] ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")
        if tag == "main":
            self.in_main -= 1
        elif tag == "title":
            self.in_title = False

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        elif self.in_main:
            self.parts.append(data)


def visible(page: str | bytes) -> tuple[str, list[str]]:
    """(title, lines of visible text with link targets) of a page, whitespace collapsed."""
    parser = _Visible()
    parser.feed(page.decode() if isinstance(page, bytes) else page)
    text = re.sub(r"\s+", " ", "".join(parser.parts)).strip()
    # One line per sentence-ish chunk keeps an assertion message readable.
    return re.sub(r"\s+", " ", parser.title).strip(), re.split(r"(?<=\]) ", text)


def compare_pages(output: str | bytes, baseline_output: str | bytes) -> None:
    page_title, page_text = visible(output)
    base_title, base_text = visible(baseline_output)
    assert page_title == base_title, f"title: {page_title!r} != {base_title!r}"
    if page_text != base_text:
        import difflib

        diff = "\n".join(list(difflib.unified_diff(page_text, base_text, "page", "baseline",
                                                   lineterm="", n=1))[:40])
        raise AssertionError(f"visible content differs:\n{diff}")


def check(case: Case, output: str | bytes, baseline_output: str | bytes) -> None:
    compare_pages(output, baseline_output)


# ------------------------------------------------------------------------------------------
# The partnership page by hand
# ------------------------------------------------------------------------------------------
PARTNERSHIP_SQL = """
SELECT p.id, p.name, p.slug, p.summary, p.setting, p.status, p.started_on, p.ended_on,
       (SELECT string_agg(r.name, ', ' ORDER BY r.position, r.name)
          FROM partnerships_partnership_regions pr
          JOIN partnerships_region r ON r.id = pr.region_id WHERE pr.partnership_id = p.id),
       EXISTS (SELECT 1 FROM partnerships_reviewmeeting rm
                WHERE rm.partnership_id = p.id AND rm.status = 'held'),
       EXISTS (SELECT 1 FROM partnerships_membership m
                WHERE m.partnership_id = p.id AND m.organisation_id = %(org)s
                  AND m.joined_on <= %(today)s AND (m.left_on IS NULL OR m.left_on > %(today)s)),
       EXISTS (SELECT 1 FROM partnerships_funding f
                WHERE f.partnership_id = p.id AND f.funder_id = %(org)s),
       (SELECT json_agg(json_build_array(fw.id, fw.name, fw.version, ow.name)
                        ORDER BY fw.name, fw.version)
          FROM monitoring_framework fw JOIN partnerships_organisation ow ON ow.id = fw.owner_id
         WHERE fw.id IN (SELECT rf.framework_id FROM monitoring_returnrequirement_frameworks rf
                           JOIN monitoring_returnrequirement rr ON rr.id = rf.returnrequirement_id
                          WHERE rr.partnership_id = p.id))
  FROM partnerships_partnership p WHERE p.slug = %(slug)s
"""

MEMBERSHIPS_SQL = """
SELECT m.id, m.organisation_id, m.role, m.joined_on, m.left_on, m.notes, o.name, o.slug
  FROM partnerships_membership m JOIN partnerships_organisation o ON o.id = m.organisation_id
 WHERE m.partnership_id = %s
"""

AGREEMENTS_SQL = """
SELECT a.id, a.kind, a.reference, a.title, a.version, a.status, a.summary, a.effective_from,
       a.review_due, a.expires_on, a.document, a.replaces_id, a.change_reason, a.ended_on,
       a.end_reason, a.unsigned_reason,
       (SELECT json_build_array(ar.reviewed_on, ar.outcome) FROM partnerships_agreementreview ar
         WHERE ar.agreement_id = a.id ORDER BY ar.reviewed_on DESC, ar.id DESC LIMIT 1),
       (SELECT json_agg(json_build_array(o.name, o.slug, s.signed_on, s.signed_by,
                                         s.signer_role) ORDER BY s.signed_on, o.name)
          FROM partnerships_signatory s JOIN partnerships_organisation o
            ON o.id = s.organisation_id WHERE s.agreement_id = a.id)
  FROM partnerships_agreement a WHERE a.partnership_id = %s
 ORDER BY a.reference, a.version DESC
"""

LEADS_SQL = """
SELECT ac.name, ac.is_standard, ac.partnership_id IS NOT NULL, ac.position,
       o.name, o.slug, lr.starts_on, lr.contact
  FROM partnerships_activity ac
  LEFT JOIN partnerships_leadresponsibility lr
    ON lr.activity_id = ac.id AND lr.partnership_id = %(p)s
   AND lr.starts_on <= %(on)s AND (lr.ends_on IS NULL OR lr.ends_on > %(on)s)
  LEFT JOIN partnerships_organisation o ON o.id = lr.organisation_id
 WHERE (ac.is_standard AND ac.partnership_id IS NULL) OR ac.partnership_id = %(p)s
 ORDER BY ac.partnership_id IS NOT NULL, ac.position, ac.name
"""

FUNDING_SQL = """
SELECT fo.name, fo.slug, f.reference, f.source, f.period_start, f.period_end, f.amount,
       ro.name, ro.slug
  FROM partnerships_funding f JOIN partnerships_organisation fo ON fo.id = f.funder_id
  LEFT JOIN partnerships_organisation ro ON ro.id = f.recipient_id
 WHERE f.partnership_id = %s ORDER BY f.period_start, f.id
"""

SERVICES_SQL = """
WITH sites AS (
  SELECT sl.service_id, sl.location_id, sl.co_located, sl.notes, l.name
    FROM services_serviceatlocation sl JOIN services_service s ON s.id = sl.service_id
    JOIN services_location l ON l.id = sl.location_id WHERE s.partnership_id = %(p)s)
SELECT s.name, s.slug, s.is_active, o.name, o.slug, count(*) OVER (),
       (SELECT count(*) FROM sites), (SELECT count(DISTINCT location_id) FROM sites),
       (SELECT count(*) FROM sites WHERE co_located),
       (SELECT string_agg(c.name, ', ' ORDER BY c.position, c.name)
          FROM services_service_categories sc JOIN services_servicecategory c
            ON c.id = sc.servicecategory_id WHERE sc.service_id = s.id),
       (SELECT json_agg(json_build_array(x.name, x.co_located, x.notes) ORDER BY x.name)
          FROM sites x WHERE x.service_id = s.id)
  FROM services_service s JOIN partnerships_organisation o ON o.id = s.provider_id
 WHERE s.partnership_id = %(p)s
 ORDER BY s.is_active DESC, s.name, s.id LIMIT %(cap)s
"""


def _org_link(name: str, slug: str) -> str:
    return f'<a class="govuk-link" href="/organisations/{slug}/">{e(name)}</a>'


def _timeline(partnership: tuple, members: list[tuple], today: datetime.date,
              as_of: datetime.date) -> tuple[list[dict], dict, int]:
    """Every day the membership changed (most recent first), capped, with who joined and left,
    role changes and lead handovers; the shrink summary; the number of change days."""
    started_on, ended_on = partnership[6], partnership[7]
    joins: dict[datetime.date, list[tuple]] = defaultdict(list)
    leaves: dict[datetime.date, list[tuple]] = defaultdict(list)
    dates: set[datetime.date] = set()
    for m in members:
        joins[m[3]].append(m)
        dates.add(m[3])
        if m[4]:
            leaves[m[4]].append(m)
            dates.add(m[4])
    for d in (started_on, ended_on):
        if d:
            dates.add(d)
    active: Counter[int] = Counter()
    events = []
    for d in sorted(dates):
        before = len(active)
        for m in joins[d]:
            active[m[1]] += 1
        for m in leaves[d]:
            active[m[1]] -= 1
            if active[m[1]] <= 0:
                del active[m[1]]
        events.append({"date": d, "before": before, "after": len(active)})
    peak, peak_from, now, drop = 0, None, 0, None
    for ev in events:
        if ev["date"] > as_of:
            break
        if ev["after"] > peak:
            peak, peak_from = ev["after"], ev["date"]
        now = ev["after"]
        if ev["before"] - ev["after"] > 0 and (
                drop is None or ev["before"] - ev["after"] > drop["before"] - drop["after"]):
            drop = ev
    events.reverse()
    shown = events[:CAP_TIMELINE]
    described = shown + ([drop] if drop is not None and drop not in shown else [])
    key = {"lead_partner": 0}
    for ev in described:
        d = ev["date"]
        joined = sorted(joins[d], key=lambda m: (m[6], m[0]))
        left = sorted(leaves[d], key=lambda m: (m[3], m[6], m[0]))
        old = [m for m in left if m[2] == "lead_partner"]
        stayed = {m[1] for m in left}
        handovers = []
        for m in joined:
            if m[2] == "lead_partner":
                prev = next((o for o in old if o[1] != m[1]), None)
                if prev is not None or m[1] in stayed:
                    handovers.append((prev, m))
        joined_by_org = {m[1]: m for m in joined}
        swapped = stayed & set(joined_by_org)
        changes = [(m, ROLE[m[2]], ROLE[joined_by_org[m[1]][2]]) for m in left
                   if m[1] in swapped]
        ev["left"] = sorted((m for m in left if m[1] not in swapped), key=lambda m: m[6])
        ev["joined"] = sorted((m for m in joined if m[1] not in swapped),
                              key=lambda m: (key.get(m[2], 1), m[6]))
        leads = {o[1] for prev, new in handovers if prev is not None for o in (prev, new)}
        lead_changes = [c for c in changes if c[0][1] in leads
                        and "Lead partner" in (c[1], c[2])]
        lines = []
        for c in changes:
            if c in lead_changes:
                if c[1] == "Lead partner":
                    lines.append((c[0], f"stays on as {c[2].lower()}"))
                continue
            lines.append((c[0], f"changed role from {c[1].lower()} to {c[2].lower()}"))
        ev["handovers"], ev["changes"], ev["lines"] = handovers, changes, lines
        parts = []
        if any(prev for prev, _ in handovers):
            parts.append("Lead partner changed")
        elif handovers:
            parts.append("New lead partner")
        n_joined, n_left = len(ev["joined"]), len(ev["left"])
        others = len(changes) - len(lead_changes)
        if d == started_on and n_joined:
            parts.append(f"Partnership formed with {n_joined} organisation{plural(n_joined)}")
        elif d == started_on:
            parts.append("Partnership formed")
        elif n_joined:
            parts.append(f"{n_joined} organisation{plural(n_joined)} joined" if not parts
                         else f"{n_joined} joined")
        if n_left:
            parts.append(f"{n_left} organisation{plural(n_left)} left" if not parts
                         else f"{n_left} left")
        if others:
            parts.append(f"{others} organisation{plural(others)} changed role" if not parts
                         else f"{others} changed role")
        if d == ended_on:
            parts.append("partnership ended" if parts else "Partnership ended")
        ev["title"] = ", ".join(parts) + (" (planned)" if d > today else "")
    size = {"peak": peak, "peak_from": peak_from, "now": now, "drop": drop}
    return shown, size, len(events)


def _timeline_html(events: list[dict]) -> str:
    if not events:
        return '<p class="govuk-body">No membership changes are recorded yet.</p>'
    out = ['<div class="moj-timeline">']
    for ev in events:
        before, after = ev["before"], ev["after"]
        tag = ""
        if before > after:
            tag = f'<strong class="govuk-tag govuk-tag--red">Down by {before - after}</strong> '
        elif after > before and before:
            tag = f'<strong class="govuk-tag govuk-tag--green">Up by {after - before}</strong> '
        count = (f"{before} → {after} member{plural(after)}" if before != after
                 else f"{after} member{plural(after)}")
        items = []
        for prev, new in ev["handovers"]:
            if prev:
                items.append(f"<li>{_org_link(prev[6], prev[7])} handed the lead role to "
                             f"{_org_link(new[6], new[7])}, which became lead partner</li>")
            else:
                items.append(f"<li>{_org_link(new[6], new[7])} became lead partner</li>")
        items += [f"<li>{_org_link(m[6], m[7])} joined as {ROLE[m[2]].lower()}</li>"
                  for m in ev["joined"]]
        items += [f"<li>{_org_link(m[6], m[7])} {e(words)}</li>" for m, words in ev["lines"]]
        items += [f"<li>{_org_link(m[6], m[7])} left ({ROLE[m[2]].lower()})"
                  f"{': ' + e(m[5]) if m[5] else ''}</li>" for m in ev["left"]]
        listing = (f'<ul class="govuk-list govuk-list--bullet">{"".join(items)}</ul>'
                   if ev["joined"] or ev["left"] or ev["changes"] or ev["handovers"] else "")
        out.append(
            f'<div class="moj-timeline__item"><h3 class="moj-timeline__title">{e(ev["title"])}'
            f'</h3><p class="moj-timeline__byline">{tag}{count}</p><p class="moj-timeline__date">'
            f'<time datetime="{ev["date"]:%Y-%m-%d}">{govuk_date(ev["date"])}</time></p>'
            f'<div class="moj-timeline__description">{listing}</div></div>')
    out.append("</div>")
    return "".join(out)


def _agreements_html(rows: list[tuple], today: datetime.date) -> tuple[str, int, int]:
    """The agreements panel; the number of agreements and of overdue reviews."""
    versions = {r[0]: r[4] for r in rows}
    replaced_by = {r[11]: r[4] for r in rows if r[11]}
    successor_starts = {r[11]: r[7] for r in rows
                        if r[11] and r[5] not in ("draft", "scheduled")}
    by_reference: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        (pk, kind, reference, title, version, status, summary, effective_from, review_due,
         expires_on, document, replaces_id, change_reason, ended_on, end_reason,
         unsigned_reason, review, signatories) = r
        text, tag = AGREEMENT_STATUS[status]
        if status == "scheduled" and effective_from:
            text = f"Due to take effect on {govuk_date(effective_from)}"
        by_reference[reference].append({
            "pk": pk, "kind": kind, "title": title, "version": version, "status": status,
            "summary": summary, "effective_from": effective_from, "review_due": review_due,
            "expires_on": expires_on, "document": document, "change_reason": change_reason,
            "ended_on": ended_on, "end_reason": end_reason, "unsigned_reason": unsigned_reason,
            "text": text, "tag": tag,
            "overdue": bool(status == "active" and review_due and review_due < today),
            "replaces": versions.get(replaces_id) if replaces_id else None,
            "replaced_by": replaced_by.get(pk),
            "replaced_on": successor_starts.get(pk) if status == "superseded" else None,
            "review": review if status == "active" and review else None,
            "signatories": signatories or [],
        })
    groups = []
    for group in by_reference.values():
        current = next((v for v in group if v["status"] == "active"), group[0])
        pending = next((v for v in group if v is not current
                        and v["status"] in ("draft", "scheduled")), None)
        earlier = [v for v in group if v is not current and v is not pending]
        groups.append((current, pending, earlier))
    groups.sort(key=lambda g: (g[0]["status"] != "active", g[0]["kind"], g[0]["title"]))
    out = []
    for current, pending, earlier in groups:
        title = e(current["title"])
        out.append(f'<div class="registry-agreement"><h3 class="govuk-heading-s">{title}'
                   + (' <strong class="govuk-tag govuk-tag--red">Review overdue</strong>'
                      if current["overdue"] else "") + "</h3>"
                   + (f'<p class="govuk-body">{e(current["summary"])}</p>'
                      if current["summary"] else "") + _facts(current))
        if pending:
            out.append(f'<h4 class="govuk-heading-s">Version {pending["version"]}, being agreed'
                       '</h4>' + (f'<p class="govuk-body">New title: {e(pending["title"])}</p>'
                                  if pending["title"] != current["title"] else "")
                       + _facts(pending))
        if earlier:
            out.append('<details class="govuk-details"><summary><span>Other versions of '
                       f'{title} ({len(earlier)})</span></summary><div>')
            for v in earlier:
                out.append(f'<p class="govuk-body">{e(v["title"])}, version {v["version"]}</p>'
                           + _facts(v))
            out.append("</div></details>")
        out.append("</div>")
    if not groups:
        out.append('<p class="govuk-body">No agreements are recorded for this partnership.</p>')
    return "".join(out), len(groups), sum(1 for g in groups if g[0]["overdue"])


def _row(key: str, value: str) -> str:
    return (f'<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{key}'
            f'</dt><dd class="govuk-summary-list__value">{value}</dd></div>')


def _facts(v: dict) -> str:
    history = v["status"] in ("superseded", "ended", "expired")
    version = f'Version {v["version"]}'
    if v["replaces"]:
        version += (f'<span class="registry-block">Replaces version {v["replaces"]}'
                    + (f': {e(v["change_reason"])}' if v["change_reason"] else "") + "</span>")
    if v["replaced_by"]:
        version += ('<span class="registry-block">'
                    + (f'Version {v["replaced_by"]} is being agreed to replace it'
                       if v["status"] == "active" else f'Replaced by version {v["replaced_by"]}')
                    + "</span>")
    status = f'<strong class="govuk-tag {v["tag"]}">{e(v["text"])}</strong>'
    if v["ended_on"]:
        status += (f'<span class="registry-block">Ended on {govuk_date(v["ended_on"])}'
                   + (f': {e(v["end_reason"])}' if v["end_reason"] else "") + "</span>")
    if v["unsigned_reason"]:
        status += ('<span class="registry-block">Put into effect before every party signed: '
                   f'{e(v["unsigned_reason"])}</span>')
    rows = [_row("Kind", e(AGREEMENT_KIND[v["kind"]])), _row("Version", version),
            _row("Status", status)]
    if history:
        effect = "Not recorded"
        if v["effective_from"]:
            effect = f'From {govuk_date(v["effective_from"])}'
            if v["replaced_on"]:
                effect += (f' until {govuk_date(v["replaced_on"])}, when version '
                           f'{v["replaced_by"]} replaced it')
            elif v["ended_on"]:
                effect += f' until {govuk_date(v["ended_on"])}'
        rows.append(_row("In effect", effect))
    else:
        rows.append(_row("Effective from", govuk_date(v["effective_from"]) or "Not set"))
        rows.append(_row("Review due", (govuk_date(v["review_due"]) or "Not set")
                         + (' <strong class="govuk-tag govuk-tag--red">Review overdue</strong>'
                            if v["overdue"] else "")))
        rows.append(_row("Expires", govuk_date(v["expires_on"]) or "No expiry date"))
    rows.append(_row("Document", (
        f'<a class="govuk-link" href="/agreements/{v["pk"]}/document/" download>Download the '
        f'document<span class="govuk-visually-hidden"> for {e(v["title"])}, version '
        f'{v["version"]}</span></a>') if v["document"] else "No document uploaded"))
    signed = []
    for name, slug, signed_on, signed_by, signer_role in v["signatories"]:
        if signed_on:
            who = (f" by {e(signed_by)}" + (f", {e(signer_role)}," if signer_role else "")
                   if signed_by else "")
            state = f": signed{who} on {govuk_date(datetime.date.fromisoformat(signed_on))}"
        else:
            state = ': <strong class="govuk-tag govuk-tag--grey">Not yet signed</strong>'
        signed.append(f"<li>{_org_link(name, slug)}{state}</li>")
    rows.append(_row("Signatories", f'<ul class="govuk-list">{"".join(signed)}</ul>'
                     if signed else "None recorded"))
    if v["review"]:
        reviewed_on = datetime.date.fromisoformat(v["review"][0])
        rows.append(_row("Last reviewed", f'{govuk_date(reviewed_on)}: {e(v["review"][1])}'))
    return f'<dl class="govuk-summary-list">{"".join(rows)}</dl>'


def _funding_html(rows: list[tuple], today: datetime.date) -> str:
    from core.periods import financial_year_label, financial_year_start
    from partnerships.selectors.funding import spread_over_financial_years

    if not rows:
        return '<p class="govuk-body">No funding is recorded for this partnership.</p>'
    out = ['<table class="govuk-table"><caption>Funding by period</caption><thead><tr>'
           '<th>Funder</th><th>Source</th><th>Period</th><th>Amount</th><th>Paid to</th>'
           '</tr></thead><tbody>']
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    total = Decimal("0.00")
    for (funder, funder_slug, reference, source, start, end, amount, recipient,
         recipient_slug) in rows:
        total += amount
        for year, part in spread_over_financial_years(amount, start, end).items():
            by_year[year] += part
        out.append(
            f'<tr><th scope="row">{_org_link(funder, funder_slug)}'
            + (f'<span class="registry-block">Reference {e(reference)}</span>'
               if reference else "")
            + f'</th><td>{FUNDING_SOURCE[source]}</td><td>{govuk_date(start)} to '
            f'{govuk_date(end)}</td><td>{money(amount)}</td><td>'
            + (_org_link(recipient, recipient_slug) if recipient
               else "The partnership as a whole") + "</td></tr>")
    out.append(f'<tr><th colspan="3">Total, all periods</th><td>{money(total)}</td><td></td>'
               '</tr></tbody></table><table class="govuk-table"><caption>Estimated funding '
               'by financial year</caption><thead><tr><th>Financial year</th><th>Amount</th>'
               '</tr></thead><tbody>')
    this_year = financial_year_start(today)
    for year in sorted(by_year):
        out.append(f'<tr><th scope="row">{financial_year_label(year)}'
                   + (' <strong class="govuk-tag govuk-tag--blue">Current</strong>'
                      if year == this_year else "")
                   + f'</th><td>{money(by_year[year])}</td></tr>')
    out.append('</tbody></table><p class="govuk-body-s">Each amount is spread evenly over the '
               'days of its funding period; financial years run from 1 April to 31 March.</p>')
    return "".join(out)


def _services_html(rows: list[tuple]) -> str:
    if not rows:
        return '<p class="govuk-body">No services are recorded under this partnership.</p>'
    count, sites, locations, co_located = rows[0][5], rows[0][6], rows[0][7], rows[0][8]
    out = [f'<p class="govuk-body">{count} service{plural(count)} delivered at {locations} '
           f'location{plural(locations)}.'
           + (f' At {co_located} of {sites} service sites the provider’s staff are co-located '
              '(based on site).' if co_located else "") + "</p>"
           '<table class="govuk-table"><caption>Services delivered under this partnership'
           '</caption><thead><tr><th>Service</th><th>Provider</th><th>Categories</th>'
           '<th>Delivered at</th></tr></thead><tbody>']
    for (name, slug, is_active, provider, provider_slug, _, _, _, _, categories,
         delivered) in rows:
        places = "".join(
            f"<li>{e(loc)}"
            + (' <strong class="govuk-tag govuk-tag--turquoise">Co-located</strong>'
               if co else "")
            + (f'<span class="registry-block">{e(notes)}</span>' if notes else "") + "</li>"
            for loc, co, notes in delivered or [])
        out.append(
            f'<tr><th scope="row"><a class="govuk-link" href="/services/{slug}/">{e(name)}</a>'
            + ("" if is_active else '<span class="registry-block"><strong class="govuk-tag '
               'govuk-tag--grey">No longer delivered</strong></span>')
            + f'</th><td>{_org_link(provider, provider_slug)}</td><td>'
            f'{e(categories) if categories else "None"}</td><td>'
            + (f'<ul class="govuk-list">{places}</ul>' if places else "No locations recorded")
            + "</td></tr>")
    out.append("</tbody></table>")
    if count > len(rows):
        out.append(f'<p class="govuk-body"><a class="govuk-link" href="?show=services#services">'
                   f'Show all {count} services</a></p>')
    return "".join(out)


def baseline(conn: Any, case: Case) -> str:
    from core import clock

    today = clock.today()
    user = signed_in_user(conn, case)
    # Commissioners and provider staff manage nothing; this baseline is for them.
    assert user["role"] in ("commissioner", "provider_staff") and user["is_active"]
    p = conn.execute(PARTNERSHIP_SQL, {"slug": case.params["slug"], "today": today,
                                       "org": user["organisation_id"]}).fetchone()
    assert p is not None, "404"
    (pk, name, slug, summary, setting, status, started_on, ended_on, regions, held_reviews,
     is_member, funds, frameworks) = p
    as_of = ended_on - datetime.timedelta(days=1) if ended_on and ended_on < today else today
    ended = as_of != today
    members = conn.execute(MEMBERSHIPS_SQL, [pk]).fetchall()
    agreements = conn.execute(AGREEMENTS_SQL, [pk]).fetchall()
    leads = conn.execute(LEADS_SQL, {"p": pk, "on": as_of}).fetchall()
    funding = conn.execute(FUNDING_SQL, [pk]).fetchall()
    services = conn.execute(SERVICES_SQL, {"p": pk, "cap": CAP_SERVICES}).fetchall()

    commissioner = user["role"] == "commissioner"
    can_view_reviews = is_member or (commissioner and funds)
    engagement = held_reviews and commissioner and funds
    dashboard = bool(frameworks) and commissioner and funds

    current = [m for m in members if m[3] <= as_of and not (m[4] and m[4] <= as_of)]
    past = [m for m in members if m[4] and m[4] <= as_of and not m[3] > as_of]
    upcoming = sorted((m for m in members if m[3] > as_of), key=lambda m: (m[3], m[6], m[0]))
    current.sort(key=lambda m: (m[2] != "lead_partner", m[6], m[3], m[0]))
    past.sort(key=lambda m: (-m[4].toordinal(), m[6], m[3], m[0]))
    current_count, past_count = len(current), len(past)
    lead = next((m for m in current[:CAP_MEMBERS] if m[2] == "lead_partner"), None)
    events, size, events_count = _timeline(p, members, today, as_of)
    agreements_html, agreements_count, overdue = _agreements_html(agreements, today)
    status_text, status_tag = STATUS[status]

    out = ['<div class="govuk-grid-row"><span class="govuk-caption-l">Partnership</span>'
           f'<h1 class="govuk-heading-l">{e(name)}</h1>']
    out += [f'<p class="govuk-body">{e(para.strip())}</p>'
            for para in summary.replace("\r\n", "\n").split("\n\n") if para.strip()]
    out.append(f'<ul class="govuk-list registry-actions"><li><a class="govuk-link" '
               f'href="/partnerships/compare/?p={slug}">Compare with other partnerships</a></li>')
    hidden = f'<span class="govuk-visually-hidden"> of {e(name)}</span></a></li>'
    if can_view_reviews:
        out.append(f'<li><a href="/partnerships/{slug}/reviews/">Quarterly reviews{hidden}')
    if engagement:
        out.append(f'<li><a href="/partnerships/{slug}/engagement/">Partner engagement report'
                   f'{hidden}')
    if dashboard:
        out.append(f'<li><a href="/monitoring/partnerships/{slug}/">Monitoring dashboard'
                   f'{hidden}')
    out.append(
        '</ul><nav><h2 class="govuk-heading-s">On this page</h2><ul><li><a href="#summary">'
        'Summary</a></li><li><a href="#members">Members</a></li><li><a href="#timeline">'
        'Membership timeline</a></li><li><a href="#lead-agencies">Lead agencies</a></li><li>'
        '<a href="#agreements">Agreements</a></li><li><a href="#funding">Funding</a></li><li>'
        '<a href="#services">Services and locations</a></li>'
        + ('<li><a href="#monitoring">Monitoring</a></li>' if frameworks else "")
        + '</ul></nav></div><h2 class="govuk-heading-m" id="summary">Summary</h2>'
        '<dl class="govuk-summary-list">')
    out.append(_row("Status", f'<strong class="govuk-tag {status_tag}">{status_text}</strong>'))
    out.append(_row("Setting", SETTING[setting]))
    out.append(_row("Regions served", e(regions) if regions else "None recorded"))
    out.append(_row("Started", govuk_date(started_on) or "Not recorded"))
    if ended_on:
        out.append(_row("Ended", govuk_date(ended_on)))
    out.append(_row("Lead partner", _org_link(lead[6], lead[7]) if lead
                    else "No current lead partner"))
    shrunk = size["now"] < size["peak"]
    out.append(_row("Members when it ended" if ended else "Current members",
                    f"{current_count}"
                    + (f' (down from {size["peak"]} at its largest)' if shrunk else "")))
    out.append(_row("Agreements", f"{agreements_count}" + (
        f' <strong class="govuk-tag govuk-tag--red">{overdue} review{plural(overdue)} overdue'
        '</strong>' if overdue else "")))
    out.append('</dl><h2 class="govuk-heading-m" id="members">Members</h2>')
    if shrunk:
        drop = size["drop"]
        text = (f'{size["peak"]} organisation{plural(size["peak"])} from '
                f'{govuk_date(size["peak_from"])} → {size["now"]} organisation'
                f'{plural(size["now"])} now.')
        if drop:
            reasons = list(dict.fromkeys(m[5] for m in drop["left"] if m[5]))
            text += (f' The biggest change was on {govuk_date(drop["date"])}, when '
                     f'{len(drop["left"])} left'
                     + (f' ({e("; ".join(reasons))})' if reasons else "")
                     + f': from {drop["before"]} to {drop["after"]} organisations.')
        out.append(f'<div class="govuk-inset-text"><p class="govuk-body">Membership has shrunk '
                   f'from {size["peak"]} organisations to {size["now"]}.</p>'
                   f'<p class="govuk-body">{text}</p></div>')
    what = "members when the partnership ended" if ended else "current members"
    if current:
        out.append(f'<table class="govuk-table"><caption>{what.capitalize()} ({current_count})'
                   '</caption><thead><tr><th>Organisation</th><th>Role</th><th>Member since'
                   '</th><th>Notes</th></tr></thead><tbody>')
        for m in current[:CAP_MEMBERS]:
            out.append(f'<tr><th scope="row">{_org_link(m[6], m[7])}</th><td>{ROLE[m[2]]}</td>'
                       f'<td>{govuk_date(m[3])}</td><td>'
                       + (f"Leaving on {govuk_date(m[4])}. " if m[4] else "")
                       + f"{e(m[5])}</td></tr>")
        out.append("</tbody></table>")
        if current_count > CAP_MEMBERS:
            out.append(f'<p class="govuk-body"><a class="govuk-link" href="?show=members#members">'
                       f'Show all {current_count} {what}</a></p>')
    else:
        out.append('<p class="govuk-body">'
                   + ("No organisations were members when the partnership ended." if ended
                      else "No organisations are members now.") + "</p>")
    if upcoming:
        out.append(f'<table class="govuk-table"><caption>Joining soon ({len(upcoming)})'
                   '</caption><thead><tr><th>Organisation</th><th>Role</th><th>Joins on</th>'
                   '</tr></thead><tbody>')
        out += [f'<tr><th scope="row">{_org_link(m[6], m[7])}</th><td>{ROLE[m[2]]}</td>'
                f'<td>{govuk_date(m[3])}</td></tr>' for m in upcoming]
        out.append("</tbody></table>")
    if past:
        out.append(f'<table class="govuk-table"><caption>Past members ({past_count})</caption>'
                   '<thead><tr><th>Organisation</th><th>Role</th><th>Joined</th><th>Left</th>'
                   '<th>Why it left</th></tr></thead><tbody>')
        out += [f'<tr><th scope="row">{_org_link(m[6], m[7])}</th><td>{ROLE[m[2]]}</td>'
                f'<td>{govuk_date(m[3])}</td><td>{govuk_date(m[4])}</td>'
                f'<td>{e(m[5]) or "Not recorded"}</td></tr>' for m in past[:CAP_PAST]]
        out.append("</tbody></table>")
        if past_count > CAP_PAST:
            out.append('<p class="govuk-body"><a class="govuk-link" href="?show=past#past-members">'
                       f'Show all {past_count} past members</a></p>')
    else:
        out.append('<p class="govuk-body">No organisation has left this partnership.</p>')
    out.append('<h2 class="govuk-heading-m" id="timeline">Membership timeline</h2><p class='
               '"govuk-body">Who joined and left, and when. The most recent change is first.</p>')
    out.append(_timeline_html(events))
    if events_count > len(events):
        out.append('<p class="govuk-body"><a class="govuk-link" href="?show=timeline#timeline">'
                   f'Show all {events_count} membership changes</a></p>')
    out.append('<h2 class="govuk-heading-m" id="lead-agencies">Lead agencies</h2><p class='
               '"govuk-body">The organisation that leads each activity'
               + (" when the partnership ended" if ended else "")
               + ', since when, and who to contact. Standard activities come from national '
               'guidance; any others were added by this partnership.</p><table class="govuk-'
               'table"><caption>Who leads each activity</caption><thead><tr><th>Activity</th>'
               '<th>Lead organisation</th><th>Since</th><th>Named contact</th></tr></thead>'
               '<tbody>')
    for activity, is_standard, _, _, org, org_slug, starts_on, contact in leads:
        out.append(f'<tr><th scope="row">{e(activity)}'
                   + ("" if is_standard else '<span class="registry-block">Added by this '
                      'partnership</span>') + "</th>")
        if org:
            out.append(f"<td>{_org_link(org, org_slug)}</td><td>{govuk_date(starts_on)}</td>"
                       f'<td>{e(contact) or "None named"}</td></tr>')
        else:
            out.append('<td><strong class="govuk-tag govuk-tag--yellow">No lead agreed</strong>'
                       '</td><td><span class="govuk-visually-hidden">Not applicable</span></td>'
                       '<td><span class="govuk-visually-hidden">Not applicable</span></td></tr>')
    out.append('</tbody></table><h2 class="govuk-heading-m" id="agreements">Agreements</h2>')
    out.append(agreements_html)
    out.append('<h2 class="govuk-heading-m" id="funding">Funding</h2>')
    out.append(_funding_html(funding, today))
    out.append('<h2 class="govuk-heading-m" id="services">Services and locations</h2>')
    out.append(_services_html(services))
    if frameworks:
        # Neither case's partnership owes monitoring returns; the panel's completeness figures
        # would need the monitoring queries too.
        raise NotImplementedError("monitoring panel")
    return chrome(user, name, "".join(out))
