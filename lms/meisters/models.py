"""Meister profiles, placements (파견) with their goals, on-site visits and visit photos.

A placement's occupancy runs from ``starts_on`` to its effective end: the
planned ``ends_on``, or the day it was closed when that came earlier; a
cancelled placement (never visited) occupies nobody. Visits
are evidence: never edited once the company's contact has confirmed them.
"""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db

# Fields of expertise besides the root technologies (뿌리기술, from the reference table).
EXPERTISE_FIELDS = ("plc", "mes_pop", "robot", "data", "safety", "quality")
MEISTER_STATUSES = ("recruited", "approved", "inactive")  # nobody is approved by default
PURPOSES = ("build_consulting", "tech_support", "aftercare", "knowhow")  # 구축 컨설팅, 기술지원, 사후관리, 노하우 전수
ACTIVITY_TYPES = ("diagnosis", "consulting", "tech_support", "training", "follow_up")
GOAL_OUTCOMES = ("achieved", "partly", "not_achieved")

meister_fields = sa.Table(
    "meister_fields",
    db.metadata,
    sa.Column("profile_id", sa.ForeignKey("meister_profiles.id"), primary_key=True),
    sa.Column("field", sa.String(16), primary_key=True),
)

meister_root_technologies = sa.Table(
    "meister_root_technologies",
    db.metadata,
    sa.Column("profile_id", sa.ForeignKey("meister_profiles.id"), primary_key=True),
    sa.Column("root_technology_code", sa.ForeignKey("root_technologies.code"), primary_key=True),
)

meister_regions = sa.Table(
    "meister_regions",
    db.metadata,
    sa.Column("profile_id", sa.ForeignKey("meister_profiles.id"), primary_key=True),
    sa.Column("region_code", sa.ForeignKey("regions.code"), primary_key=True, index=True),
)


class MeisterProfile(IdMixin, TimestampMixin, db.Model):
    """A meister: the account (role ``meister``) plus what they bring and when they can work."""

    __tablename__ = "meister_profiles"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), unique=True)
    former_company: Mapped[str] = mapped_column(sa.String(128))  # the large company they retired from
    years_experience: Mapped[int] = mapped_column()
    days_per_week: Mapped[int] = mapped_column(default=2)  # availability
    available_from: Mapped[date | None] = mapped_column(sa.Date)
    available_until: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(16), default="recruited", index=True)
    recruited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    deactivated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User", foreign_keys=[user_id])
    regions = relationship("Region", secondary=meister_regions, order_by="Region.code")
    root_technologies = relationship("RootTechnology", secondary=meister_root_technologies,
                                     order_by="RootTechnology.code")

    @property
    def fields(self) -> list[str]:
        """The non-root fields of expertise, in EXPERTISE_FIELDS order (one query)."""
        got = set(db.session.execute(
            sa.select(meister_fields.c.field).where(meister_fields.c.profile_id == self.id)).scalars())
        return [f for f in EXPERTISE_FIELDS if f in got]


