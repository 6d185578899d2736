"""Configuration from the environment: safe defaults, PostgreSQL by URL, a hardened production."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROD_KEY = "x" * 20 + "-production-secret-key-for-tests-only-0123456789"


def run(args, **env_overrides):
    """Run Python in a clean environment (only what we pass), from the project folder."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")}
    env.update(env_overrides)
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def settings_json(**env):
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], "
            "'name': str(s.DATABASES['default']['NAME']), 'debug': s.DEBUG, "
            "'email': s.EMAIL_BACKEND, 'broker': s.CELERY_BROKER_URL, "
            "'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['default-src']}))")
    result = run(["-c", code], DJANGO_SETTINGS_MODULE="config.settings", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_variables_means_sqlite_debug_console_email():
    s = settings_json()
    assert s["engine"] == "django.db.backends.sqlite3"
    assert s["name"] == str(ROOT / "db.sqlite3")
    assert s["debug"] is True
    assert s["email"] == "django.core.mail.backends.console.EmailBackend"
    assert s["csp"] == ["'self'"]


def test_database_url_selects_postgresql_and_redis_url_the_broker():
    s = settings_json(DATABASE_URL="postgres://postgres@127.0.0.1:5432/registry",
                      REDIS_URL="redis://127.0.0.1:6379/0",
                      EMAIL_URL="smtp+tls://user:pw@mail.example.org:587")
    assert s["engine"] == "django.db.backends.postgresql"
    assert s["name"] == "registry"
    assert s["broker"] == "redis://127.0.0.1:6379/0"
    assert s["email"] == "django.core.mail.backends.smtp.EmailBackend"


def test_production_check_deploy_reports_nothing():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                 DJANGO_ENV="production", SECRET_KEY=PROD_KEY,
                 ALLOWED_HOSTS="registry.example.org", REDIS_URL="redis://127.0.0.1:6379/0",
                 EMAIL_URL="smtp+tls://user:pw@mail.example.org:587")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


PROD = {"SECRET_KEY": PROD_KEY, "ALLOWED_HOSTS": "registry.example.org",
        "REDIS_URL": "redis://127.0.0.1:6379/0"}


@pytest.mark.parametrize("email", [{}, {"EMAIL_URL": "consolemail://"},
                                   {"EMAIL_URL": "dummymail://"}])
def test_production_refuses_to_start_without_a_mail_server(email):
    # Without EMAIL_URL production used to print every reminder to the console, silently.
    result = run(["manage.py", "check"], DJANGO_ENV="production", **PROD, **email)
    assert result.returncode != 0
    assert "EMAIL_URL must name a mail server in production" in result.stderr


def test_a_production_trial_may_print_emails_when_it_says_so():
    result = run(["manage.py", "check"], DJANGO_ENV="production", **PROD,
                 EMAIL_URL="consolemail://", ALLOW_CONSOLE_EMAIL="true")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("env, message", [
    ({"ALLOWED_HOSTS": "registry.example.org"}, "SECRET_KEY must be set"),
    ({"SECRET_KEY": PROD_KEY}, "ALLOWED_HOSTS must list"),
])
def test_production_refuses_to_start_without_secrets(env, message):
    result = run(["manage.py", "check"], DJANGO_ENV="production", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_unknown_environment_name_is_explained():
    result = run(["manage.py", "check"], DJANGO_ENV="prod")
    assert result.returncode != 0
    assert "DJANGO_ENV='prod' is not recognised" in result.stderr
