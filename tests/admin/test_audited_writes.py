"""Admin writes go through the audited actions: the change and its audit row commit together,
and a refusal changes nothing."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from core.models import AuditEvent
from partnerships.choices import AgreementStatus, MemberRole
from partnerships.models import Agreement, LeadResponsibility, Membership, Partnership, Signatory
from tests.admin.helpers import add_inline_row, admin_form_data, inline_prefix
from tests.partnerships.factories import (
    AgreementFactory,
    DraftAgreementFactory,
    LeadMembershipFactory,
    LeadResponsibilityFactory,
    MembershipFactory,
    OrganisationFactory,
    PartnershipFactory,
    SignatoryFactory,
)

pytestmark = pytest.mark.django_db


def change_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


def events_for(model):
    return AuditEvent.objects.filter(content_type=ContentType.objects.get_for_model(model))


def test_saving_a_partnership_audits_the_change(admin_user, platform_admin_client):
    partnership = LeadMembershipFactory().partnership
    url = change_url(partnership)
    data = admin_form_data(platform_admin_client.get(url))
    data.update(name="Women's Hub Partnership", summary="Six partner charities.")

    response = platform_admin_client.post(url, data)

    assert response.status_code == 302, response.context and response.context["errors"]
    partnership.refresh_from_db()
    assert partnership.name == "Women's Hub Partnership"
    event = events_for(Partnership).get()
    assert event.actor == admin_user
    assert event.action == AuditEvent.Action.UPDATE
    assert event.partnership_id == partnership.pk
    assert event.changes["name"][1] == "Women's Hub Partnership"
    assert event.changes["summary"] == ["A partnership for tests.", "Six partner charities."]
    assert "status" not in event.changes  # only what changed
    # The untouched membership inline wrote nothing.
    assert not events_for(Membership).exists()


def test_adding_a_partnership_with_members_audits_each_row(admin_user, platform_admin_client):
    url = reverse("admin:partnerships_partnership_add")
    data = admin_form_data(platform_admin_client.get(url))
    prefix = inline_prefix(platform_admin_client.get(url), Membership)
    lead, partner = OrganisationFactory(), OrganisationFactory()
    data.update(name="Through the Gate", slug="through-the-gate", setting="custody",
                status="active", started_on="2013-04-01")
    add_inline_row(data, prefix, organisation=lead, role=MemberRole.LEAD_PARTNER,
                   joined_on=datetime.date(2013, 4, 1))
    add_inline_row(data, prefix, organisation=partner, role=MemberRole.SUB_CONTRACTOR,
                   joined_on=datetime.date(2013, 4, 1))

    response = platform_admin_client.post(url, data)

    assert response.status_code == 302
    partnership = Partnership.objects.get(slug="through-the-gate")
    assert partnership.memberships.count() == 2
    created = AuditEvent.objects.filter(partnership_id=partnership.pk,
                                        action=AuditEvent.Action.CREATE)
    assert created.count() == 3
    assert set(created.values_list("actor", flat=True)) == {admin_user.pk}


def test_overlapping_lead_partner_is_refused_by_the_field(platform_admin_client):
    lead = LeadMembershipFactory()
    partnership = lead.partnership
    url = change_url(partnership)
    page = platform_admin_client.get(url)
    data = admin_form_data(page)
    add_inline_row(data, inline_prefix(page, Membership), organisation=OrganisationFactory(),
                   role=MemberRole.LEAD_PARTNER, joined_on=datetime.date(2022, 1, 1))

    response = platform_admin_client.post(url, data)

    assert response.status_code == 200
    assert f"{lead.organisation} is already the lead partner" in response.content.decode()
    assert partnership.memberships.count() == 1
    assert not AuditEvent.objects.exists()


def test_a_refusal_at_save_time_shows_the_form_again_and_changes_nothing(
        platform_admin_client):
    """Two new lead partners in one submission each pass the form checks (made against the
    database); the second is refused when saved, and the whole submission rolls back."""
    partnership = PartnershipFactory()
    url = change_url(partnership)
    page = platform_admin_client.get(url)
    data = admin_form_data(page)
    data["summary"] = "Changed in the same submission."
    prefix = inline_prefix(page, Membership)
    for _ in range(2):
        add_inline_row(data, prefix, organisation=OrganisationFactory(),
                       role=MemberRole.LEAD_PARTNER, joined_on=datetime.date(2021, 1, 1))

    response = platform_admin_client.post(url, data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert len(errors) == 1
    assert errors[0].startswith("Membership “")
    assert "is already the lead partner" in errors[0]
    assert "is already the lead partner" in response.content.decode()
    # The submitted values are shown again, not lost.
    assert response.context["adminform"].form.data["summary"] == "Changed in the same submission."
    partnership.refresh_from_db()
    assert partnership.summary == "A partnership for tests."
    assert not partnership.memberships.exists()
    assert not AuditEvent.objects.exists()


def test_ending_a_membership_in_the_inline_uses_membership_end(admin_user, platform_admin_client):
    """Ending a membership also ends the lead responsibilities the organisation holds."""
    responsibility = LeadResponsibilityFactory()
    partnership = responsibility.partnership
    membership = Membership.objects.get(organisation=responsibility.organisation)
    url = change_url(partnership)
    page = platform_admin_client.get(url)
    data = admin_form_data(page)
    prefix = inline_prefix(page, Membership)
    index = next(i for i in range(int(data[f"{prefix}-TOTAL_FORMS"]))
                 if str(data[f"{prefix}-{i}-id"]) == str(membership.pk))
    data[f"{prefix}-{index}-left_on"] = "2024-03-31"

    response = platform_admin_client.post(url, data)

    assert response.status_code == 302
    membership.refresh_from_db()
    responsibility.refresh_from_db()
    assert membership.left_on == datetime.date(2024, 3, 31)
    assert responsibility.ends_on == datetime.date(2024, 3, 31)
    summaries = set(AuditEvent.objects.values_list("summary", flat=True))
    assert {"Ended membership", "Ended when the organisation left"} <= summaries
    assert set(AuditEvent.objects.values_list("actor", flat=True)) == {admin_user.pk}


def test_removing_a_party_withdraws_it_through_the_action(platform_admin_client):
    agreement = DraftAgreementFactory()
    SignatoryFactory(agreement=agreement)
    url = change_url(agreement)
    page = platform_admin_client.get(url)
    data = admin_form_data(page)
    data[f"{inline_prefix(page, Signatory)}-0-DELETE"] = "on"

    response = platform_admin_client.post(url, data)

    assert response.status_code == 302
    assert not Signatory.objects.exists()
    event = events_for(Signatory).get()
    assert event.action == AuditEvent.Action.DELETE
    assert event.summary.endswith("withdrawn from version 1")
    assert event.partnership_id == agreement.partnership_id


def test_parties_of_a_version_in_effect_cannot_be_removed(platform_admin_client):
    signatory = SignatoryFactory()  # on a version in effect
    url = change_url(signatory.agreement)
    page = platform_admin_client.get(url)
    data = admin_form_data(page)
    data[f"{inline_prefix(page, Signatory)}-0-DELETE"] = "on"

    response = platform_admin_client.post(url, data)

    assert response.status_code == 200
    assert "its parties can no longer change" in response.content.decode()
    assert Signatory.objects.filter(pk=signatory.pk).exists()
    assert not AuditEvent.objects.exists()


def test_deleting_an_agreement_writes_a_delete_audit_row(admin_user, platform_admin_client):
    agreement = AgreementFactory(title="Joint agreement with HMP Example")
    url = reverse("admin:partnerships_agreement_delete", args=[agreement.pk])

    response = platform_admin_client.post(url, {"post": "yes"})

    assert response.status_code == 302
    assert not Agreement.objects.exists()
    event = events_for(Agreement).get()
    assert event.action == AuditEvent.Action.DELETE
    assert event.actor == admin_user
    assert event.object_id == str(agreement.pk)
    assert event.changes["title"] == ["Joint agreement with HMP Example", None]


def test_bulk_delete_audits_each_object(admin_user, platform_admin_client):
    responsibilities = LeadResponsibilityFactory.create_batch(3)
    keep = responsibilities.pop()

    response = platform_admin_client.post(
        reverse("admin:partnerships_leadresponsibility_changelist"),
        {"action": "delete_selected", "post": "yes",
         "_selected_action": [r.pk for r in responsibilities]})

    assert response.status_code == 302
    assert list(LeadResponsibility.objects.all()) == [keep]
    deleted = events_for(LeadResponsibility).filter(action=AuditEvent.Action.DELETE)
    assert sorted(deleted.values_list("object_id", flat=True)) == sorted(
        str(r.pk) for r in responsibilities)
    assert set(deleted.values_list("actor", flat=True)) == {admin_user.pk}


def test_adding_an_agreement_audits_the_create(admin_user, platform_admin_client):
    partnership = PartnershipFactory()
    url = reverse("admin:partnerships_agreement_add")
    data = admin_form_data(platform_admin_client.get(url))
    data.update(partnership=partnership.pk, kind="joint", title="Joint agreement")

    response = platform_admin_client.post(url, data)

    assert response.status_code == 302
    event = events_for(Agreement).get()
    assert event.action == AuditEvent.Action.CREATE
    assert event.actor == admin_user
    assert event.partnership_id == partnership.pk
    assert Agreement.objects.get().status == AgreementStatus.DRAFT


def test_history_link_opens_the_partnerships_audit_trail(platform_admin_client):
    partnership = MembershipFactory().partnership
    other = PartnershipFactory()
    from core import audit

    audit.record(instance=partnership, action=AuditEvent.Action.UPDATE, by=None, summary="mine")
    audit.record(instance=other, action=AuditEvent.Action.UPDATE, by=None, summary="theirs")
    audit_url = reverse("admin:core_auditevent_changelist") + f"?partnership_id={partnership.pk}"

    page = platform_admin_client.get(change_url(partnership))
    assert audit_url in page.content.decode().replace("&amp;", "&")

    response = platform_admin_client.get(audit_url)
    assert [e.summary for e in response.context["cl"].result_list] == ["mine"]

    history = platform_admin_client.get(
        reverse("admin:partnerships_partnership_history", args=[partnership.pk]))
    assert history.status_code == 302
    assert history["Location"] == audit_url


def test_lead_responsibility_inline_offers_standard_and_own_activities(platform_admin_client):
    from partnerships.models import Activity

    partnership, other = PartnershipFactory(), PartnershipFactory()
    own = Activity.objects.create(name="Volunteer supervision", slug="volunteers",
                                  partnership=partnership)
    foreign = Activity.objects.create(name="Materials", slug="materials", partnership=other)

    page = platform_admin_client.get(change_url(partnership))

    formset = next(i.formset for i in page.context["inline_admin_formsets"]
                   if i.formset.model is LeadResponsibility)
    offered = set(formset.empty_form.fields["activity"].queryset)
    assert own in offered
    assert foreign not in offered
    assert Activity.objects.filter(partnership=None).count() == len(offered) - 1


def test_signing_in_the_inline_uses_agreement_sign(admin_user, platform_admin_client):
    agreement = DraftAgreementFactory()
    party = OrganisationFactory()
    url = change_url(agreement)
    page = platform_admin_client.get(url)
    prefix = inline_prefix(page, Signatory)

    future = admin_form_data(page)
    add_inline_row(future, prefix, organisation=party, signed_by="Sam Jones",
                   signer_role="Chief Executive", signed_on=datetime.date(2999, 1, 1))
    response = platform_admin_client.post(url, future)
    assert response.status_code == 200
    assert "A signature cannot be dated in the future." in response.content.decode()
    assert not Signatory.objects.exists()

    today = admin_form_data(page)
    add_inline_row(today, prefix, organisation=party, signed_by="Sam Jones",
                   signer_role="Chief Executive", signed_on=datetime.date(2024, 5, 1))
    assert platform_admin_client.post(url, today).status_code == 302
    signed = Signatory.objects.get()
    assert (signed.signed_by, signed.signer_role) == ("Sam Jones", "Chief Executive")
    event = events_for(Signatory).get(summary=f"Signed by {party}")
    assert event.actor == admin_user


def test_signing_an_existing_party_in_the_inline_uses_agreement_sign(admin_user,
                                                                     platform_admin_client):
    agreement = DraftAgreementFactory()
    SignatoryFactory(agreement=agreement, signed_by="", signed_on=None)
    url = change_url(agreement)
    page = platform_admin_client.get(url)
    prefix = inline_prefix(page, Signatory)
    data = admin_form_data(page)
    data.update({f"{prefix}-0-signed_by": "Sam Jones", f"{prefix}-0-signed_on": "2024-05-01"})

    assert platform_admin_client.post(url, data).status_code == 302
    assert Signatory.objects.get().signed_on == datetime.date(2024, 5, 1)
    assert events_for(Signatory).get().summary.startswith("Signed by")
