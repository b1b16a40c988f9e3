"""Settings for the official document exchange portal.

Every value that differs between machines is read from the environment here and nowhere else.
With no environment at all the portal runs on embedded defaults: SQLite, Celery tasks run
in-process, e-mail written as .eml files under var/mail/.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal import queues

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()
# Everything the portal writes at run time (SQLite, media, .eml files, the file broker) lives here.
VAR_DIR = Path(env.str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", default=False)
DEV_SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production-5f1c9b"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY if DEBUG else "")
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    raise ImproperlyConfigured(
        "DEBUG is off and SECRET_KEY is not set: set SECRET_KEY to a long random value of this installation "
        "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'), or DEBUG=1 for development."
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base of links put in e-mails (a task has no request to build them from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tables2",
    "django_filters",
    "portal",
    "accounts",
    "agencies",
    "incidents",
    "pki",
    "ocr",
    "documents",
    "exchange",
    "schedules",
    "meetings",
    "archive",
    "reports",
    "public_site",
    "intake",
    "api",
    "search",
    # api: the REST API (see the "REST API" block below).
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
if DEBUG:  # development tools (manage.py seed_demo); production never loads them
    INSTALLED_APPS.append("devtools")

MIDDLEWARE = [
    "core.middleware.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.SessionMiddleware",
    "core.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.CurrentMembershipMiddleware",
    "core.middleware.UploadLimitMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

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
                "accounts.context_processors.membership",
                "accounts.context_processors.language_menu",
            ],
        },
    },
]
# Django's renderer, with selects written without their per-option templates (core/form_renderer.py).
FORM_RENDERER = "core.form_renderer.FormRenderer"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    # Covering indexes and NULLS NOT DISTINCT exist for PostgreSQL; the embedded SQLite does without them.
    SILENCED_SYSTEM_CHECKS = ["models.W040", "models.W047"]
else:
    # In production each gunicorn thread (a fixed number: WEB_CONCURRENCY × GUNICORN_THREADS) keeps its connection
    # for a minute, health-checked when reused: opening one costs 5–9 ms here, more than the whole login page
    # (bench/README "Pages"). In development connections close after each request (runserver starts a thread per
    # request: with a 60 s age it held ~95 idle connections). Behind PgBouncer, or with DB_POOL_MAX_SIZE (psycopg's
    # pool inside each process, which needs CONN_MAX_AGE 0), fewer are opened.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=0 if DEBUG else 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # JIT compiling pays only for long analytic queries; on pages whose estimates are large (a common word in
    # search, a big agency's lists) it added about 0.5 s to a query that runs in milliseconds (bench/README).
    # Parallel workers likewise: starting them took 6–15 ms of a specialist's list page whose plan runs in 1.6 ms
    # alone (bench/README "Pages"); a reports worker may set DB_PARALLEL_WORKERS for its long aggregates.
    server_options = [] if env.bool("DB_JIT", default=False) else ["-c jit=off"]
    server_options.append(f"-c max_parallel_workers_per_gather={env.int('DB_PARALLEL_WORKERS', default=0)}")
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = " ".join(server_options)
    if env.int("DB_POOL_MAX_SIZE", default=0):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DB_POOL_MAX_SIZE"),
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),
        }
# A streaming replica of the primary for heavy reads (core/replica.py, docs/deploy.md): only views that opt in read
# there, and a person's own writes are waited for. In the test suite it mirrors the test database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_MAX_LAG_SECONDS = env.float("DATABASE_REPLICA_MAX_LAG_SECONDS", default=10)
DATABASE_REPLICA_RETRY_SECONDS = env.float("DATABASE_REPLICA_RETRY_SECONDS", default=10)
if DATABASE_REPLICA_URL:
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL in DATABASE_URL too.")
    replica_db = env.db_url_config(DATABASE_REPLICA_URL)
    for key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        replica_db[key] = DATABASES["default"][key]
    replica_db["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **replica_db.get("OPTIONS", {}),
                          "connect_timeout": env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)}
    replica_db["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = replica_db
    DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
    MIDDLEWARE.insert(MIDDLEWARE.index("core.middleware.UploadLimitMiddleware"), "core.replica.WalPositionMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Sessions end when the browser closes and after SESSION_IDLE_MINUTES without a request.
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=120) * 60
SESSION_SAVE_EVERY_REQUEST = True

# django-allauth: e-mail login; only citizens and businesses sign up (staff are invited).
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.CitizenSignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cổng trao đổi văn bản] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}
LOGIN_REDIRECT_URL = "home"
LOGIN_URL = "account_login"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Cổng trao đổi văn bản"
# Approving, signing, issuing and changing roles need a session that passed TOTP this recently (minutes).
MFA_RECENT_MINUTES = env.int("MFA_RECENT_MINUTES", default=30)

# Official addresses must sit on these domains or their subdomains (Directive 34, provincial rules).
OFFICIAL_EMAIL_DOMAINS = env.list("OFFICIAL_EMAIL_DOMAINS", default=["gov.vn"])

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Tiếng Việt")), ("en", _("Tiếng Anh"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["portal.formats"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))


def _s3_options(url):
    """django-storages' S3Storage options from STORAGE_URL, s3://KEY:SECRET@host:port/bucket[/prefix]?region=…
    &secure=0&addressing=path (no host: AWS itself). Private objects: files leave only through the portal's views."""
    from urllib.parse import parse_qs, unquote, urlsplit

    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    bucket, _slash, prefix = parts.path.lstrip("/").partition("/")
    if parts.scheme != "s3" or not bucket:
        raise ImproperlyConfigured("STORAGE_URL must look like s3://KEY:SECRET@host:port/bucket?region=…")
    secure = query.get("secure", "1") not in ("0", "false", "no")
    return {
        "access_key": unquote(parts.username or ""),
        "secret_key": unquote(parts.password or ""),
        "bucket_name": bucket,
        "location": prefix.strip("/"),
        "endpoint_url": f"{'https' if secure else 'http'}://{parts.hostname}:{parts.port or (443 if secure else 80)}"
        if parts.hostname else None,
        "region_name": query.get("region") or None,
        "addressing_style": query.get("addressing", "path" if parts.hostname else None),
        "verify": query.get("ca") or None,
        "default_acl": None,
        "querystring_expire": 60,
        # The same rule as the local disk: a name already taken gets a new one (signed files refuse instead:
        # core.storage.save_once); S3's own default would overwrite.
        "file_overwrite": False,
        # Bytes kept in memory per open file before spooling to a temporary file.
        "max_memory_size": env.int("STORAGE_MAX_MEMORY_MB", default=16) * 1024 * 1024,
    }


