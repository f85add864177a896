"""Cadence settings, read from the environment.

With nothing set, Cadence runs in its embedded mode: a SQLite file under ``var/``, Celery tasks run
eagerly in the web process, the local ``test`` payment processor and DEBUG on. Setting
``CADENCE_PRODUCTION=true`` switches to the production shape, which requires ``SECRET_KEY``,
``DATABASE_URL``, ``CELERY_BROKER_URL``, ``ALLOWED_HOSTS``, a mail transport (``EMAIL_URL``) and
a shared cache (``REDIS_URL`` or ``CACHE_URL``), and passes ``check --deploy``.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp_constants
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

PRODUCTION = env.bool("CADENCE_PRODUCTION", default=False)
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

# Runtime data (SQLite file, uploaded files) lives outside the code packages.
VAR_DIR = Path(env.str("CADENCE_VAR_DIR", default=str(BASE_DIR / "var")))

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="embedded-mode-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused CSRF check under /api/ answers in the API's error body (pages get Django's page).
CSRF_FAILURE_VIEW = "cadence.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "rest_framework_simplejwt.token_blacklist",
    "csp",
    "cadence",
    "cadence.idempotency",
    "lms",
    "commerce",
    "payouts",
    "connectors",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cadence.middleware.ConnectorPostMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cadence.middleware.ContentSecurityPolicyMiddleware",
    "cadence.middleware.PermissionsPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cadence.middleware.SlashRedirectMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cadence.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The spec's connector endpoints, to which outside systems POST signed JSON, carrying no session:
# such a POST goes through this middleware only (cadence.middleware.ConnectorPostMiddleware), the
# same headers on its answer as MIDDLEWARE writes, in the same order.
CONNECTOR_POST_URL_NAMES = [
    f"connector-{endpoint}{form}"
    for endpoint in (
        "enrollment-request",
        "enrollment-status",
        "course-completion",
        "revenue-recorded",
    )
    for form in ("", "-slash")
]
CONNECTOR_POST_MIDDLEWARE = [
    "cadence.middleware.ContentSecurityPolicyMiddleware",
    "cadence.middleware.PermissionsPolicyMiddleware",
    "cadence.middleware.SlashRedirectMiddleware",
    "cadence.middleware.NoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

# Content-Security-Policy (django-csp): scripts, styles and connections from Cadence itself only;
# no inline script anywhere (templates load static JS files). Inline styles stay allowed: the
# Django admin and the API docs (Swagger UI) write some, and a style cannot run code. Images may
# also come over HTTPS from anywhere: a course's image is a URL its creator gives (the spec's
# CatalogCourse.thumbnail), usually on a CDN, and an image cannot run code either.
# The Stripe payment page widens the policy for Stripe.js and its frames (commerce/views.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:", "https:"],
        "font-src": [csp_constants.SELF],
        "connect-src": [csp_constants.SELF],
        "frame-src": [csp_constants.NONE],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    },
}
# Browser features no page of Cadence uses are switched off, for the pages and any frame in them;
# payment (Apple Pay, Google Pay) stays for Stripe's frames on the payment page.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), usb=(), serial=(), "
    'payment=(self "https://js.stripe.com")'
)
# The only answers a browser or proxy may keep: public pages seen by an anonymous visitor (URL
# names). Every other page and API answer carries personal or money data and is sent with
# Cache-Control: no-store (cadence/middleware.py).
CACHEABLE_PUBLIC_ROUTES = {"home", "commerce:catalog", "commerce:course"}

ROOT_URLCONF = "cadence.urls"
WSGI_APPLICATION = "cadence.wsgi.application"
ASGI_APPLICATION = "cadence.asgi.application"

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
                "notifications.context_processors.unread_notifications",
                "lms.work_roles.work_roles",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend, its per-request health check answered by the socket while it can.
    DATABASES["default"]["ENGINE"] = "cadence.postgresql"
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    # SQLite waits for a writer instead of failing at once when the dev server and a task overlap.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "lms.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# An account is locked for a while after repeated failed log-ins, and an address that fails
# too often is throttled (lms/auth.py; the counts live in the shared cache, CACHES).
AUTHENTICATION_BACKENDS = ["lms.auth.ThrottledModelBackend"]
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=50)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=15 * 60)
# The reverse proxies in front of the web processes (addresses or networks, e.g. 10.0.0.0/16):
# the client address is read from X-Forwarded-For past them (cadence/kernel/client_address.py).
# Empty: the peer address is the client's, which is only right without a proxy.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# The web process serves static files itself (no CDN, no separate server): collected, compressed
# and cache-busted in production; straight from the source folders otherwise.
WHITENOISE_AUTOREFRESH = not PRODUCTION
WHITENOISE_USE_FINDERS = not PRODUCTION

# Mail goes out through EMAIL_URL (django-environ: smtp://, smtp+tls://, smtps://). The embedded
# mode prints it to the console; production refuses to start without a real transport, because a
# password-reset link is a credential and the console is the web log.
EMAIL_CONFIG = (
    env.email_url("EMAIL_URL")
    if PRODUCTION
    else env.email_url("EMAIL_URL", default="consolemail://")
)
vars().update(EMAIL_CONFIG)
# The address people reach Cadence at, for the links in emails sent outside a request (tasks).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cadence <no-reply@cadence.localhost>")
EMAIL_BACKENDS_THAT_DELIVER_NOTHING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}
if PRODUCTION and EMAIL_CONFIG["EMAIL_BACKEND"] in EMAIL_BACKENDS_THAT_DELIVER_NOTHING:
    raise ImproperlyConfigured(
        "EMAIL_URL: production needs a mail transport that delivers (smtp+tls://…), "
        f"not {EMAIL_CONFIG['EMAIL_BACKEND']}"
    )

# Log-in lockouts and connector rate limits count in the default cache, so every web process must
# share it: production refuses to start without Redis (REDIS_URL, or a redis:// CACHE_URL) or
# Memcached, whose increments are atomic. The embedded mode is one process: local memory will do.
if env.str("REDIS_URL", default=""):
    CACHES = {
        "default": {
            # Django's, reusing its Redis clients (cadence/kernel/cache.py).
            "BACKEND": "cadence.kernel.cache.RedisCache",
            "LOCATION": env.str("REDIS_URL"),
        }
    }
elif PRODUCTION:
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://cadence")}
SHARED_CACHE_BACKENDS = {
    "cadence.kernel.cache.RedisCache",
    "django.core.cache.backends.redis.RedisCache",
    "django_redis.cache.RedisCache",
    "django.core.cache.backends.memcached.PyMemcacheCache",
    "django.core.cache.backends.memcached.PyLibMCCache",
}
if PRODUCTION and CACHES["default"]["BACKEND"] not in SHARED_CACHE_BACKENDS:
    raise ImproperlyConfigured(
        "REDIS_URL or CACHE_URL: production needs a cache shared by all web processes "
        f"(Redis or Memcached), not {CACHES['default']['BACKEND']}"
    )

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Without a broker, tasks run in the calling process: the embedded mode needs no Redis.
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    # In-memory, with a host name so that kombu does not warn of a missing one on every task.
    CELERY_BROKER_URL = "memory://localhost/"
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fix-up closes every database connection before and after every task, unless
# this is set: then only every that many tasks. A worker process keeps its connection as a web
# process does instead (cadence.celery: closed around a task only where Django would close it
# around a request), so this is only a backstop.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="cadence")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task a worker took but never acknowledged comes back after this long.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=600),
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Default schedules; django-celery-beat copies them into the database, where staff can edit them.
CELERY_BEAT_SCHEDULE = {
    "connectors.outbox-sweep": {
        "task": "connectors.outbox_sweep",
        "schedule": timedelta(seconds=env.int("OUTBOX_SWEEP_SECONDS", default=30)),
    },
    "commerce.refunds-retry": {
        "task": "commerce.refunds_retry",
        "schedule": timedelta(minutes=10),
    },
    "commerce.pending-orders-expire": {
        "task": "commerce.pending_orders_expire",
        "schedule": timedelta(minutes=15),
    },
    "payouts.payout-batch": {
        "task": "payouts.payout_batch_run",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
    },
    "payouts.held-revenue-forfeit": {
        "task": "payouts.held_revenue_forfeit",
        "schedule": crontab(hour=5, minute=0),
    },
    "payouts.resend-unfinished": {
        "task": "payouts.payouts_resend_unfinished",
        "schedule": timedelta(seconds=env.int("PAYOUTS_SEND_SWEEP_SECONDS", default=60)),
    },
}

# --- Idempotent API requests (cadence/idempotency) ---------------------------------------------
# How long a person's Idempotency-Key and the answer it got are kept (Stripe keeps them a day).
IDEMPOTENCY_KEY_HOURS = env.int("IDEMPOTENCY_KEY_HOURS", default=24)
# A first request still unfinished after this long is taken to have died with its process: a
# repeat with the same key and body runs again instead of being answered 409.
IDEMPOTENCY_IN_FLIGHT_SECONDS = env.int("IDEMPOTENCY_IN_FLIGHT_SECONDS", default=300)
CELERY_BEAT_SCHEDULE["cadence.idempotency-keys-expire"] = {
    "task": "cadence.idempotency_keys_expire",
    "schedule": crontab(minute=20),
}

# --- Outbox -------------------------------------------------------------------------------------
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_BACKOFF_BASE_SECONDS = env.int("OUTBOX_BACKOFF_BASE_SECONDS", default=5)
OUTBOX_BACKOFF_MAX_SECONDS = env.int("OUTBOX_BACKOFF_MAX_SECONDS", default=3600)
# The sweep leaves fresh rows to the on-commit kick for this long, to avoid racing it.
OUTBOX_SWEEP_GRACE_SECONDS = env.int("OUTBOX_SWEEP_GRACE_SECONDS", default=10)

# --- API ----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # A bearer access token first, then the session: every unsafe request the session carries is
    # CSRF-checked, a visitor's too; one a token vouched for is not a browser's.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cadence.authentication.BearerTokenAuthentication",
        "cadence.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "cadence.schema.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "cadence.pagination.BoundedLimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "cadence.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "cadence.api.DecimalJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# The payouts API is read by payees (session) and by outside systems with a signed connector key
# that holds the payouts:read scope. The key class comes first so that a refused key answers 401
# (or 403, without the scope) with its reason.
PAYOUTS_API_AUTHENTICATION_CLASSES = [
    "connectors.rest_api.authentication.PayoutsReadingKeyAuthentication",
    "cadence.authentication.BearerTokenAuthentication",
    "cadence.authentication.SessionAuthentication",
]
# API tokens for people (djangorestframework-simplejwt; lms/services/api_tokens.py): a pair from
# POST /api/v1/auth/token/ with a username and password, under the same log-in lockout as the
# pages. The access token is short-lived and carries only the user's public id; each refresh
# token works once (it is blacklisted when used, and the answer carries a new one).
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env.int("API_ACCESS_TOKEN_SECONDS", default=300)),
    "REFRESH_TOKEN_LIFETIME": timedelta(
        seconds=env.int("API_REFRESH_TOKEN_SECONDS", default=24 * 60 * 60)
    ),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("API_TOKEN_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "public_id",
    "USER_ID_CLAIM": "user_id",
    "CHECK_USER_IS_ACTIVE": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Cadence API",
    "DESCRIPTION": "Commerce, learning and payouts of the Cadence course platform.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets are served by the project itself, never from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "CAMELIZE_NAMES": False,
    # Tags and operation ids start after the version: "orders", "orders_retrieve".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Request bodies are documented as JSON, the API's language; an operation that takes a file
    # upload says so itself. (Form bodies are still read, for browsers' sake, but not promised.)
    "PARSER_WHITELIST": ["cadence.api.DecimalJSONParser"],
}

# --- Payments -----------------------------------------------------------------------------------
# The processors checkout offers, in the operator's order (e.g. "stripe,paypal,test"). Each one is
# offered only while its credentials are set (commerce/processors/__init__.py). Unset, the single
# PAYMENT_PROCESSOR is used, which defaults to the embedded ``test`` processor.
PAYMENT_PROCESSOR = env.str("PAYMENT_PROCESSOR", default="test")
PAYMENT_PROCESSORS = env.list("PAYMENT_PROCESSORS", default=[])
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="")
# Square (the squareup SDK): an access token and location for the Payments API, the application
# id for the Web Payments SDK in the browser, and the webhook subscription's signature key with the
# notification URL exactly as registered at Square (the signature covers that URL).
# SQUARE_ENVIRONMENT is "sandbox" or "production"; SQUARE_API_BASE points at a local stand-in.
SQUARE_ENVIRONMENT = env.str("SQUARE_ENVIRONMENT", default="sandbox")
SQUARE_ACCESS_TOKEN = env.str("SQUARE_ACCESS_TOKEN", default="")
SQUARE_APPLICATION_ID = env.str("SQUARE_APPLICATION_ID", default="")
SQUARE_LOCATION_ID = env.str("SQUARE_LOCATION_ID", default="")
SQUARE_WEBHOOK_SIGNATURE_KEY = env.str("SQUARE_WEBHOOK_SIGNATURE_KEY", default="")
SQUARE_WEBHOOK_URL = env.str("SQUARE_WEBHOOK_URL", default="")
SQUARE_API_BASE = env.str("SQUARE_API_BASE", default="")
# Square reports its fee on the payment (processing_fee); this schedule is used only while it has
# not assessed it yet: Square's US online rate, 2.9% + the commerce table's fixed part (30 cents).
SQUARE_FEE_PERCENT = env.str("SQUARE_FEE_PERCENT", default="2.9")
SQUARE_FEE_FIXED: dict[str, str] = {}  # empty: COMMERCE_FEE_FIXED
# Elavon Converge: the merchant's account id, API user and terminal PIN; "demo" or "production";
# ELAVON_API_BASE points at a local stand-in. Converge does not report its fee in the API, so the
# ledger uses the operator's contracted schedule: ELAVON_FEE_PERCENT plus ELAVON_FEE_FIXED (a
# per-currency table like COMMERCE_FEE_FIXED; empty means that one).
ELAVON_ENVIRONMENT = env.str("ELAVON_ENVIRONMENT", default="demo")
ELAVON_MERCHANT_ID = env.str("ELAVON_MERCHANT_ID", default="")
ELAVON_USER_ID = env.str("ELAVON_USER_ID", default="")
ELAVON_PIN = env.str("ELAVON_PIN", default="")
ELAVON_API_BASE = env.str("ELAVON_API_BASE", default="")
ELAVON_FEE_PERCENT = env.str("ELAVON_FEE_PERCENT", default="2.9")
ELAVON_FEE_FIXED: dict[str, str] = {}  # empty: COMMERCE_FEE_FIXED
# Apple Pay's merchant domain association file, served at
# /.well-known/apple-developer-merchantid-domain-association (404 while unset). Stripe and Square
# each give the file to download when the domain is registered with them for Apple Pay.
APPLE_PAY_DOMAIN_ASSOCIATION = env.str("APPLE_PAY_DOMAIN_ASSOCIATION", default="")

# PayPal: one REST app of the platform's business account takes payments (Orders v2) and sends
# payouts, so the client id, secret and API base are shared with Payouts. PAYPAL_API_BASE, when set,
# overrides the environment's address (a local PayPal stand-in).
PAYPAL_API_BASE = env.str("PAYPAL_API_BASE", default="")
PAYPAL_CLIENT_ID = env.str("PAYPAL_CLIENT_ID", default="")
PAYPAL_SECRET = env.str("PAYPAL_SECRET", default="")
PAYPAL_WEBHOOK_ID = env.str("PAYPAL_WEBHOOK_ID", default="")
PAYPAL_ENVIRONMENT = env.str("PAYPAL_ENVIRONMENT", default="sandbox")  # or "production"

# --- Payouts ------------------------------------------------------------------------------------
# The currencies the platform's Stripe balance holds: Stripe Connect transfers only those. A payee's
# balance in another currency waits, with the reason, for a method that carries it.
PAYOUTS_STRIPE_CURRENCIES = env.list("PAYOUTS_STRIPE_CURRENCIES", default=["USD"])
# A Fernet key for taxpayer ids. Production must set its own (rotating SECRET_KEY must never make
# stored TINs unreadable); the embedded mode derives one from SECRET_KEY when unset.
PAYOUTS_TIN_ENCRYPTION_KEY = (
    env.str("PAYOUTS_TIN_ENCRYPTION_KEY")
    if PRODUCTION
    else env.str("PAYOUTS_TIN_ENCRYPTION_KEY", default="")
)
# A payout handed to a worker is handed over again after this long if it is still unfinished (its
# task lost, its worker dead); the sweep that does it runs every PAYOUTS_SEND_SWEEP_SECONDS.
PAYOUTS_SEND_GRACE_SECONDS = env.int("PAYOUTS_SEND_GRACE_SECONDS", default=60)
# PostgreSQL's work_mem for a payout batch's gathering: hash tables of every eligible payee, about
# 75 bytes each, in up to twice this (payouts/services/batches.py). 32MB holds about 850,000.
PAYOUTS_BATCH_WORK_MEM = env.str("PAYOUTS_BATCH_WORK_MEM", default="32MB")

# --- Connectors ---------------------------------------------------------------------------------
# A Fernet key for the signing secrets of connector keys and webhook subscriptions, which must be
# read back to compute HMACs. Production must set its own (several, comma separated, to rotate);
# the embedded mode derives one from SECRET_KEY when unset.
CONNECTORS_SECRET_ENCRYPTION_KEY = (
    env.str("CONNECTORS_SECRET_ENCRYPTION_KEY")
    if PRODUCTION
    else env.str("CONNECTORS_SECRET_ENCRYPTION_KEY", default="")
)

# The least a payout may be, per currency (major units, like the commerce tables): a payee's
# confirmed total below it carries over to the next batch, so that a transfer is worth its cost.
# About US$25 in each currency, rounded to an amount people use there.
PAYOUTS_MINIMUM = {
    "AED": "100.00", "ARS": "30000.00", "AUD": "40.00", "BGN": "50.00", "BHD": "10.000",
    "BRL": "125.00", "CAD": "35.00", "CHF": "25.00", "CLP": "25000", "CNY": "200.00",
    "COP": "100000.00", "CZK": "600.00", "DKK": "200.00", "EGP": "1200.00", "EUR": "25.00",
    "GBP": "20.00", "HKD": "200.00", "HUF": "10000.00", "IDR": "400000.00", "ILS": "100.00",
    "INR": "2000.00", "ISK": "3500", "JOD": "20.000", "JPY": "4000", "KES": "3500.00",
    "KRW": "35000", "KWD": "8.000", "MXN": "500.00", "MYR": "120.00", "NGN": "40000.00",
    "NOK": "300.00", "NZD": "45.00", "OMR": "10.000", "PHP": "1500.00", "PKR": "7000.00",
    "PLN": "100.00", "QAR": "100.00", "RON": "125.00", "SAR": "100.00", "SEK": "300.00",
    "SGD": "35.00", "THB": "900.00", "TND": "80.000", "TRY": "1000.00", "TWD": "800.00",
    "UAH": "1000.00", "USD": "25.00", "VND": "650000", "ZAR": "500.00",
}  # fmt: skip

# --- Production hardening -----------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # PDF rendering narrates every step at INFO; only its warnings are worth a log line.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Run eagerly, every task's success line lands in the web log between the requests.
        "celery.app.trace": {"level": "WARNING" if CELERY_TASK_ALWAYS_EAGER else "INFO"},
    },
}

# --- Connectors ---------------------------------------------------------------------------------
# A signed request is refused when its timestamp is further than this from the server's clock.
CONNECTOR_SIGNATURE_TOLERANCE_SECONDS = env.int(
    "CONNECTOR_SIGNATURE_TOLERANCE_SECONDS", default=300
)

# Outbound webhooks: attempts before a delivery is dead, backoff between them, HTTP timeouts.
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=10)
WEBHOOK_BACKOFF_BASE_SECONDS = env.float("WEBHOOK_BACKOFF_BASE_SECONDS", default=30)
WEBHOOK_BACKOFF_MAX_SECONDS = env.float("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600)
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5)
WEBHOOK_READ_TIMEOUT_SECONDS = env.float("WEBHOOK_READ_TIMEOUT_SECONDS", default=15)
CELERY_BEAT_SCHEDULE["connectors.reconcile"] = {
    "task": "connectors.reconcile",
    "schedule": crontab(hour=3, minute=15),
}
CELERY_BEAT_SCHEDULE["connectors.webhook-sweep"] = {
    "task": "connectors.webhook_sweep",
    "schedule": timedelta(seconds=env.int("WEBHOOK_SWEEP_SECONDS", default=30)),
}
CELERY_BEAT_SCHEDULE["connectors.inbound-request-sweep"] = {
    "task": "connectors.inbound_request_sweep",
    "schedule": timedelta(seconds=60),
}

# --- LMS ----------------------------------------------------------------------------------------
# A submission file that nothing refers to (its upload's transaction rolled back) is deleted by
# the sweep once it is this old; a younger one may belong to an upload still being saved.
LMS_SUBMISSION_ORPHAN_AGE_SECONDS = env.int("LMS_SUBMISSION_ORPHAN_AGE_SECONDS", default=3600)
CELERY_BEAT_SCHEDULE["lms.submission-files-sweep"] = {
    "task": "lms.submission_files_sweep",
    "schedule": crontab(minute=45),
}
# The records of expired API refresh tokens (SIMPLE_JWT) are deleted once a day.
CELERY_BEAT_SCHEDULE["lms.api-tokens-flush-expired"] = {
    "task": "lms.api_tokens_flush_expired",
    "schedule": crontab(hour=4, minute=30),
}

# --- Commerce -----------------------------------------------------------------------------------
# Per-currency tables below are amounts in major units, as decimal strings with at most the
# currency's decimals ("0.50" USD, "50" JPY, "0.200" BHD); every currency the money kernel knows
# (cadence.kernel.money.CURRENCY_EXPONENTS) has a row: a table that leaves one out is refused,
# naming it, when it is read (cadence.kernel.money.money_table).
#
# The fee schedule used when a processor does not report its actual fee (the test processor, and
# Stripe until its balance transaction is read): COMMERCE_FEE_PERCENT of the amount plus a fixed
# part in the currency of the charge. The fixed part is about US$0.30 in each currency, rounded to
# an amount people use there; where Stripe's domestic pricing has a fixed part (GBP 0.20, EUR
# 0.25, BRL 0.39, HKD 2.35, SGD 0.50, ...) it is that one.
COMMERCE_FEE_PERCENT = env.str("COMMERCE_FEE_PERCENT", default="2.9")
COMMERCE_FEE_FIXED = {
    "AED": "1.00", "ARS": "400.00", "AUD": "0.30", "BGN": "0.50", "BHD": "0.100",
    "BRL": "0.39", "CAD": "0.30", "CHF": "0.30", "CLP": "250", "CNY": "2.00", "COP": "1200.00",
    "CZK": "6.50", "DKK": "1.80", "EGP": "15.00", "EUR": "0.25", "GBP": "0.20", "HKD": "2.35",
    "HUF": "85.00", "IDR": "5000.00", "ILS": "1.00", "INR": "25.00", "ISK": "40", "JOD": "0.200",
    "JPY": "45", "KES": "40.00", "KRW": "400", "KWD": "0.100", "MXN": "3.00", "MYR": "1.00",
    "NGN": "450.00", "NOK": "2.00", "NZD": "0.30", "OMR": "0.100", "PHP": "15.00",
    "PKR": "85.00", "PLN": "1.00", "QAR": "1.00", "RON": "1.25", "SAR": "1.00", "SEK": "1.80",
    "SGD": "0.50", "THB": "10.00", "TND": "1.000", "TRY": "10.00", "TWD": "10.00",
    "UAH": "12.00", "USD": "0.30", "VND": "8000", "ZAR": "5.00",
}  # fmt: skip
# The least a processor charges, per currency: checkout refuses a non-zero order total below it
# (a zero total is free and charges nothing). These are Stripe's published minimum charge amounts
# (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts: USD 0.50, EUR 0.50,
# GBP 0.30, JPY 50, ...); for a currency Stripe lists none, its rule "the equivalent of US$0.50"
# rounded up to an amount people use there (ARS, BHD, CLP, CNY, COP, EGP, IDR, ILS, ISK, JOD, KES,
# KRW, KWD, NGN, OMR, PHP, PKR, QAR, SAR, TND, TRY, TWD, UAH, VND, ZAR). Whatever the table says,
# the minimum in force is never below the smallest amount the fee schedule above leaves something
# of (commerce.conf.minimum_charge): at INR 0.50 the fixed fee alone would take more than all.
COMMERCE_MINIMUM_CHARGE = {
    "AED": "2.00", "ARS": "700.00", "AUD": "0.50", "BGN": "1.00", "BHD": "0.200",
    "BRL": "0.50", "CAD": "0.50", "CHF": "0.50", "CLP": "500", "CNY": "4.00", "COP": "2000.00",
    "CZK": "15.00", "DKK": "2.50", "EGP": "25.00", "EUR": "0.50", "GBP": "0.30", "HKD": "4.00",
    "HUF": "175.00", "IDR": "8000.00", "ILS": "2.00", "INR": "0.50", "ISK": "70", "JOD": "0.400",
    "JPY": "50", "KES": "65.00", "KRW": "700", "KWD": "0.200", "MXN": "10.00", "MYR": "2.00",
    "NGN": "800.00", "NOK": "3.00", "NZD": "0.50", "OMR": "0.200", "PHP": "30.00",
    "PKR": "150.00", "PLN": "2.00", "QAR": "2.00", "RON": "2.00", "SAR": "2.00", "SEK": "3.00",
    "SGD": "0.50", "THB": "10.00", "TND": "1.500", "TRY": "25.00", "TWD": "16.00",
    "UAH": "25.00", "USD": "0.50", "VND": "15000", "ZAR": "10.00",
}  # fmt: skip
# A checkout left pending this long is cancelled, freeing its seats and coupon uses.
COMMERCE_PENDING_ORDER_MINUTES = env.int("COMMERCE_PENDING_ORDER_MINUTES", default=60)
