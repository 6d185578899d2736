"""The registry search page (``/search/``), signed in as the bench commissioner: a word search
("recovery": partnerships, with the organisations and services found counted in the "Show"
row), the plain listing without words, and a filtered listing (status and the region served by
most active partnerships). Page 1, 25 rows, as the page shows them.

The baseline is what a careful developer would write by hand: three statements — the session
and user with the header's unread count; the filter panel's regions and categories with the
other kinds' counts; the page of partnerships with their total (``count(*) OVER ()``), lead
partner, current members, regions, overdue review and (with words) the member or service that
matched — and the HTML built with f-strings, the same visible content as the page (``check``).
"""

from __future__ import annotations

import re
from html import escape
from typing import Any
from urllib.parse import urlencode

from . import Case
from ._html_page import SignedIn, check, page, short_date, signed_in, today

__all__ = ["AIM", "TITLE", "baseline", "cases", "check"]

TITLE = "Search page"
AIM = 2.5
USER = "bench-commissioner"
PATH = "/search/"
PAGE_SIZE = 25

_STATUS = {"forming": "Forming", "active": "Active", "ended": "Ended"}
_STATUS_TAG = {"active": "govuk-tag--green", "forming": "govuk-tag--light-blue"}
_SETTING = {"custody": "Custody", "community": "Community", "both": "Custody and community"}
_KINDS = (("charity", "Charity"), ("social_enterprise", "Social enterprise"),
          ("prison", "Prison"), ("probation", "Probation service"), ("police", "Police"),
          ("local_authority", "Local authority"), ("nhs_body", "NHS body"),
          ("commissioning_body", "Commissioning body"),
          ("other_statutory", "Other statutory body"))
_SORT_HEADERS = (("name", "Partnership", False), ("lead", "Lead partner", False),
                 ("started", "Started", False), ("members", "Current members", True),
                 ("status", "Status", False))


def cases(conn: Any) -> list[Case]:
    """"recovery" (the issue's search), no words, and active partnerships serving the region
    most of them serve."""
    region = conn.execute(
        "SELECT r.code FROM partnerships_partnership_regions pr"
        " JOIN partnerships_region r ON r.id = pr.region_id"
        " JOIN partnerships_partnership p ON p.id = pr.partnership_id"
        " WHERE p.status = 'active' GROUP BY r.code ORDER BY count(*) DESC, r.code LIMIT 1"
    ).fetchone()[0]
    user = signed_in(conn, Case(label="", rows=0, user=USER))  # fail early without the user
    del user
    found = []
    for label, params in (("search: recovery", {"q": "recovery"}),
                          ("no words (all partnerships)", {}),
                          ("filters: active, in the region most of them serve",
                           {"status": ["active"], "region": [region]})):
        rows = _partnerships(conn, params, today(), count_only=True)
        query = urlencode([(k, v) for k, vs in params.items()
                           for v in (vs if isinstance(vs, list) else [vs])])
        found.append(Case(label=label, rows=rows, user=USER,
                          url=f"{PATH}?{query}" if query else PATH, params=dict(params)))
    return found


# -- SQL ------------------------------------------------------------------------------------------

_QUERY = "websearch_to_tsquery('english'::regconfig, %(q)s)"
_PARTNERSHIP_DOC = ("(setweight(to_tsvector('english'::regconfig, COALESCE({t}.name, '')), 'A')"
                    " || setweight(to_tsvector('english'::regconfig, COALESCE({t}.summary, '')),"
                    " 'B'))")
_ORG_NAME_DOC = "to_tsvector('english'::regconfig, COALESCE({t}.name, ''))"
_SERVICE_DOC = ("(setweight(to_tsvector('english'::regconfig, COALESCE({t}.name, '')), 'A')"
                " || setweight(to_tsvector('english'::regconfig, COALESCE({t}.description, '')),"
                " 'B'))")


