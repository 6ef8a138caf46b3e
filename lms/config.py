"""Configuration: defaults here, then ``instance/config.py``, then ``LMS_*`` environment variables.

Environment variables win so that a container or CI job can override anything
without touching files. ``LMS_DATABASE_URL`` becomes ``SQLALCHEMY_DATABASE_URI``.
"""
from __future__ import annotations

import os
from datetime import timedelta

DEV_SECRET = "dev-insecure-change-me"


class Defaults:
    SECRET_KEY = DEV_SECRET
    SQLALCHEMY_DATABASE_URI = None  # filled in create_app: sqlite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    REDIS_URL = None
    BABEL_DEFAULT_LOCALE = "ko"
    BABEL_DEFAULT_TIMEZONE = "Asia/Seoul"
    LANGUAGES = ("ko", "en")
    DISPLAY_TIMEZONE = "Asia/Seoul"
    WTF_CSRF_TIME_LIMIT = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # None = automatic: Secure in production (not debug, not testing) and on every HTTPS
    # request anyway (lms.core.security); LMS_SESSION_COOKIE_SECURE=0 for plain-HTTP setups.
    SESSION_COOKIE_SECURE = None
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024  # uploads larger than 20 MB are refused
    # Mail: with no MAIL_SERVER set, messages go to the outbox table and the log.
    MAIL_SERVER = None
    MAIL_SENDER = "no-reply@smartfactory-academy.kr"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    PASSWORD_RESET_MAX_AGE = 3600  # seconds
    INVITATION_MAX_AGE = 14 * 24 * 3600
    EMAIL_CONFIRM_MAX_AGE = 3 * 24 * 3600  # self-registration confirmation link
    # Sessions (ASVS 5.0 V7.3): signed out after 30 idle minutes, and 12 hours after login whatever happens.
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_LIFETIME = timedelta(hours=12)
    TOTP_ISSUER = "Smart Factory Academy"
    COURSES_DIR = None  # filled in create_app: <repo>/courses
    CONSENT_VERSION = "2026-11-01"
    RATELIMIT_ENABLED = True
    # Roster uploads (lms.labs.roster): bytes of the file, data rows, characters per
    # cell, and an XLSX's uncompressed size, all checked before or while parsing.
    ROSTER_MAX_BYTES = 5 * 1024 * 1024
    ROSTER_MAX_ROWS = 3000
    ROSTER_MAX_CELL_CHARS = 1000
    ROSTER_MAX_UNCOMPRESSED_BYTES = 8 * 1024 * 1024  # a 3,000-row Excel roster is about 2 MB
    RATELIMIT_KEY_PREFIX = "lms"  # Redis keys of the throttling counters (lms.core.ratelimit)
    # Smart meisters: placements one meister may hold on the same day; how long a
    # visit-confirmation link mailed to a company's contact stays valid (seconds).
    MEISTER_MAX_CONCURRENT_PLACEMENTS = 2
    VISIT_CONFIRM_MAX_AGE = 14 * 24 * 3600
    # Deployment (deploy/): LMS_ENV=production turns on the checks of production_problems()
    # and the production settings below; WEB_THREADS is the gunicorn threads per worker
    # (deploy/gunicorn.conf.py reads the same LMS_WEB_THREADS), which sizes the pool.
    ENV = "development"
    WEB_THREADS = 1
    # Hops of reverse proxy in front of gunicorn whose X-Forwarded-For/-Proto are trusted
    # (werkzeug ProxyFix); 0 = none. deploy/nginx is one hop.
    PROXY_HOPS = 0
    # Background jobs (lms.jobs): JOBS_MODE None = automatic (inline under TESTING, rq
    # with REDIS_URL, else a thread of the web process); a running job whose heartbeat
    # is older than JOBS_STALE_SECONDS is failed (its process died); RQ kills a job
    # after JOBS_TIMEOUT_SECONDS.
    JOBS_MODE = None
    JOBS_QUEUE = "lms-jobs"
    JOBS_STALE_SECONDS = 120
    JOBS_HEARTBEAT_SECONDS = 15
    JOBS_TIMEOUT_SECONDS = 3600
    # Roster and attendance exports above this many rows are built by a background job.
    EXPORT_JOB_ROWS = 3000


# A production secret: at least this many characters (`python -c "import secrets;
# print(secrets.token_hex(32))"` gives 64).
MIN_SECRET_LENGTH = 32


def is_production_env(config) -> bool:
    return str(config.get("ENV") or "").strip().lower() == "production"


def production_problems(config) -> list[str]:
    """What keeps this configuration from running in production (empty when ready):
    a real secret key, PostgreSQL, Redis, debug off."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if not secret or secret == DEV_SECRET:
        problems.append("LMS_SECRET_KEY is not set")
    elif len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"LMS_SECRET_KEY is shorter than {MIN_SECRET_LENGTH} characters")
    url = str(config.get("SQLALCHEMY_DATABASE_URI") or "")
    if not url:
        problems.append("LMS_DATABASE_URL is not set (a postgresql:// URL)")
    elif not url.startswith("postgresql"):
        problems.append("LMS_DATABASE_URL is not a PostgreSQL URL (SQLite is for one process only)")
    redis_url = str(config.get("REDIS_URL") or "")
    if not redis_url:
        problems.append("LMS_REDIS_URL is not set (rate limits and caches must be shared by every app server)")
    elif not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("LMS_REDIS_URL is not a redis://, rediss:// or unix:// URL")
    if config.get("DEBUG"):
        problems.append("FLASK_DEBUG is on")
    return problems


def production_settings(config) -> dict:
    """Settings LMS_ENV=production adds: Secure/HttpOnly/SameSite cookies, HSTS, and a
    connection pool per worker process sized to its threads, checked before each use."""
    threads = max(1, int(config.get("WEB_THREADS") or 1))
    engine = {
        "pool_size": threads,      # one connection per thread that can hold a request
        "max_overflow": 2,         # a short burst (CLI in the same process, a stuck thread)
        "pool_timeout": 10,        # seconds to wait for a connection before an error page
        "pool_pre_ping": True,     # a connection PostgreSQL or a proxy closed is replaced, not an error
        "pool_recycle": 1800,
    }
    engine.update(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    secure = config.get("SESSION_COOKIE_SECURE")
    if isinstance(secure, str):
        secure = secure.strip().lower() not in ("", "0", "false", "no", "off")
    return {
        # Only an explicit LMS_SESSION_COOKIE_SECURE=0 turns it off (a plain-HTTP load test
        # on 127.0.0.1, bench/run_load.sh); create_app logs a warning then.
        "SESSION_COOKIE_SECURE": secure is not False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SECURITY_HSTS": True,
        "SQLALCHEMY_ENGINE_OPTIONS": engine,
        "PREFERRED_URL_SCHEME": "https",
    }


def env_overrides(prefix: str = "LMS_") -> dict:
    """Read ``LMS_*`` variables; ``LMS_DATABASE_URL`` maps to SQLAlchemy's key."""
    out: dict = {}
    for key, value in os.environ.items():
        if not key.startswith(prefix):
            continue
        name = key[len(prefix):]
        if name == "DATABASE_URL":
            out["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(value)
        elif name in {"TEST_DATABASE_URL"}:
            continue
        else:
            out[name] = value
    return out


def normalise_db_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url
