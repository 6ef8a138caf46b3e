"""Where a roster upload waits between preview and confirmation: under a random token,
readable only for the same cohort and uploader, and forgotten after a day (it holds
personal data). With ``REDIS_URL`` set it is kept in Redis (keys that expire after a
day), so the confirmation may reach another app server than the preview did;
without Redis (one process, ``make run``) in the instance folder."""
from __future__ import annotations

import json
import logging
import os
import re
import secrets
from datetime import datetime
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _

from lms.errors import NotFound
from lms.labs.models import Cohort

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
MAX_AGE_SECONDS = 24 * 3600
log = logging.getLogger(__name__)
_clients: dict[str, object] = {}


def _redis():
    """The Redis client when REDIS_URL is set (None otherwise)."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = _clients.get(url)
    if client is None:
        import redis

        client = _clients[url] = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=1)
    return client


def _key(token: str, part: str) -> str:
    return f"{current_app.config.get('RATELIMIT_KEY_PREFIX', 'lms')}:roster-upload:{token}:{part}"


def _store_dir() -> Path:
    d = Path(current_app.instance_path) / "roster_uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def store_upload(cohort: Cohort, actor, data: bytes, filename: str) -> str:
    """Keep the uploaded bytes until the instructor confirms; returns the token."""
    token = secrets.token_urlsafe(24)
    meta = json.dumps({"cohort_id": cohort.id, "user_id": actor.id, "filename": filename,
                       "stored_at": datetime.now().isoformat()})
    r = _redis()
    if r is not None:
        try:
            r.set(_key(token, "bin"), data, ex=MAX_AGE_SECONDS)
            r.set(_key(token, "meta"), meta, ex=MAX_AGE_SECONDS)
            return token
        except Exception:  # Redis down: keep it on this server's disk (same server only)
            log.warning("roster upload: Redis unavailable, storing in the instance folder")
    d = _store_dir()
    _purge_old(d)
    (d / f"{token}.bin").write_bytes(data)
    (d / f"{token}.json").write_text(meta, encoding="utf-8")
    return token


def _purge_old(d: Path, max_age_seconds: int = MAX_AGE_SECONDS) -> None:
    """Forget uploads nobody confirmed within a day (they hold personal data)."""
    import time

    cutoff = time.time() - max_age_seconds
    for f in d.iterdir():
        try:
            if f.stat().st_mtime < cutoff:
                f.unlink()
        except OSError:
            pass


def load_upload(cohort: Cohort, actor, token: str) -> tuple[bytes, str]:
    """The stored upload for this cohort and uploader, or NotFound."""
    if not token or not TOKEN_RE.match(token):
        raise NotFound(_("업로드한 파일을 찾을 수 없습니다. 다시 올려 주세요."))
    meta = data = None
    r = _redis()
    if r is not None:
        try:
            raw_meta, data = r.get(_key(token, "meta")), r.get(_key(token, "bin"))
            meta = json.loads(raw_meta) if raw_meta is not None and data is not None else None
        except Exception:
            log.warning("roster upload: Redis unavailable, looking in the instance folder")
    if meta is None:
        d = _store_dir()
        try:
            meta = json.loads((d / f"{token}.json").read_text(encoding="utf-8"))
            data = (d / f"{token}.bin").read_bytes()
        except (OSError, ValueError):
            raise NotFound(_("업로드한 파일을 찾을 수 없습니다. 다시 올려 주세요."))
    if meta.get("cohort_id") != cohort.id or meta.get("user_id") != actor.id:
        raise NotFound(_("업로드한 파일을 찾을 수 없습니다. 다시 올려 주세요."))
    return data, meta.get("filename") or "roster.csv"


def discard_upload(token: str) -> None:
    if not token or not TOKEN_RE.match(token):
        return
    r = _redis()
    if r is not None:
        try:
            r.delete(_key(token, "bin"), _key(token, "meta"))
        except Exception:
            log.warning("roster upload: could not delete from Redis")
    for ext in ("bin", "json"):
        try:
            os.remove(_store_dir() / f"{token}.{ext}")
        except OSError:
            pass
