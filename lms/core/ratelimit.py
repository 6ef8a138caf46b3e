"""Counters for throttling and rate limits, shared by every worker when Redis is configured.

Built on ``limits`` (the storage and window strategies underneath Flask-Limiter):
with ``REDIS_URL`` set the counters are Redis keys ``<RATELIMIT_KEY_PREFIX>/...``
that expire with their window (fixed keys with a TTL: a flood of other keys cannot
evict them); otherwise they live in this process (``memory://``, entries expire,
nothing is dropped early). ``RATELIMIT_ENABLED = False`` turns every check off
(the test suite does, except the tests of the limits themselves).

Two uses:

* :func:`throttle` for counters the code drives itself (failed logins, reset
  mails): ``exceeded`` reads, ``hit`` counts, ``clear`` forgets.
* :data:`ROUTE_LIMITS`, applied before each request by :func:`init_app`: request
  limits on endpoints (exports and downloads of personal data, the public
  certificate check); over the limit the request gets 429 and changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import Flask, abort, current_app, request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import FixedWindowRateLimiter


@dataclass(frozen=True)
class RouteLimit:
    """``limit`` (e.g. ``"30/hour"``) on ``endpoints``, counted per ``key(request)``;
    only requests whose method is in ``methods`` count."""

    name: str
    limit: str
    endpoints: tuple[str, ...]
    key: Callable[[], str | None]
    methods: tuple[str, ...] = ("GET", "POST")


def client_ip() -> str:
    """The caller's address (behind a proxy, the deployment's ProxyFix sets it)."""
    return request.remote_addr or "-"


def _user_key() -> str | None:
    from flask_login import current_user

    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{client_ip()}"


def _certificate_number() -> str | None:
    number = (request.form.get("number") or "").strip().upper()
    return f"cert:{number[:64]}" if number else None


# Exports and downloads of personal data, per account (ASVS 5.0 V2.4.1 against data exfiltration;
# PIPA safety-measures standard Art. 6(3): no leakage of personal data), and the public certificate check, which takes a birth date:
# per certificate number across addresses, so a birth date cannot be guessed from many
# addresses (ASVS 5.0 V2.4.1, V6.3.1); lms/certificates/verify.py limits each address.
PERSONAL_DATA_DOWNLOADS = (
    "labs.roster_export", "labs.attendance_export", "certificates.cohort_download", "certificates.download",
    "analytics.export", "analytics.instructor_export", "analytics.report", "meisters.report",
    "admin.access_log_csv",
)
ROUTE_LIMITS: tuple[RouteLimit, ...] = (
    # GET and POST: a download may sit behind a form (an export reason) and still counts.
    RouteLimit("download", "60/hour", PERSONAL_DATA_DOWNLOADS, _user_key, ("GET", "POST")),
    RouteLimit("verify-number", "10/hour", ("certificates.verify",), _certificate_number, ("POST",)),
    # A person's download of all their own data (lms/privacy): per account, a few a day is plenty.
    RouteLimit("own-data", "10/hour", ("privacy.download_json", "privacy.download_csv"), _user_key, ("GET",)),
    # Deleting one's account re-checks the password: not a way to guess it from a stolen session.
    RouteLimit("account-delete", "10/hour", ("privacy.delete_account",), _user_key, ("POST",)),
    # Sign-ups mail someone (a confirmation or an already-registered notice): per address.
    RouteLimit("register", "10/hour", ("accounts.register",), client_ip, ("POST",)),
)


class Counters:
    """Fixed-window counters in Redis or in this process (see the module docstring)."""

    def __init__(self, storage: Storage):
        self.storage = storage
        self.limiter = FixedWindowRateLimiter(storage)

    def exceeded(self, limit: str | RateLimitItem, *key: str) -> bool:
        """True when the window for ``key`` has already used up ``limit``."""
        item = parse(limit) if isinstance(limit, str) else limit
        return not self.limiter.test(item, *key)

    def hit(self, limit: str | RateLimitItem, *key: str, cost: int = 1) -> bool:
        """Count one event (``cost`` events at once); False when that went over ``limit``."""
        item = parse(limit) if isinstance(limit, str) else limit
        return self.limiter.hit(item, *key, cost=cost)

    def clear(self, limit: str | RateLimitItem, *key: str) -> None:
        item = parse(limit) if isinstance(limit, str) else limit
        self.limiter.clear(item, *key)


def _make_storage(app: Flask) -> Storage:
    url = app.config.get("REDIS_URL")
    prefix = app.config.get("RATELIMIT_KEY_PREFIX", "lms")
    if url:
        return RedisStorage(url, key_prefix=prefix, socket_timeout=1)
    return MemoryStorage()


def counters() -> Counters:
    """The app's counters (created on first use)."""
    ext = current_app.extensions
    if "lms_counters" not in ext:
        ext["lms_counters"] = Counters(_make_storage(current_app))
    return ext["lms_counters"]


def enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True))


def init_app(app: Flask) -> None:
    """Check :data:`ROUTE_LIMITS` before each request (429 over the limit)."""
    by_endpoint: dict[str, list[RouteLimit]] = {}
    for rl in ROUTE_LIMITS:
        for ep in rl.endpoints:
            by_endpoint.setdefault(ep, []).append(rl)

    @app.before_request
    def _route_limits():
        rules = by_endpoint.get(request.endpoint or "")
        if not rules or not enabled():
            return None
        c = counters()
        for rl in rules:
            if request.method not in rl.methods:
                continue
            key = rl.key()
            if key is not None and not c.hit(rl.limit, "route", rl.name, key):
                abort(429)
        return None
