"""The partnership managers' pages for members, the lead partner, activity leads and funding:
who may use them (404 for an unknown partnership or row, 403 with the reason for readers), each
change through its action with an audit row, refusals shown next to the field they are about
with nothing lost and nothing changed, and the check-your-answers pages saying what will happen.

"Today" is 25 November 2026 (``timezone.now`` patched).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from core.models import AuditEvent
from partnerships.choices import FundingSource, MemberRole
from partnerships.models import Funding, LeadResponsibility, Membership
from tests.accounts.factories import (
    CommissionerFactory,
    PartnershipManagerFactory,
    PlatformAdminFactory,
)
from tests.html import assert_good_markup, text
from tests.partnerships.factories import (
    FundingFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    standard_activity,
)
from tests.partnerships.review_factories import ReviewSetup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
TODAY = D(2026, 11, 25)


def url(name: str, s: ReviewSetup, *args: Any) -> str:
    return reverse(f"partnerships:{name}", args=[s.partnership.slug, *args])


def detail_url(s: ReviewSetup) -> str:
    return reverse("partnerships:detail", args=[s.partnership.slug])


def date_data(name: str, day: dt.date | None) -> dict[str, str]:
    if day is None:
        return {f"{name}_day": "", f"{name}_month": "", f"{name}_year": ""}
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month),
            f"{name}_year": str(day.year)}


def field_error(html: str, name: str) -> str:
    """The error message shown next to the field ``name`` ("" when there is none)."""
    found = re.search(rf'<p id="id_{name}-error" class="govuk-error-message">(.*?)</p>', html,
                      re.S)
    return text(found.group(1)).replace("Error:", "").strip() if found else ""


def summary_links(html: str) -> list[str]:
    """Where the error summary's links point."""
    box = re.search(r'govuk-error-summary__list">(.*?)</ul>', html, re.S)
    return re.findall(r'href="([^"]+)"', box.group(1)) if box else []


def audits() -> int:
    return AuditEvent.objects.count()


def snapshot() -> tuple[Any, ...]:
    """Everything these pages may change, to assert that a refusal changed nothing."""
    return (list(Membership.objects.order_by("pk").values_list()),
            list(LeadResponsibility.objects.order_by("pk").values_list()),
            list(Funding.objects.order_by("pk").values_list()), audits())


# -- who may use the pages -----------------------------------------------------------------------


def _pages(s: ReviewSetup) -> list[str]:
    charity = Membership.objects.get(partnership=s.partnership, organisation=s.charity)
    lead = LeadResponsibilityFactory(partnership=s.partnership, organisation=s.charity,
                                     starts_on=D(2021, 4, 1))
    funding = Funding.objects.get(partnership=s.partnership)
    return [url("member-add", s), url("membership-end", s, charity.pk),
            url("lead-partner-change", s), url("lead-assign", s), url("lead-end", s, lead.pk),
            url("funding-add", s), url("funding-end", s, funding.pk)]


def test_manager_of_the_lead_and_platform_admin_open_every_page(client: Any,
                                                                s: ReviewSetup) -> None:
    pages = _pages(s)
    for user in (s.manager, PlatformAdminFactory()):
        client.force_login(user)
        for page in pages:
            response = client.get(page)
            assert response.status_code == 200, page
            assert_good_markup(response.content.decode())


def test_others_are_refused_with_the_reason_and_nothing_changes(client: Any,
                                                                s: ReviewSetup) -> None:
    pages = _pages(s)
    before = snapshot()
    member_manager = PartnershipManagerFactory(organisation=s.charity)
    for user in (s.member_staff, s.commissioner, s.outsider, member_manager):
        client.force_login(user)
        for page in pages:
            for response in (client.get(page), client.post(page, {"confirm": "yes"})):
                assert response.status_code == 403, (user, page)
                assert "lead partner's partnership managers and platform admins" in text(
                    response.content.decode())
    assert snapshot() == before


