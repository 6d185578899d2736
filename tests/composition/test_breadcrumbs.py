"""Breadcrumbs on every signed-in page, drawn the same way (issue 16): exactly one GOV.UK
breadcrumbs nav, starting at Home, ending at the page's parent, every link resolving.

The pages are those of the demo registry (load_demo, once for this module, rolled back at the
end), each opened as the demo login who would use it."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import unescape
from io import StringIO
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import Resolver404, resolve, reverse

NAV = re.compile(r'<nav class="govuk-breadcrumbs"[^>]*>(.*?)</nav>', re.S)
LINK = re.compile(r'<a class="govuk-breadcrumbs__link" href="([^"]*)">([^<]*)</a>')


@pytest.fixture(scope="module")
def demo_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    """The demo, loaded once for these read-only checks and rolled back afterwards (each test's
    own transaction is a savepoint inside this one); its objects the pages are about."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", force=True, stdout=StringIO())
        yield _objects()
        transaction.set_rollback(True)


def _objects() -> dict[str, Any]:
    from monitoring.models import Framework, Metric, MonitoringReturn
    from partnerships.models import Agreement, Membership, Organisation, Partnership, ReviewMeeting
    from referrals.models import Case, CaseConference, Referral
    from services.models import Service

    manager = get_user_model().objects.get(username="demo-manager")
    provider = get_user_model().objects.get(username="demo-provider")
    npp = Partnership.objects.get(slug="north-pennine-prisons-recovery-partnership")
    # A draft (its edit and upload pages open): the provider has two returns for the latest
    # period, in two partnerships, which the model's ordering does not tell apart.
    own_return = MonitoringReturn.objects.filter(organisation=provider.organisation,
                                                 status="draft").order_by("pk").first()
    framework = (Framework.objects.filter(requirements__partnership=npp).first()
                 or Framework.objects.first())
    case = Case.objects.filter(status="open").order_by("pk").first()
    return {
        "npp": npp, "manager": manager, "provider": provider,
        "organisation": Organisation.objects.get(pk=provider.organisation_id),
        "service": Service.objects.order_by("pk").first(),
        "metric": Metric.objects.order_by("pk").first(),
        "framework": framework,
        "own_return": own_return,
        "review_return": MonitoringReturn.objects.filter(status="submitted").first(),
        "planned_meeting": ReviewMeeting.objects.filter(partnership=npp, status="planned").first(),
        "held_meeting": ReviewMeeting.objects.filter(partnership=npp, status="held").first(),
        "waiting_referral": Referral.objects.filter(status="sent").order_by("pk").first(),
        "membership": Membership.objects.filter(partnership=npp, left_on=None).first(),
        "agreement": Agreement.objects.filter(partnership=npp).first(),
        "case": case,
        "conference": CaseConference.objects.filter(case=case).order_by("pk").first(),
        "referral": Referral.objects.filter(case=case).order_by("pk").first(),
    }


Url = Callable[[dict[str, Any]], str]


def _u(name: str, *keys: str, attr: str = "pk") -> Url:
    """A URL of ``name`` whose arguments come from the demo objects ``keys`` (slug for a
    partnership, reference for a case or referral, else ``attr``)."""
    def build(o: dict[str, Any]) -> str:
        args = []
        for key in keys:
            obj = o[key]
            args.append(getattr(obj, "slug", None) or getattr(obj, "reference", None)
                        or getattr(obj, attr))
        return reverse(name, args=args)
    build.__name__ = name
    return build


def _metric(o: dict[str, Any]) -> str:
    return reverse("monitoring:metric", args=[o["npp"].slug, o["metric"].code])


def _framework(o: dict[str, Any]) -> str:
    return reverse("monitoring:framework", args=[o["npp"].slug, o["framework"].pk])


def _membership_end(o: dict[str, Any]) -> str:
    return reverse("partnerships:membership-end", args=[o["npp"].slug, o["membership"].pk])


def _review(name: str, meeting: str) -> Url:
    def build(o: dict[str, Any]) -> str:
        return reverse(f"partnerships:{name}", args=[o["npp"].slug, o[meeting].pk])
    build.__name__ = f"{name}-{meeting}"
    return build


def _conference(o: dict[str, Any]) -> str:
    return reverse("referrals:conference", args=[o["case"].reference, o["conference"].pk])


