"""Kaikukanta settings, read from the environment.

With nothing set, the app runs on an SQLite file for the demo (DEBUG must then
be switched on explicitly: production refuses to start without a SECRET_KEY).
Production sets DATABASE_URL to PostgreSQL, SECRET_KEY, ALLOWED_HOSTS and,
when there are several app servers, REDIS_URL.
"""

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    """A setting from the environment, or from the file named by NAME_FILE (secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        return Path(file_name).read_text().strip()
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = env(name, "1" if default else "0").strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), not {value!r}")


def envint(name: str, default: int) -> int:
    value = env(name, str(default))
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY")
# With nothing set, the app runs for development and the demo: DEBUG on, an
# SQLite file. Setting a SECRET_KEY turns DEBUG off by default; the production
# image sets DEBUG=0 itself, and then refuses to start without a SECRET_KEY.
DEBUG = envbool("DEBUG", not SECRET_KEY)

if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production refuses to start without one; "
            "for local development set DEBUG=1."
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-mode-never-in-production"

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    # The second factor at login: authenticator apps, recovery codes, passkeys.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our own static files, no CDN
    "kaikukanta",
    "venues",
    "usage",
    "stats",
]

MIDDLEWARE = [
    # First, so that its duration and status cover everything below (kaikukanta/logs.py).
    "kaikukanta.logs.request_log",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): has this session passed its second factor?
    "django_otp.middleware.OTPMiddleware",
    # A request that cannot reach the database answers 503, not 500
    # (kaikukanta.errors): before the middleware below first asks for the person.
    "kaikukanta.middleware.DatabaseOutageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Ends sessions idle longer than SESSION_IDLE_TIMEOUT.
    "kaikukanta.middleware.IdleTimeoutMiddleware",
    # Sends a session that still owes its second factor to verify or enrol.
    "kaikukanta.middleware.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "kaikukanta.middleware.security_headers",
    # Last, so that a lockout answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaikukanta.urls"
WSGI_APPLICATION = "kaikukanta.wsgi.application"

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
                "kaikukanta.context_processors.layout",
            ],
        },
    },
]

# Forms sent from a stale page get the app's own 403 page, not Django's English one.
CSRF_FAILURE_VIEW = "kaikukanta.errors.csrf_failure"

# --- Database ---------------------------------------------------------------

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'kaikukanta.sqlite3'}"),
        # Persistent connections: a one-INSERT view goes from ~230 to ~2,000 req/s.
        conn_max_age=envint("CONN_MAX_AGE", 60),
        # A kept connection is checked before a request reuses it, so that after
        # a database restart the workers reconnect by themselves and the first
        # request does not fail on a dead connection (docs/operations.md).
        conn_health_checks=True,
    )
}
DATABASE_PREPARED_STATEMENTS = envbool("DATABASE_PREPARED_STATEMENTS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
    DATABASE_PREPARED_STATEMENTS
):
    # The few statements that every recording sends are prepared on the server
    # after five runs on a connection (kaikukanta/db.py): PostgreSQL then stops
    # planning them on each request. Django's own queries bind on the client
    # and are never prepared. Off behind a pooler that cannot keep prepared
    # statements (PgBouncer before 1.21, or without max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Writers take the lock when the transaction begins, so that two cashiers
    # recording at once queue up instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {"transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# A streaming replica of the primary for the reports, exports and public
# statistics (kaikukanta/replica.py); everything else reads and writes the
# primary. Reads fall back to the primary while the replica does not answer or
# lags more than REPLICA_MAX_LAG_SECONDS; its state is checked at most every
# REPLICA_CHECK_SECONDS in each process.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=envint("CONN_MAX_AGE", 60), conn_health_checks=True
    )
    # An unreachable replica must cost a report seconds, not a worker's minutes.
    if DATABASES["replica"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # Tests read the replica's alias from the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["kaikukanta.replica.ReplicaRouter"]
REPLICA_MAX_LAG_SECONDS = envint("REPLICA_MAX_LAG_SECONDS", 60)
REPLICA_CHECK_SECONDS = envint("REPLICA_CHECK_SECONDS", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "venues.User"

# --- Cache: shared between workers, never per-process ------------------------

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "kaikukanta_cache",
        }
    }

SESSION_ENGINE = "kaikukanta.sessions"
# Every session is a staff member's: it ends after this many idle seconds (8 h),
# so a desk or an office computer left signed in does not stay so overnight.
SESSION_IDLE_TIMEOUT = envint("SESSION_IDLE_TIMEOUT", 8 * 3600)
if SESSION_IDLE_TIMEOUT < 60:
    raise ImproperlyConfigured("SESSION_IDLE_TIMEOUT is in seconds and must be at least 60")
# The cookie and the stored session last as long (the middleware renews them).
SESSION_COOKIE_AGE = SESSION_IDLE_TIMEOUT
# Messages live in the session, never in a (signed, readable) cookie: one of
# them shows a new broker token once.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# --- Authentication -----------------------------------------------------------

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# The proxies in front of the app (docs/deployment.md, "Behind a proxy"): how many
# of them append the client's address to X-Forwarded-For. 0 (no proxy): the
# address is the connection's own (REMOTE_ADDR), and the header is ignored,
# since any client can send one. With N, the address is the Nth from the right.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
if not 0 <= TRUSTED_PROXY_COUNT <= 10:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXY_COUNT must be between 0 and 10, not {TRUSTED_PROXY_COUNT}"
    )
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# An invitation link is valid for a week; a password reset link likewise.
PASSWORD_RESET_TIMEOUT = 7 * 24 * 3600

# Login throttling: a username at one address gets AXES_FAILURE_LIMIT tries; one
# address gets AXES_ADDRESS_FAILURE_LIMIT failures across all usernames (password
# spraying). Either pauses logins from that address for AXES_COOLOFF_MINUTES.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 10)
AXES_ADDRESS_FAILURE_LIMIT = envint("AXES_ADDRESS_FAILURE_LIMIT", 50)
AXES_COOLOFF_MINUTES = envint("AXES_COOLOFF_MINUTES", 15)
AXES_COOLOFF_TIME = AXES_COOLOFF_MINUTES / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "kaikukanta.login_throttle.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "kaikukanta.http.client_ip"
AXES_USERNAME_FORM_FIELD = "username"
# The username is counted as typed, in lower case: emails are not case-sensitive here.
AXES_USERNAME_CALLABLE = "kaikukanta.login_throttle.username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "kaikukanta.login_throttle.lockout_response"
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_VERBOSE = False

# --- The second factor (django-otp) ----------------------------------------------

# Who must use a second factor: national admins and area coordinators always; a
# deployment may add venue contact persons and distributors. Cashiers at a shared
# desk need none. Anyone may set one up; whoever has one is asked for it.
SECOND_FACTOR_ROLES_ALWAYS = ("national_admin", "coordinator")
SECOND_FACTOR_REQUIRED_FOR = sorted(
    set(SECOND_FACTOR_ROLES_ALWAYS) | set(envlist("SECOND_FACTOR_REQUIRED_FOR"))
)
_SECOND_FACTOR_ROLES = {*SECOND_FACTOR_ROLES_ALWAYS, "venue_contact", "distributor"}
if not set(SECOND_FACTOR_REQUIRED_FOR) <= _SECOND_FACTOR_ROLES:
    raise ImproperlyConfigured(
        "SECOND_FACTOR_REQUIRED_FOR may name venue_contact and distributor "
        f"(national admins and coordinators always need one), not {SECOND_FACTOR_REQUIRED_FOR}"
    )
OTP_TOTP_ISSUER = "Kaikukanta"
# A wrong code makes the next try wait 1 s, then 2, 4, 8 … (per device).
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1


def _webauthn_origin(url: str) -> str:
    """Passkeys need a host name (not an IP address); a demo at 127.0.0.1 uses
    them at localhost."""
    parts = urlsplit(url)
    try:
        ipaddress.ip_address(parts.hostname or "")
    except ValueError:
        return f"{parts.scheme}://{parts.netloc}"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://localhost{port}"


# Passkeys are a second factor here, after the password: never a login of their own.
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_ALLOWED_ORIGINS = envlist("WEBAUTHN_ORIGINS", _webauthn_origin(SITE_URL))
OTP_WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", urlsplit(OTP_WEBAUTHN_ALLOWED_ORIGINS[0]).hostname or "")
OTP_WEBAUTHN_RP_NAME = "Kaikukanta"
OTP_WEBAUTHN_EXCEPTION_LOGGER_NAME = "django_otp_webauthn"

# --- Languages -------------------------------------------------------------------

LANGUAGE_CODE = "fi"
LANGUAGES = [("fi", _("Finnish")), ("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Helsinki"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Day.month.year and a 24-hour clock in every language (kaikukanta/formats).
FORMAT_MODULE_PATH = ["kaikukanta.formats"]

# --- Static files ----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# --- Forms ---------------------------------------------------------------------------

FORMS_URLFIELD_ASSUME_HTTPS = True  # Django 6's default, now
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ---------------------------------------------------------------------------

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kaikukanta <noreply@kaikukanta.fi>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# The national support service, shown on every venue page ("who to call").
SUPPORT_CONTACT = {
    "name": env("SUPPORT_NAME", "Kaikukeskus"),
    "email": env("SUPPORT_EMAIL", "tuki@kaikukeskus.fi"),
    "phone": env("SUPPORT_PHONE", "+358 40 000 0000"),
    "url": env("SUPPORT_URL", "https://www.kulttuuriakaikille.fi/kaikukortti"),
}

# --- The broker API (usage/api) -----------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["usage.api.auth.BrokerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["usage.api.auth.IsBroker"],
    "DEFAULT_THROTTLE_CLASSES": ["usage.api.throttling.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "usage.api.problems.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Throttles count the client address the same way as the login (kaikukanta.http).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Kaikukanta broker API",
    "DESCRIPTION": (
        "Ticket brokers and venues' ticketing systems check Kaikukortti cards and record "
        "their use. Every error is application/problem+json (RFC 9457) with a stable `code`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs are public: vendors read them before they have a token.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them as links inside the operation's
    # button, which screen readers and axe reject (nested-interactive). No
    # "try it out": its request-body field has no label, and vendors call the
    # API with their own token (docs/api.md) anyway.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False, "supportedSubmitMethods": []},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
}
# Rates as "N/s", "N/min" or "N/h", counted by kaikukanta.ratelimit (Redis when
# REDIS_URL is set, else one SQL statement per check; exact across app servers).
RATE_PATTERN = r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour)"


def envrate(name: str, default: str) -> str:
    value = env(name, default)
    if not re.fullmatch(RATE_PATTERN, value):
        raise ImproperlyConfigured(f"{name} must be like 10/s or 600/min, not {value!r}")
    return value


# Requests per token.
API_RATE_LIMIT = envrate("API_RATE_LIMIT", "10/s")
# Card checks (GET /api/v1/cards/{id}) per token: lower than recordings, since
# a card check is how someone would try card IDs one after another.
API_CARD_CHECK_RATE_LIMIT = envrate("API_CARD_CHECK_RATE_LIMIT", "2/s")
# A token that gets more `card_unknown` answers than this within a minute is
# slowed down (429) until the minute ends.
API_UNKNOWN_CARDS_PER_MINUTE = envint("API_UNKNOWN_CARDS_PER_MINUTE", 20)
# Requests with a malformed, unknown or revoked token, per client address.
API_BAD_TOKEN_RATE_LIMIT = envrate("API_BAD_TOKEN_RATE_LIMIT", "20/min")

# --- Security --------------------------------------------------------------------

SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading commits the whole domain (and its subdomains) to HTTPS in browsers
# for good: a deliberate opt-in, off unless set.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    # Django's deployment check asks for preload; here leaving it off is the policy.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Uploads (spreadsheets) are limited in the import itself; this caps form bodies.
DATA_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 6 * 1024 * 1024

# --- Data retention (usage/retention.py, docs/privacy.md) ----------------------

# A card's background data is removed this many years after its last validity
# ended; uses of the calendar years that ended more than RETENTION_USES_YEARS
# ago are folded into the statistics summary and deleted (`manage.py retention`).
RETENTION_BACKGROUND_YEARS = envint("RETENTION_BACKGROUND_YEARS", 3)
RETENTION_USES_YEARS = envint("RETENTION_USES_YEARS", 10)
if RETENTION_BACKGROUND_YEARS < 1 or RETENTION_USES_YEARS < 1:
    raise ImproperlyConfigured("RETENTION_BACKGROUND_YEARS and RETENTION_USES_YEARS must be ≥ 1")

# --- Logs and metrics (kaikukanta/logs.py, kaikukanta/metrics.py) ---------------

# One JSON line per request (duration, status, role; never a path or a card ID).
# LOG_FORMAT=json writes every other log line as JSON too (the default in
# production); "text" is easier to read in development.
LOG_FORMAT = env("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "kaikukanta.logs.JsonFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "filters": {"redact_paths": {"()": "kaikukanta.logs.RedactPaths"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_paths"],
        },
        "requests": {"class": "logging.StreamHandler", "formatter": "json"},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "kaikukanta.requests": {"handlers": ["requests"], "level": "INFO", "propagate": False},
        # Django's own handlers print 4xx/5xx paths; ours redacts them.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "INFO"},
        # Axes logs every login at INFO; failures and lockouts are WARNING.
        "axes": {"level": "WARNING"},
        # WeasyPrint and its font library log every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
# Who may read /metrics: addresses or networks (CIDR), comma-separated; the
# Prometheus server's. Anyone else gets 404.
METRICS_ALLOWED_IPS = envlist("METRICS_ALLOWED_IPS", "127.0.0.1,::1")
for _network in METRICS_ALLOWED_IPS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_IPS: {_network!r} is not an address or a network"
        ) from None
