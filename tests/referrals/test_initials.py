"""A person's initials (issue 16): "John Smith" was silently kept as "JOHN". Initials only are
accepted ("JS", "J S", "J.S.", "j.s." → "JS"), and anything else is refused with "Enter
initials only, for example JS", the same way on the page, through the API and by the action
(one rule: ``referrals.validators.normalise_initials``)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals import actions
from referrals.models import Case, Person
from referrals.validators import INITIALS_MESSAGE, normalise_initials
from tests.referrals.factories import days, open_case, refused
from tests.referrals.helpers import client_of, open_form

ACCEPTED = [("JS", "JS"), ("J S", "JS"), ("J.S.", "JS"), ("j.s.", "JS"), ("j. s.", "JS"),
            ("js", "JS"), ("J", "J"), ("ABCD", "ABCD"), ("A.B.C.D.", "ABCD"), ("", ""),
            ("  ", ""), (" J.S. ", "JS")]
REFUSED = ["John Smith", "Jo. S.", "Jo S", "ABCDE", "A.B.C.D.E.", "J1", "J-S", "J/S", ".",
           "John Smith Jones"]


@pytest.mark.parametrize(("typed", "stored"), ACCEPTED)
def test_initials_are_stored_as_capital_letters_without_separators(typed, stored):
    assert normalise_initials(typed) == stored


@pytest.mark.parametrize("typed", REFUSED)
def test_anything_but_initials_is_refused(typed):
    with pytest.raises(ValueError, match=INITIALS_MESSAGE):
        normalise_initials(typed)


@pytest.mark.django_db
def test_the_action_refuses_a_name_and_changes_nothing(s):
    error = refused(open_case, s=s, initials="John Smith", match="Enter initials only")
    assert error.field == "initials"


@pytest.mark.django_db
def test_the_action_stores_initials_typed_with_dots(s):
    assert open_case(s, initials="j. s.").person.initials == "JS"


@pytest.mark.django_db
def test_the_page_refuses_a_name(client, s):
    client.force_login(s.officer)
    cases = Case.objects.count()
    response = client.post("/casework/cases/open/", open_form(s, initials="John Smith"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#id_initials">Enter initials only, for example JS' in html
    assert Case.objects.count() == cases


@pytest.mark.django_db
def test_the_page_stores_initials_typed_with_spaces(client, s):
    client.force_login(s.officer)
    response = client.post("/casework/cases/open/", open_form(s, initials="J. S."))
    assert response.status_code == 302
    assert Person.objects.latest("pk").initials == "JS"


def api_body(s, initials: str) -> dict:
    return {"partnership": s.partnership.slug, "order_type": "licence",
            "order_starts_on": days(-10).isoformat(), "order_ends_on": days(355).isoformat(),
            "initials": initials}


@pytest.mark.django_db
def test_the_api_refuses_a_name(s):
    people = Person.objects.count()
    response = client_of(s.officer).post(reverse("case-list"), api_body(s, "John Smith"),
                                         format="json")
    assert response.status_code == 400
    assert response.json()["initials"] == [INITIALS_MESSAGE]
    assert Person.objects.count() == people


@pytest.mark.django_db
def test_the_api_stores_initials_typed_with_dots(s):
    response = client_of(s.officer).post(reverse("case-list"), api_body(s, "J.S."),
                                         format="json")
    assert response.status_code == 201, response.content
    assert Case.objects.get(reference=response.json()["reference"]).person.initials == "JS"


@pytest.mark.django_db
def test_an_existing_person_keeps_their_initials(s):
    case = open_case(s, initials="AB")
    again = actions.case_open(partnership=s.partnership, lead_organisation=s.probation,
                              order_type=case.order_type, order_starts_on=days(-5),
                              order_ends_on=days(200), by=s.officer, person=case.person,
                              initials="ignored name")
    assert again.person.initials == "AB"
