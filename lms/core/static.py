"""Versioned static URLs and their cache headers.

``url_for('static', filename=...)`` gets ``?v=<hash>``: the first 12 hex digits of the
file's SHA-256, computed once per file (again when its modification time or size
changes, so the debug server picks up edits). A request whose ``v`` matches the
file's current hash is answered with ``Cache-Control: public, max-age=31536000,
immutable``: browsers and proxies keep it for a year without asking again, and a new
release changes the URL. Without ``v`` (or with a stale one) the file is served with
a short ``max-age`` so that an old page still gets the file, and checks back soon.
deploy/nginx/lms.conf applies the same rule when nginx serves static/ itself.
"""
from __future__ import annotations

import hashlib
import os

from flask import Flask, request

LONG_CACHE = 365 * 24 * 3600
SHORT_CACHE = 3600
_hashes: dict[str, tuple[int, int, str]] = {}


def file_version(app: Flask, filename: str) -> str | None:
    """The version tag of static/``filename`` (None when it does not exist)."""
    folder = app.static_folder or ""
    path = os.path.realpath(os.path.join(folder, filename))
    if not path.startswith(os.path.realpath(folder) + os.sep):
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    cached = _hashes.get(path)
    if cached and cached[0] == st.st_mtime_ns and cached[1] == st.st_size:
        return cached[2]
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(65536), b""):
            digest.update(block)
    tag = digest.hexdigest()[:12]
    _hashes[path] = (st.st_mtime_ns, st.st_size, tag)
    return tag


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _version_static(endpoint, values):
        if endpoint == "static" and "v" not in values and values.get("filename"):
            tag = file_version(app, values["filename"])
            if tag:
                values["v"] = tag

    @app.after_request
    def _static_cache(response):
        if request.endpoint != "static" or response.status_code not in (200, 304):
            return response
        cc = response.cache_control
        v = request.args.get("v")
        filename = (request.view_args or {}).get("filename", "")
        if v and v == file_version(app, filename):
            cc.public = True
            cc.max_age = LONG_CACHE
            cc.immutable = True
            cc.no_cache = None
        else:
            cc.public = True
            cc.max_age = SHORT_CACHE
            cc.no_cache = None
        return response
