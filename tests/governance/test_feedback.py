"""Feedback (issue 19, point 6): who records it, what is refused (personal data, long
comments, future dates), the per-quarter summary (counts by source, average rating, spread),
comments only inside the partnership (not for a funding commissioner, not in the CSV), the page
and its CSV download.

"Today" is 25 November 2026 (the ``today`` fixture): the summary covers 2025–26 Q4 to 2026–27 Q3.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.urls import reverse

from core.errors import DomainError
from core.models import AuditEvent
from governance import actions, selectors
from governance.choices import FeedbackMethod, FeedbackSource
from governance.models import FeedbackResponse
from partnerships.engagement import report_quarters
from tests.governance.factories import GovernanceSetup, governance_setup
from tests.html import assert_good_markup, text
from tests.partnerships.review_factories import today  # noqa: F401  (the fixed day)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("today")]

D = dt.date
PERSON, FAMILY, PROVIDER = (FeedbackSource.PERSON.value, FeedbackSource.FAMILY.value,
                            FeedbackSource.PROVIDER.value)
COMMENT = "The worker met me at the gate and came with me to my first appointment."

RECEIVED = D(2026, 10, 5)


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def give(s: GovernanceSetup, *, by: Any = None, rating: int = 4, source: str = PERSON,
         received_on: dt.date = RECEIVED, comment: str = COMMENT,
         **more: Any) -> FeedbackResponse:
    return actions.feedback_record(partnership=s.partnership, source=source,
                                   method=FeedbackMethod.WORKER, rating=rating, comment=comment,
                                   received_on=received_on, by=by or s.member_staff, **more)


def page_url(s: GovernanceSetup) -> str:
    return reverse("governance:feedback", args=[s.partnership.slug])


# -- the action ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member_staff", "manager", "member_manager", "admin"])
def test_member_staff_and_admins_record(s, who):
    response = give(s, by=getattr(s, who), about_organisation=s.member)
    assert response.recorded_by == getattr(s, who)
    assert response.about_organisation == s.member


@pytest.mark.parametrize("who", ["outsider", "commissioner"])
def test_others_may_not(s, who):
    with pytest.raises(DomainError) as refused:
        give(s, by=getattr(s, who))
    assert refused.value.code == "forbidden"
    assert not FeedbackResponse.objects.exists()


def test_audit_row_never_holds_the_comment(s):
    response = give(s)
    audit = AuditEvent.objects.get(object_id=str(response.pk),
                                   content_type__model="feedbackresponse")
    assert COMMENT not in str(audit.changes) and COMMENT not in audit.summary
    assert audit.changes["comment"] == [None, "(recorded)"]


@pytest.mark.parametrize("arguments, field", [
    ({"comment": "Z1234SS was helped well"}, "comment"),
    ({"comment": "Born on 3/4/1985, says the group helped"}, "comment"),
    ({"comment": "x" * 1001}, "comment"),
    ({"rating": 6}, "rating"),
    ({"rating": 0}, "rating"),
    ({"source": "police"}, "source"),
    ({"received_on": D(2026, 11, 26)}, "received_on"),
    ({"about_organisation": "non_member"}, "about_organisation"),
])
def test_refused_input_changes_nothing(s, arguments, field):
    if arguments.get("about_organisation") == "non_member":
        arguments = {"about_organisation": s.non_member}
    with pytest.raises(DomainError) as refused:
        give(s, **arguments)
    assert refused.value.field == field
    assert not FeedbackResponse.objects.exists()


def test_personal_data_message_speaks_of_feedback(s):
    with pytest.raises(DomainError) as refused:
        give(s, comment="Z1234SS was helped well")
    assert "feedback is anonymous" in str(refused.value)


def test_a_comment_is_optional(s):
    assert give(s, comment="").comment == ""


# -- the summary ---------------------------------------------------------------------------------


def test_summary_by_quarter(s, django_assert_num_queries):
    give(s, rating=5, source=PERSON, received_on=D(2026, 10, 1))
    give(s, rating=4, source=FAMILY, received_on=D(2026, 11, 25))
    give(s, rating=2, source=PROVIDER, received_on=D(2026, 12, 31) - dt.timedelta(days=36))
    give(s, rating=3, source=PERSON, received_on=D(2026, 4, 1))  # 2026–27 Q1
    give(s, rating=1, source=PERSON, received_on=D(2025, 12, 31))  # before the summary
    quarters = report_quarters(D(2026, 11, 25))
    with django_assert_num_queries(1):
        summaries = selectors.feedback_by_quarter(s.partnership, quarters)
    assert [q.quarter.label for q in summaries] == ["2025–26 Q4", "2026–27 Q1", "2026–27 Q2",
                                                     "2026–27 Q3"]
    current = summaries[-1]
    assert current.responses == 3
    assert current.by_source == {PROVIDER: 1, PERSON: 1, FAMILY: 1}
    assert current.average_rating == 3.7
    assert current.ratings == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert [q.responses for q in summaries] == [0, 1, 0, 3]
    assert summaries[0].average_rating is None


# -- the page ------------------------------------------------------------------------------------


def test_members_see_the_summary_and_the_comments(client, s):
    give(s, rating=5)
    give(s, rating=3, source=FAMILY, comment="")
    client.force_login(s.manager)
    response = client.get(page_url(s))
    html = response.content.decode()
    assert_good_markup(html)
    words = text(html)
    assert "2026–27 Q3 October to December 2026 2" in words
    assert "4.0" in words
    assert COMMENT in words
    assert "Record feedback" in words


def test_commissioner_sees_counts_but_never_comments(client, s):
    give(s)
    client.force_login(s.commissioner)
    response = client.get(page_url(s))
    assert response.status_code == 200
    words = text(response.content.decode())
    assert "2026–27 Q3" in words
    assert COMMENT not in words and "Comments" not in words
    assert "Record feedback" not in words
    assert client.post(page_url(s), {}).status_code == 403


def test_outsiders_do_not_find_the_page(client, s):
    client.force_login(s.outsider)
    assert client.get(page_url(s)).status_code == 404
    assert client.get(reverse("governance:feedback-export",
                              args=[s.partnership.slug])).status_code == 404


def test_empty_quarters_say_so(client, s):
    client.force_login(s.member_staff)
    words = text(client.get(page_url(s)).content.decode())
    assert "None received" in words and "No comments in the last four quarters." in words


def test_staff_record_through_the_form(client, s):
    client.force_login(s.member_staff)
    response = client.post(page_url(s), {
        "source": PERSON, "method": FeedbackMethod.PAPER, "rating": "5",
        "about_organisation": s.member.pk, "comment": "Helpful group",
        "received_on_day": "20", "received_on_month": "11", "received_on_year": "2026"})
    assert response.status_code == 302
    saved = FeedbackResponse.objects.get()
    assert (saved.rating, saved.method, saved.about_organisation) == (5, "paper", s.member)


def test_form_errors_link_to_their_fields(client, s):
    client.force_login(s.member_staff)
    response = client.post(page_url(s), {
        "source": PERSON, "method": FeedbackMethod.PAPER,
        "comment": "Prison number Z1234SS",
        "received_on_day": "20", "received_on_month": "11", "received_on_year": "2026"})
    html = response.content.decode()
    assert 'href="#id_rating">Select a rating' in html
    response = client.post(page_url(s), {
        "source": PERSON, "method": FeedbackMethod.PAPER, "rating": "4",
        "comment": "Prison number Z1234SS",
        "received_on_day": "20", "received_on_month": "11", "received_on_year": "2026"})
    html = response.content.decode()
    assert_good_markup(html)
    assert 'href="#id_comment">Remove the prison number' in html
    assert not FeedbackResponse.objects.exists()


def test_csv_holds_counts_and_never_comments(client, s):
    give(s, rating=5)
    give(s, rating=2, source=PROVIDER)
    client.force_login(s.commissioner)
    response = client.get(reverse("governance:feedback-export", args=[s.partnership.slug]))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert COMMENT not in body
    rows = list(csv.reader(io.StringIO(body)))
    header, last = rows[0], rows[-1]
    assert header[:3] == ["Quarter", "Months", "Responses"]
    assert last[0] == "2026–27 Q3" and last[2] == "2"
    assert last[header.index("Average rating")] == "3.5"
