"""Settings for the IT-workforce portal, configured entirely by environment variables.

With nothing set, the portal runs in DEBUG mode on an SQLite file in the project.
Every variable is listed in `.env.example`.
"""
import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from agencies import links

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default or [])


def database_from_url(url: str) -> dict:
    """Turn `postgres://user:pass@host:port/name?option=value` or `sqlite:///path` into a DATABASES entry.

    The query string becomes OPTIONS, passed to the driver as they are (`?sslmode=require`,
    `?sslrootcert=/etc/ssl/db.pem`, `?timeout=20` for SQLite); whole numbers are given as integers.
    """
    parsed = urlparse(url)
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")) or "portal",
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
        }
    elif parsed.scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute/path.db, as dj-database-url reads them.
        path = unquote(parsed.path)[1:] if parsed.path.startswith("/") else unquote(parsed.path)
        db = {"ENGINE": "django.db.backends.sqlite3", "NAME": path or str(BASE_DIR / "db.sqlite3")}
    else:
        raise ImproperlyConfigured(f"DATABASE_URL has an unsupported scheme: {parsed.scheme!r}")
    options = {key: int(value) if value.isdigit() else value
               for key, value in parse_qsl(parsed.query, keep_blank_values=True)}
    if options:
        db["OPTIONS"] = options
    return db


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEBUG else [])
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set when DEBUG is off.")
if not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "bootstrap",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks",
    "django_tasks_db",
    "portal",
    "agencies",
    "training",
    "targets",
    "accounts",
]

MIDDLEWARE = [
    "portal.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "portal.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.LanguageCookieMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "portal.middleware.NoStoreForSignedInMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "portal.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
            ],
            "builtins": ["portal.templatetags.links"],
        },
    },
]

FORM_RENDERER = "portal.form_renderer.FormRenderer"

DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
DATABASES = {
    "default": database_from_url(DATABASE_URL)
    if DATABASE_URL
    else {"ENGINE": "django.db.backends.sqlite3", "NAME": str(BASE_DIR / "db.sqlite3")}
}
# Opening a PostgreSQL connection costs about 11 ms here, so workers keep theirs; the health
# check makes Django replace a connection that died (a database restart) instead of failing on it.
DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 0 if DEBUG else 60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable database host must fail fast (the 503 page, /healthz) rather than hang a worker.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3))
    # No JIT compilation: the counting query's per-person lookups are estimated past jit_above_cost,
    # and compiling it took 3.2 s for a 0.35 s execution at 30,000 staff (bench/dashboard_bench.py).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")
else:
    # The SQLite file is shared by the web process and the import worker: in WAL mode the worker's long
    # read of a 50,000-row comparison no longer blocks a sign-in's write, and a write waits up to 20 s
    # for another one instead of failing at once ("database is locked").
    sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL;")
    sqlite_options.setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
FORMAT_MODULE_PATH = ["portal.formats"]


def _person_page(staff) -> str:
    return links.reverse("targets:staff-detail", args=[staff.pk])


# A person's page lives in targets (it reads training and indicators, which agencies may not import):
# every link to a person goes there directly, not through agencies' redirect (kept for old links).
ABSOLUTE_URL_OVERRIDES = {"agencies.staff": _person_page}

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Excel uploads: refused above this size before anything is parsed.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Caps on what an import reads: a sheet's rows and columns, and a workbook's inflated size (zip bombs).
# Imports are checked and written by a task worker (`manage.py db_worker`, started by scripts/demo.sh
# and deploy/portal-worker.service), so a 50,000-row file never holds a web request. Its queue is a
# table of the portal's own database: nothing more to run. TASKS_BACKEND=immediate runs each task
# inside the request that queues it (tests; a machine where no worker may run).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "database").strip().lower()
if TASKS_BACKEND not in ("database", "immediate"):
    raise ImproperlyConfigured("TASKS_BACKEND must be database or immediate.")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend" if TASKS_BACKEND == "database"
                     else "django_tasks.backends.immediate.ImmediateBackend"}}

IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000)
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 200)
IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024)
# The parser runs in a child process with this much more memory and this many seconds (sheets/sandbox.py):
# a small file asking for a huge grid is refused instead of exhausting the server.
IMPORT_PARSE_MEMORY_BYTES = env_int("IMPORT_PARSE_MEMORY_BYTES", 1024 * 1024 * 1024)
IMPORT_PARSE_SECONDS = env_int("IMPORT_PARSE_SECONDS", 60)
# Seconds without a sign of progress after which a running import is shown as stalled (its worker was
# stopped or killed) and may be marked failed. The longest silence of a live import is the parse
# (IMPORT_PARSE_SECONDS) or the write's one transaction (under a minute for 50,000 rows), so keep it well above both.
IMPORT_STALL_AFTER = env_int("IMPORT_STALL_AFTER", 600)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# --- Production serving and sign-in protection (issue 6; docs/operations.md) ---

# Argon2 first: memory-hard, so guessing leaked hashes on GPUs is costly. The others still verify
# older hashes, which Django re-hashes with Argon2 at the person's next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
# Failed sign-ins allowed within the sliding window before signing in is refused. The per-address
# limit is higher because a commune office signs in from behind one NAT address.
SIGNIN_FAILURE_LIMIT_PER_USERNAME = env_int("SIGNIN_FAILURE_LIMIT_PER_USERNAME", 5)
SIGNIN_FAILURE_LIMIT_PER_IP = env_int("SIGNIN_FAILURE_LIMIT_PER_IP", 20)
SIGNIN_FAILURE_WINDOW = env_int("SIGNIN_FAILURE_WINDOW", 15 * 60)
# Behind our nginx the client address is the rightmost X-Forwarded-For entry; never trust it without a proxy.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)
# Addresses (or networks) of that proxy: X-Forwarded-For coming from anywhere else is ignored.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# Sessions live in PostgreSQL so any worker or instance serves any person; a session ends after
# SESSION_COOKIE_AGE (a working day) and, on shared office computers, when the browser closes.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", True)

# Computed figures are cached under the data version (targets.results). With REDIS_URL (e.g.
# redis://127.0.0.1:6379/0) every worker shares one cache in Redis; without it each process keeps its
# own in memory. Short socket timeouts: a Redis that is down or stalled costs a request a fraction of
# a second and the figures are computed instead.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "portal",
        "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
    }}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal-results",
                          "OPTIONS": {"MAX_ENTRIES": 500}}}

# No inline scripts or styles anywhere: JavaScript in static/js/, CSS in static/css/.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
)
# Load balancers and local checks call /healthz over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# HSTS preloading is a promise about the whole registrable domain, which the province's network
# team owns, not the portal; set SECURE_HSTS_PRELOAD=true once they agree.
SILENCED_SYSTEM_CHECKS = [] if env_bool("SECURE_HSTS_PRELOAD", False) else ["security.W021"]

# One JSON line per request on stdout (portal.middleware.RequestLogMiddleware); everything else,
# warnings and errors with their tracebacks, on stderr. systemd's journal keeps both.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "message": {"format": "%(message)s"},
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "requests": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "message"},
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "loggers": {
        "portal.requests": {
            "handlers": ["requests"], "level": "INFO" if env_bool("REQUEST_LOG", True) else "WARNING", "propagate": False,
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING").upper()},
}
