"""The access log of personal data (개인정보처리시스템 접속기록, PIPA safety-measures
standard Art. 8), kept apart from the audit log.

Every view, change, export, download or deletion of a trainee's personal data by
staff (instructor, ministry, admin, meister) is one row: account, time (UTC),
remote address, data subjects (user ids, at most ``SUBJECT_LIMIT`` of them, with
the total count and a description of the query for lists and exports), action,
endpoint and, for exports, the reason given.

Views call :func:`log_access` (it only notes the entry on ``g``); after the view
answered successfully the ``after_request`` hook appends the entries in a short
transaction of their own and commits. If the write fails the response becomes a
500: nothing is handed out that was not logged. A trainee looking at their own
data writes nothing.

Append-only: the app has no update or delete of these rows, migration 0010 adds a
database trigger that refuses UPDATE and DELETE (PostgreSQL and SQLite), and every
row carries ``row_hash = sha256(previous row_hash + canonical content)``.
:func:`verify` (``flask access-log verify``) walks the chain and reports the first
row that does not match. Writers are serialised (a transaction-scoped advisory
lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so the chain stays linear.
Rows older than two years may be purged (``lms/core/retention.py``): the purge
first stores a checkpoint (last purged id and hash), which is where verification
then starts and which the trigger reads to allow exactly those deletes.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Iterable, Sequence

import sqlalchemy as sa
from flask import g, has_request_context, request
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.extensions import db

STAFF_ROLES = ("instructor", "ministry", "admin", "meister")
ACTIONS = ("view", "change", "export", "download", "delete")
GENESIS = "0" * 64
SUBJECT_LIMIT = 500  # ids kept per row; lists and exports beyond it keep the count and the query
RETENTION_MONTHS = 24  # Art. 8: at least two years (never shortened by the purge)
_PG_LOCK_KEY = 0x4C4D535F41434C  # "LMS_ACL": the advisory lock serialising chain writers


class AccessLogEntry(IdMixin, db.Model):
    """One access to personal data. Rows are only ever added (and purged after two years)."""

    __tablename__ = "access_log"

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(index=True)  # no FK: the log outlives accounts
    actor_email: Mapped[str] = mapped_column(sa.String(255), default="")
    actor_role: Mapped[str] = mapped_column(sa.String(16), default="")
    remote_addr: Mapped[str] = mapped_column(sa.String(64), default="")
    action: Mapped[str] = mapped_column(sa.String(16), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(128), default="")
    path: Mapped[str] = mapped_column(sa.String(255), default="")
    subject_ids: Mapped[str] = mapped_column(sa.Text, default="")  # ",3,17,42," (searchable with LIKE)
    subject_count: Mapped[int] = mapped_column(default=0)
    description: Mapped[str] = mapped_column(sa.String(255), default="")
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    row_hash: Mapped[str] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.Index("ix_access_log_created_id", "created_at", "id"),
        {"sqlite_autoincrement": True},  # ids never reused, even after a purge
    )

    @property
    def subjects(self) -> list[int]:
        return [int(x) for x in self.subject_ids.split(",") if x]


class AccessLogCheckpoint(IdMixin, db.Model):
    """Where the chain continues after a purge: the last purged row's id and hash."""

    __tablename__ = "access_log_checkpoints"

    upto_id: Mapped[int] = mapped_column()
    upto_hash: Mapped[str] = mapped_column(sa.String(64))
    purged: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


# ------------------------------------------------------------------ hashing (pure)

HASHED = ("created_at", "actor_id", "actor_email", "actor_role", "remote_addr", "action", "endpoint", "path",
          "subject_ids", "subject_count", "description", "reason")