# Stored files: the local disk under MEDIA_ROOT by default; with STORAGE_URL every stored file is an object in an
# S3-compatible bucket (docs/deploy.md, "Files in object storage"), read and written by every web server and worker.
STORAGE_URL = env.str("STORAGE_URL", default="")
STORAGE_S3_OPTIONS = _s3_options(STORAGE_URL) if STORAGE_URL else None
STORAGES = {
    "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": STORAGE_S3_OPTIONS} if STORAGE_S3_OPTIONS
    else {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail: EMAIL_URL (smtp://user:pass@host:port, smtp+tls://…) or .eml files under var/mail/.
EMAIL_FILE_PATH = Path(env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail")))
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "core.mail.EmlFileBackend"
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Every message is DKIM-signed with its From domain's agency key (docs/mail-trust.md) by a backend wrapping the one
# above; a deployment whose relay signs (OpenDKIM) sets DKIM_SIGN=0. DKIM_DNS_NAMESERVERS ("ip" or "ip:port"):
# where the admin page's check of the published record asks; empty = the system resolver.
DKIM_SIGN = env.bool("DKIM_SIGN", default=True)
DKIM_DNS_NAMESERVERS = env.list("DKIM_DNS_NAMESERVERS", default=[])
DKIM_INNER_EMAIL_BACKEND = EMAIL_BACKEND
EMAIL_BACKEND = "agencies.mail_auth.DkimEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng trao đổi văn bản <no-reply@portal.gov.vn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: REDIS_URL switches to Redis-backed workers; without it tasks run in-process and the
# worker started by `make run` serves beat's periodic tasks through a broker kept in files.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# One queue per kind of work, every task routed by name in portal/queues.py; their names start with CELERY_QUEUE.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="portal")
CELERY_TASK_QUEUES = queues.task_queues(CELERY_TASK_DEFAULT_QUEUE)
CELERY_TASK_ROUTES = queues.task_routes(CELERY_TASK_DEFAULT_QUEUE)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {}  # each subject below adds its periodic tasks
# Redis is never on a request's critical path: connecting and every command are bounded, a publish is
# tried twice at most (work that could not be queued stays pending in the database and beat's recovery
# queues it), no task keeps a result unless it says so, and the cache falls back to each process's memory
# for CACHE_RETRY_SECONDS after a failure (core/cache.py). Sessions are kept in the database: with Redis for the
# cache, any web server answers any request (docs/deploy.md).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=10)
# After a publish fails, a request queues nothing more (beat's recovery does); outside requests (a task queueing
# another) the broker is not asked again for this long (portal/publishing.py).
BROKER_RETRY_SECONDS = env.float("BROKER_RETRY_SECONDS", default=10)
SESSION_ENGINE = "django.contrib.sessions.backends.db"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
    # Workers and beat wait for Redis however long it is away (Celery's default gives up after 100 tries).
    CELERY_BROKER_CONNECTION_MAX_RETRIES = None
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
        "socket_timeout": REDIS_SOCKET_TIMEOUT,
        "retry_on_timeout": False,
        "max_retries": 1,
    }
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2,
                                        "interval_max": 0.2}
    CELERY_TASK_IGNORE_RESULT = True
    CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
    CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
    CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"max_retries": 0, "interval_start": 0,
                                                                "interval_step": 0.2, "interval_max": 0.2}}
    CELERY_TASK_ALWAYS_EAGER = False
    CACHES = {
        "default": {
            "BACKEND": "core.cache.FallbackRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": REDIS_CONNECT_TIMEOUT, "socket_timeout": REDIS_SOCKET_TIMEOUT,
                        "RETRY_SECONDS": CACHE_RETRY_SECONDS},
        }
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(VAR_DIR / "broker"),
        "data_folder_out": str(VAR_DIR / "broker"),
        "processed_folder": str(VAR_DIR / "broker-processed"),
        "control_folder": str(VAR_DIR / "broker-control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = None
    CELERY_TASK_ALWAYS_EAGER = True
    CELERY_TASK_EAGER_PROPAGATES = True
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Production hardening; `manage.py check --deploy` is clean when DEBUG is off and SECRET_KEY is set.
# A client can send X-Forwarded-Proto itself: trusted only when a proxy that overwrites it is declared.
if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
elif env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (env.str("SECURE_PROXY_SSL_HEADER"), "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"
# No inline script anywhere (behaviour comes from static/portal/portal.js via data- attributes); inline styles
# stay allowed for Bootstrap's and htmx's. File responses set their own, stricter policy.
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
    "font-src 'self'", "connect-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'",
    "frame-ancestors 'none'",
])
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "core.logs.Console"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "filters": {"without_traceback": {"()": "core.logs.WithoutTraceback"}},
    # pyHanko logs every signer it cannot chain to a trusted root with a traceback; pki reports the verdict.
    "loggers": {"pyhanko.sign.validation.generic_cms": {"filters": ["without_traceback"]}},
}

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"
# /healthz counts workers as up while the stamp of beat's heartbeat task is younger than HEALTHZ_HEARTBEAT_MAX_AGE;
# only staff asking ?full=1 wait up to HEALTHZ_WORKER_TIMEOUT for a live ping.
HEALTHZ_WORKER_TIMEOUT = env.float("HEALTHZ_WORKER_TIMEOUT", default=1.0)
HEALTHZ_HEARTBEAT_SECONDS = env.int("HEALTHZ_HEARTBEAT_SECONDS", default=30)
HEALTHZ_HEARTBEAT_MAX_AGE = env.int("HEALTHZ_HEARTBEAT_MAX_AGE", default=3 * HEALTHZ_HEARTBEAT_SECONDS)
CELERY_BEAT_SCHEDULE["healthz-heartbeat"] = {
    "task": "portal.tasks.heartbeat",
    "schedule": HEALTHZ_HEARTBEAT_SECONDS,
    "options": {"expires": HEALTHZ_HEARTBEAT_SECONDS},
}
# Fernet keys for secrets stored in the database (see core/crypto.py), comma-separated: the first encrypts,
# every one decrypts (rotation: put the new key first, run `manage.py secrets_reencrypt`, then drop the old one).
# Required when DEBUG is off; in development it is derived from SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = env.str("FIELD_ENCRYPTION_KEY", default="")
if not DEBUG and not FIELD_ENCRYPTION_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off and FIELD_ENCRYPTION_KEY is not set: set it to a Fernet key of its own, separate from "
        "SECRET_KEY (python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
    )
