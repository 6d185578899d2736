"""Starting and submitting through the API are safe to retry: ``POST /api/v1/returns/`` answers
201 when it starts the return and 200 with the same return when it was already started (two at
once included: no 500 from the unique key); submitting a return already submitted answers 200
with it as it stands. Neither writes a second row or audit row."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.urls import reverse
from rest_framework.test import APIClient

from core.models import AuditEvent
from monitoring.models import MonitoringReturn
from tests.accounts.factories import ProviderStaffFactory
from tests.monitoring.workflow import approved, draft, submitted, unchanged_state

pytestmark = pytest.mark.django_db


def url(name: str, ret: MonitoringReturn | None = None) -> str:
    return reverse(name, kwargs={"pk": ret.pk} if ret else None)


def start(client: APIClient, s: Any) -> Any:
    return client.post(url("return-list"), {"partnership": s.partnership.slug,
                                            "period": s.period.pk}, format="json")


def test_a_repeated_start_answers_200_with_the_same_return(s, client_for):
    client = client_for(s.staff)
    first = start(client, s)
    assert first.status_code == 201, first.content
    before = unchanged_state()
    again = start(client_for(ProviderStaffFactory(organisation=s.provider)), s)
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert unchanged_state() == before


def test_a_repeated_start_by_someone_who_may_not_is_still_refused(s, client_for):
    start(client_for(s.staff), s)
    before = unchanged_state()
    response = client_for(ProviderStaffFactory()).post(url("return-list"), {
        "organisation": s.provider.slug, "partnership": s.partnership.slug,
        "period": s.period.pk}, format="json")
    assert response.status_code == 400
    assert "Only provider staff" in response.content.decode()
    assert unchanged_state() == before


def test_a_repeated_submit_answers_200_with_the_return_as_it_stands(s, client_for):
    ret = draft(s, starts="10", completions="4")
    client = client_for(s.staff)
    first = client.post(url("return-submit", ret), {}, format="json")
    assert first.status_code == 200, first.content
    before = unchanged_state()
    again = client.post(url("return-submit", ret), {"warning_note": "again"}, format="json")
    assert again.status_code == 200, again.content
    assert again.json() == first.json()
    assert again.json()["status"] == "submitted" and again.json()["submitted_at"]
    assert unchanged_state() == before
    assert AuditEvent.objects.filter(summary="Submitted return").count() == 1


def test_submitting_an_approved_return_is_still_refused(s, client_for):
    ret = approved(s)
    before = unchanged_state()
    response = client_for(s.staff).post(url("return-submit", ret), {}, format="json")
    assert response.status_code == 400
    assert "locked" in response.content.decode()
    assert unchanged_state() == before


def test_the_lead_partner_submitting_a_submitted_return_is_refused_not_answered(s, client_for):
    ret = submitted(s)
    before = unchanged_state()
    response = client_for(s.manager).post(url("return-submit", ret), {}, format="json")
    assert response.status_code == 400
    assert unchanged_state() == before


def test_the_schema_documents_both_answers_of_start_and_submit(client_for, s):
    schema = client_for(s.staff).get(reverse("api-schema"), {"format": "json"}).json()
    start_op = schema["paths"]["/api/v1/returns/"]["post"]
    assert {"200", "201"} <= set(start_op["responses"])
    assert "already started" in start_op["responses"]["200"]["description"].lower()
    submit_op = schema["paths"]["/api/v1/returns/{id}/submit/"]["post"]
    assert "already submitted" in submit_op["responses"]["200"]["description"].lower()


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_once_give_one_return_and_no_server_error(s):
    """Two simultaneous ``POST /api/v1/returns/`` used to race into an IntegrityError (500)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    ContentType.objects.clear_cache()
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def post() -> None:
        try:
            client = APIClient()
            client.force_login(s.staff)
            barrier.wait()
            statuses.append(start(client, s).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert errors == []
    assert sorted(statuses) == [200, 201]
    assert MonitoringReturn.objects.count() == 1
    assert AuditEvent.objects.filter(summary="Started return").count() == 1
