"""The rows of the search page's partnerships table, built in Python.

The table is the page's hot loop (25 rows of a dozen fields, two links each): as a template loop
it cost more than the queries behind it (issue 17). The markup is the one
``partnerships/_search_results.html`` had in its loop body, and every value from the database
goes through ``escape`` (or is already safe: the highlighted "why it matched" is escaped by
``composition.search.highlight``). Links are built from a prefix reversed once per page: slugs
are URL-safe, so prefix + slug + "/" is what ``reverse`` returns for each.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.dateformat import format as format_date
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from partnerships.choices import PartnershipStatus

from .selector import region_names_of

_STATUS_TAG = {PartnershipStatus.ACTIVE: "govuk-tag--green",
               PartnershipStatus.FORMING: "govuk-tag--light-blue"}
_PLACEHOLDER = "slug-placeholder"


def slug_url_prefix(url_name: str) -> str:
    """The address of ``url_name`` for a slug, without the slug and its closing "/": reversed
    once, then each row appends its own slug."""
    url = reverse(url_name, args=[_PLACEHOLDER])
    prefix, _, rest = url.partition(_PLACEHOLDER)
    if rest != "/":
        raise ValueError(f"{url_name} does not end with its slug: {url}")
    return prefix


def _row(p: Any, detail: str, organisation: str) -> str:
    slug, name = escape(p.slug), escape(p.name)
    reason = getattr(p, "match_reason", None)
    why = ""
    if reason:
        label = f"{escape(reason.label)}: " if reason.label else ""
        why = ('\n          <span class="govuk-!-display-block govuk-!-margin-top-1 '
               f'govuk-!-font-weight-regular registry-match">{label}'
               f"{conditional_escape(reason.text)}</span>")
    if p.lead_partner_slug:
        lead = (f'<a class="govuk-link" href="{organisation}{escape(p.lead_partner_slug)}/">'
                f"{escape(p.lead_partner_name)}</a>")
    else:
        lead = '<span class="govuk-hint govuk-!-margin-0">None</span>'
    regions = ", ".join(escape(name) for name in region_names_of(p)) or "Regions not recorded"
    if p.started_on:
        started = (f'<span class="registry-nowrap">{format_date(p.started_on, "j M")}</span> '
                   f'{format_date(p.started_on, "Y")}')
    else:
        started = "Not recorded"
    overdue = ('\n          <strong class="govuk-tag govuk-tag--red govuk-!-margin-top-1">Review '
               "overdue</strong>" if p.review_overdue else "")
    return f"""
      <tr class="govuk-table__row">
        <td class="govuk-table__cell registry-select-cell">
          <div class="govuk-checkboxes govuk-checkboxes--small" data-module="govuk-checkboxes">
            <div class="govuk-checkboxes__item">
              <input class="govuk-checkboxes__input" id="compare-{slug}" name="p" type="checkbox" value="{slug}" form="compare-form">
              <label class="govuk-label govuk-checkboxes__label" for="compare-{slug}"><span class="govuk-visually-hidden">Select {name} to compare</span></label>
            </div>
          </div>
        </td>
        <th scope="row" class="govuk-table__header"><a class="govuk-link" href="{detail}{slug}/">{name}</a>{why}</th>
        <td class="govuk-table__cell">{lead}</td>
        <td class="govuk-table__cell">
          {escape(p.get_setting_display())}
          <span class="govuk-!-display-block govuk-!-margin-top-1">{regions}</span>
        </td>
        <td class="govuk-table__cell">{started}</td>
        <td class="govuk-table__cell govuk-table__cell--numeric">{p.current_member_count}</td>
        <td class="govuk-table__cell">
          <strong class="govuk-tag {_STATUS_TAG.get(p.status, "govuk-tag--grey")}">{escape(p.get_status_display())}</strong>{overdue}
        </td>
      </tr>"""  # noqa: E501 (the table's markup, as the template had it)


def partnership_rows(partnerships: Iterable[Any]) -> SafeString:
    """The ``<tr>`` of each partnership of a results page (annotated by
    ``search_partnerships``, with ``match_reason`` set by the view)."""
    detail = slug_url_prefix("partnerships:detail")
    organisation = slug_url_prefix("partnerships:organisation")
    # Safe: every value from the database above went through escape().
    return mark_safe("".join(_row(p, detail, organisation) for p in partnerships))  # noqa: S308