# Uploaded main files and attachments above this size are refused.
MAX_UPLOAD_MB = env.int("MAX_UPLOAD_MB", default=50)
# A whole request (a draft with its attachments) above this is answered 413 from its Content-Length, unread.
MAX_REQUEST_MB = env.int("MAX_REQUEST_MB", default=4 * MAX_UPLOAD_MB)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Delivery of issued documents (documents.mail_delivery, documents.services.delivery): retries with
# exponential backoff. One task sends this many e-mails over one SMTP connection; each batch costs a task,
# a connection and encoding the attachments once (bench/README.md, fan-out).
DELIVERY_BATCH_SIZE = env.int("DELIVERY_BATCH_SIZE", default=50)
DELIVERY_MAX_ATTEMPTS = env.int("DELIVERY_MAX_ATTEMPTS", default=8)
DELIVERY_RETRY_BASE_SECONDS = env.int("DELIVERY_RETRY_BASE_SECONDS", default=60)
DELIVERY_RETRY_MAX_SECONDS = env.int("DELIVERY_RETRY_MAX_SECONDS", default=6 * 3600)
# SMTP: connecting and each command; the reply to the final dot may take longer (RFC 5321 4.5.3.2.6: 10 min).
DELIVERY_SMTP_TIMEOUT = env.float("DELIVERY_SMTP_TIMEOUT", default=30)
DELIVERY_SMTP_DATA_TIMEOUT = env.float("DELIVERY_SMTP_DATA_TIMEOUT", default=600)
# A sending run's claim lasts this long and is renewed every third of it while the run lives; a dead
# run's rows are taken back by the next recovery after that (under a minute with the defaults).
DELIVERY_LEASE_SECONDS = env.int("DELIVERY_LEASE_SECONDS", default=30)
# A pending row queued longer ago than this without being claimed lost its task: queued again.
DELIVERY_REQUEUE_SECONDS = env.int("DELIVERY_REQUEUE_SECONDS", default=30)
# While the mail relay cannot be reached deliveries wait (no attempt spent) this long, like a mail
# server's queue lifetime, then fail; the relay is asked again at most every DELIVERY_RELAY_PROBE_MAX_SECONDS.
DELIVERY_QUEUE_LIFETIME = env.int("DELIVERY_QUEUE_LIFETIME", default=5 * 24 * 3600)
DELIVERY_RELAY_PROBE_MAX_SECONDS = env.int("DELIVERY_RELAY_PROBE_MAX_SECONDS", default=600)
# Recovery runs from beat on its own queue (portal/queues.py), so it never waits behind sending tasks: every worker
# that consumes all queues takes it, and a small worker of its own keeps it going when all are busy.
CELERY_RECOVERY_QUEUE = queues.queue_name(CELERY_TASK_DEFAULT_QUEUE, queues.RECOVERY)
DELIVERY_RECOVER_SECONDS = env.int("DELIVERY_RECOVER_SECONDS", default=15)
# Envelope sender of each e-mail delivery (VERP, docs/bounces.md): <local part>+<token>@<agency's domain>, so that a
# bounce is matched to its delivery. "" uses the official address's own local part (plus-addressing, no alias).
DELIVERY_VERP_LOCAL_PART = env.str("DELIVERY_VERP_LOCAL_PART", default="bounce")
CELERY_BEAT_SCHEDULE["deliveries-recover"] = {
    "task": "documents.tasks.deliveries_recover",
    "schedule": DELIVERY_RECOVER_SECONDS,
    # A run that waited longer than a few intervals (no recovery worker) is dropped: the next one does it all.
    "options": {"expires": 4 * DELIVERY_RECOVER_SECONDS},
}
# PKI: PEM files of root CAs trusted when checking signed PDFs (comma-separated paths); the demo CA made by
# `manage.py pki_demo` is trusted too unless PKI_TRUST_DEMO_CA=0.
PKI_TRUST_ROOTS = env.list("PKI_TRUST_ROOTS", default=[])
PKI_TRUST_DEMO_CA = env.bool("PKI_TRUST_DEMO_CA", default=True)
# The demo CA's OCSP responder, CRL and timestamp authority are served by the portal itself under /pki/ (demo mode);
# certificates it issues name PKI_DEMO_SERVICE_URL in their AIA and CRL distribution point extensions.
PKI_DEMO_SERVICE_URL = env.str("PKI_DEMO_SERVICE_URL", default=f"{SITE_URL}/pki").rstrip("/")
# RFC 3161 timestamp authority for PAdES B-LT/B-LTA; empty = the demo TSA while the demo CA is trusted, else none.
PKI_TSA_URL = env.str("PKI_TSA_URL", default="")
PKI_HTTP_TIMEOUT = env.float("PKI_HTTP_TIMEOUT", default=10.0)
# Text a drafter may type in the PDF where the signer's signature goes (docs/signatures.md, "Places on the page").
PKI_SIGNER_PLACEHOLDER = env.str("PKI_SIGNER_PLACEHOLDER", default="[CHU_KY]")
# PKCS#11 tokens and HSMs (docs/signatures.md): the module and the user PIN of each token an agency key lives on,
# as PKCS11_PINS="token-label=pin,other=pin". Persons type their own token PIN when they sign.
PKCS11_MODULE = env.str("PKCS11_MODULE", default="/usr/lib/softhsm/libsofthsm2.so")
PKCS11_PINS = env.dict("PKCS11_PINS", default={})
# A personal signing PIN: this many wrong attempts lock signing with that certificate for SIGNING_PIN_LOCK_MINUTES.
SIGNING_PIN_MAX_ATTEMPTS = env.int("SIGNING_PIN_MAX_ATTEMPTS", default=5)
SIGNING_PIN_LOCK_MINUTES = env.int("SIGNING_PIN_LOCK_MINUTES", default=15)
# Remote signing services (Cloud Signature Consortium API v2): name -> base URL and the portal's client credentials,
# as REMOTE_SIGNING_CSC_URL / _CLIENT_ID / _CLIENT_SECRET for the one named "csc". Adding a vendor is an adapter.
REMOTE_SIGNING_PROVIDERS = {}
if env.str("REMOTE_SIGNING_CSC_URL", default=""):
    REMOTE_SIGNING_PROVIDERS["csc"] = {
        "kind": "csc",
        "url": env.str("REMOTE_SIGNING_CSC_URL").rstrip("/"),
        "client_id": env.str("REMOTE_SIGNING_CSC_CLIENT_ID", default=""),
        "client_secret": env.str("REMOTE_SIGNING_CSC_CLIENT_SECRET", default=""),
    }