def _found_sql(params: dict[str, Any]) -> str:
    """The matching partnerships with their rank (the page's own formula), filters applied."""
    where = ["true"]
    if params.get("status"):
        where.append("p.status = ANY(%(status)s)")
    if params.get("region"):
        where.append("EXISTS (SELECT 1 FROM partnerships_partnership_regions pr"
                     " JOIN partnerships_region r ON r.id = pr.region_id"
                     " WHERE pr.partnership_id = p.id AND r.code = ANY(%(region)s))")
    if not params.get("q"):
        return ("SELECT p.id, p.name, p.slug, p.summary, p.setting, p.status, p.started_on,"
                " 0.0::float8 AS rank FROM partnerships_partnership p WHERE "
                + " AND ".join(where))
    # Each matching set once (a CTE used twice is materialised), each on its GIN index.
    return (
        "WITH own AS (SELECT o.id FROM partnerships_partnership o"
        f"   WHERE {_PARTNERSHIP_DOC.format(t='o')} @@ {_QUERY}),"
        " mem AS (SELECT DISTINCT m.partnership_id AS id FROM partnerships_organisation o"
        "   JOIN partnerships_membership m ON m.organisation_id = o.id"
        f"   WHERE {_ORG_NAME_DOC.format(t='o')} @@ {_QUERY}),"
        " svc AS (SELECT DISTINCT s.partnership_id AS id FROM services_service s"
        "   WHERE s.is_active AND s.partnership_id IS NOT NULL"
        f"   AND {_SERVICE_DOC.format(t='s')} @@ {_QUERY})"
        " SELECT p.id, p.name, p.slug, p.summary, p.setting, p.status, p.started_on,"
        " ts_rank(setweight(to_tsvector('english'::regconfig, COALESCE(p.name, '')), 'A'),"
        f" {_QUERY})"
        " + CASE WHEN p.id IN (SELECT id FROM own) THEN 0.3 ELSE 0.0 END"
        " + CASE WHEN p.id IN (SELECT id FROM mem) THEN 0.1 ELSE 0.0 END"
        " + CASE WHEN p.id IN (SELECT id FROM svc) THEN 0.05 ELSE 0.0 END AS rank"
        " FROM partnerships_partnership p"
        " WHERE p.id IN (SELECT id FROM own UNION SELECT id FROM mem UNION SELECT id FROM svc)"
        " AND " + " AND ".join(where))


def _order(params: dict[str, Any]) -> str:
    return "rank DESC, lower(name), id" if params.get("q") else "lower(name), id"


