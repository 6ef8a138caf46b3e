"""Programmes, cohorts, smart labs, sessions, bookings, attendance, sign-offs."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db

PROGRAMME_KINDS = ("contract", "smart_lab", "online")
CONTRACT_TYPES = ("retraining", "hire", "early")  # 재교육형, 채용조건형, 조기취업형


class Programme(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "programmes"

    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    contract_type: Mapped[str | None] = mapped_column(sa.String(16))
    quota: Mapped[int | None] = mapped_column()
    is_active: Mapped[bool] = mapped_column(default=True)

    institution = relationship("Institution")
    sponsors = relationship("Company", secondary="programme_sponsors")
    cohorts: Mapped[list["Cohort"]] = relationship(back_populates="programme")


programme_sponsors = sa.Table(
    "programme_sponsors",
    db.metadata,
    sa.Column("programme_id", sa.ForeignKey("programmes.id"), primary_key=True),
    sa.Column("company_id", sa.ForeignKey("companies.id"), primary_key=True),
)

cohort_courses = sa.Table(
    "cohort_courses",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id"), primary_key=True),
    sa.Column("course_id", sa.ForeignKey("courses.id"), primary_key=True),
)

cohort_instructors = sa.Table(
    "cohort_instructors",
    db.metadata,
    sa.Column("cohort_id", sa.ForeignKey("cohorts.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class Cohort(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "cohorts"

    programme_id: Mapped[int] = mapped_column(sa.ForeignKey("programmes.id"), index=True)
    intake_year: Mapped[int] = mapped_column()
    term: Mapped[int] = mapped_column(default=1)  # 1학기 / 2학기
    label: Mapped[str] = mapped_column(sa.String(64))  # "2026-1기"
    starts_on: Mapped[date | None] = mapped_column(sa.Date)
    ends_on: Mapped[date | None] = mapped_column(sa.Date)

    programme: Mapped[Programme] = relationship(back_populates="cohorts")
    courses = relationship("Course", secondary=cohort_courses)
    instructors = relationship("User", secondary=cohort_instructors)
    members: Mapped[list["CohortMember"]] = relationship(back_populates="cohort")

    def can_manage(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if user.role == "admin":
            return True
        return user.role == "instructor" and any(i.id == user.id for i in self.instructors)


class CohortMember(IdMixin, db.Model):
    """A trainee on a cohort's roster, with the sponsor firm they came through."""

    __tablename__ = "cohort_members"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    sponsor_company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
    student_number: Mapped[str | None] = mapped_column(sa.String(32))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="members")
    user = relationship("User")
    sponsor = relationship("Company")

    __table_args__ = (sa.UniqueConstraint("cohort_id", "user_id"),)


