"""Configuration classes, read from GRANTS_* environment variables with development defaults."""

import os
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"
DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused in production


def env(name: str, default=None):
    return os.environ.get(f"GRANTS_{name}", default)


def env_int(name: str, default: int) -> int:
    return int(env(name, default))


TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_bool(name: str, default: bool) -> bool:
    """``GRANTS_<name>`` as a yes/no: 1/true/yes/on or 0/false/no/off (any case); unset is
    ``default``. Any other word stops the app with one line (a typo must not turn a setting
    such as the cookie's Secure flag or two-factor the wrong way)."""
    value = env(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise SystemExit(f"Lỗi: GRANTS_{name}={value!r} không hợp lệ; dùng 1/0, true/false, "
                         "yes/no hoặc on/off.")
    return word in TRUE_WORDS


class Config:
    SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE / 'grants.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    UPLOAD_DIR = env("UPLOAD_DIR", str(INSTANCE / "uploads"))
    MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    MAX_DOSSIER_BYTES = env_int("MAX_DOSSIER_BYTES", 50 * 1024 * 1024)
    # Every stored file of one organisation (its dossiers' files and its registration
    # certificates), counted on disk: removed files are deleted when the removal commits.
    MAX_ORGANISATION_BYTES = env_int("MAX_ORGANISATION_BYTES", 200 * 1024 * 1024)
    # Flask refuses bodies above this before any view runs (a dossier's worth plus form fields).
    MAX_CONTENT_LENGTH = env_int("MAX_CONTENT_LENGTH", 60 * 1024 * 1024)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    WTF_CSRF_TIME_LIMIT = None
    RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "10 per minute")
    LOOKUP_RATE_LIMIT = env("LOOKUP_RATE_LIMIT", "20 per minute")
    # Self-registrations (and resent confirmation links) per client address.
    REGISTER_RATE_LIMIT = env("REGISTER_RATE_LIMIT", "5 per hour")
    # How long a confirmation link sent by e-mail stays valid.
    EMAIL_CONFIRM_MAX_AGE = env_int("EMAIL_CONFIRM_MAX_AGE", 3 * 24 * 3600)
    # Law 91/2025: how many years after the last dossier of an organisation (or the account's
    # last use) personal data is kept before it is erased where the law allows; shown in the
    # privacy notice. Dossiers that received public money are kept as accounting records.
    PERSONAL_DATA_RETENTION_YEARS = env_int("PERSONAL_DATA_RETENTION_YEARS", 5)
    # The JSON API: requests per token (per address without one), announced in the
    # RateLimit-Limit / RateLimit-Remaining / RateLimit-Reset headers; how long the answer to a
    # POST with an Idempotency-Key is kept for retries.
    API_RATE_LIMIT = env("API_RATE_LIMIT", "600 per minute")
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_HEADER_LIMIT = "RateLimit-Limit"
    RATELIMIT_HEADER_REMAINING = "RateLimit-Remaining"
    RATELIMIT_HEADER_RESET = "RateLimit-Reset"
    IDEMPOTENCY_SECONDS = env_int("IDEMPOTENCY_SECONDS", 24 * 3600)
    BOOTSTRAP_SERVE_LOCAL = True
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    # Sessions (grants/services/sessions.py): ended on the server after this long without a
    # request (staff, applicants) and at most this long after the login, whatever happens.
    SESSION_IDLE_MINUTES_STAFF = env_int("SESSION_IDLE_MINUTES_STAFF", 30)
    SESSION_IDLE_MINUTES_APPLICANT = env_int("SESSION_IDLE_MINUTES_APPLICANT", 120)
    SESSION_MAX_HOURS = env_int("SESSION_MAX_HOURS", 12)
    # No "remember me" box; a remember cookie would carry the same revocable id and limits.
    REMEMBER_COOKIE_DURATION = timedelta(hours=12)
    # Passwords (grants/services/passwords.py): length and zxcvbn score (0-4) a new one needs;
    # how long a reset link is valid (sent by e-mail; issued by an admin).
    PASSWORD_MIN_LENGTH = env_int("PASSWORD_MIN_LENGTH", 10)
    PASSWORD_MIN_SCORE = env_int("PASSWORD_MIN_SCORE", 3)
    PASSWORD_RESET_MINUTES = env_int("PASSWORD_RESET_MINUTES", 60)
    ADMIN_RESET_HOURS = env_int("ADMIN_RESET_HOURS", 24)
    # Account lockout: after LOCKOUT_THRESHOLD failures in a row (password or two-factor code)
    # the account is locked LOCKOUT_BASE_SECONDS, doubling at each further failure, at most
    # LOCKOUT_MAX_SECONDS. Kept in the users table, so every worker sees it.
    LOCKOUT_THRESHOLD = env_int("LOCKOUT_THRESHOLD", 5)
    LOCKOUT_BASE_SECONDS = env_int("LOCKOUT_BASE_SECONDS", 60)
    LOCKOUT_MAX_SECONDS = env_int("LOCKOUT_MAX_SECONDS", 30 * 60)
    # Two-factor (TOTP) required of the money roles and admin accounts (grants/services/
    # two_factor.py); optional for the other roles. Off in development and tests (demo logins).
    TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
    TWO_FACTOR_ISSUER = env("TWO_FACTOR_ISSUER", "Hỗ trợ NQ 43")
    # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted (werkzeug's
    # ProxyFix); 0 = none: the client address is the socket's peer.
    TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
    PER_PAGE = env_int("PER_PAGE", 25)
    # How long a memoised report figure (grants/queries/reports/cache.py) or a cached page fragment
    # (grants/web/fragments.py) may be reused at most; 0 turns both off. Both are also keyed by
    # the data stamp, so a change shows at once; the limit bounds what the stamp cannot see
    # (deadline marks that turn "late" as time passes). Both live in Flask-Caching: one
    # in-process cache per worker (SimpleCache, the default: `make run` needs no Redis), or one
    # store shared by every worker when GRANTS_CACHE_TYPE=RedisCache (GRANTS_CACHE_REDIS_URL;
    # production's default when GRANTS_REDIS_URL is set): a change is then computed once, not
    # once per worker. Keys start with CACHE_KEY_PREFIX and a digest of the database URL.
    REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 60)
    CACHE_TYPE = env("CACHE_TYPE", "SimpleCache")
    CACHE_THRESHOLD = env_int("CACHE_THRESHOLD", 500)
    CACHE_REDIS_URL = env("CACHE_REDIS_URL", "")
    CACHE_KEY_PREFIX = env("CACHE_KEY_PREFIX", "grants:")
    # The task queue (grants/queue.py): Redis when REDIS_URL is set (production: every process
    # shares it), else a SQLite file under instance/ so `make run` needs nothing else.
    REDIS_URL = env("REDIS_URL", "")
    HUEY_FILE = env("HUEY_FILE", str(INSTANCE / "huey.sqlite"))
    HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
    WORKER_THREADS = env_int("WORKER_THREADS", 2)
    # Background jobs (grants/services/jobs.py): the files they make go into EXPORT_DIR and are
    # kept JOB_FILE_DAYS days, then removed by the queue's hourly task.
    EXPORT_DIR = env("EXPORT_DIR", str(INSTANCE / "exports"))
    JOB_FILE_DAYS = env_int("JOB_FILE_DAYS", 7)
    # The absolute address of the app, for links in what leaves it outside a request (e-mails
    # sent by the worker, webhook payloads).
    BASE_URL = env("BASE_URL", "http://127.0.0.1:5000")
    # E-mail (grants/services/mail.py). No SMTP_HOST: messages are kept in the app, unsent.
    SMTP_HOST = env("SMTP_HOST", "")
    SMTP_PORT = env_int("SMTP_PORT", 25)
    SMTP_TLS = env("SMTP_TLS", "none")  # none | starttls | ssl
    SMTP_USER = env("SMTP_USER", "")
    SMTP_PASSWORD = env("SMTP_PASSWORD", "")
    SMTP_TIMEOUT = env_int("SMTP_TIMEOUT", 30)
    MAIL_SENDER = env("MAIL_SENDER", "no-reply@skhcn.bacninh.gov.vn")
    # Webhooks (grants/services/webhooks.py): URLs on private, loopback, link-local or reserved
    # addresses are refused unless this is true (protection against request forgery); each POST
    # waits at most WEBHOOK_TIMEOUT seconds for the answer.
    WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)
    WEBHOOK_TIMEOUT = env_int("WEBHOOK_TIMEOUT", 10)
    MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 9)  # then "failed", shown to the admin
    MAIL_RETRY_SECONDS = env_int("MAIL_RETRY_SECONDS", 30)  # first retry; doubles, max 1 h
    MAIL_LEASE_SECONDS = env_int("MAIL_LEASE_SECONDS", 120)  # a "sending" row's lease
    # The daily digest of step deadlines (working days only), local time HH:MM.
    DIGEST_TIME = env("DIGEST_TIME", "07:30")
    # The agency's signing certificate (issue 14 point 7): a PKCS#12 file and its password.
    # Every issued paper is signed with it (PAdES). Production refuses to start without a
    # usable one; development and tests fall back to a demo certificate, and the papers say so.
    # `flask seed-demo` writes a self-signed demo certificate to DEMO_P12_PATH.
    SIGNING_P12_PATH = env("SIGNING_P12_PATH", "")
    SIGNING_P12_PASSWORD = env("SIGNING_P12_PASSWORD", "")
    DEMO_P12_PATH = str(INSTANCE / "demo-signing.p12")
    DEMO_P12_PASSWORD = "demo-signing"  # noqa: S105 - a throw-away self-signed certificate
    # The certification authorities (a PEM bundle) whose signatures on uploaded PDFs are shown
    # as trusted to the desk; the agency's own certificate is always trusted.
    SIGNATURE_TRUST_ROOTS = env("SIGNATURE_TRUST_ROOTS", "")
    # Uploads to the public verification page /xac-thuc/<code> (per client address).
    VERIFY_RATE_LIMIT = env("VERIFY_RATE_LIMIT", "20 per minute")
    ISSUING_BODY = ("UBND TỈNH BẮC NINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    PLACE_NAME = env("PLACE_NAME", "Bắc Ninh")
    # The payment order (Giấy rút dự toán NSNN, grants/letters/payment_order.py): the unit that
    # draws on the year's estimate, its Treasury account and budget codes. Codes left empty are
    # printed as dotted lines for the accountant to fill in.
    PAYMENT_PAYER_NAME = env("PAYMENT_PAYER_NAME",
                             "Chi cục Tiêu chuẩn Đo lường Chất lượng tỉnh Bắc Ninh")
    PAYMENT_PAYER_ACCOUNT = env("PAYMENT_PAYER_ACCOUNT", "")
    PAYMENT_TREASURY = env("PAYMENT_TREASURY", "")
    PAYMENT_BUDGET_LEVEL_CODE = env("PAYMENT_BUDGET_LEVEL_CODE", "2")  # 2: provincial budget
    PAYMENT_BUDGET_UNIT_CODE = env("PAYMENT_BUDGET_UNIT_CODE", "")  # mã ĐVQHNS
    PAYMENT_CHAPTER_CODE = env("PAYMENT_CHAPTER_CODE", "417")  # the provincial S&T department
    PAYMENT_ECONOMIC_CODE = env("PAYMENT_ECONOMIC_CODE", "")  # mã nội dung kinh tế
    PAYMENT_SECTOR_CODE = env("PAYMENT_SECTOR_CODE", "")  # mã ngành kinh tế
    PAYMENT_FUND_SOURCE_CODE = env("PAYMENT_FUND_SOURCE_CODE", "")  # mã nguồn NSNN
    TIMEZONE = "Asia/Ho_Chi_Minh"


class DevelopmentConfig(Config):
    DEBUG = False
    # The demo accounts of `make run` log in with their password alone (README "Quick start");
    # GRANTS_TWO_FACTOR_REQUIRED=true tries the production behaviour.
    TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("GRANTS_TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    # Cheap hashing keeps the suite fast; production keeps werkzeug's scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
    UPLOAD_DIR = env("TEST_UPLOAD_DIR", "")  # tests set a tmp dir per test
    EXPORT_DIR = env("TEST_EXPORT_DIR", "")  # tests set a tmp dir per test
    HUEY_IMMEDIATE = True  # a task runs when enqueued (after the commit that enqueued it)
    BASE_URL = "http://grants.test"
    TWO_FACTOR_REQUIRED = False  # tests of two-factor turn it on
    DEMO_P12_PATH = ""  # the in-memory demo certificate, never a developer's instance/ file


class ProductionConfig(Config):
    # Browsers then refuse plain HTTP to this host for a year (served behind TLS only).
    STRICT_TRANSPORT_SECURITY = env("STRICT_TRANSPORT_SECURITY",
                                    "max-age=31536000; includeSubDomains")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    # Every worker must see the same login counts: the shared Redis unless named otherwise.
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", env("REDIS_URL", "") or "memory://")
    # Report figures and page fragments: the shared Redis too, unless named otherwise.
    CACHE_TYPE = env("CACHE_TYPE", "RedisCache" if env("REDIS_URL") else "SimpleCache")
    CACHE_REDIS_URL = env("CACHE_REDIS_URL", env("REDIS_URL", ""))

    @classmethod
    def check(cls) -> None:
        """Refuse to start with a missing or default secret key (named, so ops can fix it)."""
        if not os.environ.get("GRANTS_SECRET_KEY") or cls.SECRET_KEY == DEFAULT_SECRET:
            raise RuntimeError(
                "GRANTS_SECRET_KEY chưa được đặt (hoặc vẫn là giá trị mặc định): "
                "đặt biến môi trường GRANTS_SECRET_KEY trước khi chạy ở môi trường production."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestConfig,
    "production": ProductionConfig,
}


def config_from_env():
    return CONFIGS[os.environ.get("GRANTS_ENV", "development")]
