""""Check your answers" before a return is submitted: "Continue" saves the figures as a draft and
shows each one with the frameworks that use it and a link back to its input; "Submit return"
there submits. Refusals stop on the form; going back loses nothing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.choices import ReturnStatus
from tests.html import assert_good_markup, text
from tests.monitoring.factories import quarter
from tests.monitoring.workflow import approved, started, unchanged_state

pytestmark = pytest.mark.django_db


def edit_url(ret):
    return reverse("monitoring:return-edit", args=[ret.pk])


def check_url(ret):
    return reverse("monitoring:return-check", args=[ret.pk])


def continue_with(client, ret, **figures):
    data = {"version": ret.version, "action": "continue"}
    data.update({f"figure-{code}": value for code, value in figures.items()})
    return client.post(edit_url(ret), data)


def test_continue_saves_a_draft_and_the_check_page_lists_each_figure(client, s):
    ret = started(s)
    client.force_login(s.staff)
    response = continue_with(client, ret, starts="12", completions="5",
                             **{"housing-support": "yes"})
    assert response.status_code == 302 and response["Location"] == check_url(ret)
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.DRAFT  # saved, not yet submitted
    assert {v.metric.code: v.number for v in ret.values.select_related("metric")} == {
        "starts": 12, "completions": 5, "housing-support": 1}
    html = client.get(check_url(ret)).content.decode()
    assert 'class="govuk-summary-list"' in html
    words = text(html)
    assert "Check your figures before you submit them" in words
    assert "Treatment starts Used by: Commissioner performance framework, Partnership " \
           "outcomes 12 people" in words
    assert "Treatment completions Used by: Commissioner performance framework 5 people" in words
    assert "Engagement rate Used by: Partnership outcomes Not given (optional)" in words
    assert f'href="{edit_url(ret)}#id_figure-starts">Change<span class="govuk-visually-hidden">' \
           " Treatment starts</span></a>" in html
    assert f'href="{edit_url(ret)}#id_figure-housing-support">Change' in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert f'<form method="post" action="{check_url(ret)}"' in html
    assert ">Submit return</button>" in html
    assert_good_markup(html)


def test_submit_return_on_the_check_page_submits(client, s):
    ret = started(s)
    client.force_login(s.staff)
    continue_with(client, ret, starts="12", completions="5")
    ret.refresh_from_db()
    response = client.post(check_url(ret), {"version": ret.version})
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:return", args=[ret.pk])
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED and ret.submitted_by == s.staff
    assert "was submitted. The lead partner will review it." in text(
        client.get(response["Location"]).content.decode())


def test_a_figure_error_stops_on_the_form_before_the_check_page(client, s):
    ret = started(s)
    client.force_login(s.staff)
    before = unchanged_state()
    response = continue_with(client, ret, starts="10")  # completions is required to submit
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter Treatment completions: it is needed to submit the return" in html
    assert 'value="10"' in html
    assert unchanged_state() == before


def test_going_back_to_change_keeps_the_figures_and_the_note(client, s):
    approved(s, quarter(2024, 3), starts="100", completions="10")
    approved(s, quarter(2024, 4), starts="120", completions="10")
    ret = started(s)
    client.force_login(s.staff)
    data = {"version": ret.version, "action": "continue", "figure-starts": "400",
            "figure-completions": "11", "warning_note": "A new prison wing opened."}
    assert client.post(edit_url(ret), data)["Location"] == check_url(ret)
    html = client.get(check_url(ret)).content.decode()
    assert "A new prison wing opened." in html
    assert f'href="{edit_url(ret)}#id_warning_note">Change' in html
    # Back to the form from a "Change" link: the figures and the note are still there.
    form = client.get(edit_url(ret)).content.decode()
    assert 'value="400"' in form and 'value="11"' in form
    assert "A new prison wing opened." in form
    ret.refresh_from_db()
    client.post(check_url(ret), {"version": ret.version})
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    assert ret.warning_note == "A new prison wing opened."


def test_a_change_made_elsewhere_after_checking_is_not_submitted_unseen(client, s):
    ret = started(s)
    client.force_login(s.staff)
    continue_with(client, ret, starts="12", completions="5")
    ret.refresh_from_db()
    checked_version = ret.version
    continue_with(client, ret, starts="13", completions="5")  # another tab
    before = unchanged_state()
    response = client.post(check_url(ret), {"version": checked_version})
    assert response.status_code == 400
    assert "Check the figures again" in response.content.decode()
    assert unchanged_state() == before
