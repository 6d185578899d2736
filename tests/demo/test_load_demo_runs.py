"""load_demo run by itself on an empty database: a second run creates nothing, it refuses with
DEBUG off unless forced, and a failure part way leaves nothing behind. Kept apart from
test_load_demo.py, whose tests share one loaded demo (tests/demo/conftest.py)."""

from __future__ import annotations

import pytest
from django.core.management import CommandError
from django.test import override_settings

from accounts.models import User
from partnerships import actions as p_actions
from partnerships.models import Partnership
from tests.demo.test_load_demo import counts, run_load_demo


@pytest.mark.django_db
def test_second_run_creates_nothing():
    with override_settings(DEBUG=True):  # no --force needed in development
        first = run_load_demo()
    after_first = counts()
    assert after_first["Partnership"] == 5
    assert after_first["AuditEvent"] > 0
    assert "Partnership 1/5" in first and "Partnership 5/5" in first

    second = run_load_demo("--force")

    assert counts() == after_first  # every model, audit events included
    progress = [line for line in second.splitlines() if "Partnership " in line and "/5" in line]
    assert len(progress) == 5
    assert all("already loaded, skipped" in line for line in progress)
    assert "nothing new was created" in second


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_refuses_when_debug_is_off_without_force():
    with pytest.raises(CommandError, match="DEBUG is off.*--force"):
        run_load_demo()
    assert Partnership.objects.count() == 0
    assert not User.objects.exists()


@pytest.mark.django_db
def test_a_failure_part_way_leaves_nothing_behind(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("funder's system is down")

    monkeypatch.setattr(p_actions, "funding_add", broken)
    before = counts()
    with pytest.raises(RuntimeError):
        run_load_demo("--force")
    assert counts() == before