# How long the portal waits for a person to confirm a remote signature on their phone.
REMOTE_SIGNING_TIMEOUT_SECONDS = env.int("REMOTE_SIGNING_TIMEOUT_SECONDS", default=300)
# A pending remote signature whose polling chain broke (a worker restarted) is polled again by beat.
CELERY_BEAT_SCHEDULE["pki-remote-signing-sweep"] = {"task": "pki.tasks.remote_signing_sweep", "schedule": 60.0}
# Page images of drafts (the signer's place preview) are a cache: beat clears old ones once a day.
CELERY_BEAT_SCHEDULE["documents-page-previews-purge"] = {
    "task": "documents.tasks.page_previews_purge", "schedule": crontab(hour=3, minute=30),
}
# A register's PDF made by a worker is kept for its download while its job is, then deleted.
CELERY_BEAT_SCHEDULE["documents-register-pdfs-purge"] = {
    "task": "documents.tasks.register_pdfs_purge", "schedule": crontab(hour=3, minute=45),
}
# Saved searches asking for it get one e-mail a morning with their new matches (search.services).
CELERY_BEAT_SCHEDULE["search-saved-searches-mail"] = {
    "task": "search.tasks.saved_searches_mail", "schedule": crontab(hour=6, minute=30),
}

# intake: every enabled agency mailbox is read by beat every MAILBOX_POLL_SECONDS (Directive 34: check regularly).
MAILBOX_POLL_SECONDS = env.int("MAILBOX_POLL_SECONDS", default=300)
MAILBOX_IMAP_TIMEOUT = env.int("MAILBOX_IMAP_TIMEOUT", default=30)
# Extra CA certificates (PEM) trusted for IMAP over TLS, e.g. the government CA; the system store is kept too.
MAILBOX_CA_FILE = env.str("MAILBOX_CA_FILE", default="")
# Mailboxes reach only mail servers on the Internet: a host resolving to loopback, private, link-local, CGNAT or
# cloud-metadata addresses is refused unless this is on (`make run` and the test suite turn it on for a local IMAP).
MAILBOX_ALLOW_PRIVATE_HOSTS = env.bool("MAILBOX_ALLOW_PRIVATE_HOSTS", default=False)
# Directive 34: each agency's rule says when a person must look at its mailbox; beat judges the due times whose
# grace period has passed and opens an incident for the chief of office on a missed one (docs/mailbox-checks.md).
CELERY_BEAT_SCHEDULE["mailbox-checks-judge"] = {
    "task": "intake.tasks.mailbox_checks_judge", "schedule": 300, "options": {"expires": 300},
}
CELERY_BEAT_SCHEDULE["intake-mailbox-poll-all"] = {
    "task": "intake.tasks.mailbox_poll_all",
    "schedule": MAILBOX_POLL_SECONDS,
}

