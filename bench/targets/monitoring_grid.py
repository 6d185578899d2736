"""The monitoring dashboard of the benchmark partnership (``bench/monitoring.py generate``:
210 organisations owing quarterly returns, 12 quarters, 30 metrics, ~72,000 values): the grid of
returns (each organisation × each period, with per-row and per-period counts), the partnership
figures (totals per metric per period) and the frameworks, read by its commissioner.

Baseline: what a careful developer writes by hand for the same page: the session row with its
user, organisation and unread-notification count (one query); the partnership with the
dashboard permission (a commissioner who funds it; one query); the periods; the requirements
with their organisations; the returns, one row per organisation and period aggregated in SQL;
the reported metrics; the totals (``SUM``/``COUNT`` per metric and period over the current
approved returns); the frameworks with their owners. The HTML is built with f-strings and
``html.escape``; header, navigation and footer are constant strings with the user's details
put in. ``check()`` compares the visible text, every link, every cell's state and tag colour.
"""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from html import escape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

from bench.targets import Case

TITLE = "Monitoring grid with totals"
AIM = 3.0

SLUG = "bench-monitoring-recovery-partnership"
USER = "bench-mon-commissioner"
DEFAULT_COUNT = 4  # monitoring.views.dashboards.PAGE_PERIOD_COUNT
MAX_PERIODS = 24
LONDON = "Europe/London"
NUMERIC_KINDS = ("count", "decimal", "percentage", "yes_no")


def cases(conn: Any) -> list[Case]:
    """The default view (latest 4 quarters) and the page's own "Show all N quarters" link."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM monitoring_returnrequirement r JOIN "
                    "partnerships_partnership p ON p.id = r.partnership_id WHERE p.slug = %s",
                    [SLUG])
        organisations = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM (SELECT 1 FROM monitoring_reportingperiod WHERE "
                    "frequency = 'quarterly' AND starts_on <= %s ORDER BY starts_on DESC "
                    "LIMIT %s) s", [_today(), MAX_PERIODS])
        available = cur.fetchone()[0]
    url = f"/monitoring/partnerships/{SLUG}/"
    return [
        Case(label="latest 4 quarters", rows=organisations * DEFAULT_COUNT, url=url, user=USER),
        Case(label=f"all {available} quarters", rows=organisations * available,
             url=f"{url}?periods={available}", user=USER),
    ]


def _today() -> datetime.date:
    from zoneinfo import ZoneInfo

    return datetime.datetime.now(ZoneInfo(LONDON)).date()


# ------------------------------------------------------------------------------------------
# The hand-written page
# ------------------------------------------------------------------------------------------
SESSION_SQL = """
SELECT s.session_data, u.id, u.first_name, u.last_name, u.username, u.role, u.organisation_id,
       o.name,
       (SELECT count(*) FROM notifications_notification n
         WHERE n.recipient_id = u.id AND n.read_at IS NULL)
FROM django_session s
JOIN accounts_user u ON u.username = %s AND u.is_active
LEFT JOIN partnerships_organisation o ON o.id = u.organisation_id
WHERE s.session_key = %s AND s.expire_date > now()
"""

PARTNERSHIP_SQL = """
SELECT p.id, p.name, p.slug FROM partnerships_partnership p
WHERE p.slug = %s
  AND EXISTS (SELECT 1 FROM partnerships_funding f
              WHERE f.partnership_id = p.id AND f.funder_id = %s)
"""

PERIODS_SQL = """
SELECT id, starts_on, ends_on, due_on FROM monitoring_reportingperiod
WHERE frequency = 'quarterly' AND starts_on <= %s ORDER BY starts_on DESC LIMIT %s
"""

REQUIREMENTS_SQL = """
SELECT o.id, o.name, f.starts_on, t.starts_on
FROM monitoring_returnrequirement r
JOIN partnerships_organisation o ON o.id = r.organisation_id
LEFT JOIN monitoring_reportingperiod f ON f.id = r.from_period_id
LEFT JOIN monitoring_reportingperiod t ON t.id = r.until_period_id
WHERE r.partnership_id = %s AND r.frequency = 'quarterly'
ORDER BY o.name, o.id
"""

# One row per organisation and period: timeliness of the first revision, the latest approved
# revision, and the latest revision with its status.
RETURNS_SQL = """
SELECT r.organisation_id, r.period_id,
       (array_agg(r.first_submitted_at IS NULL ORDER BY r.revision))[1],
       (array_agg((r.first_submitted_at AT TIME ZONE 'Europe/London')::date <= p.due_on
                  ORDER BY r.revision))[1],
       (array_agg(r.id ORDER BY r.revision DESC) FILTER (WHERE r.status = 'approved'))[1],
       (array_agg(r.id ORDER BY r.revision DESC))[1],
       (array_agg(r.status ORDER BY r.revision DESC))[1]
