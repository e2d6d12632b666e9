"""LeadEngine's settings: every value is read from the environment (or a `.env` file beside manage.py).

With nothing set, LeadEngine runs embedded: DEBUG on, SQLite under var/, and an in-process broker
whose worker threads run inside the web process. Production sets DEBUG=0, and then SECRET_KEY,
ALLOWED_HOSTS and DATABASE_URL must be given: a missing one stops start-up naming the variable.
Each environment variable has the name of the setting it fills.
"""

import os
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def required(name: str, cast=str):
    """A value production cannot run without; a clear stop at start-up when it is missing or empty."""
    try:
        value = env.get_value(name, cast=cast)
    except ImproperlyConfigured:
        value = None
    if not value or value == [""]:
        raise ImproperlyConfigured(f"{name} must be set in the environment when DEBUG is off")
    return value


DEBUG = env.bool("DEBUG", default=True)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="leadengine-development-only-not-secret")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
else:
    SECRET_KEY = required("SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-"):
        raise ImproperlyConfigured("SECRET_KEY must be a random value of at least 50 characters")
    ALLOWED_HOSTS = required("ALLOWED_HOSTS", cast=list)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc as static files: the API docs work offline, with no CDN.
    "drf_spectacular_sidecar",
    "django_dramatiq",
    "leadengine.jobs",
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
]

ROOT_URLCONF = "leadengine.urls"
WSGI_APPLICATION = "leadengine.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "leadengine" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: DATABASE_URL (postgres://user:pass@host:5432/name); SQLite under var/ when DEBUG and unset.
if DEBUG:
    DATABASE_URL = env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'leadengine.sqlite3'}")
else:
    DATABASE_URL = required("DATABASE_URL")
CONN_MAX_AGE = env.int("CONN_MAX_AGE", default=60)
# A connection pooler between LeadEngine and PostgreSQL: "pgbouncer" (its transaction pooling mode, where
# each transaction may run on another server connection) or empty for direct connections. It turns off
# what would outlive a transaction on the server: server-side cursors (iterator() then fetches client-side)
# and prepared statements (psycopg 3's prepare_threshold). LeadEngine keeps no other session state: no
# advisory locks, SET, LISTEN or temporary tables.
DATABASE_POOLER = env("DATABASE_POOLER", default="")
if DATABASE_POOLER not in ("", "pgbouncer"):
    raise ImproperlyConfigured("DATABASE_POOLER must be pgbouncer or empty")
# A read replica (streaming replication) for list pages of the admin and the API: leadengine/db_router.py.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", default="")


def _database(url: str) -> dict:
    config = env.db_url_config(url)
    config["CONN_MAX_AGE"] = CONN_MAX_AGE
    config["CONN_HEALTH_CHECKS"] = True
    if DATABASE_POOLER and config["ENGINE"] == "django.db.backends.postgresql":
        config["DISABLE_SERVER_SIDE_CURSORS"] = True
        config.setdefault("OPTIONS", {})["prepare_threshold"] = None
    return config


DATABASES = {"default": _database(DATABASE_URL)}
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    # The test run reads its own test database through this alias, as production reads the replica.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["leadengine.db_router.ReplicaRouter"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The embedded worker threads write while the web serves: WAL lets readers go on, IMMEDIATE
    # transactions queue writers instead of failing them with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not the in-memory default: worker threads and the test's own thread then wait for each
    # other's locks (timeout above) instead of failing with "database table is locked".
    # One file per test process, so that two suites running at once do not share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-leadengine-{os.getpid()}.sqlite3")}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Production hardening: `manage.py check --deploy` is clean with DEBUG off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# A request body larger than this is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=256 * 1024)