def test_anonymous_is_sent_to_sign_in(client: Any, s: ReviewSetup) -> None:
    response = client.get(url("member-add", s))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_unknown_partnership_or_row_is_not_found(client: Any, s: ReviewSetup) -> None:
    client.force_login(s.manager)
    assert client.get(reverse("partnerships:member-add", args=["no-such"])).status_code == 404
    other = MembershipFactory()  # another partnership's member
    assert client.get(url("membership-end", s, other.pk)).status_code == 404
    assert client.get(url("funding-end", s, FundingFactory().pk)).status_code == 404
    ended = LeadResponsibilityFactory(partnership=s.partnership, organisation=s.charity,
                                      starts_on=D(2021, 4, 1), ends_on=D(2022, 4, 1))
    assert client.get(url("lead-end", s, ended.pk)).status_code == 404


def test_partnership_page_shows_manage_links_only_to_managers(client: Any,
                                                              s: ReviewSetup) -> None:
    LeadResponsibilityFactory(partnership=s.partnership, organisation=s.charity,
                              starts_on=D(2021, 4, 1))
    FundingFactory(partnership=s.partnership, period_start=D(2026, 4, 1),
                   period_end=D(2027, 3, 31))  # still running: it can end early
    client.force_login(s.manager)
    html = client.get(detail_url(s)).content.decode()
    assert_good_markup(html)
    words = text(html)
    for link in ("Add a member", "Change the lead partner", "Assign a lead for an activity",
                 "Record funding", "End membership of Brightwater Family Support",
                 "End lead for", "End early"):
        assert link in words, link
    charity = Membership.objects.get(partnership=s.partnership, organisation=s.charity)
    assert url("membership-end", s, charity.pk) in html
    client.force_login(s.commissioner)
    words = text(client.get(detail_url(s)).content.decode())
    for link in ("Add a member", "End membership", "End lead", "End early"):
        assert link not in words


# -- add a member --------------------------------------------------------------------------------


def test_add_a_member(client: Any, s: ReviewSetup) -> None:
    newcomer = OrganisationFactory(name="Northside Housing")
    client.force_login(s.manager)
    before = audits()
    response = client.post(url("member-add", s), {
        "organisation": newcomer.pk, "role": MemberRole.SUB_CONTRACTOR,
        **date_data("joined_on", D(2026, 12, 1))})
    assert response.status_code == 302
    assert response["Location"] == detail_url(s) + "#members"
    m = Membership.objects.get(partnership=s.partnership, organisation=newcomer)
    assert (m.role, m.joined_on, m.left_on) == (MemberRole.SUB_CONTRACTOR, D(2026, 12, 1), None)
    assert audits() == before + 1
    event = AuditEvent.objects.latest("pk")
    assert event.actor == s.manager and event.object_id == str(m.pk)
    page = text(client.get(response["Location"]).content.decode())
    assert "Northside Housing is a sub-contractor from 1 December 2026." in page


def test_add_a_member_missing_answers_are_shown_by_their_fields(client: Any,
                                                                s: ReviewSetup) -> None:
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("member-add", s), {"role": "", **date_data("joined_on", None)})
    html = response.content.decode()
    assert response.status_code == 200 and snapshot() == before
    assert field_error(html, "organisation") == "Select the organisation that joins"
    assert field_error(html, "role") == "Select the organisation's role"
    assert field_error(html, "joined_on") == "Enter the date the organisation joins"
    assert summary_links(html) == ["#id_organisation", "#id_role", "#id_joined_on"]
    assert_good_markup(html)


