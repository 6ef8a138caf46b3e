"""Caching of analytics results per filter, and its invalidation.

Two levels:
- the loaded **base frames** (see :mod:`lms.analytics.engine`) stay in the process
  for a short time; they are large and never leave the process;
- the **finished dashboard** per (audience, filters) is cached in Redis when
  ``LMS_REDIS_URL`` is set (shared by every worker) or in an in-process TTL dict.

Every key embeds a *generation* number. Saving a Certificate, Enrollment,
Attendance, Booking or PracticalSignoff bumps the generation (SQLAlchemy
``after_flush`` marks, ``after_commit`` bumps; a flush bumps too so a request that
changes data and then reads the dashboard in the same transaction sees it), so
every cached figure is invalidated at once; a short TTL bounds staleness from
changes made elsewhere (e.g. module progress, which changes too often to bust
the cache on).

At national scale a booking or an attendance mark is saved every few seconds, and a
recomputation of the whole programme takes seconds: invalidating on every write would
make every ministry view a cold one. So the generation moves at most once per
``ANALYTICS_REFRESH_SECONDS`` (60 in production, 0 = at once, the default under
TESTING): a write inside that window only marks the generation *pending*, and the first
read after the window applies it. The figures are then at most that old, and every page
says when its figures were computed ("기준 시각").
"""
from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any, Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_lock = threading.Lock()
_local: dict[str, tuple[float, Any]] = {}
_generation = 0
_redis_clients: dict[str, Any] = {}
GEN_KEY = "lms:analytics:generation"


def _redis():
    try:
        url = current_app.config.get("REDIS_URL")
    except RuntimeError:
        return None
    if not url:
        return None
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        _redis_clients[url] = client
    return client


PENDING_KEY = "lms:analytics:generation:pending"
AT_KEY = "lms:analytics:generation:at"
_pending = False
_bumped_at = 0.0


def _refresh_seconds() -> float:
    try:
        app = current_app
        return float(app.config.get("ANALYTICS_REFRESH_SECONDS", 0 if app.testing else 60))
    except RuntimeError:
        return 0.0


def generation() -> int:
    """The current data generation (applies a pending bump once its window has passed)."""
    global _generation, _pending, _bumped_at
    window = _refresh_seconds()
    r = _redis()
    if r is not None:
        try:
            gen, pending, at = r.mget(GEN_KEY, PENDING_KEY, AT_KEY)
            if pending and time.time() - float(at or 0) >= window:
                # One reader applies it: whoever deletes the pending mark.
                if r.delete(PENDING_KEY):
                    pipe = r.pipeline()
                    pipe.incr(GEN_KEY)
                    pipe.set(AT_KEY, time.time())
                    return int(pipe.execute()[0])
            return int(gen or 0)
        except Exception:  # Redis down: fall back to this process's counter
            log.warning("analytics cache: Redis unavailable, using in-process generation")
    with _lock:
        if _pending and time.time() - _bumped_at >= window:
            _generation, _pending, _bumped_at = _generation + 1, False, time.time()
            _local.clear()
        return _generation


def bump() -> None:
    """Invalidate every cached analytics result (all processes when Redis is used), at once
    or, within ANALYTICS_REFRESH_SECONDS of the last time, when that window ends."""
    global _generation, _pending, _bumped_at
    window = _refresh_seconds()
    now = time.time()
    with _lock:
        if window <= 0 or now - _bumped_at >= window:
            _generation, _pending, _bumped_at = _generation + 1, False, now
            _local.clear()
        else:
            _pending = True
    r = _redis()
    if r is not None:
        try:
            at = float(r.get(AT_KEY) or 0)
            if window <= 0 or now - at >= window:
                pipe = r.pipeline()
                pipe.incr(GEN_KEY)
                pipe.set(AT_KEY, now)
                pipe.delete(PENDING_KEY)
                pipe.execute()
            else:
                r.set(PENDING_KEY, 1)
        except Exception:
            log.warning("analytics cache: could not bump the Redis generation")


def get(key: str):
    full = f"lms:analytics:{generation()}:{key}"
    r = _redis()
    if r is not None:
        try:
            raw = r.get(full)
            # JSON, not pickle: a value read back from Redis can never run code.
            return json.loads(raw) if raw is not None else None
        except Exception:  # Redis down or a value it cannot hold: use this process's copy
            log.warning("analytics cache: Redis read failed, using the in-process cache")
    hit = _local.get(full)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    return None


def put(key: str, value, ttl: float) -> None:
    full = f"lms:analytics:{generation()}:{key}"
    r = _redis()
    if r is not None:
        try:
            r.setex(full, max(int(ttl), 1), json.dumps(value, separators=(",", ":"), allow_nan=False))
            return
        except Exception:  # Redis down, or not JSON (never for the cached figures and HTML)
            log.warning("analytics cache: Redis write failed, keeping the value in-process")
    with _lock:
        now = time.monotonic()
        for k in [k for k, (exp, _) in _local.items() if exp <= now]:
            _local.pop(k, None)
        _local[full] = (now + ttl, value)


def cached(key: str, ttl: float, compute: Callable[[], Any]):
    value = get(key)
    if value is None:
        value = compute()
        put(key, value, ttl)
    return value


# In-process holder of the loaded base frames (never sent to Redis: too big).
_base_holder: dict[str, Any] = {}


def base_frames(loader: Callable[[], Any], ttl: float):
    """The loaded base, reloaded when the generation changed or ``ttl`` passed."""
    gen = generation()
    key = current_app.config.get("SQLALCHEMY_DATABASE_URI", "")
    held = _base_holder.get(key)
    if held and held[0] == gen and held[1] > time.monotonic():
        return held[2]
    base = loader()
    _base_holder[key] = (gen, time.monotonic() + ttl, base)
    return base


def clear() -> None:
    """Drop everything (tests, benchmark)."""
    global _pending, _bumped_at
    with _lock:
        _local.clear()
        _base_holder.clear()
        _pending, _bumped_at = False, 0.0


def _watched():
    from lms.certificates.models import Certificate
    from lms.labs.models import Attendance, Booking, PracticalSignoff
    from lms.learning.models import Enrollment
    from lms.meisters.models import Placement, Visit
    from lms.orgs.models import Company, IndustrialComplex

    return (Certificate, Enrollment, Attendance, Booking, PracticalSignoff, Placement, Visit, Company, IndustrialComplex)


@event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    watched = _watched()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, watched):
            session.info["analytics_dirty"] = True
            bump()
            return


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("analytics_dirty", False):
        bump()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    # Rolled-back writes were visible to nobody else; dropping the flag is enough,
    # but the flush already bumped, so this process recomputes once more: harmless.
    session.info.pop("analytics_dirty", None)
