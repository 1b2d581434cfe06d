"""Settings, all from the environment (healthchecks style).

DATABASE_URL  default: a SQLite file under var/        e.g. postgres://user@127.0.0.1:5432/dangjian
REDIS_URL     optional: cache + Celery broker; without it a local-memory cache and inline tasks
SECRET_KEY    required when DEBUG is off
FIELD_ENCRYPTION_KEY  key for ID numbers and phones at rest (defaults to one derived from SECRET_KEY)
ALLOWED_HOSTS comma separated
DEBUG         "1" to turn on (make run does); off by default
FEES_PAYMENT_PROVIDER  the online payment provider's class (docs/fees.md); empty = online payment off
"""

import os
import sys
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DEBUG")
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")
# Commands that never sign, encrypt or serve anything may run without a SECRET_KEY (checks on a dev machine).
KEYLESS_COMMAND = len(sys.argv) > 1 and sys.argv[1] in {"makemigrations", "check", "showmigrations",
                                                          "makemessages", "compilemessages", "help"}

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING or KEYLESS_COMMAND:
        SECRET_KEY = "dangjian-insecure-development-key-do-not-use-in-production"
    else:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()]
if DEBUG or TESTING:
    ALLOWED_HOSTS += ["testserver", "*"]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "dangjian.core.admin_site.SuperuserAdminConfig",  # the admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "django_htmx",
    "axes",
    "dangjian.core",
    "dangjian.audit",
    "dangjian.orgs",
    "dangjian.people",
    "dangjian.accounts",
    "dangjian.workdays",
    "dangjian.publications",
    "dangjian.metrics",
    "dangjian.workrecords",
    "dangjian.notices",
    "dangjian.transfers",
    "dangjian.meetings",
    "dangjian.talks",
    "dangjian.activities",
    "dangjian.exams",
    "dangjian.learning",
    "dangjian.regulations",
    "dangjian.fees",
    "dangjian.hr",
    "dangjian.api",
    "dangjian.home",  # the top floor: composes the home page, menu and demo from the modules
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
    "dangjian.audit.middleware.AuditContextMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dangjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "dangjian.home.context_processors.platform",
            ],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "dangjian.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Party fees paid online (docs/fees.md): the payment provider's class. The fake provider (a cashier page inside the
# platform) serves the demo and the tests; on a server with DEBUG off it is used only when named here explicitly,
# otherwise online payment is off and members pay their collector.
FEES_PAYMENT_PROVIDER = os.environ.get(
    "FEES_PAYMENT_PROVIDER", "dangjian.fees.providers.FakeProvider" if DEBUG or TESTING else "")
FEES_FAKE_PROVIDER_SECRET = os.environ.get("FEES_FAKE_PROVIDER_SECRET", "")
FEES_ORDER_MINUTES = int(os.environ.get("FEES_ORDER_MINUTES", "30"))

# Exam answers are kept in Redis and written to PostgreSQL in batches (exams/buffer.py) when the cache is Redis.
EXAMS_WRITE_BEHIND = os.environ.get("EXAMS_WRITE_BEHIND", "1" if REDIS_URL else "0") == "1"

CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE = {
    "transfers-mark-overdue": {"task": "dangjian.transfers.tasks.mark_overdue", "schedule": 3600.0},
    "activities-advance-rounds": {"task": "dangjian.activities.tasks.advance_rounds", "schedule": 300.0},
    "meetings-count-started": {"task": "dangjian.meetings.tasks.count_started_meetings", "schedule": 300.0},
    "meetings-send-reminders": {"task": "dangjian.meetings.tasks.send_reminders", "schedule": 300.0},
    "people-rebuild-figures": {"task": "dangjian.people.tasks.rebuild_figures",
                               "schedule": crontab(hour=0, minute=10)},
    # Draws next month's sets when their review window begins, opens them on the 1st, closes past months'.
    "exams-monthly-sets": {"task": "dangjian.exams.tasks.monthly_sets", "schedule": crontab(hour=0, minute=5)},
    "exams-expire-attempts": {"task": "dangjian.exams.tasks.expire_attempts", "schedule": 60.0},
    "exams-finish-finals": {"task": "dangjian.exams.tasks.finish_finals", "schedule": 60.0},
    "exams-flush-answers": {"task": "dangjian.exams.tasks.flush_answers", "schedule": 10.0},
    # Party fees: the month's dues (only what is missing, so daily is safe), reminders in each organisation's
    # reminder window before the month ends, online orders past their time closed.
    "fees-generate-dues": {"task": "dangjian.fees.tasks.generate_month_dues", "schedule": crontab(hour=0, minute=15)},
    "fees-remind-unpaid": {"task": "dangjian.fees.tasks.remind_unpaid", "schedule": crontab(hour=9, minute=0)},
    # Notices: scheduled reminders of must-read announcements to those who have not read them.
    "notices-remind-due": {"task": "dangjian.notices.tasks.remind_due", "schedule": crontab(hour=9, minute=30)},
    "fees-close-expired-orders": {"task": "dangjian.fees.pay_tasks.close_expired_orders", "schedule": 300.0},
    # HR post changes: spreadsheets dropped in HR_IMPORT_DIR/<HR system id>/ by HR systems without the API.
    "hr-import-dropped": {"task": "dangjian.hr.tasks.import_dropped", "schedule": crontab(hour=1, minute=30)},
}
HR_IMPORT_DIR = Path(os.environ.get("HR_IMPORT_DIR", VAR_DIR / "hr-import"))

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "dangjian.accounts.backends.UsernameOrPhoneBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock-out after repeated failures (django-axes): 5 failures per login name, 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "dangjian.accounts.views.locked_out"
AXES_VERBOSE = False
AXES_ENABLE_ACCESS_FAILURE_LOG = False
SILENCED_SYSTEM_CHECKS = ["axes.W006"]  # deliberate: an account locks whatever the IP (see README)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "dangjian" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "dangjian" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dangjian.api.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "dangjian.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "dangjian.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Dangjian API",
    "DESCRIPTION": "开放式党建工作平台 REST API. Authenticate with `POST /api/v1/auth/token` and send "
    "`Authorization: Token <token>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"OrgStatusEnum": "dangjian.orgs.models.OrgStatus",
                            "MemberStatusEnum": "dangjian.people.codes.MemberStatus"},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO" if not TESTING else "WARNING")},
    "loggers": {"axes": {"level": "WARNING"}, "jieba": {"level": "WARNING"}},
}

# Domain parameters (see dangjian/core/params.py for the defaults and their sources).
DANGJIAN_PLATFORM_NAME = os.environ.get("PLATFORM_NAME", "")

if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"] + PASSWORD_HASHERS