# Incoming documents: default handling time in days by urgency ("" = normal), and the daily overdue e-mail.
INCOMING_DUE_DAYS = {
    "": env.int("DUE_DAYS_NORMAL", default=10),
    "khan": env.int("DUE_DAYS_KHAN", default=3),
    "thuong_khan": env.int("DUE_DAYS_THUONG_KHAN", default=2),
    "hoa_toc": env.int("DUE_DAYS_HOA_TOC", default=1),
}
OVERDUE_DIGEST_HOUR = env.int("OVERDUE_DIGEST_HOUR", default=7)
CELERY_BEAT_SCHEDULE["incoming-overdue-digest"] = {
    "task": "documents.tasks.overdue_digest",
    "schedule": crontab(hour=OVERDUE_DIGEST_HOUR, minute=30),
}
CELERY_BEAT_SCHEDULE["documents-kept-uploads-purge"] = {
    "task": "documents.tasks.kept_uploads_purge",
    "schedule": crontab(hour=3, minute=0),
}

# public: guessing lookup codes is limited per client address and per code (django-ratelimit, in the cache).
# Counted are wrong tries only; rates are "count/period" as django-ratelimit reads them (10/10m = 10 per 10 min).
LOOKUP_WRONG_RATE_PER_IP = env.str("LOOKUP_WRONG_RATE_PER_IP", default="10/10m")
LOOKUP_WRONG_RATE_PER_CODE = env.str("LOOKUP_WRONG_RATE_PER_CODE", default="5/h")
# Behind a reverse proxy: the request.META key holding the client's address (e.g. HTTP_X_REAL_IP); else REMOTE_ADDR.
CLIENT_IP_META_KEY = env.str("CLIENT_IP_META_KEY", default="")

