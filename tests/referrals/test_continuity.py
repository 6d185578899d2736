"""The 21-day continuity-of-care rule (issue 18): calendar days, day 21 counts, day 22 does not,
bank holidays do not extend it, and a transfer is not a release."""

from __future__ import annotations

import datetime

import pytest

from partnerships.choices import OrganisationKind
from referrals import actions
from referrals.continuity import (
    CONTINUITY_DAYS,
    days_to_first_appointment,
    engaged_within,
    releases_in,
)
from tests.partnerships.factories import OrganisationFactory
from tests.referrals.factories import Casework, days, open_case

FRIDAY_BEFORE_BANK_HOLIDAY = datetime.date(2026, 5, 22)  # Monday 25 May 2026 is a bank holiday


def test_the_window_is_21_calendar_days() -> None:
    assert CONTINUITY_DAYS == 21


def test_release_on_a_friday_before_a_bank_holiday_day_21_counts_day_22_does_not() -> None:
    assert FRIDAY_BEFORE_BANK_HOLIDAY.weekday() == 4
    assert engaged_within(FRIDAY_BEFORE_BANK_HOLIDAY, datetime.date(2026, 6, 12))
    assert not engaged_within(FRIDAY_BEFORE_BANK_HOLIDAY, datetime.date(2026, 6, 13))
    assert days_to_first_appointment(FRIDAY_BEFORE_BANK_HOLIDAY,
                                     datetime.date(2026, 6, 12)) == 21


def test_same_day_counts_before_release_and_none_do_not() -> None:
    released = datetime.date(2026, 3, 2)
    assert engaged_within(released, released)
    assert days_to_first_appointment(released, released) == 0
    assert not engaged_within(released, released - datetime.timedelta(days=1))
    assert not engaged_within(released, None)


@pytest.mark.django_db
def test_releases_in_counts_releases_only_not_transfers(s: Casework) -> None:
    prison = OrganisationFactory(kind=OrganisationKind.PRISON)
    other = OrganisationFactory(kind=OrganisationKind.PRISON)
    area = OrganisationFactory(kind=OrganisationKind.LOCAL_AUTHORITY)
    transferred_case, released_case = open_case(s), open_case(s)
    first = actions.custody_episode_start(case=transferred_case, establishment=prison,
                                          received_on=days(-40), by=s.officer)
    actions.custody_transfer(episode=first, to_establishment=other, transferred_on=days(-20),
                             by=s.officer)
    episode = actions.custody_episode_start(case=released_case, establishment=prison,
                                            received_on=days(-40), by=s.officer)
    actions.custody_release(episode=episode, released_on=days(-10), release_area=area,
                            by=s.officer)

    assert list(releases_in(days(-30), days(0))) == [episode]
    assert not releases_in(days(-9), days(0)).exists()
    assert list(releases_in(days(-10), days(-10))) == [episode]
