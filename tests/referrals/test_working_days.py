"""Working days in England and Wales, as the published bank holidays (gov.uk) have them."""

import datetime

import pytest

from referrals.working_days import bank_holidays, is_working_day, working_days_after

D = datetime.date


@pytest.mark.parametrize(("year", "expected"), [
    (2022, {D(2022, 1, 3), D(2022, 4, 15), D(2022, 4, 18), D(2022, 5, 2), D(2022, 6, 2),
            D(2022, 6, 3), D(2022, 8, 29), D(2022, 9, 19), D(2022, 12, 26), D(2022, 12, 27)}),
    (2023, {D(2023, 1, 2), D(2023, 4, 7), D(2023, 4, 10), D(2023, 5, 1), D(2023, 5, 8),
            D(2023, 5, 29), D(2023, 8, 28), D(2023, 12, 25), D(2023, 12, 26)}),
    (2024, {D(2024, 1, 1), D(2024, 3, 29), D(2024, 4, 1), D(2024, 5, 6), D(2024, 5, 27),
            D(2024, 8, 26), D(2024, 12, 25), D(2024, 12, 26)}),
    (2026, {D(2026, 1, 1), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 4), D(2026, 5, 25),
            D(2026, 8, 31), D(2026, 12, 25), D(2026, 12, 28)}),
    (2027, {D(2027, 1, 1), D(2027, 3, 26), D(2027, 3, 29), D(2027, 5, 3), D(2027, 5, 31),
            D(2027, 8, 30), D(2027, 12, 27), D(2027, 12, 28)}),
])
def test_bank_holidays_match_the_published_dates(year, expected):
    assert bank_holidays(year) == expected


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(D(2026, 11, 28))  # a Saturday
    assert not is_working_day(D(2026, 12, 28))  # Boxing Day's substitute
    assert is_working_day(D(2026, 11, 24))


def test_a_referral_sent_before_easter_counts_past_the_holidays():
    # Thursday 2 April 2026: Good Friday 3rd and Easter Monday 6th do not count.
    assert working_days_after(D(2026, 4, 2), 1) == D(2026, 4, 7)
    assert working_days_after(D(2026, 4, 2), 5) == D(2026, 4, 13)
    # Across Christmas 2026 (25th Friday, 28th Monday substitute for Boxing Day).
    assert working_days_after(D(2026, 12, 24), 1) == D(2026, 12, 29)
    assert working_days_after(D(2026, 11, 24), 0) == D(2026, 11, 24)


# -- the subdivision (issue 16) and the next working day --------------------------------------


def test_the_next_working_day_skips_weekends_and_bank_holidays():
    from referrals.working_days import next_working_day

    assert next_working_day(D(2026, 11, 24)) == D(2026, 11, 24)  # a Tuesday: itself
    assert next_working_day(D(2026, 11, 28)) == D(2026, 11, 30)  # Saturday → Monday
    assert next_working_day(D(2026, 12, 25)) == D(2026, 12, 29)  # Christmas → after Boxing Day
    assert next_working_day(D(2027, 3, 26)) == D(2027, 3, 30)  # Good Friday → after Easter Monday


@pytest.mark.parametrize("subdivision", ["ENG", "WLS"])
def test_england_and_wales_each_have_their_calendar(subdivision):
    assert {D(2026, 12, 25), D(2026, 4, 6)} <= bank_holidays(2026, subdivision)
    assert not is_working_day(D(2026, 4, 6), subdivision)  # Easter Monday


def test_the_subdivision_chooses_the_calendar_asked_of_holidays(monkeypatch):
    """England and Wales share every bank holiday in ``holidays`` today (no date differs, so
    the difference cannot be shown by a date): the Welsh calendar is the one asked for."""
    import holidays

    from referrals import working_days

    asked = []
    real = holidays.country_holidays

    def spy(country, **kwargs):
        asked.append((country, kwargs.get("subdiv")))
        return real(country, **kwargs)

    monkeypatch.setattr(working_days.holidays, "country_holidays", spy)
    working_days.bank_holidays.cache_clear()
    try:
        working_days.is_working_day(D(2031, 5, 5), "WLS")
        working_days.is_working_day(D(2031, 5, 5))
    finally:
        working_days.bank_holidays.cache_clear()
    assert asked == [("GB", "WLS"), ("GB", "ENG")]


def test_an_unknown_subdivision_is_refused():
    with pytest.raises(ValueError, match="Unknown subdivision"):
        bank_holidays(2026, "SCT")
