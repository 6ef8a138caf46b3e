"""The national target and frozen (closed) months of published statistics."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.extensions import db


class Target(IdMixin, db.Model):
    """The national target: ``target_count`` people certified by ``target_date``,
    counted from ``baseline_count`` at ``programme_start`` (the target line runs
    between those two points; admins set all four)."""

    __tablename__ = "targets"

    label_ko: Mapped[str] = mapped_column(sa.String(200), default="스마트공장 운영인력 10만명 양성")
    label_en: Mapped[str] = mapped_column(sa.String(200), default="100,000 smart-factory operators")
    target_count: Mapped[int] = mapped_column(default=100_000)
    target_date: Mapped[date] = mapped_column(sa.Date)
    programme_start: Mapped[date | None] = mapped_column(sa.Date)  # None: the default start (services)
    baseline_count: Mapped[int] = mapped_column(default=0, server_default="0")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class ClosedMonth(db.Model):
    """A published month: its figures are frozen here as JSON."""

    __tablename__ = "closed_months"

    month: Mapped[str] = mapped_column(sa.String(7), primary_key=True)  # YYYY-MM
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    figures: Mapped[dict] = mapped_column(sa.JSON, default=dict)
