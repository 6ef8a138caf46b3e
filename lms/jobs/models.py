"""The ``jobs`` table: one row per piece of long work a person started.

The row is the record of the job (who, what, when, how far, how it ended) and holds
its result; the queue (RQ on Redis, or an in-process thread) only carries the id to
whoever runs it. Redis here keeps nothing on disk, so state never lives only there.

States: ``queued`` → ``running`` → ``succeeded`` | ``failed``; a retry puts a failed
job back to ``queued`` with ``attempts`` + 1. ``done``/``total`` count units of work
(rows, certificates, messages); ``total`` is None until the handler knows it.
"""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from lms.core.db import UTCDateTime, utcnow
from lms.extensions import db

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
STATES = (QUEUED, RUNNING, SUCCEEDED, FAILED)
FINISHED = (SUCCEEDED, FAILED)


def new_job_id() -> str:
    """32 hex characters from the OS's random source: a job's address is not guessable."""
    return secrets.token_hex(16)


class Job(db.Model):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_owner_created", "owner_id", "created_at"),
                      sa.Index("ix_jobs_status_heartbeat", "status", "heartbeat_at"))

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=new_job_id)
    kind: Mapped[str] = mapped_column(sa.String(64))
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the system's (mail delivery)
    institution_id: Mapped[int | None] = mapped_column(sa.Integer)  # scope of the work, for admins' reading
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    done: Mapped[int] = mapped_column(sa.Integer, default=0)
    total: Mapped[int | None] = mapped_column(sa.Integer)
    note: Mapped[str] = mapped_column(sa.String(255), default="")
    summary: Mapped[str] = mapped_column(sa.String(255), default="")
    error: Mapped[str] = mapped_column(sa.String(500), default="")  # the user's words, never a traceback
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    resumed_from: Mapped[int] = mapped_column(sa.Integer, default=0)  # ``done`` when this attempt started
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # of the current (or last) attempt
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result_url: Mapped[str] = mapped_column(sa.String(255), default="")
    result_name: Mapped[str] = mapped_column(sa.String(255), default="")
    result_mime: Mapped[str] = mapped_column(sa.String(100), default="")
    result_size: Mapped[int] = mapped_column(sa.Integer, default=0)
    result_data: Mapped[bytes | None] = deferred(mapped_column(sa.LargeBinary))
    # Who a downloaded result is about: {"subjects": [ids], "count": n, "description": str,
    # "reason": str}; the download writes it to the access log (lms.core.access_log).
    result_access: Mapped[dict | None] = mapped_column(sa.JSON)

    owner = relationship("User")

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def has_file(self) -> bool:
        return self.status == SUCCEEDED and bool(self.result_name)
