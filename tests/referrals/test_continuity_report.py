"""The continuity-of-care report (issue 18): releases built by hand through the actions, one of
each outcome, and each quarter's figures compared with the counts written out below; the
filters; the median; the boundary between two quarters (31 March and 1 April); the 21 days over
a bank holiday; and the page with its downloads.

"Today" is Wednesday 15 July 2026 (``timezone.now`` patched), in 2026–27 Q2.

The hand count (every release with a treatment need, by quarter of release):

2025–26 Q4 (January to March 2026)
  I  released  2 Feb, attended  5 Feb (day 3)           engaged         plan
  H  released 31 Mar, nothing recorded                  not engaged     no plan
  J  transferred from the first prison to the second on 31 Mar: 1 out, 1 in (not a release)
2026–27 Q1 (April to June 2026)
  A  released  1 Apr, attended  1 Apr (day 0)           engaged         plan
  B  released 10 Apr, attended  1 May (day 21)          engaged         plan
  C  released 10 Apr, attended  2 May (day 22)          late            plan
  D  released 22 May (a Friday; 25 May a bank holiday), attended 12 Jun (day 21)  engaged  plan
  E  released 22 May, attended 13 Jun (day 22)          late            no plan
  F  released  1 Jun, did not attend                    not engaged     provider, no appointment
  G  released 30 Jun, nothing recorded (15 days ago)    awaiting        plan
  J  released 20 Apr from the second prison, attended 21 Apr (day 1)  engaged  plan
  K  released 15 Apr with no treatment need             not counted
2026–27 Q2 (to date)
  L  released 10 Jul, nothing recorded (5 days ago)     awaiting        no plan
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from partnerships.choices import OrganisationKind
from referrals import actions
from referrals.continuity import ContinuityFigures, figures, report
from referrals.models import CustodyEpisode
from tests.accounts.factories import CommissionerFactory
from tests.html import text as page_words
from tests.partnerships.factories import OrganisationFactory, PartnershipFactory
from tests.referrals.factories import Casework, casework_setup, open_case

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2026, 7, 15)


@dataclass
class World:
    s: Casework
    prison: Any
    other_prison: Any
    area: Any


def freeze(monkeypatch: Any, day: dt.date) -> None:
    """The clock (``core.clock`` follows ``timezone.now``) at midday on ``day``."""
    moment = dt.datetime(day.year, day.month, day.day, 11, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)


def custody(w: World, *, received: dt.date, released: dt.date | None = None,
            attended: dt.date | None = None, dna: bool = False, plan: bool = True,
            appointment: bool = True, need: bool = True,
            transferred: dt.date | None = None) -> CustodyEpisode:
    """One person through the actions: reception at the first prison, a release plan with the
    provider (and a booked appointment unless told), a transfer to the second prison, release
    and the first appointment's outcome. Probation keeps the lead throughout."""
    case = open_case(w.s, initials="ZS")
    episode = actions.custody_episode_start(case=case, establishment=w.prison,
                                            received_on=received, by=w.s.officer,
                                            treatment_need=need)
    if plan:
        actions.release_plan_update(
            episode=episode, by=w.s.officer, community_provider=w.s.provider,
            appointment_on=(released or received) if appointment else None,
            hand_lead_to_provider=False)
    if transferred is not None:
        episode = actions.custody_transfer(episode=episode, to_establishment=w.other_prison,
                                           transferred_on=transferred, by=w.s.officer)
    if released is not None:
        actions.custody_release(episode=episode, released_on=released, release_area=w.area,
                                by=w.s.officer)
    if attended is not None or dna:
        actions.first_appointment_record(episode=episode, attended_on=attended,
                                         did_not_attend=dna, by=w.s.officer)
    return episode


def make_world(monkeypatch: Any) -> World:
    """The casework partnership, two prisons and a local authority, with the clock at TODAY."""
    freeze(monkeypatch, TODAY)
    return World(s=casework_setup(),
                 prison=OrganisationFactory(name="HMP Northshire", kind=OrganisationKind.PRISON),
                 other_prison=OrganisationFactory(name="HMP Southshire",
                                                  kind=OrganisationKind.PRISON),
                 area=OrganisationFactory(name="Northshire County Council",
                                          kind=OrganisationKind.LOCAL_AUTHORITY))