# reports: overdue incoming documents become incidents once a day, before the overdue e-mail.
CELERY_BEAT_SCHEDULE["reports-incidents-overdue"] = {
    "task": "reports.tasks.incidents_overdue_sync",
    "schedule": crontab(hour=OVERDUE_DIGEST_HOUR, minute=15),
}
# reports: months of the usage report marked stale are counted again every 5 minutes, and the current half-year's
# report of each tree they changed is counted into the cache (a leader's page then reads it).
CELERY_BEAT_SCHEDULE["reports-month-facts-refresh"] = {
    "task": "reports.tasks.month_facts_refresh", "schedule": 300.0,
    "options": {"expires": 300},
}
# meetings: reminders before a meeting (Meeting.reminder_minutes) queued every 5 minutes, each sent once.
CELERY_BEAT_SCHEDULE["meetings-reminders-due"] = {
    "task": "meetings.tasks.meeting_reminders_due", "schedule": 300, "options": {"expires": 300},
}
# meetings: e-mails about a meeting whose task or retry was lost (a worker that died) are sent again.
CELERY_BEAT_SCHEDULE["meetings-mails-recover"] = {
    "task": "meetings.tasks.meeting_mails_recover", "schedule": 600, "options": {"expires": 600},
}
# documents: notices of a recall, update or replacement whose e-mail task or retry was lost are sent again.
CELERY_BEAT_SCHEDULE["revision-notices-recover"] = {
    "task": "documents.tasks.revision_notices_recover", "schedule": 600, "options": {"expires": 600},
}
# schedules: sendings of a published week whose task was lost are sent again.
CELERY_BEAT_SCHEDULE["schedules-sendings-recover"] = {
    "task": "schedules.tasks.schedule_sendings_recover", "schedule": 600, "options": {"expires": 600},
}