class Placement(IdMixin, TimestampMixin, db.Model):
    """A meister placed with a company for a period (파견)."""

    __tablename__ = "placements"

    meister_id: Mapped[int] = mapped_column(sa.ForeignKey("meister_profiles.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(32))
    starts_on: Mapped[date] = mapped_column(sa.Date)
    ends_on: Mapped[date] = mapped_column(sa.Date)
    level_at_start_code: Mapped[str | None] = mapped_column(sa.ForeignKey("smart_factory_levels.code"))
    contact_name: Mapped[str] = mapped_column(sa.String(64))
    contact_email: Mapped[str] = mapped_column(sa.String(255))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    closed_on: Mapped[date | None] = mapped_column(sa.Date)
    level_at_end_code: Mapped[str | None] = mapped_column(sa.ForeignKey("smart_factory_levels.code"))
    closing_summary: Mapped[str] = mapped_column(sa.Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A placement entered by mistake or withdrawn before any visit: it occupies nobody.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancel_reason: Mapped[str] = mapped_column(sa.Text, default="")

    meister: Mapped[MeisterProfile] = relationship()
    company = relationship("Company")
    level_at_start = relationship("SmartFactoryLevel", foreign_keys=[level_at_start_code])
    level_at_end = relationship("SmartFactoryLevel", foreign_keys=[level_at_end_code])
    goals: Mapped[list["PlacementGoal"]] = relationship(back_populates="placement", order_by="PlacementGoal.position")

    __table_args__ = (sa.Index("ix_placements_meister_period", "meister_id", "starts_on", "ends_on"),)

    @property
    def effective_end(self) -> date:
        """The last day the placement occupies the meister."""
        if self.closed_on is not None and self.closed_on < self.ends_on:
            return self.closed_on
        return self.ends_on

    @property
    def is_closed(self) -> bool:
        return self.closed_on is not None


def effective_end_sql():
    """SQL twin of Placement.effective_end."""
    return sa.case((sa.and_(Placement.closed_on.is_not(None), Placement.closed_on < Placement.ends_on),
                    Placement.closed_on), else_=Placement.ends_on)


class PlacementGoal(IdMixin, db.Model):
    """A goal agreed with the company; judged one by one when the placement closes."""

    __tablename__ = "placement_goals"

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(sa.String(500))
    outcome: Mapped[str | None] = mapped_column(sa.String(16))  # None until the placement closes
    outcome_note: Mapped[str] = mapped_column(sa.Text, default="")

    placement: Mapped[Placement] = relationship(back_populates="goals")


class Visit(IdMixin, db.Model):
    """One on-site visit logged by the meister; the company's contact confirms it."""

    __tablename__ = "placement_visits"

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    visited_on: Mapped[date] = mapped_column(sa.Date)
    minutes: Mapped[int] = mapped_column()  # exact; hours are shown as minutes / 60
    activity: Mapped[str] = mapped_column(sa.String(32))
    done: Mapped[str] = mapped_column(sa.Text)
    issues: Mapped[str] = mapped_column(sa.Text, default="")
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirm_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_email: Mapped[str | None] = mapped_column(sa.String(255))
    # The contact says the record is wrong (instead of confirming), with what differs.
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dispute_note: Mapped[str] = mapped_column(sa.Text, default="")

    placement: Mapped[Placement] = relationship()
    photos: Mapped[list["VisitPhoto"]] = relationship(back_populates="visit", order_by="VisitPhoto.id")


class VisitPhoto(IdMixin, db.Model):
    """A photo taken as evidence: re-encoded JPEG without EXIF (no location, no device)."""

    __tablename__ = "placement_visit_photos"

    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("placement_visits.id"), index=True)
    content: Mapped[bytes] = mapped_column(sa.LargeBinary)
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    visit: Mapped[Visit] = relationship(back_populates="photos")


class OnsiteClass(IdMixin, db.Model):
    """A short class the meister runs at the placement's company for its operators
    (현장 교육): a start and an end instant (typed in Korean time), a topic and
    optionally the course it prepares for. Its attendees are the company's trainees."""

    __tablename__ = "onsite_classes"

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placements.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    topic: Mapped[str] = mapped_column(sa.String(200))
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    placement: Mapped[Placement] = relationship()
    course = relationship("Course")

    @property
    def minutes(self) -> int:
        return int(round((self.ends_at - self.starts_at).total_seconds() / 60))


class OnsiteAttendee(IdMixin, db.Model):
    """A trainee enrolled in an on-site class, with their attendance once recorded
    (``status`` None until then; the lab statuses and minute rules of lms.labs.attendance)."""

    __tablename__ = "onsite_class_attendees"

    class_id: Mapped[int] = mapped_column(sa.ForeignKey("onsite_classes.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str | None] = mapped_column(sa.String(16))
    minutes: Mapped[int] = mapped_column(default=0)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    onsite_class: Mapped[OnsiteClass] = relationship()
    user = relationship("User", foreign_keys=[user_id])

    __table_args__ = (sa.UniqueConstraint("class_id", "user_id"),)