def test_add_a_member_refusal_is_by_the_field_and_keeps_the_answers(client: Any,
                                                                    s: ReviewSetup) -> None:
    newcomer = OrganisationFactory(name="Northside Housing")
    client.force_login(s.manager)
    before = snapshot()
    # A second lead partner: the action names the page to use instead.
    response = client.post(url("member-add", s), {
        "organisation": newcomer.pk, "role": MemberRole.LEAD_PARTNER,
        **date_data("joined_on", D(2026, 12, 1))})
    html = response.content.decode()
    assert snapshot() == before
    assert "Change the lead partner" in field_error(html, "role")
    assert f'<option value="{newcomer.pk}" selected>' in html
    assert 'name="joined_on_day" type="text" inputmode="numeric" value="1"' in html
    # Before the partnership started: by the date.
    response = client.post(url("member-add", s), {
        "organisation": newcomer.pk, "role": MemberRole.DELIVERY_PARTNER,
        **date_data("joined_on", D(2019, 1, 1))})
    assert "a member cannot join before that" in field_error(response.content.decode(),
                                                             "joined_on")
    assert snapshot() == before


# -- end a membership ----------------------------------------------------------------------------


def test_end_a_membership_checks_then_ends_it_and_its_leads(client: Any,
                                                            s: ReviewSetup) -> None:
    charity = Membership.objects.get(partnership=s.partnership, organisation=s.charity)
    lead = LeadResponsibilityFactory(partnership=s.partnership, organisation=s.charity,
                                     activity=standard_activity(), starts_on=D(2021, 4, 1))
    client.force_login(s.manager)
    answers = {**date_data("left_on", D(2027, 1, 1)), "reason": "Recommissioning"}
    before = snapshot()
    check = client.post(url("membership-end", s, charity.pk), answers)
    html = check.content.decode()
    words = text(html)
    assert check.status_code == 200 and snapshot() == before  # nothing yet
    assert "Check before you end the membership" in words
    assert "31 December 2026 (it is no longer a member from 1 January 2027)" in words
    assert ("Brightwater Family Support's lead responsibilities end on 1 January 2027"
            in words)
    assert f"{lead.activity.name} (led since 1 April 2021)" in words
    assert_good_markup(html)
    # "Change your answers" goes back to the form with what was typed.
    back = client.post(url("membership-end", s, charity.pk), {**answers, "change": "yes"})
    assert 'value="Recommissioning"' in back.content.decode()
    assert snapshot() == before

    done = client.post(url("membership-end", s, charity.pk), {**answers, "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == detail_url(s) + "#members"
    charity.refresh_from_db()
    lead.refresh_from_db()
    assert (charity.left_on, charity.notes) == (D(2027, 1, 1), "Recommissioning")
    assert lead.ends_on == D(2027, 1, 1)
    assert audits() == before[3] + 2  # the membership and the lead responsibility
    page = text(client.get(done["Location"]).content.decode())
    assert "Brightwater Family Support's membership ends on 1 January 2027." in page


def test_end_a_membership_bad_date_is_by_the_field(client: Any, s: ReviewSetup) -> None:
    charity = Membership.objects.get(partnership=s.partnership, organisation=s.charity)
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("membership-end", s, charity.pk),
                           {**date_data("left_on", D(2019, 1, 1)), "reason": "Closed"})
    html = response.content.decode()
    assert "must be on or after 1 April 2020, when it joined" in field_error(html, "left_on")
    # Confirming anyway (e.g. a stale check page) is refused by the action, by the field.
    response = client.post(url("membership-end", s, charity.pk),
                           {**date_data("left_on", D(2019, 1, 1)), "reason": "Closed",
                            "confirm": "yes"})
    assert "before it starts" in field_error(response.content.decode(), "left_on")
    response = client.post(url("membership-end", s, charity.pk),
                           {"left_on_day": "32", "left_on_month": "1",
                            "left_on_year": "2027", "reason": ""})
    html = response.content.decode()
    assert field_error(html, "left_on") == "The date the organisation leaves must be a real date"
    assert field_error(html, "reason") == "Say why the organisation is leaving"
    assert snapshot() == before


# -- change the lead partner ---------------------------------------------------------------------


def test_change_the_lead_partner_checks_then_hands_over(client: Any, s: ReviewSetup) -> None:
    client.force_login(s.manager)
    answers = {"organisation": s.charity.pk, **date_data("effective_on", TODAY),
               "previous_lead_continues_as": MemberRole.DELIVERY_PARTNER}
    before = snapshot()
    check = client.post(url("lead-partner-change", s), answers)
    html = check.content.decode()
    words = text(html)
    assert snapshot() == before
    assert ("Fellside Recovery Trust stops being lead partner on 24 November 2026."
            in words)
    assert "Brightwater Family Support is lead partner from 25 November 2026." in words
    assert "stays a member as delivery partner from 25 November 2026" in words
    assert_good_markup(html)

    done = client.post(url("lead-partner-change", s), {**answers, "confirm": "yes"})
    assert done.status_code == 302 and done["Location"] == detail_url(s) + "#members"
    old = Membership.objects.get(partnership=s.partnership, organisation=s.lead,
                                 role=MemberRole.LEAD_PARTNER)
    assert old.left_on == TODAY  # its last day as lead was the day before
    assert Membership.objects.get(partnership=s.partnership, organisation=s.lead,
                                  left_on=None).role == MemberRole.DELIVERY_PARTNER
    new = Membership.objects.get(partnership=s.partnership, organisation=s.charity,
                                 left_on=None)
    assert (new.role, new.joined_on) == (MemberRole.LEAD_PARTNER, TODAY)
    assert audits() > before[3]
    # The timeline says so in plain words (read by someone who may still see the page).
    page = text(client.get(done["Location"]).content.decode()).replace(" ,", ",")
    assert "Brightwater Family Support is lead partner from 25 November 2026." in page
    assert ("Fellside Recovery Trust handed the lead role to Brightwater Family Support, "
            "which became lead partner") in page
    # The old lead's manager no longer manages the partnership.
    assert client.get(url("member-add", s)).status_code == 403


def test_change_the_lead_partner_old_lead_leaves_with_its_leads(client: Any,
                                                                s: ReviewSetup) -> None:
    lead = LeadResponsibilityFactory(partnership=s.partnership, organisation=s.lead,
                                     starts_on=D(2021, 4, 1))
    client.force_login(s.manager)
    answers = {"organisation": s.statutory.pk, **date_data("effective_on", D(2027, 4, 1)),
               "previous_lead_continues_as": "leaves"}
    words = text(client.post(url("lead-partner-change", s), answers).content.decode())
    assert "Fellside Recovery Trust leaves the partnership on 1 April 2027." in words
    assert f"{lead.activity.name} (led since 1 April 2021)" in words
    client.post(url("lead-partner-change", s), {**answers, "confirm": "yes"})
    lead.refresh_from_db()
    assert lead.ends_on == D(2027, 4, 1)
    assert not Membership.objects.filter(partnership=s.partnership, organisation=s.lead,
                                         left_on=None).exists()


def test_change_the_lead_partner_refusals_are_by_the_field(client: Any,
                                                           s: ReviewSetup) -> None:
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("lead-partner-change", s), {
        "organisation": s.lead.pk, **date_data("effective_on", D(2027, 1, 1)),
        "previous_lead_continues_as": "leaves"})
    assert "already the lead partner" in field_error(response.content.decode(), "organisation")
    response = client.post(url("lead-partner-change", s), {
        "organisation": s.charity.pk, **date_data("effective_on", D(2020, 4, 1)),
        "previous_lead_continues_as": "leaves", "confirm": "yes"})
    assert "1 April 2020" in field_error(response.content.decode(), "effective_on")
    response = client.post(url("lead-partner-change", s), {"organisation": s.charity.pk,
                                                           **date_data("effective_on", TODAY)})
    assert (field_error(response.content.decode(), "previous_lead_continues_as")
            == "Select what happens to the current lead partner")
    assert snapshot() == before