def add_hand_counted(w: World) -> World:
    """The releases of the module's docstring."""
    winter = D(2026, 1, 5)
    custody(w, received=winter, released=D(2026, 2, 2), attended=D(2026, 2, 5))       # I
    custody(w, received=winter, released=D(2026, 3, 31), plan=False)                  # H
    custody(w, received=winter, transferred=D(2026, 3, 31), released=D(2026, 4, 20),
            attended=D(2026, 4, 21))                                                  # J
    custody(w, received=winter, released=D(2026, 4, 1), attended=D(2026, 4, 1))       # A
    custody(w, received=winter, released=D(2026, 4, 10), attended=D(2026, 5, 1))      # B
    custody(w, received=winter, released=D(2026, 4, 10), attended=D(2026, 5, 2))      # C
    custody(w, received=winter, released=D(2026, 5, 22), attended=D(2026, 6, 12))     # D
    custody(w, received=winter, released=D(2026, 5, 22), attended=D(2026, 6, 13),
            plan=False)                                                               # E
    custody(w, received=winter, released=D(2026, 6, 1), dna=True, appointment=False)  # F
    custody(w, received=winter, released=D(2026, 6, 30))                              # G
    custody(w, received=winter, released=D(2026, 4, 15), attended=D(2026, 4, 16),
            need=False)                                                               # K
    custody(w, received=winter, released=D(2026, 7, 10), plan=False)                  # L
    return w


@pytest.fixture
def w(monkeypatch: Any) -> World:
    return make_world(monkeypatch)


@pytest.fixture
def hand_counted(w: World) -> World:
    return add_hand_counted(w)


def counts(f: ContinuityFigures) -> dict[str, Any]:
    return {"releases": f.releases, "engaged": f.engaged_within_21_days,
            "late": f.engaged_late, "not_engaged": f.not_engaged, "awaiting": f.awaiting,
            "no_plan": f.no_plan_by_release, "median": f.median_days_to_first_appointment,
            "percent": f.percent_engaged, "in": f.transfers_in, "out": f.transfers_out}


def quarters(w: World, **filters: Any) -> dict[str, dict[str, Any]]:
    return {row.label: counts(row.figures)
            for row in report(partnership=w.s.partnership, **filters)}


Q4 = "2025–26 Q4"
Q1 = "2026–27 Q1"
Q2 = "2026–27 Q2"


def test_each_quarter_matches_the_hand_count(hand_counted: World) -> None:
    assert quarters(hand_counted) == {
        Q4: {"releases": 2, "engaged": 1, "late": 0, "not_engaged": 1, "awaiting": 0,
             "no_plan": 1, "median": 3.0, "percent": 50.0, "in": 1, "out": 1},
        # Days to the first appointment: 0, 1, 21, 21, 22, 22 → median 21.
        Q1: {"releases": 8, "engaged": 4, "late": 2, "not_engaged": 1, "awaiting": 1,
             "no_plan": 2, "median": 21.0, "percent": 50.0, "in": 0, "out": 0},
        Q2: {"releases": 1, "engaged": 0, "late": 0, "not_engaged": 0, "awaiting": 1,
             "no_plan": 1, "median": None, "percent": 0.0, "in": 0, "out": 0},
    }


def test_rows_run_oldest_first_with_their_dates(hand_counted: World) -> None:
    rows = report(partnership=hand_counted.s.partnership)
    assert [(r.label, r.starts_on, r.ends_on) for r in rows] == [
        (Q4, D(2026, 1, 1), D(2026, 3, 31)),
        (Q1, D(2026, 4, 1), D(2026, 6, 30)),
        (Q2, D(2026, 7, 1), D(2026, 9, 30))]


def test_the_report_and_figures_share_one_count(hand_counted: World) -> None:
    for row in report(partnership=hand_counted.s.partnership):
        assert row.figures == figures(partnership_id=hand_counted.s.partnership.pk,
                                      start=row.starts_on, end=row.ends_on)


def test_31_march_and_1_april_fall_in_different_quarters(hand_counted: World) -> None:
    rows = {row.label: row for row in report(partnership=hand_counted.s.partnership)}
    for day, label in ((D(2026, 3, 31), Q4), (D(2026, 4, 1), Q1)):
        assert rows[label].starts_on <= day <= rows[label].ends_on
        one_day = figures(partnership_id=hand_counted.s.partnership.pk, start=day, end=day)
        assert one_day.releases == 1, day  # H on 31 March, A on 1 April
    counted = quarters(hand_counted)
    assert counted[Q4]["out"] == counted[Q4]["in"] == 1  # the transfer on 31 March
    assert counted[Q1]["out"] == 0


