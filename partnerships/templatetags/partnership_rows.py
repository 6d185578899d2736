"""The longest lists of the partnership and organisation pages (members, leavers, the
membership timeline's lines, services with their sites) built in Python: each row holds a
dozen values, and the template engine's few microseconds per variable, filter and tag made
these rows most of the page's cost. The markup is the same as the templates wrote it;
values are escaped as the template engine escapes them."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from core.display import govuk_date

from ..choices import MemberRole

register = template.Library()

_ROLES: dict[str, str] = dict(MemberRole.choices)


def _e(value: Any) -> str:
    """Escaped as ``{{ value }}`` is: ``&<>"'`` (Django's escape is ``html.escape``)."""
    return escape(str(value))


def _link(href: str, slug: str, name: str) -> str:
    return f'<a class="govuk-link" href="{_e(href)}{_e(slug)}/">{_e(name)}</a>'


def _org(org_href: str, organisation: Any) -> str:
    return _link(org_href, organisation.slug, organisation.name)


@register.simple_tag
def timeline_lines(ev: Any, org_href: str) -> SafeString:
    """One timeline event's bullet points: lead handovers, who joined, role changes, who
    left (``partnerships.selectors.timeline.TimelineEvent``)."""
    lines = []
    for old, new in ev.lead_handovers:
        if old:
            lines.append(f"<li>{_org(org_href, old)} handed the lead role to "
                         f"{_org(org_href, new)}, which became lead partner</li>")
        else:
            lines.append(f"<li>{_org(org_href, new)} became lead partner</li>")
    for m in ev.joined:
        lines.append(f"<li>{_org(org_href, m.organisation)} joined as "
                     f"{_e(_ROLES.get(m.role, m.role).lower())}</li>")
    for org, words in ev.role_change_lines:
        lines.append(f"<li>{_org(org_href, org)} {_e(words)}</li>")
    for m in ev.left:
        notes = f": {_e(m.notes)}" if m.notes else ""
        lines.append(f"<li>{_org(org_href, m.organisation)} left "
                     f"({_e(_ROLES.get(m.role, m.role).lower())}){notes}</li>")
    return mark_safe("".join(lines))  # noqa: S308 - every value above is escaped


@register.simple_tag
def current_member_rows(members: Any, org_href: str, can_manage: bool,
                        partnership: Any) -> SafeString:
    """The current members table's rows; with ``can_manage``, an "End membership" link on
    each membership without a leaving date."""
    rows = []
    for m in members:
        role = _e(_ROLES.get(m.role, m.role))
        leaving = f"Leaving on {govuk_date(m.left_on)}. " if m.left_on else ""
        manage = ""
        if can_manage:
            end = ""
            if not m.left_on:
                url = reverse("partnerships:membership-end", args=[partnership.slug, m.pk])
                end = (f'<a class="govuk-link" href="{_e(url)}">End membership<span class='
                       f'"govuk-visually-hidden"> of {_e(m.organisation.name)} '
                       f'({role.lower()})</span></a>')
            manage = f'\n      <td class="govuk-table__cell">{end}</td>'
        rows.append(
            '\n    <tr class="govuk-table__row">\n      <th scope="row" class="govuk-table__'
            f'header">{_org(org_href, m.organisation)}</th>\n      <td class="govuk-table__'
            f'cell">{role}</td>\n      <td class="govuk-table__cell registry-nowrap">'
            f'{govuk_date(m.joined_on)}</td>\n      <td class="govuk-table__cell">{leaving}'
            f'{_e(m.notes)}</td>{manage}\n    </tr>')
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def past_member_rows(members: Any, org_href: str) -> SafeString:
    """The past members table's rows: role, joined, left and why."""
    rows = [
        '\n    <tr class="govuk-table__row">\n      <th scope="row" class="govuk-table__'
        f'header">{_org(org_href, m.organisation)}</th>\n      <td class="govuk-table__cell">'
        f'{_e(_ROLES.get(m.role, m.role))}</td>\n      <td class="govuk-table__cell registry-'
        f'nowrap">{govuk_date(m.joined_on)}</td>\n      <td class="govuk-table__cell registry-'
        f'nowrap">{govuk_date(m.left_on)}</td>\n      <td class="govuk-table__cell">'
        f'{_e(m.notes) if m.notes else "Not recorded"}</td>\n    </tr>'
        for m in members]
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def service_rows(services: Any, show_provider: bool, org_href: str, partnership_href: str,
                 service_href: str) -> SafeString:
    """The services table's rows (``composition.selectors.detail.ServiceRow``): the service,
    its provider (or partnership), categories and the sites it is delivered at."""
    rows = []
    for s in services:
        ended = ("" if s.is_active else '<span class="registry-block govuk-!-margin-top-1">'
                 '<strong class="govuk-tag govuk-tag--grey">No longer delivered</strong></span>')
        if show_provider:
            who = _link(org_href, s.provider["slug"], s.provider["name"])
        elif s.partnership:
            who = _link(partnership_href, s.partnership["slug"], s.partnership["name"])
        else:
            who = "Not under a partnership"
        categories = _e(", ".join(s.categories)) if s.categories else "None"
        if s.sites:
            items = "".join(
                f"<li>{_e(site.location_name)}"
                + (' <strong class="govuk-tag govuk-tag--turquoise">Co-located</strong>'
                   if site.co_located else "")
                + (f'<span class="registry-block govuk-body-s govuk-!-margin-bottom-0">'
                   f'{_e(site.notes)}</span>' if site.notes else "")
                + "</li>" for site in s.sites)
            sites = f'\n        <ul class="govuk-list">\n          {items}\n        </ul>\n      '
        else:
            sites = "No locations recorded"
        rows.append(
            '\n    <tr class="govuk-table__row">\n      <th scope="row" class="govuk-table__'
            f'header">{_link(service_href, s.slug, s.name)}{ended}</th>\n      <td class='
            f'"govuk-table__cell">{who}</td>\n      <td class="govuk-table__cell">{categories}'
            f'</td>\n      <td class="govuk-table__cell">{sites}</td>\n    </tr>')
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped
