"""Double-submit-safe casework: opening a case, sending a referral and recording a conference.
The probe double-clicked "Open case" three times and got 6 cases and 6 people with one prison
number. Now the form's hidden key finds what the first submission made, one prison number has
one open case per lead agency, and a conference recorded twice with the same answers shows the
record."""

from __future__ import annotations

import re
import threading

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from core.errors import DomainError
from referrals import actions
from referrals.choices import ConferenceStatus, LawfulBasis, OrderType
from referrals.models import Case, CaseConference, Person, PersonIdentifier, Referral
from tests.referrals.factories import (
    casework_setup,
    days,
    open_case,
    refused,
    send_referral,
    today,
    unchanged_state,
)
from tests.referrals.helpers import client_of, get, open_form, post

pytestmark = pytest.mark.django_db

KEY = re.compile(r'name="idempotency_key" value="([A-Za-z0-9_-]+)"')




def key_of(html: str) -> str:
    found = KEY.search(html)
    assert found, "the form carries no idempotency key"
    return found.group(1)


# -- opening a case -------------------------------------------------------------------------------


def test_three_posts_of_the_same_open_case_form_make_one_case_and_one_person(client, s):
    form = get(client, s.officer, "/casework/cases/open/")
    data = open_form(s, idempotency_key=key_of(form))
    answers = [post(client, s.officer, "/casework/cases/open/", data, status=302)
               for _ in range(3)]
    case = Case.objects.get()
    assert (Person.objects.count(), PersonIdentifier.objects.count()) == (1, 1)
    assert {answer["Location"] for answer in answers} == {f"/casework/cases/{case.reference}/"}
    html = client.get(answers[-1]["Location"]).content.decode()
    assert f"Case {case.reference} was already opened from this form" in html


def test_each_showing_of_the_form_has_its_own_key(client, s):
    first = key_of(get(client, s.officer, "/casework/cases/open/"))
    second = key_of(get(client, s.officer, "/casework/cases/open/"))
    assert first != second


def test_a_second_open_case_for_the_same_prison_number_links_to_the_first(client, s):
    post(client, s.officer, "/casework/cases/open/", open_form(s), status=302)
    case = Case.objects.get()
    before = unchanged_state()
    response = post(client, s.officer, "/casework/cases/open/",
                    open_form(s, prison_number="a1234 bc"), status=200)
    html = response.content.decode()
    assert f"Case {case.reference} is already open for this prison number" in html
    assert f'href="/casework/cases/{case.reference}/">Go to case {case.reference}</a>' in html
    assert unchanged_state() == before


def test_the_same_prison_number_may_have_an_open_case_with_another_lead_agency(s):
    open_case(s, identifiers={"prison_number": "A1234BC"})
    other = open_case(s, lead_organisation=s.provider, by=s.worker,
                      identifiers={"prison_number": "A1234BC"})
    assert other.pk
    # ... and once the first is closed, probation can open another.
    first = Case.objects.order_by("pk").first()
    actions.case_close(case=first, by=s.officer)
    assert open_case(s, identifiers={"prison_number": "A1234BC"}).pk


def test_an_uninvolved_opener_is_not_told_the_reference(s):
    existing = open_case(s, identifiers={"prison_number": "A1234BC"})
    error = refused(actions.case_open, match="already leads an open case for this prison number",
                    partnership=s.partnership, lead_organisation=s.probation,
                    order_type=OrderType.COMMUNITY_ORDER, order_starts_on=days(-1),
                    order_ends_on=days(300), by=s.outsider,
                    identifiers={"prison_number": "A1234BC"})
    assert existing.reference not in str(error)


def test_a_key_is_not_someone_elses_case(s):
    actions.case_open(partnership=s.partnership, lead_organisation=s.probation,
                      order_type=OrderType.COMMUNITY_ORDER, order_starts_on=days(-1),
                      order_ends_on=days(300), by=s.officer, idempotency_key="k" * 32)
    refused(actions.case_open, match="already used", partnership=s.partnership,
            lead_organisation=s.provider, order_type=OrderType.COMMUNITY_ORDER,
            order_starts_on=days(-1), order_ends_on=days(300), by=s.worker,
            idempotency_key="k" * 32)


def test_the_api_takes_an_idempotency_key(s):
    api = client_of(s.officer)
    body = {"partnership": s.partnership.slug, "order_type": "community_order",
            "order_starts_on": days(-5).isoformat(), "order_ends_on": days(300).isoformat(),
            "identifiers": {"prison_number": "A1234BC"}}
    key = "3f1c2a7e-5b7d-4c1a-9e2f-1a2b3c4d5e6f"
    first = api.post(reverse("case-list"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(reverse("case-list"), body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert first.json()["reference"] == again.json()["reference"] == Case.objects.get().reference
    # Without the key, the prison number is the guard: a 409 naming the open case.
    clash = api.post(reverse("case-list"), body, format="json")
    assert clash.status_code == 409
    assert clash.json()["existing_case"]["reference"] == Case.objects.get().reference
    assert Case.objects.count() == Person.objects.count() == 1
    bad = api.post(reverse("case-list"), body, format="json", HTTP_IDEMPOTENCY_KEY="short")
    assert bad.status_code == 400 and "Idempotency-Key" in bad.json()["idempotency_key"][0]


# -- two at once (PostgreSQL) ---------------------------------------------------------------------


def _at_once(calls):
    """Run the calls in two threads released together; their results and errors."""
    from django.db import connections

    results, errors = [], []
    barrier = threading.Barrier(len(calls))

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def _opening(s, key=None):
    return lambda: actions.case_open(
        partnership=s.partnership, lead_organisation=s.probation,
        order_type=OrderType.COMMUNITY_ORDER, order_starts_on=days(-10),
        order_ends_on=days(300), by=s.officer, initials="JD",
        identifiers={"prison_number": "A1234BC"}, idempotency_key=key)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_opens_at_once_with_one_key_make_one_case():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    ContentType.objects.clear_cache()  # see tests/notifications/test_calendar.py
    s = casework_setup()
    results, errors = _at_once([_opening(s, "same-form-key-0001"),
                                _opening(s, "same-form-key-0001")])
    assert errors == []
    assert len({case.pk for case in results}) == 1
    assert Case.objects.count() == Person.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_opens_at_once_for_one_prison_number_make_one_case():
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    ContentType.objects.clear_cache()
    s = casework_setup()
    results, errors = _at_once([_opening(s, "first-form-key-0001"),
                                _opening(s, "second-form-key-002")])
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], DomainError) and "already open" in str(errors[0])
    assert Case.objects.count() == Person.objects.count() == 1


# -- referring ------------------------------------------------------------------------------------


def refer_data(s, **changes):
    data = {"to_service": s.treatment.pk, "pathway": s.pathway.pk,
            "from_service": s.probation_service.pk, "reason": "Needs structured treatment.",
            "lawful_basis": LawfulBasis.PUBLIC_TASK, "consent_recorded": "true"}
    data.update(changes)
    return data


def test_the_refer_form_sent_twice_sends_one_referral(client, s, case):
    address = f"/casework/cases/{case.reference}/refer/"
    data = refer_data(s, idempotency_key=key_of(get(client, s.officer, address)))
    first = post(client, s.officer, address, data, status=302)
    again = post(client, s.officer, address, data, status=302)
    referral = Referral.objects.get()
    assert first["Location"] == again["Location"] == f"/casework/cases/{case.reference}/"
    html = client.get(again["Location"]).content.decode()
    assert f"Referral {referral.reference} was already sent from this form" in html


def test_the_api_referral_takes_an_idempotency_key(s, case):
    api = client_of(s.officer)
    address = reverse("case-referrals", kwargs={"reference": case.reference})
    body = {"to_service": s.treatment.slug, "reason": "Needs treatment.",
            "lawful_basis": LawfulBasis.PUBLIC_TASK, "consent_recorded": True}
    key = "referral-key-000000001"
    first = api.post(address, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post(address, body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert first.json()["reference"] == again.json()["reference"]
    assert Referral.objects.count() == 1


# -- recording a conference -----------------------------------------------------------------------


def held_data(s, day):
    return {"held": "held", "held_on_day": day.day, "held_on_month": day.month,
            "held_on_year": day.year, "outcome": "Treatment plan agreed.",
            "attended_offender_manager": "true", "organisation_offender_manager": s.probation.pk,
            "attended_treatment_worker": "true",
            "organisation_treatment_worker": s.provider.pk}


def test_a_conference_form_sent_twice_shows_the_record(client, s, case):
    conference = case.conferences.order_by("planned_on").first()
    address = f"/casework/cases/{case.reference}/conferences/{conference.pk}/"
    post(client, s.officer, address, held_data(s, today()), status=302)
    again = post(client, s.officer, address, held_data(s, today()), status=200)
    assert "Treatment plan agreed." in again.content.decode()
    assert CaseConference.objects.get(pk=conference.pk).attendees.count() == 3  # not 6


def test_the_api_records_a_conference_twice_with_the_same_answers_without_an_error(s, case):
    send_referral(s, case)
    conference = case.conferences.order_by("planned_on").first()
    api = client_of(s.officer)
    address = reverse("conference-record", kwargs={"pk": conference.pk})
    body = {"held": True, "held_on": today().isoformat(), "outcome": "Plan agreed",
            "attendees": [{"role": "offender_manager", "organisation": s.probation.slug},
                          {"role": "person"}]}
    first = api.post(address, body, format="json")
    before = unchanged_state()
    again = api.post(address, body, format="json")
    assert (first.status_code, again.status_code) == (200, 200), again.content
    assert first.json() == again.json()
    assert unchanged_state() == before  # no second audit row, no second attendee
    assert CaseConference.objects.get(pk=conference.pk).status == ConferenceStatus.HELD
    different = api.post(address, {**body, "outcome": "Something else"}, format="json")
    assert different.status_code == 400
    assert "already recorded as held" in str(different.json())
