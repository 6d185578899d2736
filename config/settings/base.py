"""Settings shared by every environment; everything that varies is read from the environment."""

from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
# A local .env file is convenient in development; real deployments set real variables.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "core.admin_site.RegistryAdminConfig",  # django.contrib.admin, gated by the rules
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # third party
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "axes",
    # ours: partnerships is the root; the others point at it, never back.
    "core",
    "partnerships",
    "accounts",
    "services",
    "referrals",
    "monitoring",
    "governance",
    "notifications",
    "composition",  # pages and hooks combining the apps above (no models)
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A database connection lost during a view: a styled 503 and a fresh connection next time.
    "core.faults.DatabaseUnavailableMiddleware",
    # NUL and other control characters, and oversized or too-deep JSON: a 400 before any view.
    "core.middleware.RefuseControlCharactersMiddleware",
    # axes last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "notifications.context_processors.unread",
            ],
        },
    },
]

# No DATABASE_URL → an SQLite file in the project folder, so a first run needs no servers.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Celery workers hold connections too; keep them for a minute, and check them before reuse.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # ModelBackend, loading each request's user with the header's unread count in one query.
    "accounts.backends.RegistryModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# "7 December 2026" in the admin and anywhere Django formats a date (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = "Europe/London"  # stored in UTC, shown in UK time
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
# Agreement documents: PDF, DOCX or ODT (checked by content), 10 MB at most.
AGREEMENT_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
# Request bodies. Uploaded files do not count towards these (each upload checks its own size:
# monitoring files 2 MB, agreement documents 10 MB); everything else a form or the API sends is
# text, so 1 MB is generous and bounds what a single request can make the server hold in memory.
# A JSON body over JSON_MAX_BYTES is a 413, and one nested deeper than JSON_MAX_DEPTH a 400
# (core.parsers, core.middleware).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
JSON_MAX_BYTES = 1024 * 1024
JSON_MAX_DEPTH = 32
# Fields in one form or query: the largest forms (a return's figures, an admin change list)
# have a few hundred; Django's default of 1000 is kept, now on purpose.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# Email: console in development; EMAIL_URL (smtp+tls://user:pass@host:587) in production.
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
# Seconds before a silent mail server counts as a failure (the task then retries), instead
# of holding a worker until its time limit.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL",
                             default="Partnership Registry <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The address emails link to (notifications carry a link back into the registry).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")
# How emails leave (notifications/channels.py, docs/decisions/0018-gov-uk-notify.md): "smtp"
# through the EMAIL_URL backend above, or "notify" through GOV.UK Notify's API with one generic
# template whose subject is ((subject)) and message ((body)) (((link)) optional). The API key is
# a secret: from the environment only (production refuses "notify" without it).
EMAIL_CHANNEL = env.str("EMAIL_CHANNEL", default="smtp").strip().lower()
if EMAIL_CHANNEL not in ("smtp", "notify"):
    raise ImproperlyConfigured(f"EMAIL_CHANNEL must be smtp or notify, not {EMAIL_CHANNEL!r}.")
NOTIFY_API_KEY = env.str("NOTIFY_API_KEY", default="")
NOTIFY_BASE_URL = env.str("NOTIFY_BASE_URL", default="https://api.notifications.service.gov.uk")
NOTIFY_TEMPLATE_NOTIFICATION = env.str("NOTIFY_TEMPLATE_NOTIFICATION", default="")
# The digest may have its own template; by default it uses the generic one.
NOTIFY_TEMPLATE_DIGEST = env.str("NOTIFY_TEMPLATE_DIGEST", default="") or \
    NOTIFY_TEMPLATE_NOTIFICATION

# Redis: the Celery broker and result backend, and the cache when set.
REDIS_URL = env.str("REDIS_URL", default="")
# With Redis down or hung the site still serves pages and saves work (docs/operations.md, "When
# Redis or PostgreSQL fails"): every Redis call gives up after these many seconds, the cache
# then answers as an empty one (core.cache), and a task that cannot be sent is logged and left
# to notifications.redeliver_pending.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=3.0)
if REDIS_URL:
    # A cache call is tiny: one second is already an outage, so both timeouts are the short one.
    CACHES = {"default": {"BACKEND": "core.cache.ResilientRedisCache", "LOCATION": REDIS_URL,
                          "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                                      "socket_timeout": REDIS_CONNECT_TIMEOUT}}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Sessions in PostgreSQL only, never a cache in front: signing out must end the session for
# every copy of its cookie even while Redis is unreachable (docs/decisions/0024, "Sessions").
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery: JSON only, bounded run times, late acks so a lost worker's task is redelivered.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# The queue tasks are sent to and workers read (one per deployment sharing a Redis; tests
# give each of their workers its own).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis hands a task that was taken but never acknowledged (its worker died) to another worker
# once this many seconds have passed since it was taken. It must exceed the longest countdown or
# eta we use (retry back-off is at most 10 minutes) and the longest task, or a task still waiting
# or running would be handed out twice (docs/operations.md). Tests of lost workers shorten it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=2 * 60 * 60),
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
}
# Sending a task while Redis is down fails in about a second instead of hanging or retrying for
# ~20 s (the result backend's default), so a web request that queues an email after commit
# still answers; the caller logs the failure and the row waits for redeliver_pending. Workers
# keep trying to reconnect for as long as Redis is away (they are the ones that must resume).
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0,
                                    "interval_step": 0.2, "interval_max": 0.2}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                     "interval_max": 0.2},
}


