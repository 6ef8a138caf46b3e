"""Public verification helpers: the per-client rate limit.

A fixed-window counter per client IP and window: in Redis when ``REDIS_URL``
(env ``LMS_REDIS_URL``) is set, so every app server shares the count; in a
process-local dict otherwise (the embedded single-process default). The limit
("30/600" = 30 requests per 600 seconds) is ``CERTIFICATE_VERIFY_RATE_LIMIT``;
``RATELIMIT_ENABLED = False`` turns it off (tests). It keeps certificate
numbers from being walked: the verification code itself has 192 random bits.
"""
from __future__ import annotations

import threading
import time

from flask import current_app, request

DEFAULT_LIMIT = "30/600"

_lock = threading.Lock()
_counts: dict[tuple[str, int], int] = {}
_redis_clients: dict[str, object] = {}


def _limit() -> tuple[int, int]:
    raw = str(current_app.config.get("CERTIFICATE_VERIFY_RATE_LIMIT") or DEFAULT_LIMIT)
    count, _, window = raw.partition("/")
    return int(count), int(window or 60)


def client_ip() -> str:
    # remote_addr is the proxy's address unless the deployment wraps the app in
    # ProxyFix; that is a deployment decision, not this module's.
    return request.remote_addr or "unknown"


def _redis(url: str):
    client = _redis_clients.get(url)
    if client is None:
        import redis

        client = _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    return client


def hit(bucket: str = "verify", now: float | None = None) -> bool:
    """Count one request of the current client; False when it is over the limit."""
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return True
    limit, window = _limit()
    now = time.time() if now is None else now
    slot = int(now // window)
    key = f"{bucket}:{client_ip()}"
    url = current_app.config.get("REDIS_URL")
    if url:
        try:
            r = _redis(url)
            rkey = f"lms:ratelimit:{key}:{slot}"
            pipe = r.pipeline()
            pipe.incr(rkey)
            pipe.expire(rkey, window + 5)
            count = pipe.execute()[0]
            return int(count) <= limit
        except Exception:  # Redis down: fall back to this process rather than fail open entirely
            current_app.logger.warning("rate limiter: Redis unavailable, using in-process counts")
    with _lock:
        if len(_counts) > 10000:  # drop old windows so the dict cannot grow without bound
            for k in [k for k in _counts if k[1] < slot]:
                del _counts[k]
        count = _counts.get((key, slot), 0) + 1
        _counts[(key, slot)] = count
    return count <= limit


def reset() -> None:
    """Forget in-process counts (tests)."""
    with _lock:
        _counts.clear()
