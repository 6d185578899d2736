"""``make run`` shows the service's own error pages, never Django's debug page (issue 16, ADR
0020): scripts/run_local.py turns DEBUG off unless the developer asks for it, and the pages and
the static files still work under the development settings it runs with."""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
STYLESHEET = "vendor/govuk-frontend/govuk-frontend.min.css"


def run_local() -> ModuleType:
    spec = importlib.util.spec_from_file_location("run_local", ROOT / "scripts" / "run_local.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_run_environment(tmp_path: Path) -> dict[str, str]:
    """The environment ``make run`` gives the web server: the default (development) settings,
    nothing set by the developer, then run_local.py's own choices. Its own SQLite file and
    Celery folder, so the checkout's are not touched."""
    env = {k: v for k, v in os.environ.items()
           if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "VIRTUAL_ENV")}
    env.update(DJANGO_SETTINGS_MODULE="config.settings",
               DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
               LOCAL_CELERY_DIR=str(tmp_path / "celery"))
    run_local().use_service_error_pages(env)
    return env


def test_make_run_turns_debug_off_unless_asked(tmp_path: Path) -> None:
    assert make_run_environment(tmp_path)["DEBUG"] == "false"
    asked = {"DEBUG": "true"}
    run_local().use_service_error_pages(asked)
    assert asked == {"DEBUG": "true"}


# Requests made inside the make-run settings (a process of their own: settings are read once).
PROBE = r"""
import json, sys, types
import django
django.setup()
from django.conf import settings
from django.test import Client, override_settings
from django.urls import include, path

def boom(request):
    raise RuntimeError("something broke in a view")

urls = types.ModuleType("probe_urls")
urls.urlpatterns = [path("boom/", boom), path("", include("config.urls"))]
urls.handler404 = "core.views.page_not_found"
urls.handler500 = "core.views.server_error"
sys.modules["probe_urls"] = urls
client = Client(raise_request_exception=False, HTTP_HOST="127.0.0.1")
out = {"debug": settings.DEBUG}
missing = client.get("/no-such-page/")
out["404"] = [missing.status_code, missing.content.decode()]
with override_settings(ROOT_URLCONF="probe_urls"):
    broken = client.get("/boom/")
out["500"] = [broken.status_code, broken.content.decode()]
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    env = make_run_environment(tmp_path_factory.mktemp("make-run"))
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env,  # noqa: S603
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_mistyped_address_gets_the_styled_page_not_found(probed: dict) -> None:
    assert probed["debug"] is False
    status, text = probed["404"]
    assert status == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in text
    assert STYLESHEET in text and 'href="/search/"' in text  # a way back
    assert "Using the URLconf" not in text and "Traceback" not in text


def test_an_error_in_a_view_gets_the_styled_problem_page(probed: dict) -> None:
    status, text = probed["500"]
    assert status == 500
    assert '<h1 class="govuk-heading-l">Sorry, there is a problem with the service</h1>' in text
    assert STYLESHEET in text and 'href="/"' in text
    assert "Traceback" not in text and "something broke" not in text


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - local server
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def test_runserver_as_make_run_starts_it_serves_css_and_the_404_page(tmp_path: Path) -> None:
    """runserver with DEBUG off serves no static files itself: WhiteNoise must (from the app
    folders, without collectstatic), or a newcomer sees unstyled pages."""
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=make_run_environment(tmp_path), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                time.sleep(0.3)
        status, content_type, css = _get(f"http://127.0.0.1:{port}/static/css/registry.css")
        assert status == 200 and content_type.startswith("text/css") and css
        status, content_type, page = _get(
            f"http://127.0.0.1:{port}/static/{STYLESHEET}")
        assert status == 200 and content_type.startswith("text/css")
        status, _, page = _get(f"http://127.0.0.1:{port}/no-such-page/")
        assert status == 404 and "Page not found" in page and "Using the URLconf" not in page
    finally:
        server.terminate()
        server.wait(timeout=10)