def canonical(fields: dict) -> str:
    """The hashed content of a row: the HASHED fields as compact JSON, in a fixed order."""
    values = []
    for name in HASHED:
        v = fields.get(name)
        if isinstance(v, datetime):
            v = v.astimezone(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")
        values.append(v)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"))


def chain_hash(prev_hash: str, fields: dict) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def _fields(row) -> dict:
    return {name: getattr(row, name) for name in HASHED}


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_id: int | None = None
    start_hash: str = GENESIS


def verify_rows(rows: Iterable, prev_hash: str = GENESIS) -> tuple[int, int | None, str]:
    """(rows checked, id of the first row whose hash does not follow, last good hash)."""
    checked = 0
    for row in rows:
        expected = chain_hash(prev_hash, _fields(row))
        if expected != row.row_hash:
            return checked, row.id, prev_hash
        prev_hash = row.row_hash
        checked += 1
    return checked, None, prev_hash


# ------------------------------------------------------------------ writing

def _subject_text(ids: Sequence[int]) -> str:
    kept = sorted({int(i) for i in ids if i is not None})[:SUBJECT_LIMIT]
    return "," + ",".join(str(i) for i in kept) + "," if kept else ""


def is_staff(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.role in STAFF_ROLES)


def log_access(action: str, subjects: Iterable[int] = (), *, count: int | None = None, description: str = "",
               reason: str | None = None, actor=None) -> bool:
    """Note an access to personal data in this request; written after a successful answer.

    ``subjects``: the user ids whose data is shown or handed out (a list page: the
    page's rows); ``count``: how many people or rows in all (defaults to the ids);
    ``description``: the query for lists and exports; ``reason``: the export reason
    (defaults to the one :mod:`lms.core.export_reason` took for this request).
    Nothing is noted for non-staff actors or when every subject is the actor."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access-log action: {action}")
    if actor is None:
        from flask_login import current_user

        actor = current_user
    if not is_staff(actor):
        return False
    ids = [int(i) for i in subjects if i is not None]
    entry = dict(actor_id=actor.id, actor_email=actor.email or "", actor_role=actor.role, action=action,
                 subject_ids=_subject_text(ids), subject_count=len(set(ids)) if count is None else int(count),
                 description=(description or "")[:255],
                 reason=((reason if reason is not None else g.get("export_reason", "")) or "")[:300])
    if has_request_context():
        entry.update(remote_addr=(request.remote_addr or "")[:64], endpoint=(request.endpoint or "")[:128],
                     path=request.path[:255])
        g.setdefault("access_log_pending", []).append(entry)
    else:
        append(db.session, **entry)
    return True


def _lock(session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})


def _head_hash(session) -> str:
    """The hash the next row chains to: the last row's, else the last checkpoint's, else GENESIS (one statement)."""
    last_row = sa.select(AccessLogEntry.row_hash).order_by(AccessLogEntry.id.desc()).limit(1).scalar_subquery()
    last_cp = (sa.select(AccessLogCheckpoint.upto_hash).order_by(AccessLogCheckpoint.id.desc()).limit(1)
               .scalar_subquery())
    return session.execute(sa.select(sa.func.coalesce(last_row, last_cp, GENESIS))).scalar_one()


def append(session, **fields) -> AccessLogEntry:
    """Append one row to the chain (flushes; the caller commits, which releases the lock)."""
    _lock(session)
    fields.setdefault("created_at", utcnow())
    for name in ("actor_email", "actor_role", "remote_addr", "endpoint", "path", "subject_ids", "description",
                 "reason"):
        fields[name] = fields.get(name) or ""
    fields.setdefault("subject_count", 0)
    fields.setdefault("actor_id", None)
    fields["row_hash"] = chain_hash(_head_hash(session), fields)
    row = AccessLogEntry(**fields)
    session.add(row)
    session.flush()
    return row


def _write_pending(response):
    pending = g.pop("access_log_pending", None)
    if not pending or response.status_code >= 400:
        return response
    session = db.session()
    for entry in pending:
        append(session, **entry)
    # The answer is rendered: nothing needs reloading after this commit (and expiring every
    # loaded object would only cost statements to whoever uses the session next).
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()  # a failure here makes the answer a 500: nothing leaves unlogged
    finally:
        session.expire_on_commit = keep
    return response


def _forget_pending() -> None:
    """A request starts with nothing noted (``g`` can outlive a request in tests)."""
    g.pop("access_log_pending", None)
    g.pop("export_reason", None)


def init_app(app) -> None:
    app.before_request(_forget_pending)
    app.after_request(_write_pending)


# ------------------------------------------------------------------ reading

def verify(session, batch: int = 1000) -> VerifyResult:
    """Walk the chain from the last checkpoint (or the start) in id order."""
    cp = session.execute(sa.select(AccessLogCheckpoint).order_by(AccessLogCheckpoint.id.desc()).limit(1)).scalar()
    after, prev = (cp.upto_id, cp.upto_hash) if cp else (0, GENESIS)
    result = VerifyResult(ok=True, checked=0, start_hash=prev)
    while True:
        rows = list(session.execute(sa.select(AccessLogEntry).where(AccessLogEntry.id > after)
                                    .order_by(AccessLogEntry.id).limit(batch)).scalars())
        if not rows:
            return result
        checked, bad, prev = verify_rows(rows, prev)
        result.checked += checked
        if bad is not None:
            result.ok, result.first_bad_id = False, bad
            return result
        after = rows[-1].id


def search_query(*, actor: str = "", subject_id: int | None = None, action: str = "",
                 start: datetime | None = None, end: datetime | None = None):
    """The access-log rows matching the admin search (unordered select)."""
    from lms.core.pagination import like_pattern

    stmt = sa.select(AccessLogEntry)
    if actor:
        stmt = stmt.where(sa.func.lower(AccessLogEntry.actor_email).like(like_pattern(actor), escape="\\"))
    if subject_id is not None:
        stmt = stmt.where(AccessLogEntry.subject_ids.like(f"%,{int(subject_id)},%"))
    if action in ACTIONS:
        stmt = stmt.where(AccessLogEntry.action == action)
    if start is not None:
        stmt = stmt.where(AccessLogEntry.created_at >= start)
    if end is not None:
        stmt = stmt.where(AccessLogEntry.created_at < end)
    return stmt
