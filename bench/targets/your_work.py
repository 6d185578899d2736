"""The "Your work" page (``/your-work/``) for the two users with the most work at scale:

- a caseworker of the probation delivery unit that is lead agency on the most open cases (made
  by bench/reminders.py: ~33,000 cases at full scale); the page shows the count of case
  conferences in the next 14 days and the first five, not the caseload;
- the partnership manager whose organisation leads the partnership with the most submitted
  returns waiting (bench/monitoring.py's lead partner): returns to review, count and first five.

The baseline is what a careful developer would write by hand: the session and user with the
header's unread count, then ONE statement with each section the user's role has (count and
first five rows as JSON, the same need-to-know filter as ``Case.objects.visible_to`` and
``reviewable_returns``), and the HTML built with f-strings (``check`` compares the content).
"""

from __future__ import annotations

import datetime
from html import escape
from typing import Any

from . import Case
from ._html_page import SignedIn, check, govuk_date, page, signed_in, today

__all__ = ["AIM", "TITLE", "baseline", "cases", "check"]

TITLE = '"Your work" page'
AIM = 3.0
PATH = "/your-work/"
SHOWN = 5
CONFERENCE_DAYS = 14

_CONFERENCE_KINDS = {"start": "Three-way meeting: start of order",
                     "middle": "Three-way meeting: middle of order",
                     "end": "Three-way meeting: end of order", "joint": "Joint case meeting"}

# The cases the user's organisation is involved in (Case.objects.involving): the current lead
# agency, or an open referral from or to it.
_INVOLVED = (
    "(EXISTS (SELECT 1 FROM referrals_leadagency la WHERE la.case_id = c.id"
    "   AND la.organisation_id = %(org)s AND la.starts_on <= %(today)s"
    "   AND (la.ends_on IS NULL OR la.ends_on > %(today)s))"
    " OR EXISTS (SELECT 1 FROM referrals_referral r2 WHERE r2.case_id = c.id"
    "   AND r2.status IN ('sent', 'accepted')"
    "   AND (r2.from_organisation_id = %(org)s OR r2.to_organisation_id = %(org)s)))")


def cases(conn: Any) -> list[Case]:
    """The lead-agency caseworker and the reviewer with the most work, chosen from the data."""
    found = []
    row = conn.execute(
        "SELECT u.username, count(*) FROM accounts_user u"
        " JOIN referrals_leadagency la ON la.organisation_id = u.organisation_id"
        "  AND la.starts_on <= current_date AND (la.ends_on IS NULL OR la.ends_on > current_date)"
        " JOIN referrals_case c ON c.id = la.case_id AND c.status = 'open'"
        " WHERE u.is_active AND u.role = 'provider_staff'"
        " GROUP BY u.username ORDER BY count(*) DESC, u.username LIMIT 1").fetchone()
    if row:
        found.append(Case(label="caseworker of the lead agency with the most open cases",
                          rows=row[1],
                          url=PATH, user=row[0]))
    row = conn.execute(
        "SELECT u.username, count(DISTINCT mr.id) FROM accounts_user u"
        " JOIN partnerships_membership m ON m.organisation_id = u.organisation_id"
        "  AND m.role = 'lead_partner' AND m.joined_on <= current_date"
        "  AND (m.left_on IS NULL OR m.left_on > current_date)"
        " JOIN monitoring_monitoringreturn mr ON mr.partnership_id = m.partnership_id"
        "  AND mr.status = 'submitted' AND mr.organisation_id <> u.organisation_id"
        " WHERE u.is_active AND u.role = 'partnership_manager'"
        " GROUP BY u.username ORDER BY count(DISTINCT mr.id) DESC, u.username LIMIT 1"
    ).fetchone()
    if row:
        found.append(Case(label="reviewer with the most returns to review", rows=row[1],
                          url=PATH, user=row[0]))
    return found


def _section(count: str, rows: str) -> str:
    """A section's count and its first rows as a JSON array, as two select-list items."""
    return (f"(SELECT count(*) FROM ({count}) n),"
            f" (SELECT coalesce(json_agg(x), '[]') FROM ({rows} LIMIT {SHOWN}) x)")