FROM monitoring_monitoringreturn r
JOIN monitoring_reportingperiod p ON p.id = r.period_id
WHERE r.partnership_id = %s AND r.period_id = ANY(%s)
GROUP BY r.organisation_id, r.period_id
"""

METRICS_SQL = """
SELECT m.id, m.code, m.name, m.kind, m.unit, m.aggregation
FROM monitoring_frameworkmetric fm
JOIN monitoring_framework f ON f.id = fm.framework_id
JOIN monitoring_metric m ON m.id = fm.metric_id
WHERE m.kind = ANY(%s)
  AND f.id IN (SELECT rf.framework_id FROM monitoring_returnrequirement_frameworks rf
               JOIN monitoring_returnrequirement r ON r.id = rf.returnrequirement_id
               WHERE r.partnership_id = %s)
ORDER BY f.name, f.version, f.id, fm.position, fm.id
"""

TOTALS_SQL = """
SELECT v.metric_id, r.period_id, sum(v.number), count(*)
FROM monitoring_value v
JOIN monitoring_monitoringreturn r ON r.id = v.monitoring_return_id
WHERE r.partnership_id = %s AND r.period_id = ANY(%s) AND r.status = 'approved'
  AND NOT EXISTS (SELECT 1 FROM monitoring_monitoringreturn c
                  WHERE c.replaces_id = r.id AND c.status = 'approved')
  AND v.metric_id = ANY(%s) AND v.number IS NOT NULL
GROUP BY v.metric_id, r.period_id
"""

FRAMEWORKS_SQL = """
SELECT f.id, f.name, f.version, o.name FROM monitoring_framework f
JOIN partnerships_organisation o ON o.id = f.owner_id
WHERE f.id IN (SELECT rf.framework_id FROM monitoring_returnrequirement_frameworks rf
               JOIN monitoring_returnrequirement r ON r.id = rf.returnrequirement_id
               WHERE r.partnership_id = %s)
