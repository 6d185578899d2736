"""Starting and submitting a return are safe to repeat and to race: a double click, a browser's
back button or two colleagues at once get the one return, with no server error, no second row
and no second audit row.

Starting: ``return_get_or_start`` reads the existing return, and a start that loses the race
(its insert refused by the unique key while the other transaction commits) answers the winner's
return. Submitting: a second Submit lands on the return page saying when it was submitted.

The races need concurrent writers, so they run on PostgreSQL (SQLite serialises writers); the
plain repeats run on both."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.db import connection, connections, transaction
from django.test import Client
from django.urls import reverse

from core.display import govuk_datetime
from core.models import AuditEvent
from monitoring import actions
from monitoring.choices import ReturnStatus
from monitoring.models import MonitoringReturn
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.workflow import approved, draft, started, submitted, unchanged_state

pytestmark = pytest.mark.django_db

needs_postgresql = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="needs concurrent writers (PostgreSQL)")


def start_url() -> str:
    return reverse("monitoring:return-start")


def edit_url(ret: MonitoringReturn) -> str:
    return reverse("monitoring:return-edit", args=[ret.pk])


def return_url(ret: MonitoringReturn) -> str:
    return reverse("monitoring:return", args=[ret.pk])


def notices(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def starts_recorded() -> int:
    return AuditEvent.objects.filter(summary="Started return").count()


# -- starting, repeated ----------------------------------------------------------------------------


def test_starting_again_answers_the_return_already_started(s):
    ret, created = actions.return_get_or_start(organisation=s.provider,
                                               partnership=s.partnership, period=s.period,
                                               by=s.staff)
    assert created
    before = unchanged_state()
    colleague = ProviderStaffFactory(organisation=s.provider)
    again, created = actions.return_get_or_start(organisation=s.provider,
                                                 partnership=s.partnership, period=s.period,
                                                 by=colleague)
    assert (again, created) == (ret, False)
    assert unchanged_state() == before
    assert starts_recorded() == 1


def test_starting_again_still_refuses_someone_who_may_not_start_it(s):
    started(s)
    before = unchanged_state()
    with pytest.raises(Exception, match="Only provider staff"):
        actions.return_get_or_start(organisation=s.provider, partnership=s.partnership,
                                    period=s.period, by=ProviderStaffFactory())
    assert unchanged_state() == before


def test_a_double_click_on_start_lands_both_clicks_on_the_one_form(client, s):
    client.force_login(s.staff)
    body = {"partnership": s.partnership.pk, "period": s.period.pk}
    first = client.post(start_url(), body)
    before = unchanged_state()
    second = client.post(start_url(), body)
    ret = MonitoringReturn.objects.get()
    assert first["Location"] == second["Location"] == edit_url(ret)
    assert unchanged_state() == before
    assert notices(second)[-1] == (  # after the first click's own, not yet shown
        f"The 2025–26 Q1 return for {s.partnership} was already started on "
        f"{govuk_datetime(ret.created_on)}.")


def test_starting_a_submitted_return_again_opens_its_page(client, s):
    ret = submitted(s)
    client.force_login(s.staff)
    response = client.post(start_url(), {"partnership": s.partnership.pk,
                                         "period": s.period.pk})
    assert response["Location"] == return_url(ret)


# -- submitting, repeated --------------------------------------------------------------------------


def submit_form(ret: MonitoringReturn, **figures: str) -> dict[str, Any]:
    data: dict[str, Any] = {"version": ret.version, "action": "continue"}
    data.update({f"figure-{code}": value for code, value in figures.items()})
    return data


def test_a_second_submit_lands_on_the_return_saying_when_it_was_submitted(client, s):
    ret = draft(s)
    client.force_login(s.staff)
    checked = client.post(edit_url(ret), submit_form(ret, starts="10", completions="4"))
    check_url = reverse("monitoring:return-check", args=[ret.pk])
    assert checked["Location"] == check_url
    ret.refresh_from_db()
    form = {"version": ret.version}
    first = client.post(check_url, form)
    assert first["Location"] == return_url(ret)
    before = unchanged_state()
    second = client.post(check_url, form)  # the same form again: same version
    assert second.status_code == 302 and second["Location"] == return_url(ret)
    assert unchanged_state() == before  # no second audit row, nothing changed
    ret.refresh_from_db()
    assert ret.status == ReturnStatus.SUBMITTED
    assert notices(second)[-1] == (f"This return was submitted on "
                                   f"{govuk_datetime(ret.submitted_at)}. The lead partner "
                                   "will review it.")
    # The back button to the form, and Continue again: the same answer, nothing changed.
    again = client.post(edit_url(ret), submit_form(ret, starts="10", completions="4"))
    assert again["Location"] == return_url(ret)
    assert unchanged_state() == before
    page = client.get(second["Location"]).content.decode()
    assert "This return was submitted on" in page


def test_saving_a_draft_of_a_submitted_return_is_still_refused(client, s):
    ret = submitted(s)
    client.force_login(s.staff)
    before = unchanged_state()
    response = client.post(edit_url(ret), {"version": ret.version, "action": "save",
                                           "figure-starts": "11"})
    assert response.status_code == 403
    assert unchanged_state() == before


def test_a_submit_on_an_approved_return_is_not_mistaken_for_a_repeat(client, s):
    ret = approved(s)
    client.force_login(s.staff)
    before = unchanged_state()
    response = client.post(edit_url(ret), submit_form(ret, starts="11", completions="4"))
    assert response.status_code == 403
    assert "is locked" in response.content.decode()
    assert unchanged_state() == before


def test_someone_else_submitting_gets_no_notice_and_changes_nothing(client, s):
    ret = submitted(s)
    client.force_login(s.manager)
    before = unchanged_state()
    response = client.post(edit_url(ret), submit_form(ret, starts="10", completions="4"))
    assert response.status_code == 403
    assert unchanged_state() == before


# -- the races (PostgreSQL) ------------------------------------------------------------------------


def wait_until_blocked(thread: threading.Thread, errors: list[BaseException],
                       timeout: float = 10.0) -> None:
    """Until another connection waits on a row or index lock held by this test."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline and thread.is_alive():
            # Statistics views are a snapshot per transaction, and this one is still open.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                           " AND datname = current_database()")
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError(f"the other request never waited for the lock: {errors!r}")