def test_timeline_names_a_member_that_became_lead_partner(client: Any) -> None:
    p = PartnershipFactory(started_on=D(2018, 4, 1))
    org = OrganisationFactory(name="Switching Charity")
    MembershipFactory(partnership=p, organisation=org, joined_on=D(2018, 4, 1),
                      left_on=D(2021, 4, 1))
    MembershipFactory(partnership=p, organisation=org, role=MemberRole.LEAD_PARTNER,
                      joined_on=D(2021, 4, 1))
    client.force_login(CommissionerFactory())
    page = text(client.get(reverse("partnerships:detail", args=[p.slug])).content.decode())
    assert "Switching Charity became lead partner" in page
    assert "New lead partner" in page


# -- activity leads ------------------------------------------------------------------------------


def test_assign_a_lead(client: Any, s: ReviewSetup) -> None:
    activity = standard_activity()
    client.force_login(s.manager)
    before = audits()
    response = client.post(url("lead-assign", s), {
        "activity": activity.pk, "organisation": s.charity.pk,
        **date_data("starts_on", D(2026, 12, 1)), **date_data("ends_on", None),
        "contact": "Head of Family Support"})
    assert response.status_code == 302
    assert response["Location"] == detail_url(s) + "#lead-agencies"
    lead = LeadResponsibility.objects.get(partnership=s.partnership, activity=activity)
    assert (lead.organisation, lead.starts_on, lead.ends_on, lead.contact) == (
        s.charity, D(2026, 12, 1), None, "Head of Family Support")
    assert audits() == before + 1