ORDER BY f.name, f.version
"""


def session_user(conn: Any, case: Case) -> tuple:
    """The session row and its user (one query), as any hand-written handler reads them."""
    with conn.cursor() as cur:
        cur.execute(SESSION_SQL, [case.user, case.params.get("session_key", "")])
        row = cur.fetchone()
    if row is None:  # no session given (a quick loop): the user alone, same cost
        with conn.cursor() as cur:
            cur.execute(SESSION_SQL.replace("WHERE s.session_key = %s AND", "WHERE")
                        + " LIMIT 1", [case.user])
            row = cur.fetchone()
    return row


def quarter_label(day: datetime.date) -> str:
    fy = day.year if day.month >= 4 else day.year - 1
    return f"{fy}–{(fy + 1) % 100:02d} Q{(day.month - 4) % 12 // 3 + 1}"


def govuk_date(day: datetime.date) -> str:
    return f"{day.day} {day:%B %Y}"


def plain(value: Decimal) -> int | Decimal:
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def figure(value: Decimal | None, kind: str, unit: str) -> str:
    if value is None:
        return "–"
    number = plain(value)
    if unit == "£" and kind != "yes_no":
        amount = Decimal(value).quantize(Decimal("0.01"))
        return (f"£{int(amount):,}" if amount == amount.to_integral_value()
                else f"£{amount:,.2f}")
    if kind == "percentage":
        return f"{number:,}%"
    return f"{number:,}"


def aggregate_of(kind: str, aggregation: str) -> str:
    if kind == "yes_no":
        return "yes_count"
    if kind == "percentage":
        return "average"
    return aggregation or "total"


AGGREGATE_LABELS = {"total": "Total", "average": "Average",
                    "yes_count": "Organisations answering yes"}

# (state, on_time, overdue) -> (label, tag), for the key and the cells.
KEY = [
    ("Not required", "govuk-tag--grey",
     "The organisation does not owe a return for this period."),
    ("Not due yet", "govuk-tag--grey", "The period has not ended yet."),
    ("Not started", "govuk-tag--yellow", "The period has ended and the return is not due yet, "
                                         "but nobody has started it."),
    ("Not started – overdue", "govuk-tag--red",
     "The return is past its due date and nobody has started it."),
    ("Draft", "govuk-tag--yellow", "The provider is filling in the return."),
    ("Draft – overdue", "govuk-tag--red", "The return is past its due date and still a draft."),
    ("Submitted on time", "", "First submitted by the due date; waiting for the lead partner "
                              "to review it."),
    ("Submitted late", "govuk-tag--orange", "First submitted after the due date; waiting for "
                                            "the lead partner to review it."),
    ("Returned for correction", "govuk-tag--pink", "The lead partner sent it back with "
                                                   "questions; the provider is correcting it."),
    ("Approved", "govuk-tag--green", "Approved by the lead partner. Its figures count in the "
                                     "totals."),
    ("Approved (late)", "govuk-tag--green", "Approved, but first submitted after the due date."),
]


def cell(found: tuple | None, period: tuple, today: datetime.date
         ) -> tuple[str, str, str, int | None, bool, bool | None]:
    """(state, label, tag, return id to link, correcting, on_time) of one required return."""
    _, _, ends_on, due_on = period
    overdue = today > due_on
    if found is None:
        if today <= ends_on:
            return "not_due", "Not due yet", "govuk-tag--grey", None, False, None
        if overdue:
            return "not_started", "Not started – overdue", "govuk-tag--red", None, False, False
        return "not_started", "Not started", "govuk-tag--yellow", None, False, None
    unsent, in_time, approved_id, latest_id, status = found
    on_time = None if unsent else bool(in_time)
    if approved_id is not None:
        return ("approved", "Approved" if on_time is not False else "Approved (late)",
                "govuk-tag--green", approved_id, status != "approved", on_time)
    if on_time is None and overdue:
        on_time = False
    if status == "draft":
        if overdue:
            return "draft", "Draft – overdue", "govuk-tag--red", None, False, on_time
        return "draft", "Draft", "govuk-tag--yellow", None, False, on_time
    if status == "submitted":
        return ("submitted", "Submitted on time" if on_time else "Submitted late",
                "" if on_time else "govuk-tag--orange", latest_id, False, on_time)
    return "returned", "Returned for correction", "govuk-tag--pink", latest_id, False, on_time


def baseline(conn: Any, case: Case) -> str:
    query = dict(p.split("=", 1) for p in case.url.partition("?")[2].split("&") if p)
    count = int(query.get("periods", DEFAULT_COUNT))
    today = _today()
    (_, user_id, first_name, last_name, _, _, organisation_id, organisation_name,
     unread) = session_user(conn, case)
    with conn.cursor() as cur:
        cur.execute(PARTNERSHIP_SQL, [SLUG, organisation_id])
        found_partnership = cur.fetchone()
        if found_partnership is None:
            return "Not found"
        partnership_id, name, slug = found_partnership
        cur.execute(PERIODS_SQL, [today, MAX_PERIODS])
        started = cur.fetchall()  # newest first
        available = len(started)
        periods = started[:count]  # newest first, as the page shows them
        period_ids = [p[0] for p in periods]
        cur.execute(REQUIREMENTS_SQL, [partnership_id])
        requirements = cur.fetchall()
        cur.execute(RETURNS_SQL, [partnership_id, period_ids])
        returns = {(r[0], r[1]): r[2:] for r in cur.fetchall()}
        cur.execute(METRICS_SQL, [list(NUMERIC_KINDS), partnership_id])
        metrics: dict[int, tuple] = {}
        for row in cur.fetchall():
            metrics.setdefault(row[0], row)
        cur.execute(TOTALS_SQL, [partnership_id, period_ids, list(metrics)])
        totals = {(m, p): (s, n) for m, p, s, n in cur.fetchall()}
        cur.execute(FRAMEWORKS_SQL, [partnership_id])
        frameworks = cur.fetchall()

    e_name, e_slug = escape(name), escape(slug)
    labels = [quarter_label(p[1]) for p in periods]
    query_string = escape("?" + urlencode({"frequency": "quarterly", "periods": count}))
    out: list[str] = [HEAD.format(title=e_name, nonce=secrets.token_urlsafe(16),
                                  user=escape(f"{first_name} {last_name}"),
                                  organisation=escape(organisation_name or ""),
                                  unread=unread, csrf=secrets.token_urlsafe(48))]
    shown = (f"latest {'quarter'}" if len(periods) == 1 else f"{len(periods)} latest quarters")
    out.append(f'<span class="govuk-caption-l">{e_name}</span>\n'
               '<h1 class="govuk-heading-l">Monitoring dashboard</h1>\n'
               '<p class="govuk-body">Returns made and missing, and the partnership’s figures, '
               f'for the {shown}. <a class="govuk-link" href="/partnerships/{e_slug}/">About '
               f'{e_name}</a></p>\n')
    out.append(FORM.format(count=count))
    out.append(RETURNS_INTRO)
    out.append("".join(
        f'<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key"><strong '
        f'class="govuk-tag {tag}">{label}</strong></dt><dd class="govuk-summary-list__value">'
        f'{escape(meaning)}</dd></div>\n' for label, tag, meaning in KEY))
    out.append(KEY_END)
    out.append('<div class="registry-table-wrapper" role="region" aria-labelledby="grid-caption"'
               ' tabindex="0">\n<table class="govuk-table registry-table--sticky-first" '
               'data-grid>\n<caption class="govuk-table__caption govuk-table__caption--s" '
               'id="grid-caption">Returns by organisation and quarter</caption>\n<thead class="'
               'govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-'
               'table__header">Organisation</th>')
    for label, period in zip(labels, periods, strict=True):
        out.append(f'<th scope="col" class="govuk-table__header">{label}<span class="govuk-!-'
                   f'display-block govuk-body-s govuk-!-margin-bottom-0">due '
                   f'{govuk_date(period[3])}</span></th>')
    out.append('<th scope="col" class="govuk-table__header">Approved</th><th scope="col" '
               'class="govuk-table__header">Submitted on time</th></tr></thead>\n'
               '<tbody class="govuk-table__body">\n')
    columns = [[0, 0, 0, 0] for _ in periods]  # required, in, approved, on time
    by_org: dict[int, list[tuple]] = {}
    for requirement in requirements:
        by_org.setdefault(requirement[0], []).append(requirement)
    for organisation_id, owed in by_org.items():
        org_name = escape(owed[0][1])
        row = [f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
               f'{org_name}</th>']
        required = approved = on_time_count = 0
        for i, period in enumerate(periods):
            starts_on = period[1]
            if not any((f is None or starts_on >= f) and (t is None or starts_on <= t)
                       for _, _, f, t in owed):
                row.append('<td class="govuk-table__cell" data-state="not_required"><strong '
                           'class="govuk-tag govuk-tag--grey">Not required</strong></td>')
                continue
            state, label, tag, link, correcting, on_time = cell(
                returns.get((organisation_id, period[0])), period, today)
            column = columns[i]
            required += 1
            column[0] += 1
            if state in ("submitted", "approved"):
                column[1] += 1
            if state == "approved":
                approved += 1
                column[2] += 1
            if on_time is True:
                on_time_count += 1
                column[3] += 1
            tag_html = f'<strong class="govuk-tag {tag}">{label}</strong>'
            if link:
                tag_html = (f'<a class="govuk-link" href="/monitoring/returns/{link}/">{tag_html}'
                            f'<span class="govuk-visually-hidden">: {org_name}, {labels[i]}'
                            '</span></a>')
            if correcting:
                tag_html += ('<strong class="govuk-tag govuk-tag--purple govuk-!-margin-top-1">'
                             'Correction under way</strong>')
            row.append(f'<td class="govuk-table__cell" data-state="{state}">{tag_html}</td>')
        row.append(f'<td class="govuk-table__cell registry-nowrap">{approved} of {required}</td>'
                   f'<td class="govuk-table__cell registry-nowrap">{on_time_count} of '
                   f'{required}</td></tr>\n')
        out.append("".join(row))
    out.append('<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">All '
               'organisations</th>')
    for required, received, approved, on_time in columns:
        out.append(f'<td class="govuk-table__cell govuk-body-s">{approved} of {required} approved'
                   f'<span class="govuk-!-display-block">{received} in, {on_time} on time'
                   '</span></td>')
    out.append('<td class="govuk-table__cell"></td><td class="govuk-table__cell"></td></tr>\n'
               '</tbody></table></div>\n')
    if available > len(periods):
        earlier = (f"the latest {len(periods)} of {available} quarters")
    else:
        earlier = "the only quarter" if len(periods) == 1 else f"all {len(periods)} quarters"
    links = []
    if available > len(periods):
        links.append(f'<a class="govuk-link" href="?periods={available}#returns">Show all '
                     f'{available} quarters</a>')
    if len(periods) > DEFAULT_COUNT:
        links.append(f'<a class="govuk-link" href="?periods={DEFAULT_COUNT}#returns">Show only '
                     f'the latest {DEFAULT_COUNT} quarters</a>')
    out.append(f'<p class="govuk-body" data-period-links>Showing {earlier}, newest first.\n'
               f'{" or ".join(links)}</p>\n')
    export = f"/monitoring/partnerships/{e_slug}/"
    out.append(f'<ul class="govuk-list"><li><a class="govuk-link" href="{export}grid.csv'
               f'{query_string}" download>Download grid (CSV)</a></li><li><a class="govuk-link" '
               f'href="{export}grid.xlsx{query_string}" download>Download grid (XLSX)</a></li>'
               '</ul>\n')
    out.append(TOTALS_INTRO)
    out.append('<div class="registry-table-wrapper" role="region" aria-labelledby="totals-'
               'caption" tabindex="0">\n<table class="govuk-table registry-table--sticky-first"'
               ' data-totals>\n<caption class="govuk-table__caption govuk-table__caption--s" '
               'id="totals-caption">Partnership figures by quarter</caption>\n<thead class="'
               'govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-'
               'table__header">Figure</th><th scope="col" class="govuk-table__header">How it '
               'adds up</th>')
    out.append("".join(f'<th scope="col" class="govuk-table__header govuk-table__header--'
                       f'numeric">{label}</th>' for label in labels))
    out.append('</tr></thead>\n<tbody class="govuk-table__body">\n')
    for metric_id, code, metric_name, kind, unit, aggregation in metrics.values():
        aggregate = aggregate_of(kind, aggregation)
        unit_html = (f'<span class="govuk-!-display-block govuk-body-s govuk-!-margin-bottom-0">'
                     f'{escape(unit)}</span>' if unit else "")
        cells = []
        for period_id in period_ids:
            found = totals.get((metric_id, period_id))
            if found is None:
                value = None
            elif aggregate == "average":
                value = (found[0] / found[1]).quantize(Decimal("0.1"))
            else:
                value = found[0]
            cells.append(f'<td class="govuk-table__cell govuk-table__cell--numeric">'
                         f'{figure(value, kind, unit)}</td>')
        out.append(f'<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
                   f'<a class="govuk-link" href="{export}metrics/{escape(code)}/{query_string}">'
                   f'{escape(metric_name)}</a>{unit_html}</th><td class="govuk-table__cell">'
                   f'{AGGREGATE_LABELS[aggregate]}</td>{"".join(cells)}</tr>\n')
    out.append('</tbody></table></div>\n')
    out.append(f'<ul class="govuk-list"><li><a class="govuk-link" href="{export}totals.csv'
               f'{query_string}" download>Download totals (CSV)</a></li><li><a class="govuk-'
               f'link" href="{export}totals.xlsx{query_string}" download>Download totals (XLSX)'
               '</a></li></ul>\n')
    out.append(FRAMEWORKS_INTRO)
    out.append("".join(
        f'<li><a class="govuk-link" href="{export}frameworks/{pk}/{query_string}">'
        f'{escape(fw_name)} (version {escape(version)})</a>, required by {escape(owner)}</li>\n'
        for pk, fw_name, version, owner in frameworks))
    out.append(FOOT)
    return "".join(out)


HEAD = """<!DOCTYPE html>
<html lang="en-GB" class="govuk-template govuk-template--rebranded">
<head><meta charset="utf-8">
<title>Monitoring dashboard: {title} – Partnership Registry</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="theme-color" content="#1d70b8">
<link rel="icon" sizes="48x48" href="/static/vendor/govuk-frontend/assets/images/favicon.ico">
<link rel="icon" sizes="any" href="/static/vendor/govuk-frontend/assets/images/favicon.svg" \
type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/govuk-frontend/govuk-frontend.min.css">
<link rel="stylesheet" href="/static/vendor/moj-frontend/moj-frontend.min.css">
<link rel="stylesheet" href="/static/css/registry.css">
</head>
<body class="govuk-template__body">
<script nonce="{nonce}">document.body.className += ' js-enabled' + ('noModule' in \
HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');</script>
<a href="#main-content" class="govuk-skip-link" data-module="govuk-skip-link">Skip to main \
content</a>
<header class="govuk-template__header"><div class="govuk-generic-header"><div \
class="govuk-generic-header__container govuk-width-container"><div \
class="govuk-generic-header__logo"><a href="/" class="govuk-generic-header__homepage-link">\
Partnership Registry</a></div>
<div class="registry-header-account"><p class="govuk-body-s registry-header-user">{user}, \
{organisation}<span class="govuk-visually-hidden"> (signed in)</span></p>
<p class="govuk-body-s govuk-!-margin-0"><a class="govuk-link govuk-link--inverse" \
href="/notifications/">Notifications <strong class="govuk-tag">{unread} unread</strong></a></p>
<p class="govuk-body-s govuk-!-margin-0"><a class="govuk-link govuk-link--inverse" \
href="/account/api-tokens/">API tokens</a></p>
<form method="post" action="/sign-out/" class="registry-sign-out"><input type="hidden" \
name="csrfmiddlewaretoken" value="{csrf}"><button type="submit" class="govuk-button \
govuk-button--inverse" data-module="govuk-button">Sign out</button></form></div></div></div>
<section aria-label="Service information" class="govuk-service-navigation" \
data-module="govuk-service-navigation"><div class="govuk-width-container"><div \
class="govuk-service-navigation__container"><nav aria-label="Menu" \
class="govuk-service-navigation__wrapper"><button type="button" \
class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle" \
aria-controls="navigation" hidden aria-hidden="true">Menu</button>
<ul class="govuk-service-navigation__list" id="navigation">
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" \
href="/your-work/">Your work</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" \
href="/search/">Search the registry</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" \
href="/services/">Service directory</a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" \
href="/partnerships/compare/">Compare</a></li>
<li class="govuk-service-navigation__item govuk-service-navigation__item--active"><a \
class="govuk-service-navigation__link" href="/monitoring/" aria-current="true"><strong \
class="govuk-service-navigation__active-fallback">Monitoring</strong></a></li>
<li class="govuk-service-navigation__item"><a class="govuk-service-navigation__link" \
href="/casework/">Casework</a></li>
</ul></nav></div></div></section></header>
<div class="govuk-width-container">
<nav class="govuk-breadcrumbs" aria-label="Breadcrumb"><ol class="govuk-breadcrumbs__list">
<li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" href="/">Home</a></li>
<li class="govuk-breadcrumbs__list-item"><a class="govuk-breadcrumbs__link" \
href="/monitoring/">Monitoring</a></li></ol></nav>
<main class="govuk-main-wrapper" id="main-content">
"""

FORM = """<form method="get" action="" novalidate class="govuk-!-margin-bottom-6">
<fieldset class="govuk-fieldset"><legend class="govuk-fieldset__legend \
govuk-fieldset__legend--s">Periods shown</legend><div class="govuk-grid-row">
<div class="govuk-grid-column-one-quarter"><div class="govuk-form-group"><label \
class="govuk-label govuk-label--s" for="id_frequency">Periods</label>
<select class="govuk-select" id="id_frequency" name="frequency"><option value="quarterly" \
selected>Quarterly</option><option value="monthly">Monthly</option><option value="annual">\
Annual</option></select></div></div>
<div class="govuk-grid-column-one-half"><div class="govuk-form-group"><label class="govuk-label \
govuk-label--s" for="id_periods">How many</label><div id="id_periods-hint" class="govuk-hint">\
The latest periods to show, from 1 to 24.</div><input class="govuk-input govuk-input--width-2" \
id="id_periods" name="periods" type="text" value="{count}" aria-describedby="id_periods-hint">\
</div></div></div></fieldset>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">\
Show these periods</button></form>
"""

RETURNS_INTRO = """<h2 class="govuk-heading-m" id="returns">Returns</h2>
<p class="govuk-body">Which organisations have made their return for each quarter, and whether \
they made it on time. Select a return to open it.</p>
<details class="govuk-details"><summary class="govuk-details__summary"><span \
class="govuk-details__summary-text">What the labels mean</span></summary>
<div class="govuk-details__text"><dl class="govuk-summary-list govuk-summary-list--no-border">
"""

KEY_END = """<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key"><strong \
class="govuk-tag govuk-tag--purple">Correction under way</strong></dt><dd \
class="govuk-summary-list__value">The provider is correcting an approved return. The approved \
figures count until the correction is approved.</dd></div></dl>
<p class="govuk-body">Timeliness is judged on when a return was first submitted, not on a \
resubmission after it was returned for correction.</p></div></details>
"""

TOTALS_INTRO = """<h2 class="govuk-heading-m" id="totals">Partnership figures</h2>
<p class="govuk-body">Each figure added up across the organisations’ approved returns: a total \
for counts and amounts, an average for percentages, and how many organisations answered yes for \
yes-or-no questions. A corrected figure counts once its correction is approved. “–” means no \
approved return gave the figure. Select a figure to see its trend and each organisation’s \
figures.</p>
"""

FRAMEWORKS_INTRO = """<h2 class="govuk-heading-m" id="frameworks">Frameworks</h2>
<p class="govuk-body">The frameworks this partnership reports against. Each reads the same \
figures from the returns: a figure is given once, however many frameworks need it.</p>
<ul class="govuk-list govuk-list--bullet">
"""

FOOT = """</ul>
</main></div>
<footer class="govuk-footer"><div class="govuk-width-container"><div class="govuk-footer__meta">\
<div class="govuk-footer__meta-item govuk-footer__meta-item--grow"><h2 \
class="govuk-visually-hidden">Support links</h2><ul class="govuk-footer__inline-list"><li \
class="govuk-footer__inline-list-item"><a class="govuk-footer__link" href="/api/docs/">API \
documentation</a></li></ul><p class="govuk-body-s govuk-!-margin-bottom-0">Partnership \
Registry: what is already in place in criminal-justice and substance-misuse partnerships.</p>\
</div></div></div></footer>
<script type="module" src="/static/js/registry.mjs"></script>
</body>
</html>
"""


# ------------------------------------------------------------------------------------------
# The check: same visible text, links, cell states and tag colours
# ------------------------------------------------------------------------------------------
class _Visible(HTMLParser):
    """Visible text (whitespace collapsed) and the attributes a reader acts on, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.text: list[str] = []
        self.skip = 0

    def _flush(self) -> None:
        words = " ".join("".join(self.text).split())
        if words:
            self.items.append(words)
        self.text = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
            return
        if tag in ("td", "th", "tr", "li", "p", "dt", "dd", "a", "strong", "option", "h1",
                   "h2", "caption", "label", "div", "span", "input", "button", "title"):
            self._flush()
        for name, value in attrs:
            csrf = dict(attrs).get("name") == "csrfmiddlewaretoken"
            if name in ("href", "data-state") or (name == "value" and not csrf):
                self.items.append(f"{name}={value}")
            elif name == "class" and tag == "strong":
                self.items.append("class=" + " ".join((value or "").split()))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)

    def result(self) -> list[str]:
        self._flush()
        return self.items


def visible(html: str | bytes) -> list[str]:
    parser = _Visible()
    parser.feed(html.decode() if isinstance(html, bytes) else html)
    return parser.result()


def check(case: Case, output: Any, baseline_output: Any) -> None:
    page, hand = visible(output), visible(baseline_output)
    if page != hand:
        for i, (a, b) in enumerate(zip(page, hand, strict=False)):
            if a != b:
                raise AssertionError(f"{case.label}: item {i} differs: page {a!r}, "
                                     f"baseline {b!r}; page around it: {page[i - 3:i + 3]}")
        raise AssertionError(f"{case.label}: page has {len(page)} items, baseline {len(hand)}")