lab_instructors = sa.Table(
    "lab_instructors",
    db.metadata,
    sa.Column("lab_id", sa.ForeignKey("smart_labs.id"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class SmartLab(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "smart_labs"

    institution_id: Mapped[int] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programmes.id"))
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200), default="")
    region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"))
    address: Mapped[str] = mapped_column(sa.String(255), default="")

    institution = relationship("Institution")
    rooms: Mapped[list["LabRoom"]] = relationship(back_populates="lab")
    equipment: Mapped[list["Equipment"]] = relationship(back_populates="lab")
    instructors = relationship("User", secondary=lab_instructors)

    def can_manage(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if user.role == "admin":
            return True
        return user.role == "instructor" and any(i.id == user.id for i in self.instructors)


class LabRoom(IdMixin, db.Model):
    __tablename__ = "lab_rooms"

    lab_id: Mapped[int] = mapped_column(sa.ForeignKey("smart_labs.id"), index=True)
    name_ko: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str] = mapped_column(sa.String(128), default="")
    seats: Mapped[int] = mapped_column(default=20)

    lab: Mapped[SmartLab] = relationship(back_populates="rooms")


EQUIPMENT_KINDS = ("plc_bench", "cobot", "mes_pop_station", "smt_line", "iot_kit", "other")


class Equipment(IdMixin, db.Model):
    __tablename__ = "equipment"

    lab_id: Mapped[int] = mapped_column(sa.ForeignKey("smart_labs.id"), index=True)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lab_rooms.id"))
    kind: Mapped[str] = mapped_column(sa.String(32))
    name: Mapped[str] = mapped_column(sa.String(128))
    quantity: Mapped[int] = mapped_column(default=1)

    lab: Mapped[SmartLab] = relationship(back_populates="equipment")
    room = relationship("LabRoom")


class LabSession(IdMixin, TimestampMixin, db.Model):
    __tablename__ = "lab_sessions"

    lab_id: Mapped[int] = mapped_column(sa.ForeignKey("smart_labs.id"), index=True)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("lab_rooms.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    cohort_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    instructor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column(default=20)
    booked_count: Mapped[int] = mapped_column(default=0)  # kept in step under a row lock
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checkin_secret: Mapped[str | None] = mapped_column(sa.String(64))

    lab = relationship("SmartLab")
    room = relationship("LabRoom")
    module = relationship("Module")
    cohort = relationship("Cohort")
    instructor = relationship("User")

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


BOOKING_STATUSES = ("booked", "waitlisted", "cancelled")


class Booking(IdMixin, db.Model):
    __tablename__ = "bookings"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("lab_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Kept by lms.labs.awaiting: no sign-off yet for this enrollment and the session's module.
    awaiting_signoff: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    session = relationship("LabSession")
    user = relationship("User")
    enrollment = relationship("Enrollment")

    __table_args__ = (
        # The few bookings still waiting for a sign-off, by session (the pending lists).
        sa.Index("ix_bookings_awaiting_signoff", "session_id", sqlite_where=sa.text("awaiting_signoff = 1"),
                 postgresql_where=sa.text("awaiting_signoff")),
    )


ATTENDANCE_STATUSES = ("present", "late", "early_leave", "absent", "excused")


class Attendance(IdMixin, db.Model):
    __tablename__ = "attendance"

    session_id: Mapped[int] = mapped_column(sa.ForeignKey("lab_sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16))
    minutes: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(sa.String(16), default="manual")  # manual | qr
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    session = relationship("LabSession")
    user = relationship("User", foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("session_id", "user_id"),)


class PracticalSignoff(IdMixin, db.Model):
    """An assessor's sign-off of a practical module. Never edited: a correction
    is a new row whose ``supersedes_id`` points at the one it replaces."""

    __tablename__ = "practical_signoffs"

    enrollment_id: Mapped[int] = mapped_column(sa.ForeignKey("enrollments.id"), index=True)
    module_id: Mapped[int] = mapped_column(sa.ForeignKey("modules.id"), index=True)
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lab_sessions.id"))
    assessor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    outcome: Mapped[str] = mapped_column(sa.String(16))  # passed | failed
    results: Mapped[list] = mapped_column(sa.JSON, default=list)  # [{"item": id, "passed": bool, "comment": str}]
    assessed_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    supersedes_id: Mapped[int | None] = mapped_column(sa.ForeignKey("practical_signoffs.id"), unique=True)
    # Where the trainee was assessed: "lab" (a smart lab, usually with ``session_id``) or
    # "workplace" (at the trainee's company, by a meister placed there: ``placement_id``,
    # lms.meisters.workplace). Both count toward completion in the same way.
    site: Mapped[str] = mapped_column(sa.String(16), default="lab", server_default="lab")
    placement_id: Mapped[int | None] = mapped_column(sa.ForeignKey("placements.id"), index=True)

    enrollment = relationship("Enrollment")
    module = relationship("Module")
    assessor = relationship("User")
    supersedes = relationship("PracticalSignoff", remote_side="PracticalSignoff.id")


class CohortInvitation(IdMixin, db.Model):
    """An existing account that belongs elsewhere, invited onto a cohort by a roster
    import. The person joins only by accepting (lms.labs.invitations); until then the
    cohort's staff see nothing of them. Single use: ``answered_at`` is set once, with
    ``accepted`` True or False. The mailed link carries a signed, expiring token whose
    secret is stored only as its SHA-256 digest."""

    __tablename__ = "cohort_invitations"

    cohort_id: Mapped[int] = mapped_column(sa.ForeignKey("cohorts.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    sponsor_company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
    student_number: Mapped[str | None] = mapped_column(sa.String(32))
    secret_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted: Mapped[bool | None] = mapped_column()

    cohort = relationship("Cohort")
    user = relationship("User", foreign_keys=[user_id])
    sponsor = relationship("Company")