def _clock(name: str, default: str) -> tuple[int, int]:
    """An HH:MM time of day from the environment (UK time), refused clearly when malformed."""
    value = env.str(name, default=default)
    try:
        hour, minute = (int(part) for part in value.split(":"))
        if not (0 <= hour < 24 and 0 <= minute < 60):
            raise ValueError
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time of day as HH:MM, e.g. {default}; "
                                   f"got {value!r}.") from None
    return hour, minute


def _minutes_after(at: tuple[int, int], minutes: int) -> dict[str, int]:
    total = (at[0] * 60 + at[1] + minutes) % (24 * 60)
    return {"hour": total // 60, "minute": total % 60}


# The reminder sweeps start at REMINDER_SWEEPS_AT (UK time; before the working day), five
# minutes apart; the daily digests go at DIGEST_AT.
REMINDER_SWEEPS_AT = _clock("REMINDER_SWEEPS_AT", "07:00")
DIGEST_AT = _clock("DIGEST_AT", "17:30")
# The periodic tasks (run by exactly one `celery beat`), in UK time.
CELERY_BEAT_SCHEDULE = {
    # Closed cases past their protocol's retention period are anonymised overnight.
    "anonymise-due-cases": {"task": "referrals.anonymise_due_cases",
                            "schedule": crontab(hour=2, minute=30)},
    # Orders that ended while treatment continues: every involved agency is told who is
    # responsible from now on.
    "send-end-of-order-notices": {"task": "referrals.send_end_of_order_notices",
                                  "schedule": crontab(hour=6, minute=15)},
    # Agreement versions due to take effect today come into force, replacing the old ones.
    "agreements-take-effect": {"task": "partnerships.agreements_take_effect",
                               "schedule": crontab(hour=0, minute=10)},
    # Reporting periods for this quarter and the last exist before anyone starts a return.
    "ensure-reporting-periods": {"task": "monitoring.ensure_periods",
                                 "schedule": crontab(hour=0, minute=30)},
    # Monitoring returns due soon or overdue: providers reminded, then escalated.
    "remind-monitoring-returns": {"task": "monitoring.remind_returns",
                                  "schedule": crontab(**_minutes_after(REMINDER_SWEEPS_AT, 0))},
    # Quarterly partnership reviews and agreement reviews/expiry.
    "remind-partnership-reviews": {"task": "partnerships.remind_reviews",
                                   "schedule": crontab(**_minutes_after(REMINDER_SWEEPS_AT, 5))},
    "remind-agreements": {"task": "partnerships.remind_agreements",
                          "schedule": crontab(**_minutes_after(REMINDER_SWEEPS_AT, 10))},
    # Case conferences coming up, and unrecorded ones flagged to the lead agency.
    "remind-case-conferences": {"task": "referrals.remind_conferences",
                                "schedule": crontab(**_minutes_after(REMINDER_SWEEPS_AT, 15))},
    # Releases from custody with no first community appointment recorded: the lead agency on
    # days 7 and 14, the releasing prison's partnership managers on day 21.
    "remind-continuity-of-care": {"task": "referrals.remind_continuity",
                                  "schedule": crontab(**_minutes_after(REMINDER_SWEEPS_AT, 20))},
    # Actions on a partnership's action log past their due date: their owner, once.
    "remind-overdue-actions": {"task": "governance.remind_actions",
                               "schedule": crontab(**_minutes_after(REMINDER_SWEEPS_AT, 25))},
    # Emails whose delivery task was lost (broker restarted empty, retries exhausted) are
    # queued again; delivery is idempotent, so this never sends twice.
    "redeliver-pending-notifications": {"task": "notifications.redeliver_pending",
                                        "schedule": crontab(minute="*/15")},
    # One email a day gathering the notifications people chose to get as a digest.
    "send-daily-digests": {"task": "notifications.send_digests",
                           "schedule": crontab(hour=DIGEST_AT[0], minute=DIGEST_AT[1])},
}


def _throttle_rate(name: str, default: str) -> str:
    """An API rate such as ``600/min`` from the environment, refused at start-up if malformed."""
    import re

    rate = env.str(name, default=default).strip()
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", rate):
        raise ImproperlyConfigured(f"{name} must look like 600/min (a number, then /s, /min, "
                                   f"/hour or /day), not {rate!r}.")
    return rate


REST_FRAMEWORK = {
    # Hashed API tokens first: their WWW-Authenticate challenge makes DRF answer a request
    # without (or with bad) credentials with 401, not 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 25,
    # JSON with bounded size and depth (core.parsers); forms and file uploads as DRF has them.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",  # documents every error answer
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # Rates are read at request time (core.throttling); counts live in the default cache.
    "DEFAULT_THROTTLE_CLASSES": [
        "core.throttling.AnonThrottle",
        "core.throttling.UserThrottle",
        "core.throttling.WriteThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": _throttle_rate("API_THROTTLE_ANON", "60/min"),
        "user": _throttle_rate("API_THROTTLE_USER", "600/min"),
        "write": _throttle_rate("API_THROTTLE_WRITE", "120/min"),
        "token_failure": _throttle_rate("API_THROTTLE_BAD_TOKEN", "20/min"),
    },
    # Behind a proxy, how many add themselves to X-Forwarded-For (0: use the socket's address).
    "NUM_PROXIES": env.int("API_NUM_PROXIES", default=0),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Partnership Registry API",
    "DESCRIPTION": (
        "The registry of criminal-justice and substance-misuse partnerships: organisations, "
        "partnerships with their members and lead agencies, agreements, funding, services and "
        "locations; the registry is written through the same actions as the pages (the lead "
        "partner's partnership managers and platform admins). Monitoring: the metric library, "
        "frameworks and periods; returns (start, save figures, upload a CSV/XLSX file, submit, "
        "approve, send back, correct); and dashboards (completeness grid, totals, trends, "
        "comparisons, framework reports). Casework, need-to-know: cases (by reference) with "
        "their lead agency, referrals, assessments, conferences and end-of-order notices, "
        "visible only to the organisations involved, every read logged; counts only for "
        "commissioners."
    ),
    "VERSION": "1.0.0",
    # One tag per area (core.openapi.AREAS tags each operation), in the order the docs show.
    "TAGS": [
        {"name": "Partnerships", "description": "Partnerships with their members, leads, "
                                                "agreements and funding; registering and "
                                                "changing them."},
        {"name": "Organisations", "description": "Charities, social enterprises, statutory "
                                                 "agencies and funders; platform admins "
                                                 "register and change them."},
        {"name": "Agreements", "description": "Working agreements, SLAs and information-sharing "
                                              "protocols: draft, sign, put into effect, review, "
                                              "end, and new versions."},
        {"name": "Memberships and leads", "description": "Who is in a partnership, its lead "
                                                         "partner, and who leads each "
                                                         "activity."},
        {"name": "Funding", "description": "Money from funders to a partnership or a member."},
        {"name": "Reviews", "description": "A partnership's quarterly reviews and its partner "
                                           "engagement report."},
        {"name": "Services", "description": "The service directory: services and locations."},
        {"name": "Monitoring", "description": "Metrics, frameworks, periods, returns and "
                                              "dashboards."},
        {"name": "Governance", "description": "A partnership's boards and working groups, "
                                              "their seats and decisions, the action log, "
                                              "frontline insights, joint training and "
                                              "feedback."},
        {"name": "Casework", "description": "Cases, referrals, conferences and notices, on a "
                                            "need-to-know basis; counts for commissioners."},
        {"name": "Notifications", "description": "The signed-in user's notifications and "
                                                 "email choices."},
        {"name": "Account", "description": "The signed-in user's account and API tokens."},
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "kind" or "status": name each vocabulary once, in the users' words.
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "partnerships.choices.OrganisationKind",
        "PartnershipStatusEnum": "partnerships.choices.PartnershipStatus",
        "SettingEnum": "partnerships.choices.Setting",
        "MemberRoleEnum": "partnerships.choices.MemberRole",
        "AgreementKindEnum": "partnerships.choices.AgreementKind",
        "AgreementStatusEnum": "partnerships.choices.AgreementStatus",
        "ReviewStatusEnum": "partnerships.choices.ReviewStatus",
        "FundingSourceEnum": "partnerships.choices.FundingSource",
        "LocationKindEnum": "services.choices.LocationKind",
        "PrisonCategoryEnum": "services.choices.PrisonCategory",
        "GenderEnum": "services.choices.Gender",
        "MetricKindEnum": "monitoring.choices.MetricKind",
        "FrequencyEnum": "monitoring.choices.Frequency",
        "ReturnStatusEnum": "monitoring.choices.ReturnStatus",
        "CellStateEnum": "monitoring.reports.CellState",
        "OrderTypeEnum": "referrals.choices.OrderType",
        "SeriousnessEnum": "referrals.choices.Seriousness",
        "ComplianceEnum": "referrals.choices.Compliance",
        "CaseStatusEnum": "referrals.choices.CaseStatus",
        "PersonGenderEnum": "referrals.choices.Gender",
        "IdentifierKindEnum": "referrals.choices.IdentifierKind",
        "ReferralStatusEnum": "referrals.choices.ReferralStatus",
        "ConferenceKindEnum": "referrals.choices.ConferenceKind",
        "ConferenceStatusEnum": "referrals.choices.ConferenceStatus",
        "AttendeeRoleEnum": "referrals.choices.AttendeeRole",
        "LawfulBasisEnum": "referrals.choices.LawfulBasis",
        "SpecialCategoryConditionEnum": "referrals.choices.SpecialCategoryCondition",
        "CriminalOffenceConditionEnum": "referrals.choices.CriminalOffenceCondition",
        "ExpectedReleaseKindEnum": "referrals.choices.ExpectedReleaseKind",
        "CustodyStateEnum": "referrals.choices.CustodyState",
        "ContinuityOutcomeEnum": "referrals.continuity.ContinuityOutcome",
        "TrainingKindEnum": "governance.choices.TrainingKind",
        "TrainingAttendeeRoleEnum": "governance.choices.AttendeeRole",
        "FeedbackSourceEnum": "governance.choices.FeedbackSource",
        "FeedbackMethodEnum": "governance.choices.FeedbackMethod",
        "BodyKindEnum": "governance.choices.BodyKind",
    },
}

# Content Security Policy (django-csp 4): self-hosted assets only; inline scripts need a nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", NONCE],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# Login throttling: lock an account/IP pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Our styled page saying how long the lock lasts (axes's own is unstyled text), with Retry-After.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"

# Monitoring: a period's return is due this many days after the period ends.
MONITORING_DUE_DAYS = env.int("MONITORING_DUE_DAYS", default=28)
# Reminders: providers are reminded this many days before a return is due; an overdue return is
# escalated to the lead partner's partnership managers, then to the funders' commissioners.
MONITORING_REMINDER_LEAD_DAYS = env.int("MONITORING_REMINDER_LEAD_DAYS", default=7)
MONITORING_ESCALATE_AFTER_DAYS = env.int("MONITORING_ESCALATE_AFTER_DAYS", default=14)
MONITORING_COMMISSIONER_AFTER_DAYS = env.int("MONITORING_COMMISSIONER_AFTER_DAYS", default=28)

# Quarterly partnership reviews: the next one is planned this many months after the last held
# one; members are reminded this many days ahead; the managers are told once it is this many
# days past its date and still not recorded.
REVIEW_INTERVAL_MONTHS = env.int("REVIEW_INTERVAL_MONTHS", default=3)
REVIEW_REMINDER_LEAD_DAYS = env.int("REVIEW_REMINDER_LEAD_DAYS", default=14)
REVIEW_OVERDUE_AFTER_DAYS = env.int("REVIEW_OVERDUE_AFTER_DAYS", default=1)
# Case conferences: involved organisations are reminded this many days ahead; the lead agency is
# told once a planned conference is this many days past its date and still not recorded.
CONFERENCE_REMINDER_LEAD_DAYS = env.int("CONFERENCE_REMINDER_LEAD_DAYS", default=3)
CONFERENCE_UNRECORDED_AFTER_DAYS = env.int("CONFERENCE_UNRECORDED_AFTER_DAYS", default=2)
# Agreements: reviews due within this many days, and expiry within this many, are reminded.
AGREEMENT_REVIEW_LEAD_DAYS = env.int("AGREEMENT_REVIEW_LEAD_DAYS", default=30)
AGREEMENT_EXPIRY_LEAD_DAYS = env.int("AGREEMENT_EXPIRY_LEAD_DAYS", default=60)
# Reminder sweeps catch up on reminders missed for this many days (beat down, new staff);
# anything older is left alone so a first run on old data does not send a flood.
REMINDER_CATCH_UP_DAYS = env.int("REMINDER_CATCH_UP_DAYS", default=7)

# Casework: closed cases whose referrals used no sharing protocol are anonymised this many
# months after closing (otherwise the longest retention period of their protocols applies).
REFERRALS_DEFAULT_RETENTION_MONTHS = env.int("REFERRALS_DEFAULT_RETENTION_MONTHS", default=72)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60  # one working day
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
