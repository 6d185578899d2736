"""Bodies, seats and decisions (issue 19): who may write them, what is refused, the audit rows."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.errors import DomainError
from core.models import AuditEvent
from governance import actions
from governance.choices import BodyKind
from governance.models import Body, BodySeat, Decision
from tests.accounts.factories import ProviderStaffFactory
from tests.governance.factories import (
    BodyFactory,
    GovernanceSetup,
    SeatFactory,
    board_with_group,
    governance_setup,
)
from tests.partnerships.factories import PartnershipFactory

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def s() -> GovernanceSetup:
    return governance_setup()


def test_a_manager_adds_a_board_and_a_group_reporting_to_it(s):
    board = actions.body_create(partnership=s.partnership, name="Partnership board",
                                kind=BodyKind.BOARD, formed_on=D(2021, 4, 1), by=s.manager,
                                chair=s.member_staff)
    group = actions.body_create(partnership=s.partnership, name="Operational group",
                                kind=BodyKind.OPERATIONAL_GROUP, formed_on=D(2021, 5, 1),
                                by=s.manager, reports_to=board)
    assert list(board.feeders.all()) == [group]
    assert AuditEvent.objects.filter(summary__contains="Added Partnership board").exists()


@pytest.mark.parametrize("who", ["member_staff", "member_manager", "outsider", "commissioner"])
def test_only_managers_chairs_and_admins_add_bodies(s, who):
    with pytest.raises(DomainError) as caught:
        actions.body_create(partnership=s.partnership, name="Board", kind=BodyKind.BOARD,
                            formed_on=D(2021, 4, 1), by=getattr(s, who))
    assert caught.value.code == "forbidden"
    assert not Body.objects.exists()


def test_a_chair_of_a_current_body_writes_for_the_partnership(s):
    board = BodyFactory(partnership=s.partnership, chair=s.member_staff)
    decision = actions.decision_record(body=board, decided_on=D(2025, 1, 9),
                                       text="Adopt the new referral form.", by=s.member_staff)
    assert decision.recorded_by == s.member_staff


def test_the_chair_must_work_at_a_current_member(s):
    with pytest.raises(DomainError) as caught:
        actions.body_create(partnership=s.partnership, name="Board", kind=BodyKind.BOARD,
                            formed_on=D(2021, 4, 1), by=s.manager, chair=s.outsider)
    assert caught.value.field == "chair"


def test_names_are_unique_in_a_partnership_and_not_blank(s):
    BodyFactory(partnership=s.partnership, name="Partnership board")
    for name, field in (("partnership BOARD", "name"), ("  ", "name")):
        with pytest.raises(DomainError) as caught:
            actions.body_create(partnership=s.partnership, name=name, kind=BodyKind.BOARD,
                                formed_on=D(2021, 4, 1), by=s.manager)
        assert caught.value.field == field


def test_reporting_stays_in_the_partnership_and_never_loops(s):
    board, group = board_with_group(s)
    elsewhere = BodyFactory(partnership=PartnershipFactory())
    with pytest.raises(DomainError) as caught:
        actions.body_update(body=group, by=s.manager, reports_to=elsewhere)
    assert caught.value.field == "reports_to"
    with pytest.raises(DomainError) as caught:
        actions.body_update(body=board, by=s.manager, reports_to=group)
    assert caught.value.field == "reports_to"
    with pytest.raises(DomainError):
        actions.body_update(body=board, by=s.manager, reports_to=board)
    board.refresh_from_db()
    assert board.reports_to is None


def test_update_changes_and_audits_the_body(s):
    board, _ = board_with_group(s)
    actions.body_update(body=board, by=s.manager, name="Strategic board",
                        terms_of_reference="Meets quarterly.", chair=s.manager)
    board.refresh_from_db()
    assert (board.name, board.chair) == ("Strategic board", s.manager)
    assert AuditEvent.objects.filter(summary__contains="Changed Partnership board").exists()


def test_update_refuses_fields_it_does_not_own(s):
    board, _ = board_with_group(s)
    with pytest.raises(DomainError):
        actions.body_update(body=board, by=s.manager, partnership=PartnershipFactory())


def test_ending_a_body_ends_its_seats(s):
    board, _ = board_with_group(s)
    seat = SeatFactory(body=board, organisation=s.member)
    actions.body_end(body=board, ended_on=D(2025, 3, 31), by=s.manager)
    seat.refresh_from_db()
    assert seat.left_on == D(2025, 3, 31)
    with pytest.raises(DomainError):
        actions.body_end(body=board, ended_on=D(2025, 4, 1), by=s.manager)


def test_a_seat_goes_to_a_current_member_only(s):
    board, _ = board_with_group(s)
    seat = actions.seat_add(body=board, organisation=s.member, seat="Vice-chair",
                            joined_on=D(2022, 1, 1), by=s.manager)
    assert seat.seat == "Vice-chair"
    with pytest.raises(DomainError) as caught:
        actions.seat_add(body=board, organisation=s.non_member, seat="Member",
                         joined_on=D(2022, 1, 1), by=s.manager)
    assert caught.value.field == "organisation"
    with pytest.raises(DomainError) as caught:
        actions.seat_add(body=board, organisation=s.member, seat="vice-chair",
                         joined_on=D(2022, 1, 1), by=s.manager)
    assert caught.value.field == "seat"
    with pytest.raises(DomainError) as caught:
        actions.seat_add(body=board, organisation=s.lead, seat="Member",
                         joined_on=D(2020, 1, 1), by=s.manager)
    assert caught.value.field == "joined_on"
    assert BodySeat.objects.count() == 1


def test_ending_a_seat_keeps_it_in_the_history(s):
    board, _ = board_with_group(s)
    seat = SeatFactory(body=board, organisation=s.member, joined_on=D(2022, 1, 1))
    with pytest.raises(DomainError) as caught:
        actions.seat_end(seat=seat, left_on=D(2021, 12, 31), by=s.manager)
    assert caught.value.field == "left_on"
    actions.seat_end(seat=seat, left_on=D(2024, 6, 30), by=s.manager)
    assert list(BodySeat.objects.current()) == []
    assert BodySeat.objects.get().left_on == D(2024, 6, 30)
    with pytest.raises(DomainError):
        actions.seat_end(seat=seat, left_on=D(2024, 7, 1), by=s.manager)


def test_a_decision_is_never_in_the_future_or_empty(s):
    board, _ = board_with_group(s)
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    for decided_on, text, field in ((tomorrow, "Agreed.", "decided_on"),
                                    (D(2025, 1, 9), "   ", "text"),
                                    (D(2019, 1, 9), "Agreed.", "decided_on")):
        with pytest.raises(DomainError) as caught:
            actions.decision_record(body=board, decided_on=decided_on, text=text, by=s.manager)
        assert caught.value.field == field
    assert not Decision.objects.exists()


def test_a_staff_member_who_does_not_chair_cannot_record_decisions(s):
    board, _ = board_with_group(s)
    with pytest.raises(DomainError) as caught:
        actions.decision_record(body=board, decided_on=D(2025, 1, 9), text="Agreed.",
                                by=ProviderStaffFactory(organisation=s.lead))
    assert caught.value.code == "forbidden"


def test_terms_document_is_checked_by_content(s):
    fake = SimpleUploadedFile("terms.pdf", b"<html>not a pdf</html>")
    with pytest.raises(DomainError) as caught:
        actions.body_create(partnership=s.partnership, name="Board", kind=BodyKind.BOARD,
                            formed_on=D(2021, 4, 1), by=s.manager, terms_document=fake)
    assert caught.value.field == "terms_document"
    pdf = SimpleUploadedFile("terms.pdf", b"%PDF-1.4\n%test\n")
    board = actions.body_create(partnership=s.partnership, name="Board", kind=BodyKind.BOARD,
                                formed_on=D(2021, 4, 1), by=s.admin, terms_document=pdf)
    assert board.terms_document.name.endswith(".pdf")


def test_ending_a_body_through_update_ends_its_seats_too(s):
    board, _ = board_with_group(s)
    seat = SeatFactory(body=board, organisation=s.member)
    actions.body_update(body=board, by=s.manager, ended_on=D(2025, 3, 31))
    seat.refresh_from_db()
    assert seat.left_on == D(2025, 3, 31)