# Jobs one user may create per period (DRF throttle "job_create": 120/minute, 1000/day, ...).
JOB_CREATE_RATE = env("JOB_CREATE_RATE", default="120/minute")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "leadengine.api_limits.BoundedPagination",
    "DEFAULT_PARSER_CLASSES": [
        "leadengine.api_limits.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "EXCEPTION_HANDLER": "leadengine.api_limits.exception_handler",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {
        "job_create": JOB_CREATE_RATE,
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LeadEngine API",
    "DESCRIPTION": "Scrape jobs that find B2B leads, and the leads they found.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No badge fetched from validator.swagger.io: the docs page talks to this server only.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# Broker: DRAMATIQ_BROKER_URL=amqp://user:pass@host:5672/vhost runs on RabbitMQ; unset runs embedded.
# Several nodes of a cluster: their URLs separated by commas, tried in order by every new connection.
DRAMATIQ_BROKER_URL = env("DRAMATIQ_BROKER_URL", default="")
DRAMATIQ_BROKER_URLS = [url.strip() for url in re.split(r"[,;]", DRAMATIQ_BROKER_URL) if url.strip()]
# classic: one node holds each queue (embedded mode, one RabbitMQ node, existing installs, whose queues
# cannot change type in place). quorum: queues replicated on a cluster (manage.py move_queue moves an
# existing install's messages over).
DRAMATIQ_QUEUE_TYPE = env("DRAMATIQ_QUEUE_TYPE", default="classic")
if DRAMATIQ_QUEUE_TYPE not in ("classic", "quorum"):
    raise ImproperlyConfigured("DRAMATIQ_QUEUE_TYPE must be classic or quorum")
# The web process must never hang on a broker that is down: the publish gives up quickly and the
# maintenance loop sends the job again later.
BROKER_CONNECT_TIMEOUT = env.float("BROKER_CONNECT_TIMEOUT", default=3.0)


def _amqp_url(url: str) -> str:
    """The broker URL with bounded connection timeouts unless the URL sets its own."""
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("connection_attempts", "1")
    query.setdefault("retry_delay", "1")
    query.setdefault("socket_timeout", str(BROKER_CONNECT_TIMEOUT))
    query.setdefault("blocked_connection_timeout", "30")
    query.setdefault("heartbeat", "60")
    return urlunsplit(parts._replace(query=urlencode(query)))


DRAMATIQ_MIDDLEWARE = [
    "dramatiq.middleware.AgeLimit",
    "dramatiq.middleware.TimeLimit",
    "dramatiq.middleware.ShutdownNotifications",
    "dramatiq.middleware.Callbacks",
    "dramatiq.middleware.Retries",
    "dramatiq.middleware.CurrentMessage",
    # Tells running jobs that the worker is stopping, so they hand their rest back.
    "leadengine.jobs.middleware.GracefulShutdown",
    # django_dramatiq's AdminMiddleware is left out on purpose: it writes a row per enqueue inside
    # the web request, and the ScrapeJob table already is the job record.
    "django_dramatiq.middleware.DbConnectionsMiddleware",
    # Each worker process writes a WorkerHeartbeat row while it runs: /healthz and the dashboard read it.
    "leadengine.jobs.workers.WorkerHeartbeatMiddleware",
]
# Dramatiq's own worker metrics (messages, errors, retries, durations), served by the `rundramatiq`
# process on dramatiq_prom_port (9191). Set in the workers' environment only: see docs/operations.md.
DRAMATIQ_PROMETHEUS = env.bool("DRAMATIQ_PROMETHEUS", default=False)
if DRAMATIQ_PROMETHEUS:
    DRAMATIQ_MIDDLEWARE.insert(0, "dramatiq.middleware.Prometheus")
if DRAMATIQ_BROKER_URLS and all(url.startswith(("amqp://", "amqps://")) for url in DRAMATIQ_BROKER_URLS):
    DRAMATIQ_BROKER = {
        "BROKER": "leadengine.jobs.broker.RabbitmqBroker",
        "OPTIONS": {
            "url": [_amqp_url(url) for url in DRAMATIQ_BROKER_URLS],
            "confirm_delivery": True,
            "queue_type": DRAMATIQ_QUEUE_TYPE,
        },
        "MIDDLEWARE": DRAMATIQ_MIDDLEWARE,
    }
elif DRAMATIQ_BROKER_URL:
    raise ImproperlyConfigured("DRAMATIQ_BROKER_URL must be amqp(s):// URLs (commas between), or unset")
else:
    DRAMATIQ_BROKER = {
        "BROKER": "dramatiq.brokers.stub.StubBroker",
        "OPTIONS": {},
        "MIDDLEWARE": DRAMATIQ_MIDDLEWARE,
    }
DRAMATIQ_AUTODISCOVER_MODULES = ["tasks"]
# Worker threads started by `manage.py runembedded` when running without a broker server.
EMBEDDED_WORKER_THREADS = env.int("EMBEDDED_WORKER_THREADS", default=4)

# Jobs
SCRAPE_QUEUE = env("SCRAPE_QUEUE", default="scrape_jobs")
JOB_MAX_RETRIES = env.int("JOB_MAX_RETRIES", default=3)
JOB_MIN_BACKOFF = env.int("JOB_MIN_BACKOFF", default=10_000)  # milliseconds
JOB_MAX_BACKOFF = env.int("JOB_MAX_BACKOFF", default=300_000)
# Well below RabbitMQ's 30-minute delivery-acknowledgement timeout.
JOB_TIME_LIMIT = env.int("JOB_TIME_LIMIT", default=20 * 60 * 1000)
# A running job writes a heartbeat at most this often; one silent for JOB_STALE_AFTER is taken back.
JOB_HEARTBEAT_INTERVAL = env.float("JOB_HEARTBEAT_INTERVAL", default=5.0)
JOB_STALE_AFTER = env.float("JOB_STALE_AFTER", default=120.0)
# A queued job whose message was not confirmed for this long is sent again.
JOB_REDISPATCH_AFTER = env.float("JOB_REDISPATCH_AFTER", default=60.0)
LEAD_BATCH_SIZE = env.int("LEAD_BATCH_SIZE", default=500)
MAX_ACTIVE_JOBS_PER_USER = env.int("MAX_ACTIVE_JOBS_PER_USER", default=20)
RAW_PAYLOAD_MAX_BYTES = env.int("RAW_PAYLOAD_MAX_BYTES", default=64 * 1024)

# Operations
# A worker process writes its heartbeat this often; /healthz wants one seen within WORKER_SEEN_WITHIN.
WORKER_HEARTBEAT_INTERVAL = env.float("WORKER_HEARTBEAT_INTERVAL", default=15.0)
WORKER_SEEN_WITHIN = env.float("WORKER_SEEN_WITHIN", default=60.0)
# A worker is dead, and its running jobs are taken back at once, when its heartbeat row is silent for
# WORKER_DEAD_AFTER seconds, or when its presence queue on RabbitMQ (gone with its connection) is still
# missing WORKER_PRESENCE_GRACE seconds after it was first missed. See leadengine/jobs/workers.py.
WORKER_DEAD_AFTER = env.float("WORKER_DEAD_AFTER", default=45.0)
WORKER_PRESENCE_GRACE = env.float("WORKER_PRESENCE_GRACE", default=3.0)
# /healthz fails without a recent worker heartbeat; embedded mode's workers run inside the web process.
HEALTH_REQUIRE_WORKERS = env.bool("HEALTH_REQUIRE_WORKERS", default=not DEBUG)
# CSV exports: written by an actor on EXPORT_QUEUE into EXPORTS_DIR, one file per export.
EXPORT_QUEUE = env("EXPORT_QUEUE", default="exports")
EXPORTS_DIR = Path(env("EXPORTS_DIR", default=str(BASE_DIR / "var" / "exports")))
EXPORT_TIME_LIMIT = env.int("EXPORT_TIME_LIMIT", default=20 * 60 * 1000)  # milliseconds
# /metrics asks for `Authorization: Bearer <METRICS_TOKEN>` when set.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
# Admin actions export or enrich at most this many selected leads at once.
ADMIN_MAX_SELECTED_LEADS = env.int("ADMIN_MAX_SELECTED_LEADS", default=10_000)

# Scraping: each value fills the field of scraping.types.ScrapeSettings with the same name, lowercased.
LEADENGINE_ALLOW_PRIVATE_URLS = env.bool("LEADENGINE_ALLOW_PRIVATE_URLS", default=False)
SCRAPE_USER_AGENT = env(
    "SCRAPE_USER_AGENT", default="LeadEngineBot/1.0 (+https://github.com/leadengine/leadengine)"
)
SCRAPE_CONNECT_TIMEOUT = env.float("SCRAPE_CONNECT_TIMEOUT", default=5.0)
SCRAPE_READ_TIMEOUT = env.float("SCRAPE_READ_TIMEOUT", default=15.0)
SCRAPE_MAX_RESPONSE_BYTES = env.int("SCRAPE_MAX_RESPONSE_BYTES", default=3 * 1024 * 1024)
SCRAPE_MAX_REDIRECTS = env.int("SCRAPE_MAX_REDIRECTS", default=5)
SCRAPE_OBEY_ROBOTS_TXT = env.bool("SCRAPE_OBEY_ROBOTS_TXT", default=True)
SCRAPE_PER_HOST_CONCURRENCY = env.int("SCRAPE_PER_HOST_CONCURRENCY", default=2)
SCRAPE_PER_HOST_DELAY = env.float("SCRAPE_PER_HOST_DELAY", default=0.5)
SCRAPE_TOTAL_CONCURRENCY = env.int("SCRAPE_TOTAL_CONCURRENCY", default=32)
SCRAPE_RETRIES = env.int("SCRAPE_RETRIES", default=2)
SCRAPE_RETRY_BACKOFF = env.float("SCRAPE_RETRY_BACKOFF", default=0.5)
SCRAPE_MAX_RETRY_WAIT = env.float("SCRAPE_MAX_RETRY_WAIT", default=30.0)
SCRAPE_API_RETRY_BUDGET = env.float("SCRAPE_API_RETRY_BUDGET", default=30.0)
SCRAPE_MAX_CRAWL_DELAY = env.float("SCRAPE_MAX_CRAWL_DELAY", default=30.0)
SCRAPE_MAX_DEPTH = env.int("SCRAPE_MAX_DEPTH", default=2)
SCRAPE_MAX_PAGES_PER_SITE = env.int("SCRAPE_MAX_PAGES_PER_SITE", default=8)
SCRAPE_MAX_RESULTS_CAP = env.int("SCRAPE_MAX_RESULTS_CAP", default=500)
# Discovery sources: a source whose settings are empty reports that it is not configured.
# Which search backend google and linkedin use: searxng, serpapi or brave; empty picks the first configured.
SEARCH_BACKEND = env("SEARCH_BACKEND", default="")
SEARXNG_URL = env("SEARXNG_URL", default="")
SERPAPI_API_KEY = env("SERPAPI_API_KEY", default="")
SERPAPI_URL = env("SERPAPI_URL", default="https://serpapi.com")
BRAVE_API_KEY = env("BRAVE_API_KEY", default="")
BRAVE_URL = env("BRAVE_URL", default="https://api.search.brave.com")
CRUNCHBASE_API_KEY = env("CRUNCHBASE_API_KEY", default="")
CRUNCHBASE_URL = env("CRUNCHBASE_URL", default="https://api.crunchbase.com")

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_JSON = env.bool("LOG_JSON", default=False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        "json": {"()": "leadengine.logs.JsonFormatter"},
    },
    # Secret values (SECRET_KEY, passwords in URLs, API keys) are masked in whatever is logged.
    "filters": {"secrets": {"()": "leadengine.masking.SecretsFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_JSON else "plain",
            "filters": ["secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "pika": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