def test_release_on_a_friday_before_a_bank_holiday(monkeypatch: Any, w: World) -> None:
    """Released Friday 22 May 2026 (Monday 25 May a bank holiday): an appointment on 12 June
    counts, one on 13 June does not."""
    freeze(monkeypatch, D(2026, 6, 20))
    custody(w, received=D(2026, 3, 2), released=D(2026, 5, 22), attended=D(2026, 6, 12))
    custody(w, received=D(2026, 3, 2), released=D(2026, 5, 22), attended=D(2026, 6, 13))
    f = figures(partnership_id=w.s.partnership.pk, start=D(2026, 5, 22), end=D(2026, 5, 22))
    assert (f.releases, f.engaged_within_21_days, f.engaged_late) == (2, 1, 1)
    assert f.median_days_to_first_appointment == 21.5


def test_awaiting_becomes_not_engaged_after_day_21(monkeypatch: Any, w: World) -> None:
    custody(w, received=D(2026, 3, 2), released=D(2026, 6, 24))
    on_day_21 = figures(partnership_id=w.s.partnership.pk, start=D(2026, 4, 1),
                        end=D(2026, 6, 30), today=D(2026, 7, 15))
    on_day_22 = figures(partnership_id=w.s.partnership.pk, start=D(2026, 4, 1),
                        end=D(2026, 6, 30), today=D(2026, 7, 16))
    assert (on_day_21.awaiting, on_day_21.not_engaged) == (1, 0)
    assert (on_day_22.awaiting, on_day_22.not_engaged) == (0, 1)


def test_filter_by_the_releasing_prison(hand_counted: World) -> None:
    w = hand_counted
    second = quarters(w, prison_id=w.other_prison.pk)
    assert (second[Q4]["releases"], second[Q4]["in"], second[Q4]["out"]) == (0, 1, 0)
    assert (second[Q1]["releases"], second[Q1]["engaged"], second[Q1]["median"]) == (1, 1, 1.0)
    first = quarters(w, prison_id=w.prison.pk)
    assert (first[Q4]["releases"], first[Q4]["in"], first[Q4]["out"]) == (2, 0, 1)
    assert (first[Q1]["releases"], first[Q1]["engaged"]) == (7, 3)


def test_filter_by_the_community_provider_in_the_plan(hand_counted: World) -> None:
    w = hand_counted
    planned = quarters(w, provider_id=w.s.provider.pk)
    # Every release but E, H and L names the provider; F's plan has no appointment.
    assert planned[Q4] == {"releases": 1, "engaged": 1, "late": 0, "not_engaged": 0,
                           "awaiting": 0, "no_plan": 0, "median": 3.0,
                           "percent": 100.0, "in": 1, "out": 1}
    assert (planned[Q1]["releases"], planned[Q1]["engaged"], planned[Q1]["late"],
            planned[Q1]["no_plan"]) == (7, 4, 1, 1)
    assert planned[Q2]["releases"] == 0 and planned[Q2]["percent"] is None
    other = OrganisationFactory(name="Southshire Recovery")
    assert all(row["releases"] == row["in"] == row["out"] == 0
               for row in quarters(w, provider_id=other.pk).values())


def test_at_most_the_last_quarters_asked_for(hand_counted: World) -> None:
    assert list(quarters(hand_counted)) == [Q4, Q1, Q2]
    assert list(quarters(hand_counted, quarters=2)) == [Q1, Q2]


def test_quarters_span_from_the_first_release_to_today(monkeypatch: Any, w: World) -> None:
    freeze(monkeypatch, D(2026, 12, 1))
    custody(w, received=D(2026, 6, 1), released=D(2026, 6, 30), attended=D(2026, 7, 2))
    assert list(quarters(w)) == [Q1, Q2, "2026–27 Q3"]


def test_no_custody_no_rows(w: World) -> None:
    assert report(partnership=w.s.partnership) == []
    custody(w, received=D(2026, 7, 1))  # in prison, neither released nor transferred
    assert report(partnership=w.s.partnership) == []


