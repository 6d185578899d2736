"""The governance structure page and the body pages (issue 19): who reads them (404 for anyone
who may not read the partnership's governance), who sees and uses the forms (403 with the reason
otherwise), refusals next to their field with nothing changed, the terms document for readers
only, and a bounded number of queries on the structure page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.choices import BodyKind
from governance.models import Body, BodySeat, Decision
from tests.governance.factories import (
    DecisionFactory,
    GovernanceSetup,
    SeatFactory,
    WorkingGroupFactory,
    board_with_group,
    governance_setup,
)
from tests.html import assert_good_markup, text

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def url(name: str, s: GovernanceSetup, *args: Any) -> str:
    return reverse(f"governance:{name}", args=[s.partnership.slug, *args])


def date_data(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_day": str(day.day), f"{name}_month": str(day.month),
            f"{name}_year": str(day.year)}


def test_the_structure_page_shows_the_tree_with_chairs_seats_and_decisions(client, s):
    board, group = board_with_group(s)
    board.chair = s.manager
    board.save()
    SeatFactory(body=board, organisation=s.member, seat="Vice-chair")
    DecisionFactory(body=board, text="Adopted the working agreement.")
    client.force_login(s.member_staff)
    response = client.get(url("structure", s))
    assert response.status_code == 200
    html = response.content.decode()
    assert_good_markup(html)
    page = text(html)
    assert page.index("Partnership board") < page.index("Operational working group")
    assert "Reports to Partnership board" in page
    assert "Riverside Recovery (Vice-chair)" in page
    assert "Adopted the working agreement." in page
    assert "Add a body" not in page


def test_the_structure_page_tells_a_manager_how_to_start(client, s):
    client.force_login(s.manager)
    page = text(client.get(url("structure", s)).content.decode())
    assert "No governance bodies have been recorded" in page
    assert "Add the first body" in page


@pytest.mark.parametrize("who", ["outsider", "anonymous"])
def test_people_who_may_not_read_get_not_found(client, s, who):
    board, _ = board_with_group(s)
    if who != "anonymous":
        client.force_login(getattr(s, who))
    for address in (url("structure", s), url("body", s, board.pk)):
        response = client.get(address)
        assert response.status_code == (404 if who != "anonymous" else 302)


def test_a_funding_commissioner_reads_but_cannot_use_the_forms(client, s):
    board, _ = board_with_group(s)
    client.force_login(s.commissioner)
    assert client.get(url("body", s, board.pk)).status_code == 200
    response = client.post(url("decision-add", s, board.pk),
                           {**date_data("decided_on", D(2025, 1, 9)), "text": "Agreed."})
    assert response.status_code == 403
    assert "chairs of the partnership's bodies" in text(response.content.decode())
    assert not Decision.objects.exists()


def test_a_manager_adds_a_body_that_reports_to_the_board(client, s):
    board, _ = board_with_group(s)
    client.force_login(s.manager)
    form = client.get(url("body-add", s))
    assert_good_markup(form.content.decode())
    response = client.post(url("body-add", s), {
        "name": "Service-user group", "kind": BodyKind.SERVICE_USER_GROUP,
        "reports_to": board.pk, "chair": s.member_staff.pk,
        **date_data("formed_on", D(2022, 2, 1)), "terms_of_reference": "Meets monthly."})
    body = Body.objects.get(name="Service-user group")
    assert response.status_code == 302 and response.url == url("body", s, body.pk)
    assert (body.reports_to, body.chair) == (board, s.member_staff)


def test_a_refused_body_is_shown_next_to_its_field(client, s):
    board_with_group(s)
    client.force_login(s.manager)
    response = client.post(url("body-add", s), {
        "name": "partnership board", "kind": BodyKind.BOARD,
        **date_data("formed_on", D(2022, 2, 1))})
    assert response.status_code == 200
    html = response.content.decode()
    assert "already has a body called" in text(html)
    assert 'href="#id_name"' in html
    assert Body.objects.count() == 2


def test_edit_changes_the_body(client, s):
    board, group = board_with_group(s)
    client.force_login(s.manager)
    assert_good_markup(client.get(url("body-edit", s, group.pk)).content.decode())
    response = client.post(url("body-edit", s, group.pk), {
        "name": "Practitioners' group", "kind": BodyKind.OPERATIONAL_GROUP,
        "reports_to": board.pk, "chair": "", "terms_of_reference": ""})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Practitioners' group"


def test_seats_are_added_and_ended_with_the_history_kept(client, s):
    board, _ = board_with_group(s)
    client.force_login(s.manager)
    assert_good_markup(client.get(url("seat-add", s, board.pk)).content.decode())
    refused = client.post(url("seat-add", s, board.pk), {
        "organisation": s.non_member.pk, "seat": "", **date_data("joined_on", D(2022, 1, 1))})
    assert refused.status_code == 200 and not BodySeat.objects.exists()
    client.post(url("seat-add", s, board.pk), {
        "organisation": s.member.pk, "seat": "Vice-chair",
        **date_data("joined_on", D(2022, 1, 1))})
    seat = BodySeat.objects.get()
    assert_good_markup(client.get(url("seat-end", s, board.pk, seat.pk)).content.decode())
    response = client.post(url("seat-end", s, board.pk, seat.pk),
                           date_data("left_on", D(2024, 3, 31)))
    assert response.status_code == 302
    page = text(client.get(url("body", s, board.pk)).content.decode())
    assert "Past seats" in page and "31 March 2024" in page
    assert client.get(url("seat-end", s, board.pk, seat.pk)).status_code == 404


def test_a_chair_records_a_decision(client, s):
    board, _ = board_with_group(s)
    board.chair = s.member_staff
    board.save()
    client.force_login(s.member_staff)
    assert_good_markup(client.get(url("decision-add", s, board.pk)).content.decode())
    response = client.post(url("decision-add", s, board.pk),
                           {**date_data("decided_on", D(2025, 1, 9)),
                            "text": "Adopt the new referral form."})
    assert response.status_code == 302
    assert "Adopt the new referral form." in text(
        client.get(url("body", s, board.pk)).content.decode())


def test_a_future_decision_is_refused_on_the_form(client, s):
    board, _ = board_with_group(s)
    client.force_login(s.manager)
    later = dt.date.today() + dt.timedelta(days=3)
    response = client.post(url("decision-add", s, board.pk),
                           {**date_data("decided_on", later), "text": "Agreed."})
    assert response.status_code == 200
    assert "must be today or in the past" in text(response.content.decode())
    assert not Decision.objects.exists()


def test_the_terms_document_is_for_readers_only(client, s, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    board, _ = board_with_group(s)
    board.terms_document = SimpleUploadedFile("terms.pdf", b"%PDF-1.4\n%test\n")
    board.save()
    client.force_login(s.member_staff)
    response = client.get(url("body-terms", s, board.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    client.force_login(s.outsider)
    assert client.get(url("body-terms", s, board.pk)).status_code == 404


def test_the_structure_page_reads_in_a_fixed_number_of_queries(client, s):
    board, group = board_with_group(s)
    client.force_login(s.member_staff)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("structure", s)).status_code == 200
        return len(queries)

    few = count()
    for n in range(3):
        extra = WorkingGroupFactory(partnership=s.partnership, reports_to=group,
                                    name=f"Group {n}", chair=s.manager)
        SeatFactory(body=extra, organisation=s.member)
        DecisionFactory(body=extra)
    assert count() == few


def test_the_partnership_page_lists_the_bodies_for_readers_only(client, s):
    board, _ = board_with_group(s)
    detail = reverse("partnerships:detail", args=[s.partnership.slug])
    client.force_login(s.member_staff)
    html = client.get(detail).content.decode()
    assert url("structure", s) in html and url("body", s, board.pk) in html
    client.force_login(s.outsider)
    response = client.get(detail)
    if response.status_code == 200:  # the registry is public to signed-in users
        assert url("structure", s) not in response.content.decode()
