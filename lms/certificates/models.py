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

    # Added by the certificates package: the SHA-256 of the English rendering
    # (computed on its first download) so an uploaded English PDF can be checked too.
    pdf_sha256_en: Mapped[str | None] = mapped_column(sa.String(64))

    __table_args__ = (
        sa.UniqueConstraint("year", "serial"),
        # Exactly one original certificate per enrollment: the database refuses a
        # second one even if two requests race past the application's row lock.
        # Re-issues (supersedes_id set) are chained by the unique supersedes_id.
        sa.Index("uq_certificates_original_enrollment", "enrollment_id", unique=True,
                 sqlite_where=sa.text("supersedes_id IS NULL"),
                 postgresql_where=sa.text("supersedes_id IS NULL")),
        sa.Index("ix_certificates_pdf_sha256", "pdf_sha256"),
        sa.Index("ix_certificates_pdf_sha256_en", "pdf_sha256_en"),
    )


class CertificateImage(db.Model):
    """Seal and logo images as they were when certificates were issued, by content hash.

    An institution may upload a new seal later; certificates keep the hash of the
    one they were issued with, so a re-render still gives identical bytes."""

    __tablename__ = "certificate_images"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    mime: Mapped[str] = mapped_column(sa.String(32), default="image/png")
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CertificateReminder(IdMixin, db.Model):
    """An expiry reminder sent for a certificate at a threshold (90/30/7 days): sent once."""

    __tablename__ = "certificate_reminders"

    certificate_id: Mapped[int] = mapped_column(sa.ForeignKey("certificates.id"), index=True)
    days_before: Mapped[int] = mapped_column()
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (sa.UniqueConstraint("certificate_id", "days_before"),)
