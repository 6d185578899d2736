"""The demo, loaded once per test module rather than once per test: loading it costs about ten
seconds, and most of these tests only read it. It is loaded inside a transaction that is rolled
back when the module ends; each test's own transaction is a savepoint inside it, so a test that
changes the demo (a second run, a changed password) leaves the next test the demo as loaded.

Modules that use it must use it in every test that touches the database: a test in the same
module that expects an empty database would see the demo (tests/demo/test_load_demo_runs.py
holds those)."""

from __future__ import annotations

from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """What `load_demo --force` printed; the demo is in the database for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo", "--force", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)
