"""Production: every secret from the environment, no defaults; HTTPS everywhere."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND, EMAIL_CHANNEL, NOTIFY_TEMPLATE_NOTIFICATION, REDIS_URL, env

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
if EMAIL_CHANNEL == "smtp" and EMAIL_BACKEND != _SMTP and \
        not env.bool("ALLOW_CONSOLE_EMAIL", default=False):
    raise ImproperlyConfigured(
        "EMAIL_URL must name a mail server in production, e.g. "
        "smtp+tls://user:password@smtp.example.org:587 (emails would otherwise be lost). For a "
        "trial run that only prints emails, set EMAIL_URL=consolemail:// and "
        "ALLOW_CONSOLE_EMAIL=true. Or send through GOV.UK Notify: EMAIL_CHANNEL=notify."
    )

# GOV.UK Notify: its API key is a secret with no default; without it (or a template) every email
# would be refused. The system check notifications.E002 also checks the key's shape.
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
if EMAIL_CHANNEL == "notify" and not (NOTIFY_API_KEY and NOTIFY_TEMPLATE_NOTIFICATION):
    raise ImproperlyConfigured(
        "EMAIL_CHANNEL=notify needs NOTIFY_API_KEY (a live key from GOV.UK Notify's API "
        "integration page) and NOTIFY_TEMPLATE_NOTIFICATION (the id of the email template whose "
        "subject is ((subject)) and message ((body))); emails would otherwise be lost."
    )

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
