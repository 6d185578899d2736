"""Pick the settings module from DJANGO_ENV (development by default, production when asked)."""

import os

_env = os.environ.get("DJANGO_ENV", "development").strip().lower()

if _env == "production":
    from .production import *  # noqa: F403
elif _env == "test":
    from .test import *  # noqa: F403
elif _env in ("development", "local", ""):
    from .local import *  # noqa: F403
else:
    raise RuntimeError(
        f"DJANGO_ENV={_env!r} is not recognised: "
        "use 'development' (default), 'test' or 'production'."
    )