def test_query_count_does_not_grow_with_quarters_or_releases(
        hand_counted: World, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(3):
        rows = report(partnership=hand_counted.s.partnership, quarters=40)
    assert len(rows) == 3


# -- the page and its downloads -----------------------------------------------------------------


def test_page_shows_each_quarter_and_the_rule(hand_counted: World, client: Any) -> None:
    client.force_login(CommissionerFactory())  # counts, not cases: any viewer of the registry
    response = client.get(reverse("referrals:continuity", args=[hand_counted.s.partnership.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    for text in (Q4, Q1, Q2, "50.0%", "21 calendar days", "A transfer to another prison is not "
                 "a release", "HMP Northshire", "HMP Southshire", "Northshire Recovery Services",
                 "Download this report (CSV)"):
        assert text in html, text
    # No person's initials among the page's words (tags, tokens and nonces are not words).
    assert "ZS" not in page_words(html).split()


def test_page_filters_and_refuses_an_unknown_prison(hand_counted: World, client: Any) -> None:
    w = hand_counted
    client.force_login(w.s.worker)
    url = reverse("referrals:continuity", args=[w.s.partnership.slug])
    filtered = client.get(url, {"prison": w.other_prison.slug})
    assert filtered.status_code == 200
    assert [r.figures.releases for r in filtered.context["rows"]] == [0, 1, 0]
    assert f"?prison={w.other_prison.slug}" in filtered.content.decode()  # downloads keep it
    wrong = client.get(url, {"prison": "hmp-nowhere"})
    html = wrong.content.decode()
    assert wrong.status_code == 200 and wrong.context["rows"] == []
    assert "govuk-error-summary" in html and 'href="#id_prison"' in html
    assert "Choose a prison that has held someone" in html


def test_page_empty_state_and_no_link_without_custody(w: World, client: Any) -> None:
    client.force_login(w.s.worker)
    html = client.get(reverse("referrals:continuity", args=[w.s.partnership.slug])
                      ).content.decode()
    assert "No releases recorded yet" in html and "<table" not in html
    detail = client.get(reverse("partnerships:detail", args=[w.s.partnership.slug]))
    assert "Continuity of care through the gate" not in detail.content.decode()


def test_partnership_page_links_the_report_once_custody_is_recorded(w: World,
                                                                    client: Any) -> None:
    custody(w, received=D(2026, 7, 1))
    client.force_login(w.s.outsider)
    html = client.get(reverse("partnerships:detail", args=[w.s.partnership.slug])
                      ).content.decode()
    assert reverse("referrals:continuity", args=[w.s.partnership.slug]) in html
    assert "Continuity of care through the gate" in html


def test_not_found_for_an_unknown_partnership_and_sign_in_needed(w: World,
                                                                 client: Any) -> None:
    url = reverse("referrals:continuity", args=[w.s.partnership.slug])
    assert client.get(url).status_code == 302
    client.force_login(w.s.worker)
    assert client.get(reverse("referrals:continuity", args=["no-such"])).status_code == 404
    export = reverse("referrals:continuity-export", args=[w.s.partnership.slug, "pdf"])
    assert client.get(export).status_code == 404


def test_csv_and_xlsx_hold_the_same_rows(hand_counted: World, client: Any) -> None:
    w = hand_counted
    client.force_login(w.s.worker)
    slug = w.s.partnership.slug
    csv = client.get(reverse("referrals:continuity-export", args=[slug, "csv"]))
    assert csv["Content-Disposition"].startswith(
        f'attachment; filename="{slug}-continuity-of-care-2026-07-15.csv"')
    lines = b"".join(csv.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Quarter,Starts on,Ends on,Releases with a treatment need")
    assert lines[2] == f"{Q1},2026-04-01,2026-06-30,8,4,50.0,2,1,1,21.0,2,0,0"
    assert lines[3] == f"{Q2},2026-07-01,2026-09-30,1,0,0.0,0,0,1,,1,0,0"
    xlsx = client.get(reverse("referrals:continuity-export", args=[slug, "xlsx"]),
                      {"prison": w.other_prison.slug})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Quarter" and len(values) == 4
    assert values[2][:5] == [Q1, dt.datetime(2026, 4, 1), dt.datetime(2026, 6, 30), 1, 1]


def test_any_signed_in_viewer_of_another_partnership_sees_counts_only(
        hand_counted: World, client: Any) -> None:
    other = PartnershipFactory()
    client.force_login(hand_counted.s.outsider)
    assert client.get(reverse("referrals:continuity", args=[other.slug])).status_code == 200
    html = client.get(reverse("referrals:continuity",
                              args=[hand_counted.s.partnership.slug])).content.decode()
    assert "/casework/cases/" not in html


def test_page_query_count_is_bounded(hand_counted: World, client: Any,
                                     django_assert_max_num_queries: Any) -> None:
    w = hand_counted
    client.force_login(w.s.worker)
    url = reverse("referrals:continuity", args=[w.s.partnership.slug])
    # Session and user, the partnership, the two filters' lookups and their two option lists,
    # the first release, the releases and the transfers.
    with django_assert_max_num_queries(11):
        response = client.get(url, {"prison": w.prison.slug, "provider": w.s.provider.slug})
    assert response.status_code == 200