def _sections(conn: Any, user: SignedIn, day: datetime.date) -> dict[str, tuple[int, list]]:
    """Every section the user's role has, in one statement: {key: (count, first rows)}."""
    caseworker = user.role in ("provider_staff", "partnership_manager") and user.organisation_id
    parts: list[tuple[str, str]] = []
    if user.role == "provider_staff" and user.organisation_id:
        parts.append(("requirements", "(SELECT count(*) FROM monitoring_returnrequirement"
                                      " WHERE organisation_id = %(org)s), NULL"))
    if user.role == "partnership_manager" and user.organisation_id:
        managed = ("SELECT m.partnership_id FROM partnerships_membership m"
                   " WHERE m.organisation_id = %(org)s AND m.role = 'lead_partner'"
                   " AND m.joined_on <= %(today)s AND (m.left_on IS NULL OR m.left_on > %(today)s)")
        waiting = (f" FROM monitoring_monitoringreturn mr WHERE mr.status = 'submitted'"
                   f" AND mr.organisation_id <> %(org)s AND mr.partnership_id IN ({managed})")
        parts.append(("returns-to-review", _section(
            f"SELECT 1 {waiting}",
            "SELECT mr.id, rp.starts_on, o.name AS organisation, p.name AS partnership,"
            " mr.submitted_at FROM monitoring_monitoringreturn mr"
            " JOIN monitoring_reportingperiod rp ON rp.id = mr.period_id"
            " JOIN partnerships_organisation o ON o.id = mr.organisation_id"
            " JOIN partnerships_partnership p ON p.id = mr.partnership_id"
            f" WHERE mr.id IN (SELECT mr.id {waiting}) ORDER BY mr.submitted_at, mr.id")))
    if caseworker:
        inbox = ("FROM referrals_referral r JOIN referrals_case c ON c.id = r.case_id"
                 f" WHERE r.to_organisation_id = %(org)s AND r.status = 'sent' AND {_INVOLVED}")
        parts.append(("referrals-to-decide", _section(
            f"SELECT 1 {inbox}",
            "SELECT r.reference, c.reference AS case_reference, fo.name AS from_name,"
            " s.name AS service, r.response_due_on"
            f" {inbox.replace('WHERE', 'JOIN partnerships_organisation fo ON fo.id = r.from_organisation_id JOIN services_service s ON s.id = r.to_service_id WHERE', 1)}"  # noqa: E501
            " ORDER BY r.response_due_on, r.created_on DESC, r.id")))
    if user.role == "partnership_manager" and user.organisation_id:
        unsigned = ("FROM partnerships_signatory sg JOIN partnerships_agreement a"
                    " ON a.id = sg.agreement_id JOIN partnerships_partnership p"
                    " ON p.id = a.partnership_id WHERE sg.organisation_id = %(org)s"
                    " AND sg.signed_on IS NULL AND a.status IN ('draft', 'scheduled')")
        parts.append(("agreements-to-sign", _section(
            f"SELECT 1 {unsigned}",
            f"SELECT a.title, a.version, p.name, p.slug {unsigned}"
            " ORDER BY p.name, a.title, sg.id")))
    if caseworker:
        soon = ("FROM referrals_caseconference cc JOIN referrals_case c ON c.id = cc.case_id"
                " WHERE cc.status = 'planned' AND cc.planned_on >= %(today)s"
                " AND cc.planned_on <= %(until)s AND c.status = 'open' AND " + _INVOLVED)
        parts.append(("conferences", _section(
            f"SELECT 1 {soon}",
            f"SELECT cc.kind, c.reference, cc.planned_on {soon} ORDER BY cc.planned_on, cc.id")))
    parts.append(("notifications", _section(
        "SELECT 1 FROM notifications_notification WHERE recipient_id = %(user)s"
        " AND read_at IS NULL",
        "SELECT id, subject, created_on FROM notifications_notification"
        " WHERE recipient_id = %(user)s AND read_at IS NULL ORDER BY created_on DESC, id DESC")))
    row = conn.execute(
        "SELECT " + ", ".join(sql for _, sql in parts),
        {"org": user.organisation_id, "user": user.id, "today": day,
         "until": day + datetime.timedelta(days=CONFERENCE_DAYS)}).fetchone()
    values = iter(row)
    found = {key: (next(values), next(values)) for key, _ in parts}
    if found.pop("requirements", (0, None))[0]:
        raise NotImplementedError("returns to submit: a case without requirements is timed")
    return found


def _quarter(starts_on: str) -> str:
    day = datetime.date.fromisoformat(starts_on)
    fy = day.year if day.month >= 4 else day.year - 1
    return f"{fy}–{str(fy + 1)[2:]} Q{(day.month - 4) % 12 // 3 + 1}"


def _utc_day(moment: str) -> datetime.date:
    return datetime.datetime.fromisoformat(moment).astimezone(datetime.UTC).date()


_TITLES = {"returns-to-review": ("Returns to review", "/monitoring/reviews/",
                                 "Go to returns to review"),
           "referrals-to-decide": ("Referrals to accept or decline", "/casework/referrals/",
                                   "Go to referrals received"),
           "agreements-to-sign": ("Agreements to sign", "", ""),
           "conferences": (f"Case conferences in the next {CONFERENCE_DAYS} days", "/casework/",
                           "Go to your caseload"),
           "notifications": ("Unread notifications", "/notifications/",
                             "Go to your notifications")}


