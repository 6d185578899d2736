"""Development: DEBUG on, SQLite unless DATABASE_URL says otherwise, email to the console, and
Celery on a broker kept in files unless REDIS_URL says otherwise."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, REDIS_URL, env

DEBUG = env.bool("DEBUG", default=True)
# Only for local development; production refuses to start without a real SECRET_KEY.
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-development-only-key-do-not-deploy")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve static files straight from the app folders without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Celery without Redis: kombu's filesystem transport, a broker in files under .celery/, so that
# `make run` has a real worker and beat (reminders work on the first run) with no server to
# install. The web process and the worker only share the folder. Results are not kept (nothing
# reads them). Tasks are taken by moving their file, so a worker killed mid-task loses that task:
# fine for development, which is why production requires Redis.
LOCAL_CELERY_DIR = Path(env.str("LOCAL_CELERY_DIR", default=str(BASE_DIR / ".celery")))
CELERY_BEAT_SCHEDULE_FILENAME = str(LOCAL_CELERY_DIR / "celerybeat-schedule")
if not REDIS_URL:
    _folders = {name: LOCAL_CELERY_DIR / name for name in ("messages", "processed", "control")}
    for _folder in _folders.values():
        _folder.mkdir(parents=True, exist_ok=True)
    _ignore = LOCAL_CELERY_DIR / ".gitignore"
    if not _ignore.exists():
        _ignore.write_text("# Local Celery broker files (config/settings/local.py).\n*\n")
    CELERY_BROKER_URL = "filesystem://localhost//"  # a host name, or kombu warns on each use
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # One folder both ways: whoever publishes and whoever consumes are on this machine.
        "data_folder_in": str(_folders["messages"]),
        "data_folder_out": str(_folders["messages"]),
        "control_folder": str(_folders["control"]),
        # Taken messages are moved here (a rename in the same file system, so two consumers
        # never both take one) and kept as a record of what ran; `make clean` removes them.
        "store_processed": True,
        "processed_folder": str(_folders["processed"]),
    }
    CELERY_RESULT_BACKEND = None
