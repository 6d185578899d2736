"""Every registered admin's changelist, add page and change page opens for a platform admin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db.models import Model
from django.test import RequestFactory
from django.urls import reverse

from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.factories import (
    FrameworkMetricFactory,
    MetricFactory,
    ReportingPeriodFactory,
    ReturnRequirementFactory,
    ValueFactory,
)
from tests.partnerships.factories import (
    AgreementFactory,
    FundingFactory,
    LeadMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
    region,
    standard_activity,
)
from tests.referrals.factories import (
    CaseworkSettingsFactory,
    PathwayFactory,
    SharingProtocolFactory,
)
from tests.services.factories import (
    LocationFactory,
    PrisonLocationFactory,
    ServiceAtLocationFactory,
    category,
)

OUR_APPS = {"core", "partnerships", "services", "accounts", "monitoring", "referrals",
            "notifications"}


def _audit_event():
    from core.actions import audited_save

    audited_save(instance=OrganisationFactory.build(), by=None)
    from core.models import AuditEvent

    return AuditEvent.objects.first()


def _token():
    from accounts.actions import api_token_create

    return api_token_create(user=ProviderStaffFactory(), name="Case system")[0]


def _axes(model_name: str) -> Callable[[], Model]:
    def build() -> Model:
        from django.apps import apps

        model = apps.get_model("axes", model_name)
        fields = {"user_agent": "pytest", "ip_address": "127.0.0.1", "username": "someone",
                  "http_accept": "*/*", "path_info": "/sign-in/"}
        if model_name == "AccessAttempt":
            fields.update(get_data="", post_data="", failures_since_start=1)
        return model.objects.create(**fields)

    return build


def _group():
    from django.contrib.auth.models import Group

    return Group.objects.create(name="Editors")


def _service():
    site = ServiceAtLocationFactory(location=PrisonLocationFactory())
    return site.service


def _rule():
    from monitoring.models import CrossMetricRule

    return CrossMetricRule.objects.create(left_metric=MetricFactory(), right_metric=MetricFactory(),
                                          message="Completions cannot exceed starts.")


# One way to make an object of each registered model. A model registered later without a
def _notification() -> Model:
    from notifications.models import Notification

    return Notification.objects.create(kind="return_overdue", key="return_overdue:admin-test",
                                       recipient=ProviderStaffFactory(),
                                       subject="A return is overdue",
                                       body="The 2025–26 Q1 return was due on 28 July 2025.")


def _calendar_feed() -> Model:
    from notifications.models import CalendarFeed

    return CalendarFeed.objects.create(user=ProviderStaffFactory(), token_hash="0" * 64)


def _review_meeting() -> Model:
    from tests.partnerships.review_factories import held_review

    return held_review()


def _governance(kind: str) -> Model:
    from tests.governance.factories import DecisionFactory, SeatFactory

    seat = SeatFactory()
    return seat.body if kind == "body" else DecisionFactory(body=seat.body)


# builder here is skipped on its change page (and named in the skip reason).
BUILDERS: dict[str, Callable[[], Model]] = {
    "core.auditevent": _audit_event,
    "partnerships.region": lambda: region(),
    "partnerships.organisation": lambda: OrganisationFactory(region=region()),
    "partnerships.activity": lambda: standard_activity(),
    "partnerships.partnership": lambda: LeadMembershipFactory().partnership,
    "partnerships.membership": MembershipFactory,
    "partnerships.leadresponsibility": LeadResponsibilityFactory,
    "partnerships.agreement": lambda: SignatoryFactory(agreement=AgreementFactory()).agreement,
    "partnerships.funding": FundingFactory,
    "partnerships.reviewmeeting": _review_meeting,
    "services.servicecategory": lambda: category(),
    "services.service": _service,
    "services.location": LocationFactory,
    "accounts.user": ProviderStaffFactory,
    "accounts.apitoken": _token,
    "monitoring.metric": MetricFactory,
    "monitoring.framework": lambda: FrameworkMetricFactory().framework,
    "monitoring.reportingperiod": ReportingPeriodFactory,
    "monitoring.returnrequirement": lambda: ReturnRequirementFactory(
        frameworks=[FrameworkMetricFactory().framework]),
    "monitoring.crossmetricrule": _rule,
    "monitoring.monitoringreturn": lambda: ValueFactory().monitoring_return,
    "referrals.sharingprotocol": SharingProtocolFactory,
    "referrals.referralpathway": PathwayFactory,
    "referrals.caseworksettings": CaseworkSettingsFactory,
    "governance.body": lambda: _governance("body"),
    "governance.decision": lambda: _governance("decision"),
    "notifications.notification": _notification,
    "notifications.calendarfeed": _calendar_feed,
    "auth.group": _group,
    "axes.accessattempt": _axes("AccessAttempt"),
    "axes.accesslog": _axes("AccessLog"),
    "axes.accessfailurelog": _axes("AccessFailureLog"),
}

REGISTERED = sorted(admin.site._registry, key=lambda m: m._meta.label_lower)
OURS = [m for m in REGISTERED if m._meta.app_label in OUR_APPS]


def _url(model: type[Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _object_id(model: type[Model], obj: Model) -> str:
    return quote(obj.pk)


def _can_add(model: type[Model], user) -> bool:
    request = RequestFactory().get("/")
    request.user = user
    return admin.site._registry[model].has_add_permission(request)


def _check_pages(client, user, model: type[Model]) -> None:
    label = model._meta.label_lower
    build = BUILDERS.get(label)
    obj = build() if build else model._default_manager.first()

    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200, label
    if obj is not None:
        assert response.context["cl"].result_count >= 1, label

    response = client.get(_url(model, "add"))
    assert response.status_code == (200 if _can_add(model, user) else 403), label

    if obj is None:
        pytest.skip(f"No builder for {label}: add one to tests/admin/test_pages.py")
    response = client.get(_url(model, "change", _object_id(model, obj)))
    assert response.status_code == 200, label


def test_every_model_of_ours_is_registered():
    labels = {m._meta.label_lower for m in OURS}
    expected = {k for k in BUILDERS if k.split(".")[0] in OUR_APPS}
    assert expected <= labels


@pytest.mark.django_db
@pytest.mark.parametrize("model", OURS, ids=lambda m: m._meta.label_lower)
def test_platform_admin_opens_every_page(model, admin_user, admin_client_for):
    """A platform admin by role (not a Django superuser): permissions come from the rules."""
    _check_pages(admin_client_for(admin_user), admin_user, model)


@pytest.mark.django_db
@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m._meta.label_lower)
def test_superuser_opens_every_page(model, superuser, admin_client_for):
    _check_pages(admin_client_for(superuser), superuser, model)


@pytest.mark.django_db
def test_admin_index_lists_our_apps_for_a_platform_admin(platform_admin_client):
    response = platform_admin_client.get(reverse("admin:index"))
    assert response.status_code == 200
    apps = {app["app_label"] for app in response.context["app_list"]}
    assert apps >= OUR_APPS


@pytest.mark.django_db
@pytest.mark.parametrize("params", [
    {"review_overdue": "yes"}, {"review_overdue": "no"}, {"status__exact": "draft"},
    {"q": "working"}, {"review_due__year": "2030"},
])
def test_agreement_changelist_filters(platform_admin_client, params):
    AgreementFactory()
    response = platform_admin_client.get(_url(AgreementFactory._meta.model, "changelist"),
                                         params)
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("when", ["current", "past", "future"])
def test_membership_current_filter(platform_admin_client, when):
    import datetime

    from partnerships.models import Membership

    p = PartnershipFactory(started_on=datetime.date(2020, 1, 1))
    current = MembershipFactory(partnership=p)
    past = MembershipFactory(partnership=p, left_on=datetime.date(2021, 1, 1))
    future = MembershipFactory(partnership=p, joined_on=datetime.date(2999, 1, 1))
    response = platform_admin_client.get(_url(Membership, "changelist"), {"when": when})
    shown = set(response.context["cl"].result_list)
    assert shown == {{"current": current, "past": past, "future": future}[when]}