# (demo login, page, label of the last crumb: the page's parent)
PAGES: list[tuple[str, Url, str]] = [
    # the registry
    ("demo-commissioner", _u("search"), "Home"),
    ("demo-commissioner", _u("partnerships:compare"), "Search the registry"),
    ("demo-commissioner", _u("partnerships:detail", "npp"), "Search the registry"),
    ("demo-commissioner", _u("partnerships:organisation", "organisation"), "Search the registry"),
    ("demo-commissioner", _u("services:directory"), "Home"),
    ("demo-commissioner", _u("services:detail", "service"), "Service directory"),
    # monitoring
    ("demo-commissioner", _u("monitoring:home"), "Home"),
    ("demo-commissioner", _u("monitoring:dashboard", "npp"), "Monitoring"),
    ("demo-commissioner", _metric, "North Pennine Prisons Recovery Partnership"),
    ("demo-commissioner", _framework, "North Pennine Prisons Recovery Partnership"),
    ("demo-provider", _u("monitoring:my-returns"), "Monitoring"),
    ("demo-provider", _u("monitoring:return", "own_return"), "Your organisation's returns"),
    ("demo-provider", _u("monitoring:return-edit", "own_return"), "RETURN"),
    ("demo-provider", _u("monitoring:return-upload", "own_return"), "RETURN"),
    ("demo-admin", _u("monitoring:reviews"), "Monitoring"),
    ("demo-admin", _u("monitoring:return-review", "review_return"), "Returns to review"),
    ("demo-admin", _u("monitoring:return", "review_return"), "Returns to review"),
    # the partnership managers' pages, reviews and engagement
    ("demo-manager", _u("partnerships:member-add", "npp"),
     "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _u("partnerships:lead-assign", "npp"),
     "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _u("partnerships:funding-add", "npp"),
     "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _u("partnerships:lead-partner-change", "npp"),
     "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _membership_end, "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _u("partnerships:agreement-create", "npp"),
     "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _u("partnerships:reviews", "npp"),
     "North Pennine Prisons Recovery Partnership"),
    ("demo-manager", _u("partnerships:engagement", "npp"), "Quarterly reviews"),
    ("demo-manager", _review("review-record", "planned_meeting"), "Quarterly reviews"),
    ("demo-manager", _review("review-reschedule", "planned_meeting"), "Quarterly reviews"),
    ("demo-manager", _review("review-record", "held_meeting"), "Quarterly reviews"),
    # casework
    ("demo-manager", _u("referrals:caseload"), "Home"),
    ("demo-manager", _u("referrals:case-open"), "Casework"),
    ("demo-manager", _u("referrals:case", "case"), "Casework"),
    ("demo-manager", _u("referrals:case-edit", "case"), "CASE"),
    ("demo-manager", _u("referrals:case-close", "case"), "CASE"),
    ("demo-manager", _u("referrals:lead-change", "case"), "CASE"),
    ("demo-manager", _u("referrals:assessment-new", "case"), "CASE"),
    ("demo-manager", _u("referrals:access-log", "case"), "CASE"),
    ("demo-manager", _u("referrals:refer", "case"), "CASE"),
    ("demo-manager", _conference, "CASE"),
    ("demo-manager", _u("referrals:conference-diary"), "Casework"),
    ("demo-manager", _u("referrals:inbox"), "Casework"),
    ("demo-manager", _u("referrals:sent"), "Casework"),
    ("demo-manager", _u("referrals:notices"), "Casework"),
    ("demo-manager", _u("referrals:referral", "referral"), "Referrals"),
    ("demo-provider", _u("referrals:referral-decline", "waiting_referral"), "REFERRAL"),
    # notifications and the account
    ("demo-provider", _u("notifications:list"), "Home"),
    ("demo-provider", _u("notifications:settings"), "Notifications"),
    ("demo-provider", _u("accounts:api-tokens"), "Home"),
    ("demo-provider", _u("accounts:api-token-new"), "API tokens"),
]


def _expected_parent(label: str, objects: dict[str, Any]) -> str:
    if label == "CASE":
        return f"Case {objects['case'].reference}"
    if label == "REFERRAL":
        return f"Referral {objects['waiting_referral'].reference}"
    if label == "RETURN":
        ret = objects["own_return"]
        return f"{ret.organisation.name}: {ret.period.label} return"
    return label


@pytest.mark.parametrize(("username", "url", "parent"), PAGES,
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_each_page_has_one_trail_ending_at_its_parent(
        demo_db: dict[str, Any], db: None, username: str, url: Url, parent: str) -> None:
    objects = demo_db
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    address = url(objects)
    response = client.get(address)
    assert response.status_code == 200, address
    navs = NAV.findall(response.content.decode())
    assert len(navs) == 1, f"{address}: {len(navs)} breadcrumbs navs"
    crumbs = [(href, unescape(label)) for href, label in LINK.findall(navs[0])]
    assert crumbs[0] == (reverse("home"), "Home"), address
    assert crumbs[-1][1] == _expected_parent(parent, objects), (address, crumbs)
    for href, _label in crumbs:
        try:
            resolve(urlsplit(href).path)
        except Resolver404:  # pragma: no cover - the failure message
            pytest.fail(f"{address}: breadcrumb {href} does not resolve")
        assert urlsplit(href).path != urlsplit(address).path, "a crumb is the page itself"


def test_home_has_no_breadcrumbs(demo_db: dict[str, Any], db: None) -> None:
    """Your work, the top of the service, needs no trail."""
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo-provider"))
    response = client.get(reverse("your-work"))
    assert response.status_code == 200
    assert not NAV.findall(response.content.decode())


def test_the_tag_starts_at_home_and_skips_levels_without_a_label() -> None:
    from django.template import Context, Template, TemplateSyntaxError

    html = Template('{% load govuk %}{% breadcrumbs "Monitoring" "monitoring:home" '
                    'missing "/nowhere/" "Case 1" "/casework/cases/1/" %}').render(Context({}))
    assert LINK.findall(html) == [(reverse("home"), "Home"),
                                  (reverse("monitoring:home"), "Monitoring"),
                                  ("/casework/cases/1/", "Case 1")]
    with pytest.raises(TemplateSyntaxError):
        Template('{% load govuk %}{% breadcrumbs "Monitoring" %}').render(Context({}))
