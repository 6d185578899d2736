"""Events on monitoring returns notify the people whose work they are (issue 15): submitted (the
lead partner's reviewers), sent back with its queries, approved (the provider's returns staff),
corrected after approval (the provider's staff and the reviewers). Each event reaches each of
them exactly once, never the person who did it nor anyone outside the partnership, and emails
leave only after the change is committed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from accounts.models import Role, User
from core.errors import DomainError
from monitoring import actions
from notifications.models import Notification
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
    ProviderStaffFactory,
)
from tests.monitoring import workflow
from tests.notifications.conftest import eager_celery  # noqa: F401 (autouse fixture)
from tests.partnerships.factories import LeadMembershipFactory, MembershipFactory

pytestmark = pytest.mark.django_db


class People:
    """Everyone around ``s``'s partnership, and outsiders who must never hear of it."""

    def __init__(self, s: Any) -> None:
        self.reviewer = s.manager                                    # the lead's manager
        self.reviewer2 = PartnershipManagerFactory(organisation=s.lead)
        self.lead_staff = ProviderStaffFactory(organisation=s.lead)  # cannot review
        self.staff = s.staff                                         # the provider's staff
        self.colleague = ProviderStaffFactory(organisation=s.provider)
        self.provider_manager = PartnershipManagerFactory(organisation=s.provider)
        self.commissioner = s.commissioner
        # Another partnership altogether: its lead's manager and its provider's staff.
        other = MembershipFactory()
        LeadMembershipFactory(partnership=other.partnership)
        self.outsider_manager = PartnershipManagerFactory(
            organisation=other.partnership.memberships.get(role="lead_partner").organisation)
        self.outsider_staff = ProviderStaffFactory(organisation=other.organisation)
        self.other_commissioner = CommissionerFactory()


@pytest.fixture
def p(s: Any) -> People:
    return People(s)


def told(kind: str) -> dict[int, list[tuple[str, str]]]:
    """``recipient id → [(subject, url)]`` of the notifications of ``kind``."""
    found: dict[int, list[tuple[str, str]]] = {}
    for n in Notification.objects.filter(kind=kind).order_by("pk"):
        found.setdefault(n.recipient_id, []).append((n.subject, n.url))
    return found


def test_submitted_tells_the_lead_partners_reviewers_once(s, p):
    ret = workflow.submitted(s)
    got = told("return_submitted")
    assert sorted(got) == sorted([p.reviewer.pk, p.reviewer2.pk])  # not the provider, the
    # lead's staff who cannot review, the commissioner nor the other partnership
    url = f"/monitoring/returns/{ret.pk}/review/"
    for user in (p.reviewer, p.reviewer2):
        assert got[user.pk] == [(f"Return to review: {s.provider}, {s.period.label}", url)]
    body = Notification.objects.filter(kind="return_submitted").first().body
    assert str(s.provider) in body and str(s.partnership) in body
    # A second Submit (double click, retry) is refused under the lock: nobody told again.
    with pytest.raises(DomainError):
        actions.return_submit(monitoring_return=ret, by=s.staff)
    assert Notification.objects.filter(kind="return_submitted").count() == 2


def test_resubmission_after_sending_back_is_a_new_event(s, p):
    ret = workflow.sent_back(s, workflow.submitted(s))
    workflow.resubmitted(s, ret)
    got = told("return_submitted")
    assert sorted(got) == sorted([p.reviewer.pk, p.reviewer2.pk])
    assert all(len(each) == 2 for each in got.values())


def test_lead_partners_own_return_goes_to_the_platform_admins_not_its_own_managers(s, p):
    admin = PlatformAdminFactory()
    workflow.lead_partners_own_return(s, starts="5")
    # Its own managers may not review it; the platform admins may, so they (and only they) are
    # told.
    admins = set(User.objects.filter(role=Role.PLATFORM_ADMIN).values_list("pk", flat=True))
    assert admin.pk in admins
    assert set(told("return_submitted")) == admins