def _items(key: str, rows: list[dict[str, Any]], day: datetime.date) -> list[tuple[str, ...]]:
    """(text, url, detail, tag, tag class) of each listed row."""
    items: list[tuple[str, ...]] = []
    for r in rows:
        if key == "returns-to-review":
            items.append((f"{_quarter(r['starts_on'])} return from {r['organisation']}",
                          f"/monitoring/returns/{r['id']}/review/",
                          f"{r['partnership']}, submitted "
                          f"{govuk_date(_utc_day(r['submitted_at']))}", "", ""))
        elif key == "referrals-to-decide":
            due = datetime.date.fromisoformat(r["response_due_on"])
            late = due < day
            items.append((f"Referral {r['reference']} (case {r['case_reference']})",
                          f"/casework/referrals/{r['reference']}/",
                          f"From {r['from_name']} to {r['service']}. Respond by "
                          f"{govuk_date(due)}", "Overdue" if late else "",
                          "govuk-tag--red" if late else ""))
        elif key == "agreements-to-sign":
            items.append((f"{r['title']} (version {r['version']})",
                          f"/partnerships/{r['slug']}/#agreements", r["name"], "", ""))
        elif key == "conferences":
            on = datetime.date.fromisoformat(r["planned_on"])
            items.append((f"{_CONFERENCE_KINDS[r['kind']]}: case {r['reference']}",
                          f"/casework/cases/{r['reference']}/",
                          "Today" if on == day else govuk_date(on), "", ""))
        else:
            created = datetime.datetime.fromisoformat(r["created_on"]).astimezone(
                datetime.timezone(datetime.timedelta(0)))
            items.append((r["subject"], f"/notifications/{r['id']}/open/",
                          govuk_date(created.date()), "", ""))
    return items


def _main(user: SignedIn, sections: dict[str, tuple[int, list]], day: datetime.date) -> str:
    shown = [(key, count, rows) for key, (count, rows) in sections.items() if count]
    out = ['<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds"><h1 class="'
           'govuk-heading-l">Your work</h1><p class="govuk-body"><a class="govuk-button '
           'govuk-button--secondary govuk-!-margin-bottom-0" data-module="govuk-button" '
           'href="/search/">Search the registry</a></p>']
    if not shown:
        out.append('<h2 class="govuk-heading-m">You have nothing to do right now</h2>'
                   '<p class="govuk-body">Nothing is waiting for you: no returns to send or '
                   'review, no referrals to answer, no case conferences in the next '
                   f'{CONFERENCE_DAYS} days, no agreements to sign and no unread notifications.'
                   '</p><p class="govuk-body">When something needs you, it will be listed here '
                   'and you will be told in your <a class="govuk-link" href="/notifications/">'
                   'notifications</a>.</p></div></div>')
        return "".join(out)
    org = f" and {escape(user.organisation_name)}" if user.organisation_name else ""
    out.append(f'<p class="govuk-body">What is waiting for you{org} now. Each link goes to the '
               'page where you do it.</p><ul class="govuk-list govuk-list--spaced" '
               'aria-label="Summary of your work">')
    for key, count, _ in shown:
        out.append(f'<li><a class="govuk-link" href="#{key}">{_TITLES[key][0]}</a>: '
                   f'<strong>{count}</strong></li>')
    out.append("</ul>")
    for key, count, rows in shown:
        title, url, link_text = _TITLES[key]
        items = _items(key, rows, day)
        if key == "agreements-to-sign":
            single = len({i[1] for i in items}) == 1 and count == len(items)
            url, link_text = ((items[0][1], "Go to the partnership's agreements") if single
                              else ("", ""))
        out.append(f'<section class="govuk-!-margin-top-8" aria-labelledby="{key}" '
                   f'data-work="{key}"><h2 class="govuk-heading-m" id="{key}">{title} '
                   f'<strong class="govuk-tag govuk-tag--blue" data-count>{count}</strong></h2>'
                   '<ul class="govuk-list govuk-list--spaced">')
        for text, href, detail, tag, tag_class in items:
            tag_html = f'<strong class="govuk-tag {tag_class}">{tag}</strong>' if tag else ""
            detail_html = (f'<span class="govuk-!-display-block govuk-body-s '
                           f'govuk-!-margin-bottom-0">{escape(detail)}</span>' if detail else "")
            out.append(f'<li><a class="govuk-link govuk-!-font-weight-bold" '
                       f'href="{escape(href)}">{escape(text)}</a>{tag_html}{detail_html}</li>')
        out.append("</ul>")
        if count > len(items):
            out.append(f'<p class="govuk-body">And {count - len(items)} more.</p>')
        if url:
            out.append(f'<p class="govuk-body"><a class="govuk-link" href="{escape(url)}">'
                       f'{link_text}<span class="govuk-visually-hidden"> ({title.lower()})'
                       '</span></a></p>')
        out.append("</section>")
    out.append("</div></div>")
    return "".join(out)


def baseline(conn: Any, case: Case) -> str:
    """Two statements (session and user; every section's count and first rows), then the
    HTML."""
    user = signed_in(conn, case)
    day = today()
    return page(title="Your work", user=user, nav="your-work",
                main=_main(user, _sections(conn, user, day), day))