# exchange: edXML envelopes to and from other installations of the portal (docs/exchange.md, "Between
# installations"). The POST of one envelope gives up after these timeouts (and is retried with the deliveries'
# backoff, DELIVERY_RETRY_*, up to DELIVERY_MAX_ATTEMPTS); status and revision envelopes whose task was lost or
# whose worker died are sent again by the recovery beat.
# The largest envelope read or accepted, files in base64 included; a signer's revocation is asked of its OCSP/CRL
# services when an envelope is read (an unreachable responder is let through, a revoked certificate is not).
EXCHANGE_MAX_ENVELOPE_BYTES = env.int("EXCHANGE_MAX_ENVELOPE_BYTES", default=64 * 1024 * 1024)
EXCHANGE_CHECK_REVOCATION = env.bool("EXCHANGE_CHECK_REVOCATION", default=True)
EXCHANGE_CONNECT_TIMEOUT = env.float("EXCHANGE_CONNECT_TIMEOUT", default=10)
EXCHANGE_READ_TIMEOUT = env.float("EXCHANGE_READ_TIMEOUT", default=120)
EXCHANGE_RECOVER_SECONDS = env.int("EXCHANGE_RECOVER_SECONDS", default=60)
CELERY_BEAT_SCHEDULE["exchange-messages-recover"] = {
    "task": "exchange.tasks.messages_recover", "schedule": EXCHANGE_RECOVER_SECONDS,
    "options": {"expires": EXCHANGE_RECOVER_SECONDS},
}