def in_thread(target: Callable[[], Any], results: list[Any],
              errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            results.append(target())
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_start_that_loses_the_race_answers_the_winners_return(s):
    """The loser's existence check cannot see the winner's uncommitted row, so its insert hits
    the unique key: that used to be an IntegrityError (a 500); now it reads the winner's row."""
    ContentType.objects.clear_cache()  # the threads' audit rows must not use stale ids
    colleague = ProviderStaffFactory(organisation=s.provider)
    results: list[Any] = []
    errors: list[BaseException] = []
    with transaction.atomic():  # the winner: inserted, not yet committed
        won, created = actions.return_get_or_start(organisation=s.provider,
                                                   partnership=s.partnership,
                                                   period=s.period, by=s.staff)
        assert created
        loser = in_thread(lambda: actions.return_get_or_start(
            organisation=s.provider, partnership=s.partnership, period=s.period,
            by=colleague), results, errors)
        wait_until_blocked(loser, errors)  # its insert waits on the winner's unique key
    loser.join(10)
    assert errors == []
    assert results == [(won, False)]
    assert MonitoringReturn.objects.count() == 1
    assert starts_recorded() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_two_start_clicks_at_once_make_one_return(s):
    ContentType.objects.clear_cache()
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def click() -> int:
        client = Client()
        client.force_login(s.staff)
        barrier.wait()
        response = client.post(start_url(), {"partnership": s.partnership.pk,
                                             "period": s.period.pk})
        return response.status_code

    threads = [in_thread(click, results, errors) for _ in range(2)]
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert results == [302, 302]
    assert MonitoringReturn.objects.count() == 1
    assert starts_recorded() == 1


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_a_submit_that_waits_for_another_lands_on_the_return_page(s):
    """The second click reads the return as a draft, then waits for the first click's row lock;
    once that commits, its own submission is refused as already done, and it shows the notice
    instead of an error on the form."""
    ContentType.objects.clear_cache()
    ret = draft(s, starts="10", completions="4")  # continued to the check page
    form = {"version": ret.version}
    results: list[Any] = []
    errors: list[BaseException] = []

    def second_click() -> Any:
        client = Client()
        client.force_login(s.staff)
        return client.post(reverse("monitoring:return-check", args=[ret.pk]), form)

    with transaction.atomic():  # the first click: submitted, not yet committed
        actions.return_submit(monitoring_return=ret, by=s.staff, expected_version=ret.version)
        thread = in_thread(second_click, results, errors)
        wait_until_blocked(thread, errors)
    thread.join(20)
    assert errors == []
    [response] = results
    assert response.status_code == 302 and response["Location"] == return_url(ret)
    assert AuditEvent.objects.filter(summary="Submitted return").count() == 1