def _partnerships(conn: Any, params: dict[str, Any], day: Any, *,
                  count_only: bool = False) -> Any:
    args = {"q": params.get("q", ""), "status": params.get("status"),
            "region": params.get("region"), "today": day, "offset": 0, "limit": PAGE_SIZE}
    found = _found_sql(params)
    if count_only:
        return conn.execute(f"SELECT count(*) FROM ({found}) f", args).fetchone()[0]
    matched = ""
    if params.get("q"):
        # Only a row whose own name lacks the words says why it matched; the member is found
        # among the organisations the name index matched.
        name_matches = (f"setweight(to_tsvector('english'::regconfig, COALESCE(pg.name, '')),"
                        f" 'A') @@ {_QUERY}")
        matched = (
            f", CASE WHEN NOT {name_matches} THEN (SELECT o.name FROM partnerships_membership m"
            "   JOIN partnerships_organisation o ON o.id = m.organisation_id"
            "   WHERE m.partnership_id = pg.id AND o.id IN (SELECT mo.id FROM"
            f"  partnerships_organisation mo WHERE {_ORG_NAME_DOC.format(t='mo')} @@ {_QUERY})"
            "   ORDER BY lower(o.name), m.id LIMIT 1) END"
            f", CASE WHEN NOT {name_matches} THEN (SELECT s.name FROM services_service s"
            "   WHERE s.partnership_id = pg.id"
            f"  AND s.is_active AND {_SERVICE_DOC.format(t='s')} @@ {_QUERY}"
            "   ORDER BY lower(s.name), s.id LIMIT 1) END")
    else:
        matched = ", NULL, NULL"
    order = _order(params)
    outer_order = ("pg.rank DESC, lower(pg.name), pg.id" if params.get("q")
                   else "lower(pg.name), pg.id")
    return conn.execute(
        f"WITH pg AS (SELECT f.*, count(*) OVER () AS total FROM ({found}) f"
        f"  ORDER BY {order} LIMIT %(limit)s OFFSET %(offset)s)"
        " SELECT pg.name, pg.slug, pg.summary, pg.setting, pg.status, pg.started_on, pg.total,"
        "  (SELECT count(DISTINCT m.organisation_id) FROM partnerships_membership m"
        "    WHERE m.partnership_id = pg.id AND m.joined_on <= %(today)s"
        "    AND (m.left_on IS NULL OR m.left_on > %(today)s)),"
        "  lead.name, lead.slug,"
        "  EXISTS (SELECT 1 FROM partnerships_agreement a WHERE a.partnership_id = pg.id"
        "    AND a.status = 'active' AND a.review_due < %(today)s),"
        "  ARRAY(SELECT r.name FROM partnerships_partnership_regions pr"
        "    JOIN partnerships_region r ON r.id = pr.region_id WHERE pr.partnership_id = pg.id"
        "    ORDER BY r.position, r.name)"
        f" {matched}"
        " FROM pg LEFT JOIN LATERAL (SELECT o.name, o.slug FROM partnerships_membership m"
        "   JOIN partnerships_organisation o ON o.id = m.organisation_id"
        "   WHERE m.partnership_id = pg.id AND m.role = 'lead_partner'"
        "   AND m.joined_on <= %(today)s AND (m.left_on IS NULL OR m.left_on > %(today)s)"
        "   ORDER BY m.joined_on DESC, m.id LIMIT 1) lead ON true"
        f" ORDER BY {outer_order}", args).fetchall()


def _panel_and_counts(conn: Any, q: str) -> tuple[list[Any], list[Any], int, int]:
    """The filter panel's regions and categories, and (with words) how many organisations and
    services the words find: one statement."""
    counts = "NULL::bigint, NULL::bigint"
    if q:
        counts = (
            "(SELECT count(*) FROM (SELECT o.id FROM partnerships_organisation o"
            f"  WHERE {_ORG_NAME_DOC.format(t='o')} @@ {_QUERY}"
            "  UNION SELECT o.id FROM partnerships_organisation o WHERE o.description <> ''"
            "  AND to_tsvector('english'::regconfig, COALESCE(o.description, ''))"
            f"  @@ {_QUERY}"
            "  UNION SELECT s.provider_id FROM services_service s WHERE s.is_active"
            f"  AND {_SERVICE_DOC.format(t='s')} @@ {_QUERY}) found),"
            " (SELECT count(*) FROM services_service s WHERE s.is_active"
            f"  AND {_SERVICE_DOC.format(t='s')} @@ {_QUERY})")
    row = conn.execute(
        "SELECT (SELECT json_agg(json_build_array(code, name) ORDER BY position, name)"
        "   FROM partnerships_region),"
        " (SELECT json_agg(json_build_array(slug, name) ORDER BY position, name)"
        "   FROM services_servicecategory), " + counts, {"q": q}).fetchone()
    return row[0], row[1], row[2] or 0, row[3] or 0


# -- "why it matched" (the page's rule, in plain Python) ------------------------------------------

_ENDINGS = ("ies", "ing", "ed", "es", "s", "y", "e")


def _pattern(q: str) -> re.Pattern[str] | None:
    words = []
    for word in q.lower().split():
        word = word.strip(".,;:!?()[]{}'\"")
        for ending in _ENDINGS:
            if word.endswith(ending) and len(word) - len(ending) >= 4:
                word = word[: -len(ending)]
                break
        if word:
            words.append(re.escape(word))
    if not words:
        return None
    words.sort(key=len, reverse=True)
    return re.compile("(?:" + "|".join(words) + r")\w*", re.IGNORECASE)