# ---- REST API (api app, docs/api.md) -------------------------------------------------------------------------
# Only the agency admin's tokens open it (Authorization: Bearer …); no session, so no CSRF and no browser login.
# Each token has its own rate (in the cache, so shared by every process through Redis).
API_TOKEN_RATE = env.str("API_TOKEN_RATE", default="120/min")
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.TokenScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser", "rest_framework.parsers.MultiPartParser",
                               "rest_framework.parsers.FormParser"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pages",
    "PAGE_SIZE": API_PAGE_SIZE,
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "API Cổng trao đổi văn bản",
    "DESCRIPTION": "Văn bản đi, văn bản đến, trạng thái gửi và danh bạ cho các hệ thống khác của cơ quan "
                   "(docs/api.md). Xác thực: Authorization: Bearer <mã truy cập do quản trị cơ quan cấp>.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI from the portal's own static files (drf-spectacular-sidecar): our CSP allows no other origin.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "OutgoingStatusEnum": "documents.models.Outgoing.Status",
        "IncomingStatusEnum": "documents.models.Incoming.Status",
        "DeliveryStatusEnum": "documents.models.Delivery.Status",
        "RecipientKindEnum": "documents.models.Recipient.Kind",
        "FileKindEnum": "documents.models.OutgoingFile.Kind",
    },
}
# ---- end of REST API ---------------------------------------------------------------------------------------
# ---- Text of the files (ocr app) --------------------------------------------------------------------------
# Tesseract's languages for OCRmyPDF ("vie", or "vie+eng"), a worker's claim on a file (a crashed worker's file is
# taken again by beat after it), how long a queued file may wait before beat queues it again, tries per file,
# seconds per page and per file, and Tesseract's threads per file.
OCR_LANGUAGES = env.str("OCR_LANGUAGES", default="vie")
OCR_LEASE_SECONDS = env.int("OCR_LEASE_SECONDS", default=900)
OCR_REQUEUE_SECONDS = env.int("OCR_REQUEUE_SECONDS", default=1800)
OCR_MAX_ATTEMPTS = env.int("OCR_MAX_ATTEMPTS", default=3)
OCR_PAGE_TIMEOUT = env.int("OCR_PAGE_TIMEOUT", default=180)
OCR_FILE_TIMEOUT = env.int("OCR_FILE_TIMEOUT", default=3600)
OCR_JOBS = env.int("OCR_JOBS", default=1)
CELERY_BEAT_SCHEDULE["ocr-texts-recover"] = {
    "task": "ocr.tasks.texts_recover", "schedule": 300.0,
    "options": {"expires": 300},
}
# ---- end of text of the files ------------------------------------------------------------------------------
# ---- Digitised archive (archive app) ----------------------------------------------------------------------
# A batch's storing run holds its claim this long, renewed after every scan; beat queues again a storing batch
# whose claim ran out (a crashed worker) or whose task was queued longer ago than ARCHIVE_REQUEUE_SECONDS.
ARCHIVE_LEASE_SECONDS = env.int("ARCHIVE_LEASE_SECONDS", default=30)
ARCHIVE_REQUEUE_SECONDS = env.int("ARCHIVE_REQUEUE_SECONDS", default=60)
# A folder picked in the browser comes as one file per scan (Django's default allows 100 per request); the body
# stays bounded by MAX_REQUEST_MB. A bigger archive goes as a ZIP.
DATA_UPLOAD_MAX_NUMBER_FILES = env.int("DATA_UPLOAD_MAX_NUMBER_FILES", default=1000)
CELERY_BEAT_SCHEDULE["archive-batches-recover"] = {
    "task": "archive.tasks.batches_recover", "schedule": 30.0, "options": {"expires": 120},
}
# ---- end of digitised archive ------------------------------------------------------------------------------