def test_assign_link_of_a_row_without_a_lead_chooses_its_activity(client: Any,
                                                                   s: ReviewSetup) -> None:
    activity = standard_activity()
    client.force_login(s.manager)
    page = client.get(detail_url(s)).content.decode()
    link = f'{url("lead-assign", s)}?activity={activity.pk}'
    assert link in page
    assert f'<option value="{activity.pk}" selected>' in client.get(link).content.decode()


def test_only_current_members_are_offered_as_leads(client: Any, s: ReviewSetup) -> None:
    stranger = OrganisationFactory(name="Not A Member")
    client.force_login(s.manager)
    html = client.get(url("lead-assign", s)).content.decode()
    assert "Brightwater Family Support" in html and "Not A Member" not in html
    before = snapshot()
    response = client.post(url("lead-assign", s), {
        "activity": standard_activity().pk, "organisation": stranger.pk,
        **date_data("starts_on", TODAY)})
    assert (field_error(response.content.decode(), "organisation")
            == "Select the organisation that leads the activity")
    assert snapshot() == before


def test_lead_beyond_the_membership_end_is_refused_with_the_date(client: Any,
                                                                 s: ReviewSetup) -> None:
    charity = Membership.objects.get(partnership=s.partnership, organisation=s.charity)
    charity.left_on = D(2027, 3, 31)
    charity.save()
    client.force_login(s.manager)
    before = snapshot()
    for ends_on in (D(2027, 6, 1), None):  # past its end, and open-ended
        response = client.post(url("lead-assign", s), {
            "activity": standard_activity().pk, "organisation": s.charity.pk,
            **date_data("starts_on", TODAY), **date_data("ends_on", ends_on)})
        html = response.content.decode()
        error = field_error(html, "ends_on")
        assert "membership of Fellside Recovery Partnership ends on 31 March 2027" in error
        assert "Set the end date to 31 March 2027 or earlier" in error
        assert summary_links(html) == ["#id_ends_on"]
        assert 'name="contact"' in html  # the form again, with what was typed
    assert snapshot() == before


