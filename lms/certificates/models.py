"""Certificates and their per-year number counters."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.extensions import db


class CertificateCounter(db.Model):
    """The last serial used in a year; locked row gives gap-free numbers."""

    __tablename__ = "certificate_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_serial: Mapped[int] = mapped_column(default=0)


class Certificate(IdMixin, db.Model):
    __tablename__ = "certificates"

    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)  # 2026-000123
    year: Mapped[int] = mapped_column()
    serial: Mapped[int] = mapped_column()
    verification_code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # What was true at issue: name, birth date, company, course titles, hours,
    # period, institution, head, completion date. Later edits never change it.
    snapshot: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(sa.Text)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("certificates.id"), unique=True)
    pdf_sha256: Mapped[str | None] = mapped_column(sa.String(64))

    enrollment = relationship("Enrollment")
    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    institution = relationship("Institution")
    supersedes = relationship("Certificate", remote_side="Certificate.id", foreign_keys=[supersedes_id])

    __table_args__ = (sa.UniqueConstraint("year", "serial"),)
