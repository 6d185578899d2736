"""The partnership page and the organisation page: what is in place, who is in it, and since
when. Views stay thin: the selectors in ``partnerships.selectors`` do the reading."""

from __future__ import annotations

from urllib.parse import urlencode

import rules
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.rules import is_partnership_manager
from monitoring.reports import partnership_summary

from ..selectors.detail import CAPS, partnership_page
from ..selectors.organisation import organisation_page


def _href_prefixes() -> dict[str, str]:
    """The start of each organisation, partnership and service page address, reversed once
    per request: the pages link every row, and ``{% url %}`` in a loop costs a ``reverse()``
    per row. Templates write ``{{ org_href }}{{ slug }}/``."""
    prefixes = {}
    for key, name in (("org_href", "partnerships:organisation"),
                      ("partnership_href", "partnerships:detail"),
                      ("service_href", "services:detail")):
        url = reverse(name, args=["-"])
        assert url.endswith("/-/"), url  # the slug is the last part of each address
        prefixes[key] = url[:-2]
    return prefixes


def _paragraphs(text: str) -> list[str]:
    """Free text split on blank lines, so each paragraph gets GOV.UK body styling."""
    return [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]


@login_required
@require_GET
def partnership_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One partnership: summary, members and their history, lead agencies, agreements,
    funding and services. 404 when it does not exist or is not visible to the user."""
    # ``?show=members`` (repeatable: members, past, timeline, services) lifts that list's cap;
    # anything else is ignored.
    show = frozenset(request.GET.getlist("show")) & CAPS.keys()
    page = partnership_page(user=request.user, slug=slug, show=show)
    audit_url = ""
    # Only platform admins may read the audit trail; everyone else never sees the link. Ask the
    # rules registry directly: user.has_perm() would fall through to ModelBackend and cost
    # two permission queries for everyone else.
    if rules.has_perm("core.view_auditevent", request.user):
        audit_url = (reverse("admin:core_auditevent_changelist") + "?"
                     + urlencode({"partnership_id": page.partnership.pk}))
    compare_url = (reverse("partnerships:compare") + "?"
                   + urlencode({"p": page.partnership.slug}))
    # Aggregate completeness of monitoring returns is not personal data: every signed-in user
    # sees it; the dashboard link only those who may open the dashboard.
    # Its queries run only where a framework is required of the partnership (read with it).
    monitoring = (partnership_summary(page.partnership) if page.has_monitoring
                  else None)
    monitoring_url = ""
    if monitoring and rules.has_perm("monitoring.view_dashboard", request.user,
                                     page.partnership):
        monitoring_url = reverse("monitoring:dashboard", args=[page.partnership.slug])
    # The engagement report is linked only where there is attendance to show (a review held)
    # and the user may read it (managers, funders' commissioners, admins).
    engagement_url = ""
    if page.has_held_reviews and rules.has_perm(
            "partnerships.view_engagement", request.user, page.partnership):
        engagement_url = reverse("partnerships:engagement", args=[page.partnership.slug])
    # The continuity-of-care report: counts any signed-in viewer of the partnership may read,
    # linked only where custody is recorded on its cases (read with the partnership).
    continuity_url = (reverse("referrals:continuity", args=[page.partnership.slug])
                      if page.has_custody else "")
    # Asked once here (the Manage section, "End membership"/"End lead"/"End early" links all
    # read it): one query for a partnership manager, none for anyone else.
    can_manage = rules.has_perm("partnerships.manage_partnership", request.user,
                                page.partnership)
    # A partnership manager of a party organisation records its own signature: the agreements
    # panel offers it where that organisation has not signed (no query: role and organisation).
    sign_org_id = (None if can_manage or not is_partnership_manager(request.user)
                   else getattr(request.user, "organisation_id", None))
    # "Show all N ..." links keep whatever is already shown in full.
    show_all_urls = {key: "?" + urlencode({"show": sorted(show | {key})}, doseq=True)
                     for key in CAPS}
    return render(request, "partnerships/detail.html", {
        "page": page,
        "show_all_urls": show_all_urls,
        "partnership": page.partnership,
        "summary_paragraphs": _paragraphs(page.partnership.summary),
        "audit_url": audit_url,
        "compare_url": compare_url,
        "monitoring": monitoring,
        "monitoring_url": monitoring_url,
        "engagement_url": engagement_url,
        "continuity_url": continuity_url,
        "can_manage": can_manage,
        "sign_org_id": sign_org_id,
        "nav_section": "search",
        **_href_prefixes(),
    })


@login_required
@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """One organisation: its details, group, partnerships past and present, services and the
    places it runs. 404 when it does not exist or is not visible to the user."""
    page = organisation_page(user=request.user, slug=slug)
    search_url = (reverse("home") + "?"
                  + urlencode({"member": page.organisation.slug}))
    return render(request, "partnerships/organisation.html", {
        "page": page,
        "organisation": page.organisation,
        "description_paragraphs": _paragraphs(page.organisation.description),
        "search_url": search_url,
        "nav_section": "search",
        **_href_prefixes(),
    })
