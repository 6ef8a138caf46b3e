"""Opaque cursors for API lists (keyset pagination, newest first).

A cursor is the base64url form of ``lms.core.pagination``'s keyset cursor: clients
pass back ``next_cursor`` as ``cursor`` and must not look inside. One SELECT of
``limit + 1`` rows per page, whatever the size of the table.
"""
from __future__ import annotations

import base64
import binascii

from flask_babel import gettext as _

from lms.api.auth import ApiProblem
from lms.core.pagination import decode_cursor, keyset
from lms.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 100


def _open(cursor: str, size: int) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raw = ""
    if decode_cursor(raw, size) is None:
        raise ApiProblem("bad-request", _("cursor 값이 올바르지 않습니다. 이전 응답의 next_cursor를 그대로 보내 주세요."),
                         status=400)
    return raw


def _seal(raw: str | None) -> str | None:
    return base64.urlsafe_b64encode(raw.encode("ascii")).decode("ascii").rstrip("=") if raw else None


def page(stmt, key: tuple, args: dict, row_key) -> tuple[list, str | None]:
    """(items, next cursor or None) for ``args`` (``cursor``, ``limit``)."""
    limit = min(max(int(args.get("limit") or DEFAULT_LIMIT), 1), MAX_LIMIT)
    query = {"per_page": limit}
    if args.get("cursor"):
        query["after"] = _open(args["cursor"], len(key))
    p = keyset(db.session, stmt, key, query, per_page=limit, row_key=row_key)
    return p.items, _seal(p.next_cursor)
