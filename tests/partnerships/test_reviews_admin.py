"""Reviews in the admin: read-only, and a partnership manager sees only the reviews of the
partnerships their organisation leads."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from partnerships.models import ReviewMeeting
from tests.accounts.factories import PartnershipManagerFactory
from tests.partnerships.review_factories import (
    ReviewAttendanceFactory,
    ReviewMeetingFactory,
    held_review,
    review_setup,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:partnerships_reviewmeeting_changelist"


def change_url(meeting: ReviewMeeting) -> str:
    return reverse("admin:partnerships_reviewmeeting_change", args=[meeting.pk])


def test_manager_sees_only_their_partnerships_reviews(client: Any) -> None:
    s = review_setup()
    ours = ReviewMeetingFactory(partnership=s.partnership)
    theirs = held_review()
    client.force_login(s.manager)
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [ours]
    assert client.get(change_url(ours)).status_code == 200
    assert client.get(change_url(theirs)).status_code == 302  # "does not exist", back to list


def test_read_only_with_attendance(client: Any) -> None:
    s = review_setup()
    meeting = ReviewMeetingFactory(partnership=s.partnership, status="held",
                                   held_on=s.partnership.started_on)
    ReviewAttendanceFactory(meeting=meeting, organisation=s.statutory, attended=False)
    client.force_login(s.manager)
    html = client.get(change_url(meeting)).content.decode()
    assert "Probation Service North East" in html
    assert 'name="_save"' not in html
    assert client.get(reverse("admin:partnerships_reviewmeeting_add")).status_code == 403
    changelist = client.get(reverse(CHANGELIST)).content.decode()
    assert "0 of 1 attended" in changelist


def test_a_manager_of_another_organisation_sees_none(client: Any) -> None:
    held_review()
    client.force_login(PartnershipManagerFactory())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []
