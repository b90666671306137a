"""One settings module, configured by the environment only (12-factor).

YIWANG_DATABASE_URL  sqlite:///path or postgresql://user:pw@host:port/db (default: SQLite in the data dir)
YIWANG_DATA_DIR      where the SQLite file, uploads and generated keys live (default: ./var)
YIWANG_SECRET_KEY    required in production; the demo generates one into the data dir
YIWANG_ENV           demo | production | test
YIWANG_ALLOWED_HOSTS comma-separated host names (default: local names in demo)
YIWANG_DEBUG         1 to show Django's debug pages (never in production)
YIWANG_AUDIT_KEY_FILE
                     the SM2 key signing the audit chain's checkpoints (required in
                     production; the demo generates DATA_DIR/audit-signing.key)
YIWANG_AUDIT_CHECKPOINT_DIR
                     where the signed checkpoints are appended (default: the data dir)
YIWANG_LICENSE_MASTER_KEY
                     32 hex characters: the SM4 key sealing the e-license authorities'
                     private keys (required in production; the demo generates
                     DATA_DIR/license-master.key)
YIWANG_TRUSTED_PROXIES
                     comma-separated IPs/CIDRs of the reverse proxies whose X-Forwarded-For
                     gives the client's address (default: none, REMOTE_ADDR is the client)
YIWANG_PG_PREPARE_THRESHOLD
                     PostgreSQL: prepare a statement after it ran this many times on a
                     connection (default 5); "off" behind a pooler that cannot keep
                     prepared statements (PgBouncer < 1.21 in transaction mode)
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from yiwang.files import read_or_create

BASE_DIR = Path(__file__).resolve().parent
ENV = os.environ.get("YIWANG_ENV", "demo")
if ENV not in {"demo", "production", "test"}:
    raise ImproperlyConfigured(f"YIWANG_ENV must be demo, production or test, not {ENV!r}")
DATA_DIR = Path(os.environ.get("YIWANG_DATA_DIR", Path.cwd() / "var")).resolve()


def _secret_key() -> str:
    key = os.environ.get("YIWANG_SECRET_KEY")
    if key:
        return key
    if ENV == "production":
        raise ImproperlyConfigured("YIWANG_SECRET_KEY must be set in production")
    # The demo generates its own key on first run and keeps it in the data dir.
    return read_or_create(DATA_DIR / "secret_key", secrets.token_urlsafe(50))


SECRET_KEY = _secret_key()


def _audit_key_file() -> Path:
    """The SM2 key that signs the audit chain's checkpoints (common.anchoring), kept
    outside the database. The demo generates one into the data dir on first use;
    production refuses to start without an existing file."""
    configured = os.environ.get("YIWANG_AUDIT_KEY_FILE")
    if ENV == "production":
        if not configured:
            raise ImproperlyConfigured("YIWANG_AUDIT_KEY_FILE must be set in production")
        if not Path(configured).is_file():
            raise ImproperlyConfigured(f"YIWANG_AUDIT_KEY_FILE {configured} does not exist")
    return Path(configured) if configured else DATA_DIR / "audit-signing.key"


YIWANG_AUDIT_KEY_FILE = _audit_key_file()


def _license_master_key() -> str:
    """The SM4 master key sealing the issuing authorities' SM2 private keys
    (yiwang.licenses.signing). From the environment; the demo generates one into the
    data dir on first run, as it does the secret key; production refuses to start
    without it."""
    key = os.environ.get("YIWANG_LICENSE_MASTER_KEY", "").strip()
    if key:
        if len(key) != 32 or any(c not in "0123456789abcdefABCDEF" for c in key):
            raise ImproperlyConfigured("YIWANG_LICENSE_MASTER_KEY must be 32 hex characters")
        return key.lower()
    if ENV == "production":
        raise ImproperlyConfigured("YIWANG_LICENSE_MASTER_KEY must be set in production")
    return read_or_create(DATA_DIR / "license-master.key", secrets.token_hex(16))


YIWANG_LICENSE_MASTER_KEY = _license_master_key()
# Signed checkpoints of the audit chain: an append-only store outside the database
# (decision 0016). In production put the directory on storage the database's users
# cannot rewrite, or name another store class (an object store with a retention lock).
YIWANG_AUDIT_CHECKPOINT_DIR = Path(os.environ.get("YIWANG_AUDIT_CHECKPOINT_DIR", DATA_DIR))
YIWANG_AUDIT_CHECKPOINT_STORE = os.environ.get(
    "YIWANG_AUDIT_CHECKPOINT_STORE", "yiwang.common.anchoring.JsonlCheckpointStore"
)
# At most one checkpoint per this many seconds (each sealing run checks).
YIWANG_AUDIT_ANCHOR_SECONDS = int(os.environ.get("YIWANG_AUDIT_ANCHOR_SECONDS", "60"))
DEBUG = os.environ.get("YIWANG_DEBUG") == "1" and ENV != "production"
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("YIWANG_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver").split(
        ","
    )
    if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "yiwang.common",
    "yiwang.org",
    "yiwang.accounts",
    "yiwang.notify",
    "yiwang.uploads",
    "yiwang.catalog",
    "yiwang.cases",
    "yiwang.credit",
    "yiwang.licenses",
    "yiwang.feedback",
    "yiwang.investment",
    "yiwang.supervision",
    "yiwang.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yiwang.common.http.SecurityHeaders",  # CSP, Permissions-Policy (static files too)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.actor (accounts.actor): who asks, built once per request on first use.
    "yiwang.accounts.actor.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: their pages need the session, user, messages and language above.
    "yiwang.middleware.RejectNulCharacters",
    "yiwang.middleware.ExplainMethodNotAllowed",
    # A domain error a page's view lets escape becomes its error page (not under /api/).
    "yiwang.portal.errors.DomainErrorPages",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, object]:
    url = os.environ.get("YIWANG_DATABASE_URL")
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'yiwang.sqlite3'}"
    db: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db["CONN_MAX_AGE"] = 0
        db["OPTIONS"] = {
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock
            # at BEGIN so two concurrent transitions serialise instead of deadlocking.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
            "transaction_mode": "IMMEDIATE",
        }
    elif db["ENGINE"] == "django.db.backends.postgresql":
        db["CONN_HEALTH_CHECKS"] = True
        # Parameters bound by the server, and the statements a request repeats prepared
        # once per connection: PostgreSQL skips parsing and planning them, which on the
        # submission path is a third of the database's work (decision 0006).
        threshold = os.environ.get("YIWANG_PG_PREPARE_THRESHOLD", "5").strip().lower()
        if threshold != "off" and not threshold.isdigit():
            raise ImproperlyConfigured(
                f'YIWANG_PG_PREPARE_THRESHOLD must be a number or "off", not {threshold!r}'
            )
        db["OPTIONS"] = {
            **dict(db.get("OPTIONS") or {}),  # type: ignore[call-overload]
            "server_side_binding": True,
            "prepare_threshold": None if threshold == "off" else int(threshold),
        }
    return db


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "portal:login"
LOGIN_REDIRECT_URL = "portal:workspace"
LOGOUT_REDIRECT_URL = "portal:home"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
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

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it to exist
MEDIA_ROOT = DATA_DIR / "media"
# Serve app static files straight from the package: no collectstatic step for the demo.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if ENV == "test"
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600  # one working day
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if ENV == "production":
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # HTTPS only (decision 0015): a plain-HTTP request is redirected, and browsers are
    # told to use HTTPS for a year, subdomains included. YIWANG_HSTS_PRELOAD=0 leaves the
    # preload directive out (it matters only once the domain is submitted to the list).
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("YIWANG_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = os.environ.get("YIWANG_HSTS_PRELOAD", "1") == "1"
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

# API tokens: lifetime and the failed-login limits (accounts.services, decision 0015).
YIWANG_TOKEN_TTL_HOURS = int(os.environ.get("YIWANG_TOKEN_TTL_HOURS", "12"))
# One account from one address, and one address for any accounts: this many failures in
# 15 minutes lock that pair / that address for YIWANG_LOGIN_LOCK_SECONDS.
YIWANG_LOGIN_MAX_FAILURES = 5
YIWANG_LOGIN_ADDRESS_MAX_FAILURES = 5
YIWANG_LOGIN_LOCK_SECONDS = 300
# One account from many addresses: after YIWANG_LOGIN_MAX_FAILURES failures, attempts from
# addresses it never signed in from wait this long after the last failure, doubling with
# each further failure up to YIWANG_LOGIN_LOCK_SECONDS — delays, never a lock-out; the
# owner's own addresses (a sign-in within the last N days) are not delayed.
YIWANG_LOGIN_ACCOUNT_DELAY_SECONDS = 15
YIWANG_LOGIN_KNOWN_ADDRESS_DAYS = 90


def _trusted_proxies() -> list[str]:
    """YIWANG_TRUSTED_PROXIES: the reverse proxies whose X-Forwarded-For is believed
    (comma-separated IPs or CIDRs; common.http.client_address). Empty: none."""
    entries = [
        e.strip() for e in os.environ.get("YIWANG_TRUSTED_PROXIES", "").split(",") if e.strip()
    ]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"YIWANG_TRUSTED_PROXIES: {entry!r} is not an IP address or network"
            ) from exc
    return entries


YIWANG_TRUSTED_PROXIES = _trusted_proxies()

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_personal": {"()": "yiwang.common.logging.MaskPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["mask_personal"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Periodic jobs (common.scheduler): name -> task and interval. Each task is idempotent.
YIWANG_PERIODIC_JOBS: dict[str, dict[str, object]] = {
    "seal-audit-chain": {"task": "yiwang.common.tasks.seal_audit_chain", "every_seconds": 10},
    "check-next-year-calendar": {
        "task": "yiwang.common.tasks.check_next_year_calendar",
        "every_seconds": 6 * 3600,
    },
    "dispatch-notifications": {"task": "yiwang.notify.tasks.dispatch_pending", "every_seconds": 30},
    # issue 12: yellow and red cards (黄牌/红牌) of the open cases, and their escalation.
    "sweep-cards": {"task": "yiwang.supervision.tasks.sweep_cards", "every_seconds": 3600},
    # 行政许可法 Art. 32: a submission nobody acted on in 5 working days counts as accepted.
    "sweep-deemed-acceptance": {
        "task": "yiwang.cases.tasks.sweep_deemed_acceptance",
        "every_seconds": 3600,
    },
    # domain-rules: deadlines in a year without a holiday notice are provisional; once
    # the notice is entered, they are counted again.
    "recount-provisional-deadlines": {
        "task": "yiwang.cases.tasks.recount_provisional_deadlines",
        "every_seconds": 3600,
    },
    # 企业信息公示暂行条例: the abnormal-operations list after 30 June, the 3-year
    # escalation to the serious-violation list, and due removal applications.
    "credit-list-sweeps": {"task": "yiwang.credit.tasks.run_list_sweeps", "every_seconds": 3600},
    # Issue 12: the monthly public ranking of the month before, on and after the
    # publication day (supervision.rankings); once a month's ranking exists, nothing.
    "publish-rankings": {
        "task": "yiwang.supervision.tasks.publish_rankings",
        "every_seconds": 3600,
    },
    # Issue 12 (decision 0024): the statistics rollup follows the cases incrementally.
    "refresh-statistics": {
        "task": "yiwang.supervision.tasks.refresh_statistics",
        "every_seconds": 300,
    },
    # Issue 11 item 8: bulk-imported licenses are signed by a resumable job (decision 0021).
    "sign-pending-licenses": {
        "task": "yiwang.licenses.tasks.sign_pending_licenses",
        "every_seconds": 60,
    },
    "credit-purge-rate-counters": {
        "task": "yiwang.credit.tasks.purge_rate_counters",
        "every_seconds": 3600,
    },
    "purge-idempotency-keys": {
        "task": "yiwang.cases.tasks.purge_idempotency_keys",
        "every_seconds": 3600,
    },
    # 好差评: a rectification task still open after its deadline is overdue.
    "feedback-overdue-rectifications": {
        "task": "yiwang.feedback.tasks.sweep_overdue_rectifications",
        "every_seconds": 3600,
    },
    # 好差评: the rows of rating links long expired.
    "feedback-purge-rating-links": {
        "task": "yiwang.feedback.tasks.purge_rating_links",
        "every_seconds": 24 * 3600,
    },
    "sweep-orphan-uploads": {
        "task": "yiwang.uploads.tasks.sweep_orphan_files",
        "every_seconds": 6 * 3600,
    },
}

# 好差评 (docs/feedback.md): working days a unit has to put a bad rating right
# (domain-rules: 5 or 15 by local rules), how long a rating link stays usable (calendar
# days), and the address the link in a message starts with ("" = a path on this site).
YIWANG_RECTIFICATION_WORKDAYS = int(os.environ.get("YIWANG_RECTIFICATION_WORKDAYS", "5"))
YIWANG_RATING_LINK_DAYS = int(os.environ.get("YIWANG_RATING_LINK_DAYS", "15"))
# Days an expired rating link's row is kept (it answers "expired" either way).
YIWANG_RATING_LINK_KEEP_DAYS = int(os.environ.get("YIWANG_RATING_LINK_KEEP_DAYS", "90"))
YIWANG_PUBLIC_BASE_URL = os.environ.get("YIWANG_PUBLIC_BASE_URL", "")

# Outbound message channels (notify.channels); the in-site message centre needs none.
YIWANG_NOTIFY_CHANNELS: list[dict[str, object]] = []
if os.environ.get("YIWANG_SMS_URL"):
    YIWANG_NOTIFY_CHANNELS.append(
        {
            "code": "sms",
            "backend": "yiwang.notify.channels.sms_http.HttpSmsChannel",
            "options": {
                "url": os.environ["YIWANG_SMS_URL"],
                "secret": os.environ.get("YIWANG_SMS_SECRET", ""),
                "sign": os.environ.get("YIWANG_SMS_SIGN", "吉林政务服务"),
                "timeout": 10,
            },
        }
    )
YIWANG_NOTIFY_MAX_ATTEMPTS = 5
YIWANG_NOTIFY_RETRY_SECONDS = 60
YIWANG_UPLOAD_MAX_BYTES = int(os.environ.get("YIWANG_UPLOAD_MAX_BYTES", str(10 * 1024 * 1024)))
# When an application received on a holiday or after hours arrives (cases.clock.arrival_day):
# "calendar_day" (that day, the default) or "next_workday" (from YIWANG_OFFICE_CLOSES on).
YIWANG_ARRIVAL_RULE = os.environ.get("YIWANG_ARRIVAL_RULE", "calendar_day")
YIWANG_OFFICE_CLOSES = os.environ.get("YIWANG_OFFICE_CLOSES", "17:00")
# 黄牌 (near due, issue 12): yellow when at most `percent` % of the stage's limit (rounded
# up) or at most `min_workdays` working days remain, whichever is more (cases.clock).
YIWANG_NEAR_DUE = {
    "min_workdays": int(os.environ.get("YIWANG_NEAR_DUE_MIN_WORKDAYS", "1")),
    "percent": int(os.environ.get("YIWANG_NEAR_DUE_PERCENT", "20")),
}
# A card nobody answered is escalated to the region's supervisor after this many working
# days (supervision.cards).
YIWANG_CARD_ESCALATE_WORKDAYS = int(os.environ.get("YIWANG_CARD_ESCALATE_WORKDAYS", "2"))
# The monthly ranking (综合评价, supervision.rankings; docs/supervision.md gives the reasons
# for the defaults): weights of the rates, deductions for the cards, the least number of
# cases completed in the month for a unit to be ranked, and the day of the next month on
# which the ranking is published.
YIWANG_RANKING = {
    "weights": {"on_time": 30, "speed": 20, "satisfaction": 25, "online": 15, "zero_visit": 10},
    "deductions": {"red_card": 2.0, "yellow_card": 0.5, "cap": 20.0},
    "min_completed": 10,
    "publish_day": int(os.environ.get("YIWANG_RANKING_PUBLISH_DAY", "5")),
}
# Per-account upload quotas (uploads.services, decision 0017); 0 switches one off.
YIWANG_UPLOAD_RATE_LIMIT = int(os.environ.get("YIWANG_UPLOAD_RATE_LIMIT", "60"))
YIWANG_UPLOAD_RATE_WINDOW_SECONDS = int(os.environ.get("YIWANG_UPLOAD_RATE_WINDOW_SECONDS", "3600"))
YIWANG_UPLOAD_QUOTA_BYTES = int(os.environ.get("YIWANG_UPLOAD_QUOTA_BYTES", str(500 * 1024 * 1024)))
# An upload no case refers to is removed (file and row) by the upload sweep at this age.
YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS = int(
    os.environ.get("YIWANG_UPLOAD_UNATTACHED_MAX_AGE_HOURS", str(7 * 24))
)

CSRF_FAILURE_VIEW = "yiwang.portal.views.csrf_failure"
