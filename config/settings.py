"""Settings for the renovation platform: one module, configured by environment variables.

See README.md for the table of variables. Without DATABASE_URL an embedded PostgreSQL starts under
.local/; without REDIS_URL Celery runs tasks eagerly and the cache is in local memory.
"""

import secrets
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from communities.api.schema import ChoiceEnumNames

from .api_tags import TAGS as API_TAGS
from .env import envbool, envfloat, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = BASE_DIR / ".local"

DEBUG = envbool("DEBUG", False)
TESTING = "pytest" in sys.modules or envbool("TESTING", False)


def _secret_key() -> str:
    key = envstr("SECRET_KEY")
    if key:
        return key
    # A laptop or test run without SECRET_KEY: keep a random key under .local/ (never in git).
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    path = LOCAL_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]" if DEBUG or TESTING else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
# Absolute base of links and QR codes printed on slips, posters and reports. Production sets it to the
# public address; by default it follows the port served (`make run` passes PORT), so a laptop on
# PORT=8781 does not print slips pointing at :8000.
SITE_URL = envstr("SITE_URL", f"http://127.0.0.1:{envint('PORT', 8000)}").rstrip("/")

INSTALLED_APPS = [
    # Our apps first: for an English msgid translated by several catalogs, the first app listed wins,
    # and ours must beat third-party ones (e.g. "Key" is 键 in DRF's catalog, 重点 in ours).
    "communities",
    "projects",
    "consultations",
    "consultations.ballots",
    "consultations.residents",
    "supervision",
    "supervision.overview",
    "supervision.workday",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "pgtrigger",
    "pghistory",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.RejectNulBytesMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    # product error pages (Chinese) with DEBUG on too: config/error_pages.py
    "config.error_pages.ErrorPagesMiddleware",
]
# Django's technical error pages instead of the product's, with DEBUG on (developers only)
TECHNICAL_ERROR_PAGES = envbool("TECHNICAL_ERROR_PAGES", False)
CSRF_FAILURE_VIEW = "config.error_pages.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

FORM_RENDERER = "config.forms.FormRenderer"  # <select> without a template per option

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "communities.context_processors.scope",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------------
_database_url = envstr("DATABASE_URL")
if not _database_url:
    from .localdb import embedded_database_url

    _database_url = embedded_database_url()

DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
DATABASES["default"]["CONN_MAX_AGE"] = envint("CONN_MAX_AGE", 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint("DB_CONNECT_TIMEOUT", 5)
# Give pgtrigger's per-row "is this trigger ignored?" check a value to read. Unset, every audited row
# raises and catches an error in a subtransaction, which slows later statements of bulk writes
# (measured 0.8 -> 2.0 s per 10,000 rows). An empty list ignores nothing: history triggers still fire.
DATABASES["default"]["OPTIONS"]["options"] = "-c pgtrigger.ignore={}"
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgres://...)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, Celery -----------------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")


def _cache_redis_url(url: str) -> str:
    """The cache lives in the next Redis database after the broker's (redis://h:6379/5 -> /6):
    `cache.clear()` is a FLUSHDB and must never wipe queued tasks. REDIS_CACHE_URL overrides."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    db = int(parts.path.strip("/") or 0)
    # the suite under pytest-xdist: each worker its own cache database (gw0 -> /6, gw1 -> /7), so that
    # one test's cache.clear() does not wipe the throttle counters a test of another worker is counting
    worker = envstr("PYTEST_XDIST_WORKER")
    offset = 1 + int(worker[2:]) if worker[:2] == "gw" and worker[2:].isdigit() else 1
    return urlunsplit(parts._replace(path=f"/{(db + offset) % 16}"))


if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": envstr("REDIS_CACHE_URL") or _cache_redis_url(REDIS_URL),
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # Redis down must not take pages down: a cache miss instead of an error.
                "IGNORE_EXCEPTIONS": True,
                # ...and, once seen down, no waiting on it for a few seconds (config.dependencies)
                "REDIS_CLIENT_CLASS": "config.redis_client.GuardedRedis",
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# An outage is logged once per change of state by config.dependencies, not a traceback per call.
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = False

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Tests run tasks eagerly even when CI sets REDIS_URL; tests/test_worker.py proves the real worker path.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL or TESTING)
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TIMEZONE = "Asia/Shanghai"
# Publishing must never hang a request: fail fast, the outbox keeps the message.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = False
# What a web request waits for Redis when it publishes a task (connect and each read/write). A hung
# Redis (accepting connections, answering nothing) costs this once, then nothing for a few seconds.
BROKER_PUBLISH_TIMEOUT = envfloat("BROKER_PUBLISH_TIMEOUT", 0.5)
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "max_retries": 0}
# Background jobs (communities.jobs): the runner writes a heartbeat every JOB_HEARTBEAT_SECONDS; a
# running job without one for JOB_STALE_SECONDS has lost its worker and is queued again (beat, every
# 30 s), up to JOB_MAX_ATTEMPTS starts, then failed with a message saying so.
JOB_HEARTBEAT_SECONDS = envfloat("JOB_HEARTBEAT_SECONDS", 10.0)
JOB_STALE_SECONDS = envfloat("JOB_STALE_SECONDS", 60.0)
JOB_MAX_ATTEMPTS = envint("JOB_MAX_ATTEMPTS", 3)
# Outbox (communities.outbox): a message the broker accepted but no worker started within this many
# seconds is sent again (doubling each time, up to an hour): Redis may have lost it.
OUTBOX_RESEND_SECONDS = envfloat("OUTBOX_RESEND_SECONDS", 120.0)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE = {
    "drain-outbox": {"task": "communities.tasks.drain_outbox", "schedule": 30.0},
    "reap-stalled-jobs": {"task": "communities.tasks.reap_stalled_jobs", "schedule": 30.0},
    "supervision-overdue-reminders": {"task": "supervision.tasks.send_overdue_reminders", "schedule": 3600.0},
    # the overview's rollups: what changed (and open ballots' turnout) every minute, a full recount hourly
    "overview-refresh-pending": {"task": "overview.tasks.refresh_pending", "schedule": 60.0},
    "overview-refresh-all": {"task": "overview.tasks.refresh_all", "schedule": 3600.0},
    "residents-close-due-surveys": {"task": "residents.tasks.close_due_surveys", "schedule": 60.0},
    "send-due-notifications": {"task": "communities.tasks.send_due_notifications", "schedule": 60.0},
    "residents-visit-reminders": {"task": "residents.tasks.visit_reminders", "schedule": 1800.0},
}

# Notification outbox (communities.notifications): the sender of messages to residents and contractors.
# Default: the log (and the household's page). SMS: NOTIFY_BACKEND=communities.notifications.SmsHttpBackend
# with NOTIFY_SMS_URL / NOTIFY_SMS_KEY / NOTIFY_SMS_SIGN from the environment (see README).
NOTIFY_BACKEND = envstr("NOTIFY_BACKEND", "communities.notifications.LogBackend")
NOTIFY_SMS_URL = envstr("NOTIFY_SMS_URL", "")
NOTIFY_SMS_KEY = envstr("NOTIFY_SMS_KEY", "")
NOTIFY_SMS_SIGN = envstr("NOTIFY_SMS_SIGN", "")
NOTIFY_MAX_ATTEMPTS = envint("NOTIFY_MAX_ATTEMPTS", 8)

# --- Auth and security -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures, stored in the database so it works with Redis down.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("AXES_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_LOCKOUT_CALLABLE = "communities.api.auth.lockout_response"  # JSON under /api/, the page elsewhere

HTTPS = envbool("HTTPS", False)  # served behind TLS: turn on redirects, secure cookies and HSTS
SECURE_SSL_REDIRECT = HTTPS
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
# How many reverse proxies append to X-Forwarded-For in front of the app (0: none, use REMOTE_ADDR). One
# setting for every client address the product reads: guessing limits (communities.throttling), DRF
# throttles (NUM_PROXIES), the login lockout (axes) and the access log. A client-sent X-Forwarded-For
# beyond these hops is never trusted.
TRUSTED_PROXY_HOPS = envint("TRUSTED_PROXY_HOPS", 0)
AXES_CLIENT_IP_CALLABLE = "communities.throttling.client_ip"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", False) else None
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 12 * 3600

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- I18n and time -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media --------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = envstr("STATIC_ROOT", str(LOCAL_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = envstr("MEDIA_ROOT", str(LOCAL_DIR / "media"))
# Private files (exports, job files, plans, paper-vote and works photos): outside MEDIA_URL and every
# static route, served only by views that check scope (communities/files.py). Never let the reverse
# proxy serve this folder by its own path; with x-accel-redirect it serves an `internal` location only.
PRIVATE_ROOT = envstr("PRIVATE_ROOT", str(LOCAL_DIR / "private"))
PRIVATE_FILES_SERVE = envstr("PRIVATE_FILES_SERVE", "django")  # django | x-accel-redirect | x-sendfile
PRIVATE_FILES_ACCEL_PREFIX = envstr("PRIVATE_FILES_ACCEL_PREFIX", "/_private/")
if PRIVATE_FILES_SERVE not in ("django", "x-accel-redirect", "x-sendfile"):
    raise ImproperlyConfigured(
        f"PRIVATE_FILES_SERVE must be django, x-accel-redirect or x-sendfile, not {PRIVATE_FILES_SERVE!r}"
    )
PLAN_MAX_BYTES = envint("PLAN_MAX_BYTES", 30 * 1024 * 1024)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "communities.files.PrivateStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if envbool("STATIC_MANIFEST", not DEBUG and not TESTING)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024

# --- API ---------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "communities.api.authentication.BearerOrTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "communities.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "communities.api.filtering.ScopedFilterBackend",  # foreign keys by id: no existence oracle
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_SCHEMA_CLASS": "communities.api.openapi.AutoSchema",  # documents the error answers too
    "EXCEPTION_HANDLER": "communities.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"vote_code": "30/min", "token": "20/min"},
    "NUM_PROXIES": TRUSTED_PROXY_HOPS,  # None would trust a client-sent X-Forwarded-For
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=envint("API_TOKEN_TTL_HOURS", 24 * 30)),
    "AUTH_HEADER_PREFIX": "Token",
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "老旧小区改造 Renovation platform API",
    "DESCRIPTION": "党建引领老旧小区改造平台接口：基础台账、改造项目、协商议事、表决、监督验收、驾驶舱。"
    "认证：POST /api/v1/auth/token/ 取得令牌，之后在请求头中携带 `Authorization: Token <key>`。"
    "手机号、身份证号默认脱敏；超出调用者范围的对象返回 404。\n\n"
    "Party-led old-community renovation: registry, projects, consultations, ballots, "
    "supervision. Token auth: POST /api/v1/auth/token/ then `Authorization: Token <key>`.",
    "TAGS": [{"name": name, "description": text} for name, text in API_TAGS],
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": ChoiceEnumNames(),  # one name per choice set, computed from every app
}

# --- Logging -----------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {
        "django_redis": {"level": "ERROR"},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Product rules that are configuration, not code --------------------------------------------------
# Roles allowed to see unmasked phone and ID numbers (see communities.choices.Role).
UNMASKED_ROLES = envlist("UNMASKED_ROLES", "district_admin,street_staff,community_secretary")
IMPORT_MAX_ROWS = envint("IMPORT_MAX_ROWS", 100_000)
# Reading an uploaded spreadsheet (communities/sheet_guard.py): limits checked before parsing, then the
# parse runs in a child process under a memory and a time limit
IMPORT_MAX_COLUMNS = envint("IMPORT_MAX_COLUMNS", 100)
IMPORT_MAX_UNCOMPRESSED_BYTES = envint("IMPORT_MAX_UNCOMPRESSED_MB", 200) * 1024 * 1024
IMPORT_PARSE_MEMORY_BYTES = envint("IMPORT_PARSE_MEMORY_MB", 1024) * 1024 * 1024
IMPORT_PARSE_SECONDS = envint("IMPORT_PARSE_SECONDS", 60)
# Wrong voting codes (consultations.ballots.throttling, rules in communities.throttling): per ballot,
# an address may make BALLOT_CODE_FAILURES_PER_PREFIX wrong tries at codes starting alike (a resident's
# typos) and BALLOT_CODE_FAILURES_PER_ADDRESS in all within BALLOT_CODE_WINDOW_SECONDS before a pause
# of BALLOT_CODE_PAUSE_SECONDS (doubling for a repeat, at most an hour). Past
# BALLOT_CODE_FAILURES_PER_BALLOT wrong codes in a window the ballot slows every guesser down (2 and 5
# tries) without refusing anyone who has made no mistake.
BALLOT_CODE_WINDOW_SECONDS = envint("BALLOT_CODE_WINDOW_SECONDS", 600)
BALLOT_CODE_PAUSE_SECONDS = envint("BALLOT_CODE_PAUSE_SECONDS", 300)
BALLOT_CODE_FAILURES_PER_PREFIX = envint("BALLOT_CODE_FAILURES_PER_PREFIX", 5)
BALLOT_CODE_FAILURES_PER_ADDRESS = envint("BALLOT_CODE_FAILURES_PER_ADDRESS", 30)
BALLOT_CODE_FAILURES_PER_BALLOT = envint("BALLOT_CODE_FAILURES_PER_BALLOT", 200)
# household codes (cards of the residents' page, 16 characters): the same rules over one scope of all cards
HOUSEHOLD_CODE_WINDOW_SECONDS = envint("HOUSEHOLD_CODE_WINDOW_SECONDS", 600)
HOUSEHOLD_CODE_PAUSE_SECONDS = envint("HOUSEHOLD_CODE_PAUSE_SECONDS", 300)
HOUSEHOLD_CODE_FAILURES_PER_PREFIX = envint("HOUSEHOLD_CODE_FAILURES_PER_PREFIX", 5)
HOUSEHOLD_CODE_FAILURES_PER_ADDRESS = envint("HOUSEHOLD_CODE_FAILURES_PER_ADDRESS", 20)
HOUSEHOLD_CODE_FAILURES_ALL = envint("HOUSEHOLD_CODE_FAILURES_ALL", 1000)
# An opinion is answered on time when answered within this many days of being received (overview).
OPINION_ANSWER_DAYS = envint("OPINION_ANSWER_DAYS", 15)
# After a write, at most one overview refresh is enqueued per this many seconds (the beat sweeps up the
# rest every minute). 0 (the default without a broker) refreshes after every write.
OVERVIEW_REFRESH_DEBOUNCE = envint("OVERVIEW_REFRESH_DEBOUNCE", 0 if CELERY_TASK_ALWAYS_EAGER else 10)