def test_sent_back_tells_the_providers_returns_staff_how_much_is_queried(s, p):
    ret = workflow.submitted(s, by=p.colleague)
    actions.return_send_back(monitoring_return=ret, by=s.manager, comment="See the notes.",
                             metric_comments={"starts": "Too high?", "completions": "Check"})
    got = told("return_sent_back")
    assert sorted(got) == sorted([p.staff.pk, p.colleague.pk])  # not the reviewer who did it
    for user in (p.staff, p.colleague):
        assert got[user.pk] == [(f"Return sent back: {s.provider}, {s.period.label}",
                                 f"/monitoring/returns/{ret.pk}/")]
    body = Notification.objects.filter(kind="return_sent_back").first().body
    assert "2 figures queried" in body and "comment on the whole return" in body
    assert "Too high?" not in body  # the queries themselves stay on the page
    with pytest.raises(DomainError):  # sent back twice: refused, nobody told again
        actions.return_send_back(monitoring_return=ret, by=s.manager, comment="Again")
    assert Notification.objects.filter(kind="return_sent_back").count() == 2


def test_sent_back_on_one_figure_says_one_figure(s, p):
    ret = workflow.submitted(s)
    actions.return_send_back(monitoring_return=ret, by=s.manager,
                             metric_comments={"starts": "Too high?"})
    body = Notification.objects.filter(kind="return_sent_back").first().body
    assert "1 figure queried" in body and "whole return" not in body


def test_approved_tells_the_provider_once(s, p):
    ret = workflow.approved(s)
    got = told("return_approved")
    assert sorted(got) == sorted([p.staff.pk, p.colleague.pk])  # not the provider's manager
    assert got[p.staff.pk] == [(f"Return approved: {s.provider}, {s.period.label}",
                                f"/monitoring/returns/{ret.pk}/")]
    with pytest.raises(DomainError):
        actions.return_approve(monitoring_return=ret, by=p.reviewer2)
    assert Notification.objects.filter(kind="return_approved").count() == 2


def test_corrected_after_approval_tells_the_provider_and_the_reviewers(s, p):
    old = workflow.approved(s)
    new = actions.return_correct(approved_return=old, by=s.staff, reason="Miscounted starts.")
    got = told("return_corrected")
    assert sorted(got) == sorted([p.colleague.pk, p.reviewer.pk, p.reviewer2.pk])
    subject = f"Approved return being corrected: {s.provider}, {s.period.label}"
    assert got[p.colleague.pk] == [(subject, f"/monitoring/returns/{new.pk}/")]
    assert got[p.reviewer.pk] == [(subject, f"/monitoring/returns/{old.pk}/")]
    assert "Miscounted" not in Notification.objects.filter(kind="return_corrected").first().body
    with pytest.raises(DomainError):  # a second correction is refused: nobody told again
        actions.return_correct(approved_return=old, by=s.staff, reason="Again")
    assert Notification.objects.filter(kind="return_corrected").count() == 3
    # The correction submitted goes to the reviewers as a corrected return to review.
    workflow.save(s, new, starts="11")
    new.refresh_from_db()
    workflow.resubmitted(s, new)
    subjects = {n.subject for n in Notification.objects.filter(kind="return_submitted",
                                                                recipient=p.reviewer)}
    assert f"Corrected return to review: {s.provider}, {s.period.label}" in subjects


def test_a_refused_action_tells_nobody(s, p):
    ret = workflow.submitted(s)
    with pytest.raises(DomainError):  # no query given
        actions.return_send_back(monitoring_return=ret, by=s.manager, comment=" ")
    with pytest.raises(DomainError):  # the provider cannot approve its own return
        actions.return_approve(monitoring_return=ret, by=s.staff)
    assert not Notification.objects.exclude(kind="return_submitted").exists()


def test_emails_leave_only_after_commit(s, p, django_capture_on_commit_callbacks):
    ret = workflow.submitted(s)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.return_approve(monitoring_return=ret, by=s.manager)
        assert mail.outbox == []
    assert Notification.objects.filter(kind="return_approved").count() == 2
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([p.staff.email, p.colleague.email])
