"""Settings for Tsunagu, driven by the environment (see README: DATABASE_URL, SECRET_KEY...)."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("TSUNAGU_DATA_DIR", BASE_DIR / "var")).resolve()


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} は整数で指定してください / {name} must be a whole number: {value!r}"
        ) from None


def _secret_key(variable: str, filename: str) -> str:
    """A secret from the environment, else one generated once and kept in the data directory.

    Kept beside the database, it survives restarts, so sessions and encrypted fields stay
    readable on a single machine without any set-up.
    """
    key = os.environ.get(variable)
    if key:
        return key
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


_BAD_DATABASE_URL = (
    "DATABASE_URL の形式が正しくありません（例: postgres://user@127.0.0.1:5432/tsunagu）"
    " / DATABASE_URL is malformed"
)


def _database() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        # SQLite would create the file with the process's umask (often world-readable); create
        # it first, readable by the service's own user only.
        database = DATA_DIR / "tsunagu.sqlite3"
        if not database.exists():
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT, 0o600))
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(database),
            "OPTIONS": {
                # WAL lets the server read while a long import writes; IMMEDIATE avoids
                # "database is locked" on upgrade from a read to a write lock.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
                "transaction_mode": "IMMEDIATE",
            },
            # Kept between requests like PostgreSQL's: a new connection per request ran the
            # PRAGMAs again and lost SQLite's cache of prepared statements (9.5 ms of a case
            # page in-process).
            "CONN_MAX_AGE": 60,
        }
    try:
        config = dict(dj_database_url.parse(url, conn_max_age=60))
    except Exception as exc:
        raise ImproperlyConfigured(f"{_BAD_DATABASE_URL}: {exc}") from None
    if not config.get("ENGINE") or not config.get("NAME"):
        raise ImproperlyConfigured(_BAD_DATABASE_URL)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # pg_trgm needs a UTF-8 LC_CTYPE; template0 lets the test database choose its own.
        config["TEST"] = {"TEMPLATE": "template0", "CHARSET": "UTF8"}
        # JIT compiles big plans for seconds and saves milliseconds on Tsunagu's queries (a
        # person-search COUNT spent 2.1 s of 2.1 s in JIT with two cities' persons in one table).
        config["OPTIONS"] = {"options": "-c jit=off"}
    # A connection kept between requests is checked first, so a restarted database server
    # costs the next request nothing.
    config["CONN_HEALTH_CHECKS"] = True
    return config


SECRET_KEY = _secret_key("SECRET_KEY", "secret_key")
SECRET_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",") if k.strip()
]
# Salt of the field-encryption keys (django-fernet-encrypted-fields derives them from
# SECRET_KEY and SECRET_KEY_FALLBACKS with this salt). Losing it loses the encrypted data.
SALT_KEY = _secret_key("TSUNAGU_SALT_KEY", "salt_key")
# Key of the access log's HMAC chain and of its signed checkpoints. Kept out of the database,
# so whoever can write the database cannot recompute the chain after an edit. Older keys stay
# in TSUNAGU_AUDIT_KEY_FALLBACKS while entries signed with them are kept (see SECURITY.md).
TSUNAGU_AUDIT_KEY = _secret_key("TSUNAGU_AUDIT_KEY", "audit_key")
TSUNAGU_AUDIT_KEY_FALLBACKS = [
    k.strip() for k in os.environ.get("TSUNAGU_AUDIT_KEY_FALLBACKS", "").split(",") if k.strip()
]
DEBUG = _env_flag("TSUNAGU_DEBUG")
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("TSUNAGU_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",")
    if h.strip()
]
CSRF_TRUSTED_ORIGINS = [
    o.strip() for o in os.environ.get("TSUNAGU_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()
]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "auditlog",
    "django_tasks",
    "django_tasks_db",
    "tsunagu.core",
    "tsunagu.tenancy",
    "tsunagu.accounts",
    "tsunagu.people",
    "tsunagu.cases",
    "tsunagu.consultations",
    "tsunagu.reports",
    "tsunagu.audit",
    "tsunagu.network",
    "tsunagu.retention",
    "tsunagu.places",
    "tsunagu.programmes",
    "tsunagu.supporters",
    "tsunagu.surveys",
    "tsunagu.home",
    "tsunagu.public",
    "tsunagu.api",
    "tsunagu.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Answers to a logged-in user or to the API: Cache-Control no-store.
    "tsunagu.core.middleware.NoStoreMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Before the municipality's scope: no staff page runs for a session without a second factor.
    "tsunagu.accounts.middleware.MfaRequiredMiddleware",
    # Collects the reads of personal data a request makes and appends them to the access log once.
    "tsunagu.policy.recording.AccessLogMiddleware",
    "tsunagu.tenancy.middleware.MunicipalityScopeMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# Change history (django-auditlog): models are registered in tsunagu/audit/history.py with
# every encrypted field masked completely; the base manager reads the old row, because the
# scoped default manager refuses to query outside a municipality's scope.
AUDITLOG_MASK_CALLABLE = "tsunagu.audit.history.mask_value"
AUDITLOG_USE_BASE_MANAGER = True
AUDITLOG_DISABLE_ON_RAW_SAVE = True

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "tsunagu.tenancy.context_processors.membership",
            ],
        },
    },
]

DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# django-axes first: it refuses a locked-out username+IP before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "tsunagu.accounts.hashers.BudgetedArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded scans (consent forms). No MEDIA_URL is served: files reach staff only through
# access-checked views that write the access log.
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded scans are personal data: readable by the service's own user only.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Serve straight from the source folders so `make run` needs no collectstatic.
WHITENOISE_USE_FINDERS = True

# Idle sessions end after 30 minutes: every request pushes the expiry forward.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Content-Security-Policy (django-csp 4) in every environment, so tests catch what it blocks:
# no inline script or style; a nonce only where a template asks for one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Accounts (django-allauth): username + password, then a second factor. Nobody signs up;
# a municipality's admin adds members.
ACCOUNT_ADAPTER = "tsunagu.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"login": "tsunagu.accounts.forms.LoginForm"}
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_GET = False
# Offices share one address behind NAT: no limit by IP alone that a busy morning could reach.
# "login_failed" also caps second-factor guesses per account (10 in 5 minutes); password
# guesses are locked out by django-axes per username+IP.
ACCOUNT_RATE_LIMITS = {"login": "300/m/ip", "login_failed": "60/m/ip,10/300s/key"}
MFA_ADAPTER = "tsunagu.accounts.adapter.MfaAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "Tsunagu"
MFA_TOTP_TOLERANCE = 1
# Only the demo on one machine serves passkeys over plain http://127.0.0.1.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = _env_flag("TSUNAGU_DEMO_MODE") or DEBUG
# Proxies in front of Tsunagu that append to X-Forwarded-For (0: none; production sets 1).
TSUNAGU_TRUSTED_PROXY_COUNT = _env_int("TSUNAGU_TRUSTED_PROXY_COUNT", 0)
ALLAUTH_TRUSTED_PROXY_COUNT = TSUNAGU_TRUSTED_PROXY_COUNT

# `TSUNAGU_DEMO_MODE=1` (set by `tsunagu demo` for its local server) lets the demo accounts
# in without a second factor. config.settings_production refuses to start with it.
TSUNAGU_DEMO_MODE = _env_flag("TSUNAGU_DEMO_MODE")
TSUNAGU_PRODUCTION = False

# Lockout (django-axes): 5 failures of one username from one address lock that pair for
# 15 minutes. Never by IP alone: a whole office shares one address.
AXES_ENABLED = True
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_USERNAME_FORM_FIELD = "username"
# Keyed on the normalized username (NFKC, trimmed, case-folded), not on the username as typed.
AXES_USERNAME_CALLABLE = "tsunagu.accounts.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "tsunagu.accounts.lockout.client_ip"
AXES_CLIENT_STR_CALLABLE = "tsunagu.accounts.lockout.client_str"
AXES_LOCKOUT_CALLABLE = "tsunagu.accounts.lockout.lockout_response"
AXES_COOLOFF_MESSAGE = _(
    "Too many failed log-ins for this username from this network. Try again in 15 minutes,"
    " or ask your team lead or administrator to unlock it."
)

# Background jobs (imports) wait in the database until `tsunagu worker` (or the one that
# `tsunagu serve` starts) takes them: no queue server, and nothing lost on a restart.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# One cache shared by every worker process, in the database itself (no extra server):
# allauth keeps its rate limits and the TOTP codes already used there, and a per-process
# memory cache would let a second worker accept a replayed code. `migrate` creates the table;
# `check --deploy` refuses a local-memory cache (tsunagu/core/checks.py).
CACHES = {
    "default": {
        # Django's database cache, each write one statement (tsunagu/core/cache.py).
        "BACKEND": "tsunagu.core.cache.DatabaseCache",
        "LOCATION": "tsunagu_cache",
    }
}

# Limits of an import file (consultations): checked while the file is read, so a file that is
# too large, too long, or a compressed XLSX that inflates without bound (a "zip bomb") stops
# with a clear message instead of occupying a worker for minutes.
TSUNAGU_IMPORT_MAX_BYTES = _env_int("TSUNAGU_IMPORT_MAX_BYTES", 100 * 1024 * 1024)
TSUNAGU_IMPORT_MAX_ROWS = _env_int("TSUNAGU_IMPORT_MAX_ROWS", 200_000)
TSUNAGU_IMPORT_MAX_CELL_CHARS = _env_int("TSUNAGU_IMPORT_MAX_CELL_CHARS", 10_000)
TSUNAGU_IMPORT_MAX_XLSX_UNCOMPRESSED = _env_int(
    "TSUNAGU_IMPORT_MAX_XLSX_UNCOMPRESSED", 500 * 1024 * 1024
)

# How long a read waits for its access-log entry while the database is locked (SQLite: an
# import publishing its rows, about 1 s for 200,000), retrying, before it is refused with a 503
# instead of being shown unlogged.
TSUNAGU_ACCESS_LOG_WAIT_SECONDS = _env_int("TSUNAGU_ACCESS_LOG_WAIT_SECONDS", 15)

# Chores the job worker runs when it starts and hourly (tsunagu.core.jobs.housekeeping).
TSUNAGU_HOUSEKEEPING = [
    "tsunagu.consultations.importer.drop_stale_import_files",
    "tsunagu.core.jobs.refresh_planner_statistics",
]

# API tokens live this many days unless `token create --days` says otherwise; short, so a
# forgotten token stops working soon (revoke one at once with `tsunagu token revoke`).
TSUNAGU_TOKEN_DAYS = _env_int("TSUNAGU_TOKEN_DAYS", 30)

LOGGING: dict[str, object] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # Refusals, lockouts and MFA changes; usernames and ids only, never personal data.
    "loggers": {"tsunagu.security": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

if os.environ.get("TSUNAGU_LOG_FORMAT") == "json":
    # Served processes (`tsunagu serve`, the worker it starts) log JSON lines on stdout.
    from tsunagu.core.serving import json_logging_config

    LOGGING = json_logging_config()
