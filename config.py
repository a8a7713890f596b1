"""Configuration classes, read from GRANTS_* environment variables with development defaults."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
INSTANCE = ROOT / "instance"
DEFAULT_SECRET = "dev-only-secret-change-me"  # noqa: S105 - refused in production


def env(name: str, default=None):
    return os.environ.get(f"GRANTS_{name}", default)


def env_int(name: str, default: int) -> int:
    return int(env(name, default))


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = env("SECRET_KEY", DEFAULT_SECRET)
    SQLALCHEMY_DATABASE_URI = env("DATABASE_URL", f"sqlite:///{INSTANCE / 'grants.sqlite'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    UPLOAD_DIR = env("UPLOAD_DIR", str(INSTANCE / "uploads"))
    MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024)
    MAX_DOSSIER_BYTES = env_int("MAX_DOSSIER_BYTES", 50 * 1024 * 1024)
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
    BOOTSTRAP_SERVE_LOCAL = True
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a method name, not a password
    PER_PAGE = env_int("PER_PAGE", 25)
    # How long a memoised report figure (grants/services/reports.py) or a cached page fragment
    # (grants/web/fragments.py) may be reused at most; 0 turns both off. Both are also keyed by
    # the data stamp, so a change shows at once; the limit bounds what the stamp cannot see
    # (deadline marks that turn "late" as time passes). Fragments live in Flask-Caching: one
    # in-process cache per worker, or a shared backend named by GRANTS_CACHE_TYPE (e.g.
    # RedisCache with GRANTS_CACHE_REDIS_URL).
    REPORT_CACHE_SECONDS = env_int("REPORT_CACHE_SECONDS", 60)
    CACHE_TYPE = env("CACHE_TYPE", "SimpleCache")
    CACHE_THRESHOLD = env_int("CACHE_THRESHOLD", 500)
    ISSUING_BODY = ("UBND TỈNH BẮC NINH", "SỞ KHOA HỌC VÀ CÔNG NGHỆ")
    PLACE_NAME = env("PLACE_NAME", "Bắc Ninh")
    TIMEZONE = "Asia/Ho_Chi_Minh"


class DevelopmentConfig(Config):
    DEBUG = False


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    SECRET_KEY = "test-secret"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = os.environ.get("GRANTS_TEST_DATABASE_URL", "sqlite://")
    RATELIMIT_ENABLED = False
    # Cheap hashing keeps the suite fast; production keeps werkzeug's scrypt default.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # noqa: S105
    UPLOAD_DIR = env("TEST_UPLOAD_DIR", "")  # tests set a tmp dir per test


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

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
