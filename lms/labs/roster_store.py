"""Where a roster upload waits between preview and confirmation: the instance
folder, under a random token, readable only for the same cohort and uploader, and
forgotten after a day (it holds personal data)."""
from __future__ import annotations

import json
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


def _store_dir() -> Path:
    d = Path(current_app.instance_path) / "roster_uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def store_upload(cohort: Cohort, actor, data: bytes, filename: str) -> str:
    """Keep the uploaded bytes until the instructor confirms; returns the token."""
    token = secrets.token_urlsafe(24)
    d = _store_dir()
    _purge_old(d)
    (d / f"{token}.bin").write_bytes(data)
    (d / f"{token}.json").write_text(json.dumps({"cohort_id": cohort.id, "user_id": actor.id, "filename": filename,
                                                 "stored_at": datetime.now().isoformat()}), encoding="utf-8")
    return token


def _purge_old(d: Path, max_age_seconds: int = 24 * 3600) -> None:
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
    for ext in ("bin", "json"):
        try:
            os.remove(_store_dir() / f"{token}.{ext}")
        except OSError:
            pass
