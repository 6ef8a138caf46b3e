"""Enrollment of a trainee in a course, progress per module, quiz attempts."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.extensions import db

ENROLLMENT_STATUSES = ("active", "completed", "withdrawn")


class Enrollment(IdMixin, db.Model):
    __tablename__ = "enrollments"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    # Where the enrollment came from, so statistics split by programme,
    # institution and sponsor. All empty for a self-service online enrollment.
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programmes.id"), index=True)
    sponsor_company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="active", index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_module_id: Mapped[int | None] = mapped_column(sa.ForeignKey("modules.id"))
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A renewal creates a new enrollment pointing at the one it renews.
    renews_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrollments.id"))
    # Kept by lms.labs.kept_progress on every write that moves it: the share of the
    # course's active modules done, in whole percent rounded down (lms.labs.figures).
    progress_percent: Mapped[int] = mapped_column(default=0, server_default="0")

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    cohort = relationship("Cohort")
    programme = relationship("Programme")
    sponsor = relationship("Company")
    progress: Mapped[list["ModuleProgress"]] = relationship(back_populates="enrollment")


class ModuleProgress(IdMixin, db.Model):
    __tablename__ = "module_progress"

    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id"))
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="started")  # started | completed
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    enrollment: Mapped[Enrollment] = relationship(back_populates="progress")
    module = relationship("Module")

    __table_args__ = (sa.UniqueConstraint("enrollment_id", "module_id"),)


class QuizAttempt(IdMixin, db.Model):
    """One attempt at a quiz. Never edited after submission."""

    __tablename__ = "quiz_attempts"

    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # {question_id: [choice ids in the order shown]}
    choice_order: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)  # {question_id: [choice ids]}
    # The questions this attempt got, in the order shown (a subset of the bank when
    # the quiz draws); None on attempts older than the draw (they got every question).
    question_ids: Mapped[list | None] = mapped_column(sa.JSON)
    correct_count: Mapped[int | None] = mapped_column()  # questions answered exactly right
    score: Mapped[float | None] = mapped_column(sa.Float)  # percent 0-100, rounded down to 0.01: display only
    passed: Mapped[bool | None] = mapped_column()  # decided on correct_count / question_count exactly

    enrollment = relationship("Enrollment")
    module = relationship("Module")

    @property
    def drawn_ids(self) -> list[str]:
        """Question ids of this attempt in the order shown: the stored draw, else (older
        attempts) the questions whose choice order was stored when it began."""
        if self.question_ids is not None:
            return [str(q) for q in self.question_ids]
        return [str(q) for q in (self.choice_order or {})]

    @property
    def question_count(self) -> int:
        """How many questions the attempt was scored on."""
        return len(self.drawn_ids)


# --- Guard: a submitted quiz attempt is never changed -------------------------
# Services already refuse a second submission; this listener makes any other
# code path (an admin script, a careless fix) fail loudly instead of silently
# rewriting a grade.
from sqlalchemy import event as _sa_event  # noqa: E402
from sqlalchemy import inspect as _sa_inspect  # noqa: E402


@_sa_event.listens_for(QuizAttempt, "before_update")
def _refuse_changing_submitted_attempt(mapper, connection, target) -> None:
    state = _sa_inspect(target)
    submitted = state.attrs.submitted_at.history
    # Submitted before this flush: the old value (or the unchanged value) is set.
    was_submitted = bool(submitted.deleted and submitted.deleted[0] is not None) or (
        not submitted.has_changes() and target.submitted_at is not None
    )
    if not was_submitted:
        return
    changed = [a.key for a in state.attrs if a.history.has_changes()
               and a.key not in ("enrollment", "module")]
    if changed:
        raise ValueError(f"quiz attempt {target.id} was submitted and cannot be changed ({', '.join(changed)})")
