"""Production: every secret from the environment, no defaults; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND, REDIS_URL, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names the site is served on.")

# Celery needs a real broker: without Redis, reminders and emails would silently never be sent.
if not REDIS_URL:
    raise ImproperlyConfigured(
        "REDIS_URL must be set in production (e.g. redis://redis:6379/0): it is the broker of the "
        "Celery worker and beat that send reminders and emails."
    )

# Email carries every reminder: a deployment that silently printed them to the console would lose
# them all. Only an SMTP server counts, unless a trial run says out loud that it wants the console.
_SMTP = "django.core.mail.backends.smtp.EmailBackend"
if EMAIL_BACKEND != _SMTP and not env.bool("ALLOW_CONSOLE_EMAIL", default=False):
    raise ImproperlyConfigured(
        "EMAIL_URL must name a mail server in production, e.g. "
        "smtp+tls://user:password@smtp.example.org:587 (emails would otherwise be lost). For a "
        "trial run that only prints emails, set EMAIL_URL=consolemail:// and "
        "ALLOW_CONSOLE_EMAIL=true."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