def _highlight(text: str, pattern: re.Pattern[str]) -> str:
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(escape(text[last:m.start()]))
        out.append(f"<mark>{escape(m.group())}</mark>")
        last = m.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _match_reason(pattern: re.Pattern[str] | None, name: str, text: str,
                  member: str | None, service: str | None) -> str:
    if pattern is None or pattern.search(name):
        return ""
    text = " ".join((text or "").split())
    m = pattern.search(text)
    if m:
        start, end = max(0, m.start() - 60), min(len(text), m.end() + 110)
        if start > 0:
            space = text.find(" ", start, m.start())
            start = space + 1 if space != -1 else start
        if end < len(text):
            space = text.rfind(" ", m.end(), end)
            end = space if space != -1 else end
        body = _highlight(text[start:end].strip(" ,;:"), pattern)
        return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
    if member:
        return "Member: " + _highlight(member, pattern)
    if service:
        return "Service: " + _highlight(service, pattern)
    return ""


# -- HTML -----------------------------------------------------------------------------------------


def _qs(pairs: list[tuple[str, Any]]) -> str:
    return escape(urlencode(sorted(pairs)))


def _checkboxes(name: str, legend: str, options: list[Any], checked: set[str],
                hint: str = "") -> str:
    out = [f'<div class="govuk-form-group"><fieldset class="govuk-fieldset">'
           f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">{legend}</legend>']
    if hint:
        out.append(f'<div id="id_{name}-hint" class="govuk-hint">{hint}</div>')
    out.append('<div class="govuk-checkboxes govuk-checkboxes--small" '
               'data-module="govuk-checkboxes">')
    for i, (value, label) in enumerate(options):
        tick = " checked" if value in checked else ""
        out.append(f'<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
                   f'id="id_{name}_{i}" name="{name}" type="checkbox" value="{escape(value)}"'
                   f'{tick}><label class="govuk-label govuk-checkboxes__label" '
                   f'for="id_{name}_{i}">{escape(label)}</label></div>')
    out.append("</div></fieldset></div>")
    return "".join(out)


def _text_field(name: str, label: str, hint: str, value: str) -> str:
    return (f'<div class="govuk-form-group"><label class="govuk-label govuk-label--m" '
            f'for="id_{name}">{label}</label><div id="id_{name}-hint" class="govuk-hint">{hint}'
            f'</div><input class="govuk-input" id="id_{name}" name="{name}" type="text" '
            f'value="{escape(value)}" maxlength="200"></div>')


def _url(params: dict[str, Any], drop: str = "", value: str | None = None,
         path: str = PATH) -> str:
    """The search's address from its values, in the form's order, without ``drop``."""
    pairs = []
    for name in ("q", "status", "setting", "overdue", "member", "funder", "region", "category",
                 "kind", "sort"):
        current = params.get(name)
        if not current or (name == drop and value is None):
            continue
        for v in current if isinstance(current, list) else [current]:
            if not (name == drop and v == value):
                pairs.append((name, v))
    encoded = urlencode(pairs)
    return f"{path}?{encoded}" if encoded else path


def _filter_panel(params: dict[str, Any], regions: list[Any], categories: list[Any]) -> str:
    status, region = set(params.get("status", [])), set(params.get("region", []))
    selected = ""
    if status or region:
        groups = []
        labels = {"status": _STATUS, "region": dict(regions)}
        for key, label in (("status", "Status"), ("region", "Region served")):
            values = params.get(key) or []
            if not values:
                continue
            tags = "".join(
                f'<li><a class="moj-filter__tag" href="{escape(_url(params, key, v))}">'
                f'<span class="govuk-visually-hidden">Remove this filter:</span> '
                f'{escape(labels[key][v])}</a></li>' for v in values)
            groups.append(f'<h3 class="govuk-heading-s govuk-!-margin-bottom-0">{label}</h3>'
                          f'<ul class="moj-filter-tags">{tags}</ul>')
        clear = {k: v for k, v in params.items() if k in ("q", "sort")}
        selected = ('<div class="moj-filter__selected"><div class="moj-filter__selected-heading">'
                    '<div class="moj-filter__heading-title"><h2 class="govuk-heading-m">Selected '
                    'filters</h2></div><div class="moj-filter__heading-action"><p class="govuk-'
                    f'body"><a class="govuk-link govuk-link--no-visited-state" href="'
                    f'{escape(_url(clear))}">Clear filters</a></p></div></div>'
                    + "".join(groups) + "</div>")
    return "".join((
        '<div class="moj-filter"><div class="moj-filter__header"><div class="moj-filter__header-'
        'title"><h2 class="govuk-heading-m">Filter</h2></div><div class="moj-filter__header-'
        'action"></div></div><div class="moj-filter__content">', selected,
        '<div class="moj-filter__options"><button type="submit" class="govuk-button" '
        'data-module="govuk-button">Apply filters</button>',
        _checkboxes("status", "Status", list(_STATUS.items()), status),
        _checkboxes("setting", "Setting", [("custody", "Custody"), ("community", "Community")],
                    set(), "Partnerships working in both settings match either."),
        '<div class="govuk-form-group"><fieldset class="govuk-fieldset"><legend class="govuk-'
        'fieldset__legend govuk-fieldset__legend--m">Agreements</legend><div class="govuk-form-'
        'group"><div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-'
        'checkboxes"><div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
        'id="id_overdue" name="overdue" type="checkbox" value="true"><label class="govuk-label '
        'govuk-checkboxes__label" for="id_overdue">Agreement review overdue</label><div '
        'id="id_overdue-hint" class="govuk-hint govuk-checkboxes__hint">Only partnerships with '
        'an active agreement whose review date has passed.</div></div></div></div></fieldset>'
        '</div>',
        _text_field("member", "Member organisation", "A current member: all or part of its name.",
                    ""),
        _text_field("funder", "Funder", "All or part of the name of an organisation that has "
                    "funded the partnership.", ""),
        _checkboxes("region", "Region served", regions, region),
        _checkboxes("category", "Service category", categories, set()),
        _checkboxes("kind", "Kind of member organisation", list(_KINDS), set()),
        "</div></div></div>"))


def _pagination(params: dict[str, Any], number: int, pages: int) -> str:
    if pages <= 1:
        return ""
    base = [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]

    def href(n: int) -> str:
        return "?" + _qs([*base, ("page", n)])

    items, last_was_gap = [], False
    for n in range(1, pages + 1):
        if n in (1, pages) or abs(n - number) <= 1:
            current = n == number
            aria = ' aria-current="page"' if current else ""
            items.append(f'<li class="govuk-pagination__item'
                         f'{" govuk-pagination__item--current" if current else ""}"><a class='
                         f'"govuk-link govuk-pagination__link" href="{href(n)}" aria-label="Page '
                         f'{n}"{aria}>{n}</a></li>')
            last_was_gap = False
        elif not last_was_gap:
            items.append('<li class="govuk-pagination__item govuk-pagination__item--ellipses">'
                         '&ctdot;</li>')
            last_was_gap = True
    prev = (f'<div class="govuk-pagination__prev"><a class="govuk-link govuk-pagination__link" '
            f'href="{href(number - 1)}" rel="prev"><span class="govuk-pagination__link-title">'
            'Previous<span class="govuk-visually-hidden"> page</span></span></a></div>'
            if number > 1 else "")
    nxt = (f'<div class="govuk-pagination__next"><a class="govuk-link govuk-pagination__link" '
           f'href="{href(number + 1)}" rel="next"><span class="govuk-pagination__link-title">'
           'Next<span class="govuk-visually-hidden"> page</span></span></a></div>'
           if number < pages else "")
    return (f'<nav class="govuk-pagination" aria-label="Pages of results">{prev}'
            f'<ul class="govuk-pagination__list">{"".join(items)}</ul>{nxt}</nav>')


def _results(params: dict[str, Any], rows: list[Any], counts: tuple[int, int]) -> str:
    q = params.get("q", "")
    total = rows[0][6] if rows else 0
    out = []
    if q:
        base = _url(params)
        kinds = (("partnerships", "Partnerships", total, base),
                 ("organisations", "Organisations", counts[0], f"{base}&show=organisations"),
                 ("services", "Services", counts[1], f"{base}&show=services"))
        out.append('<nav class="moj-sub-navigation govuk-!-margin-bottom-4" aria-label="Kinds of '
                   'result"><ul class="moj-sub-navigation__list">')
        for key, label, n, href in kinds:
            current = ' aria-current="page"' if key == "partnerships" else ""
            out.append(f'<li class="moj-sub-navigation__item"><a class="moj-sub-navigation__'
                       f'link"{current} href="{escape(href)}">{label} ({n})</a></li>')
        out.append("</ul></nav>")
    matching = f" matching “{escape(q)}”" if q else ""
    out.append(f'<h2 class="govuk-heading-m" id="results">{total} partnership'
               f'{"" if total == 1 else "s"}{matching}</h2><div class="moj-action-bar govuk-!-'
               'margin-bottom-4"><div class="moj-action-bar__filter"></div><a class="govuk-button '
               'govuk-button--secondary govuk-!-margin-bottom-0" href="'
               f'{escape(_url(params, path="/partnerships/export.csv"))}" role="button" '
               'draggable="false" data-module="govuk-button">Download these results (CSV)</a>'
               '</div>')
    if not total:
        return "".join(out)  # the empty state is not a case here
    sort = "relevance" if q else "name"
    pages = -(-total // PAGE_SIZE)
    out.append(f'<p class="govuk-body">Showing 1 to {len(rows)} of {total}, sorted by '
               f'{"best match" if q else "partnership name"}.</p><p class="govuk-body" '
               'id="compare-hint">To see partnerships side by side, select two to four of them '
               'and then <strong>Compare selected partnerships</strong>.</p>'
               '<div class="registry-table-wrapper">'
               '<table class="govuk-table govuk-!-font-size-16">'
               '<caption class="govuk-table__caption govuk-visually-hidden">Partnerships found, '
               f'page 1 of {pages}. Select a column heading to sort by it.</caption><thead class='
               '"govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-'
               'table__header registry-select-cell"><span class="govuk-visually-hidden">Select to '
               'compare</span></th>')
    pairs = [(k, v) for k, vs in params.items() for v in (vs if isinstance(vs, list) else [vs])]
    for key, label, numeric in _SORT_HEADERS:
        state, next_sort, arrow = "none", key, ""
        if sort == key:
            state, next_sort, arrow = "ascending", f"-{key}", ' <span aria-hidden="true">▲</span>'
        numeric_class = " govuk-table__header--numeric" if numeric else ""
        if key == "started":
            out.append('<th scope="col" class="govuk-table__header">Setting and regions</th>')
        out.append(f'<th scope="col" class="govuk-table__header{numeric_class}" aria-sort='
                   f'"{state}"><a class="govuk-link govuk-link--no-visited-state" href="?'
                   f'{_qs([*pairs, ("sort", next_sort)])}">{label}{arrow}</a></th>')
    out.append('</tr></thead><tbody class="govuk-table__body">')
    pattern = _pattern(q) if q else None
    for (name, slug, summary, setting, status, started_on, _total, members, lead_name,
         lead_slug, overdue, regions, member, service) in rows:
        name_e, slug_e = escape(name), escape(slug)
        reason = _match_reason(pattern, name, summary, member, service)
        reason_html = (f'<span class="govuk-!-display-block govuk-!-margin-top-1 '
                       f'govuk-!-font-weight-regular registry-match">{reason}</span>'
                       if reason else "")
        lead = (f'<a class="govuk-link" href="/organisations/{escape(lead_slug)}/">'
                f'{escape(lead_name)}</a>' if lead_slug
                else '<span class="govuk-hint govuk-!-margin-0">None</span>')
        if started_on:
            day_month, year = short_date(started_on)
            started = f'<span class="registry-nowrap">{day_month}</span> {year}'
        else:
            started = "Not recorded"
        overdue_tag = ('<strong class="govuk-tag govuk-tag--red govuk-!-margin-top-1">Review '
                       'overdue</strong>' if overdue else "")
        out.append(
            '<tr class="govuk-table__row"><td class="govuk-table__cell registry-select-cell">'
            '<div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">'
            f'<div class="govuk-checkboxes__item"><input class="govuk-checkboxes__input" '
            f'id="compare-{slug_e}" name="p" type="checkbox" value="{slug_e}" form="compare-form">'
            f'<label class="govuk-label govuk-checkboxes__label" for="compare-{slug_e}"><span '
            f'class="govuk-visually-hidden">Select {name_e} to compare</span></label></div></div>'
            f'</td><th scope="row" class="govuk-table__header"><a class="govuk-link" '
            f'href="/partnerships/{slug_e}/">{name_e}</a>{reason_html}</th>'
            f'<td class="govuk-table__cell">{lead}</td><td class="govuk-table__cell">'
            f'{_SETTING[setting]}<span class="govuk-!-display-block govuk-!-margin-top-1">'
            f'{escape(", ".join(regions)) if regions else "Regions not recorded"}</span></td>'
            f'<td class="govuk-table__cell">{started}</td><td class="govuk-table__cell '
            f'govuk-table__cell--numeric">{members}</td><td class="govuk-table__cell"><strong '
            f'class="govuk-tag {_STATUS_TAG.get(status, "govuk-tag--grey")}">{_STATUS[status]}'
            f'</strong>{overdue_tag}</td></tr>')
    out.append('</tbody></table></div><button type="submit" form="compare-form" class="govuk-'
               'button govuk-button--secondary" data-module="govuk-button">Compare selected '
               'partnerships</button>')
    out.append(_pagination(params, 1, pages))
    return "".join(out)


def _main(params: dict[str, Any], regions: list[Any], categories: list[Any], rows: list[Any],
          counts: tuple[int, int]) -> str:
    q = params.get("q", "")
    return "".join((
        '<h1 class="govuk-heading-l">Search the registry</h1><p class="govuk-body">Find out what '
        'is already in place: partnerships, who is in them and the services they deliver.</p>'
        '<form method="get" action="/" novalidate><div class="govuk-grid-row"><div class="govuk-'
        'grid-column-two-thirds"><div class="govuk-form-group"><label class="govuk-label govuk-'
        'label--m" for="id_q">Search partnerships, organisations and services</label><div '
        'id="id_q-hint" class="govuk-hint">For example a partnership, a charity, a prison or a '
        'kind of service. Put &quot;quotes&quot; round a phrase.</div><input class="govuk-input" '
        f'id="id_q" name="q" type="text" value="{escape(q)}" maxlength="200"></div><button '
        'type="submit" class="govuk-button" data-module="govuk-button">Search</button></div>'
        '</div><div class="moj-filter-layout"><div class="moj-filter-layout__filter govuk-!-'
        'width-one-quarter" data-module="moj-filter" data-start-hidden="false">',
        _filter_panel(params, regions, categories),
        '</div><div class="moj-filter-layout__content">', _results(params, rows, counts),
        '</div></div></form><form id="compare-form" method="get" action="/partnerships/compare/" '
        'novalidate><input type="hidden" name="from" value="search"></form>'))


def baseline(conn: Any, case: Case) -> str:
    """Three statements (session and user; filter panel and other kinds' counts; the page of
    partnerships with its total), then the HTML."""
    user: SignedIn = signed_in(conn, case)
    params = {k: v for k, v in case.params.items() if k != "session_key"}
    regions, categories, organisations, services = _panel_and_counts(conn, params.get("q", ""))
    rows = _partnerships(conn, params, today())
    breadcrumbs = ('<nav class="govuk-breadcrumbs" aria-label="Breadcrumb"><ol class="govuk-'
                   'breadcrumbs__list"><li class="govuk-breadcrumbs__list-item"><a class="govuk-'
                   'breadcrumbs__link" href="/">Home</a></li></ol></nav>')
    return page(title="Search the registry", user=user, nav="search", breadcrumbs=breadcrumbs,
                main=_main(params, regions, categories, rows, (organisations, services)))