def test_one_lead_per_activity_per_day(client: Any, s: ReviewSetup) -> None:
    activity = standard_activity()
    LeadResponsibilityFactory(partnership=s.partnership, organisation=s.lead,
                              activity=activity, starts_on=D(2026, 12, 1))
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("lead-assign", s), {
        "activity": activity.pk, "organisation": s.charity.pk,
        **date_data("starts_on", TODAY)})
    error = field_error(response.content.decode(), "starts_on")
    assert "Fellside Recovery Trust has led" in error and "1 December 2026" in error
    assert snapshot() == before


def test_end_a_lead(client: Any, s: ReviewSetup) -> None:
    lead = LeadResponsibilityFactory(partnership=s.partnership, organisation=s.charity,
                                     starts_on=D(2021, 4, 1))
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("lead-end", s, lead.pk), date_data("ends_on", D(2021, 1, 1)))
    assert "started on 1 April 2021" in field_error(response.content.decode(), "ends_on")
    assert snapshot() == before
    response = client.post(url("lead-end", s, lead.pk), date_data("ends_on", D(2027, 1, 1)))
    assert response["Location"] == detail_url(s) + "#lead-agencies"
    lead.refresh_from_db()
    assert lead.ends_on == D(2027, 1, 1)
    assert audits() == before[3] + 1


# -- funding -------------------------------------------------------------------------------------


def test_record_funding(client: Any, s: ReviewSetup) -> None:
    funder = OrganisationFactory(name="Lottery Fund")
    client.force_login(s.manager)
    before = audits()
    response = client.post(url("funding-add", s), {
        "funder": funder.pk, "recipient": s.charity.pk, "source": FundingSource.LOTTERY,
        "amount": "£12,500.50", **date_data("period_start", D(2027, 4, 1)),
        **date_data("period_end", D(2028, 3, 31)), "reference": "LF-1"})
    assert response["Location"] == detail_url(s) + "#funding"
    f = Funding.objects.get(funder=funder)
    assert (f.amount, f.recipient, f.period_start, f.period_end, f.reference) == (
        Decimal("12500.50"), s.charity, D(2027, 4, 1), D(2028, 3, 31), "LF-1")
    assert audits() == before + 1
    page = text(client.get(response["Location"]).content.decode())
    assert "£12,500.50 from Lottery Fund is recorded for 1 April 2027 to 31 March 2028." in page


def test_record_funding_bad_input_is_by_the_field(client: Any, s: ReviewSetup) -> None:
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("funding-add", s), {
        "funder": "", "recipient": "", "source": FundingSource.GRANT, "amount": "lots",
        **date_data("period_start", D(2027, 4, 1)), **date_data("period_end", D(2027, 3, 1))})
    html = response.content.decode()
    assert field_error(html, "funder") == "Select the funder"
    assert field_error(html, "amount").startswith("The amount must be a number in pounds")
    assert "on or after its first day" in field_error(html, "period_end")
    assert 'value="lots"' in html
    assert snapshot() == before
    response = client.post(url("funding-add", s), {"amount": "-5"})
    assert field_error(response.content.decode(), "amount") == "The amount must be £0 or more"
    assert snapshot() == before


def test_end_funding_early(client: Any, s: ReviewSetup) -> None:
    funding = FundingFactory(partnership=s.partnership, period_start=D(2026, 4, 1),
                             period_end=D(2027, 3, 31))
    client.force_login(s.manager)
    before = snapshot()
    response = client.post(url("funding-end", s, funding.pk),
                           {**date_data("ends_on", D(2027, 6, 30)), "reason": "Extended?"})
    assert "already ends on 31 March 2027" in field_error(response.content.decode(),
                                                          "ends_on")
    assert snapshot() == before
    response = client.post(url("funding-end", s, funding.pk),
                           {**date_data("ends_on", D(2026, 12, 31)),
                            "reason": "Contract terminated"})
    assert response["Location"] == detail_url(s) + "#funding"
    funding.refresh_from_db()
    assert funding.period_end == D(2026, 12, 31)
    assert audits() == before[3] + 1
    assert "Contract terminated" in AuditEvent.objects.latest("pk").summary
