"""Courses and their modules (lesson, quiz, practical), loaded from courses/."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, TimestampMixin, UTCDateTime
from lms.extensions import db

LEVELS = ("beginner", "intermediate", "advanced")
MODULE_KINDS = ("lesson", "quiz", "practical")


class Course(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "courses"

    code: Mapped[str] = mapped_column(sa.String(32), unique=True)  # e.g. SF101
    slug: Mapped[str] = mapped_column(sa.String(128), unique=True)  # folder name
    title_ko: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    summary_ko: Mapped[str] = mapped_column(sa.Text, default="")
    summary_en: Mapped[str] = mapped_column(sa.Text, default="")
    hours: Mapped[int] = mapped_column(default=0)
    level: Mapped[str] = mapped_column(sa.String(16), default="beginner", index=True)
    topic: Mapped[str] = mapped_column(sa.String(32), default="general", index=True)
    ncs_code: Mapped[str | None] = mapped_column(sa.String(32))
    pass_mark: Mapped[int] = mapped_column(default=60)  # percent, for quizzes
    valid_for_months: Mapped[int | None] = mapped_column()
    # {"lessons": "all", "quizzes": "all", "practicals": "all", "attendance_min_percent": 80}
    completion_rule: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    is_published: Mapped[bool] = mapped_column(default=True)
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))

    modules: Mapped[list["Module"]] = relationship(
        back_populates="course", order_by="Module.position", cascade="all, delete-orphan"
    )

    def title(self, locale: str = "ko") -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_ko

    def summary(self, locale: str = "ko") -> str:
        return self.summary_en if locale == "en" and self.summary_en else self.summary_ko

    @property
    def active_modules(self) -> list["Module"]:
        return [m for m in self.modules if m.retired_at is None]


class Module(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "modules"

    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    slug: Mapped[str] = mapped_column(sa.String(128))  # file stem, stable across syncs
    kind: Mapped[str] = mapped_column(sa.String(16))  # lesson | quiz | practical
    position: Mapped[int] = mapped_column(default=0)
    title_ko: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    hours: Mapped[float] = mapped_column(sa.Float, default=0)
    body_md: Mapped[str | None] = mapped_column(sa.Text)  # lessons
    # quiz: {"pass_mark": 60, "max_attempts": 3, "shuffle": true, "questions": [...]}
    # practical: {"equipment": [...], "checklist": [{"id": "...", "text_ko": "...", "text_en": "..."}]}
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    course: Mapped[Course] = relationship(back_populates="modules")

    __table_args__ = (sa.UniqueConstraint("course_id", "slug"),)

    def title(self, locale: str = "ko") -> str:
        return self.title_en if locale == "en" and self.title_en else self.title_ko
