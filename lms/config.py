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
