"""`manage.py createsuperuser` works as docs/operations.md says: the superuser it makes is a
platform admin with no organisation, who can open the admin at once."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_createsuperuser_non_interactive_makes_a_platform_admin(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long enough pass phrase 42")

    call_command("createsuperuser", interactive=False, username="ops",
                 email="ops@example.org", verbosity=0)

    user = User.objects.get(username="ops")
    assert user.is_superuser and user.is_staff
    assert user.role == Role.PLATFORM_ADMIN
    assert user.organisation is None
    assert user.check_password("a long enough pass phrase 42")

    client = Client()
    assert client.login(username="ops", password="a long enough pass phrase 42")
    assert client.get(reverse("admin:index")).status_code == 200


def test_create_superuser_from_python_is_a_platform_admin():
    user = User.objects.create_superuser("root2", "root2@example.org", "pass phrase 4242")
    assert (user.role, user.organisation_id, user.is_superuser) == (
        Role.PLATFORM_ADMIN, None, True)


def test_manage_py_createsuperuser_noinput_on_a_fresh_database(tmp_path):
    """The documented command, as an operator runs it: a fresh database, then
    `manage.py createsuperuser --noinput` with DJANGO_SUPERUSER_PASSWORD set."""
    import os
    import sqlite3
    import subprocess
    import sys
    from pathlib import Path

    from django.conf import settings

    database = tmp_path / "fresh.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}",
           "DJANGO_SETTINGS_MODULE": "config.settings.test",
           "DJANGO_SUPERUSER_PASSWORD": "a long enough pass phrase 42"}
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    for args in (["migrate", "--noinput", "-v", "0"],
                 ["createsuperuser", "--noinput", "--username", "ops",
                  "--email", "ops@example.org"]):
        done = subprocess.run([*manage, *args], env=env, capture_output=True, text=True,
                              timeout=300, cwd=settings.BASE_DIR, check=False)
        assert done.returncode == 0, done.stderr[-2000:]

    with sqlite3.connect(database) as db:
        row = db.execute("SELECT role, organisation_id, is_superuser FROM accounts_user "
                         "WHERE username = 'ops'").fetchone()
    assert row == ("platform_admin", None, 1)
