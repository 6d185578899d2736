"""Backup and restore, as docs/operations.md tells an operator to do it and to test it.

A fresh database gets the migrations and the demo; ``scripts/backup`` dumps it; ``scripts/
restore`` refuses to overwrite a database with tables unless told, then restores into another
fresh database; every table has the same number of rows in both; and the restored copy serves a
partnership page to a demo login signing in with its password. PostgreSQL only (the scripts are
pg_dump/pg_restore). The databases are named ``h5_…`` after the test database's name, made and
dropped here. About 45 s, most of it migrating and loading the demo.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from tests.celery.conftest import in_ci

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="backups are pg_dump/pg_restore of a PostgreSQL database")

ROOT = Path(settings.BASE_DIR)
TIMEOUT = 180  # seconds for any one step; the whole test takes about 45


def server_url(name: str) -> str:
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        credentials += ":" + quote(s["PASSWORD"], safe="")
    at = "@" if credentials else ""
    port = f":{s['PORT']}" if s["PORT"] else ""
    return f"postgres://{credentials}{at}{s['HOST'] or 'localhost'}{port}/{name}"


def admin_connection() -> Any:
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"],
                           password=s["PASSWORD"] or None, dbname="postgres", autocommit=True)


@pytest.fixture
def databases() -> Iterator[tuple[str, str]]:
    """Two fresh, empty databases (source and target), dropped afterwards."""
    missing = [tool for tool in ("pg_dump", "pg_restore", "psql") if shutil.which(tool) is None]
    if missing:
        reason = (f"the backup scripts need the PostgreSQL client tools ({', '.join(missing)} "
                  "missing; Debian: apt-get install postgresql-client)")
        if in_ci():
            pytest.fail(f"CI=true and {reason}", pytrace=False)
        pytest.skip(reason)
    stem = re.sub(r"\W", "_", os.environ.get("PYTEST_XDIST_WORKER", "gw0"))
    names = [f"h5_backup_{kind}_{stem}_{secrets.token_hex(3)}" for kind in ("source", "copy")]
    with admin_connection() as admin:
        for name in names:
            admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield names[0], names[1]
    finally:
        with admin_connection() as admin:
            for name in names:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(command: list[str], *, database: str, cwd: Path = ROOT,
        check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DJANGO_ENV": "test",
           "DATABASE_URL": server_url(database), "CONN_MAX_AGE": "0"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,  # noqa: S603
                            timeout=TIMEOUT)
    if check:
        assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result


def manage(*args: str, database: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], database=database)


def row_counts(database: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    s = connection.settings_dict
    with psycopg.connect(host=s["HOST"] or None, port=s["PORT"] or None, user=s["USER"],
                         password=s["PASSWORD"] or None, dbname=database) as db:
        tables = [row[0] for row in db.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
        return {table: db.execute(sql.SQL("SELECT count(*) FROM {}").format(
            sql.Identifier(table))).fetchone()[0] for table in tables}


PAGE_CHECK = """
from django.test import Client
from django.urls import reverse
from partnerships.models import Partnership
partnership = Partnership.objects.order_by("name").first()
client = Client()
assert client.login(username="demo-manager", password="Lantern-Harbour-Demo-Registry")
page = client.get(reverse("partnerships:detail", args=[partnership.slug]))
print("STATUS", page.status_code)
print("HAS-NAME", partnership.name in page.content.decode())
"""


def test_a_backup_of_the_demo_restores_with_every_row_and_serves_pages(
        databases: tuple[str, str], tmp_path: Path) -> None:
    source, copy = databases
    manage("migrate", "--no-input", "-v", "0", database=source)
    manage("load_demo", "--force", database=source)

    dump = tmp_path / "registry.dump"
    backup = run([str(ROOT / "scripts" / "backup"), str(dump)], database=source)
    assert f"Backing up database {source}" in backup.stdout
    assert re.search(rf"Backup complete: {re.escape(str(dump))} \(\d+(\.\d+)?[KMG]?, \d+ "
                     r"entries, \d+ s\)", backup.stdout), backup.stdout
    assert dump.stat().st_mode & 0o077 == 0  # readable by its owner only: it holds casework

    restore = [str(ROOT / "scripts" / "restore"), str(dump), "--to", server_url(copy)]
    restored = run(restore, database=source)
    assert f"into database {copy} (empty)" in restored.stdout
    assert "Restore complete" in restored.stdout

    counts = row_counts(source)
    assert len(counts) > 40 and counts["partnerships_partnership"] >= 5
    assert row_counts(copy) == counts

    # Restoring over a database that has tables needs --overwrite; without it nothing changes.
    refused = run(restore, database=source, check=False)
    assert refused.returncode == 1
    assert f"database {copy} already has {len(counts)} tables. Nothing was changed." \
        in refused.stderr
    run([*restore, "--overwrite"], database=source)
    assert row_counts(copy) == counts

    # The copy is a working registry: no migration missing, a demo login signs in with its
    # password and sees a partnership page.
    manage("migrate", "--check", database=copy)
    page = manage("shell", "-c", PAGE_CHECK, database=copy)
    assert "STATUS 200" in page.stdout and "HAS-NAME True" in page.stdout, page.stdout
