"""Progress and attendance of many enrollments at once, computed in SQL (grouped
statements whose number does not depend on how many enrollments there are).

Progress follows the learning engine's rule (``lms.learning.services.module_states``):
the share, in whole percent rounded down, of the course's active modules that are
done: a lesson completed, a quiz with a passed submitted attempt, a practical whose
latest current sign-off passed. Attendance follows ``services.attendance_summary``:
ended, not-cancelled sessions of the course the trainee was booked on; excused ones
left out; present counts the whole session, late and early leave the minutes
recorded (at most the session), absent or unrecorded nothing. Tests hold both equal
to the per-trainee functions.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sqlalchemy as sa
from sqlalchemy import select

from lms.core.db import utcnow
from lms.core.ratio import percent_floor
from lms.extensions import db
from lms.labs.models import Attendance, Booking, LabSession, PracticalSignoff


# --------------------------------------------------------------------------- progress

def _done_modules(enrollment_ids):
    """A select of (enrollment_id, module_id) for every done active module of the
    enrollments whose ids ``enrollment_ids`` (a select of ids) yields."""
    from lms.catalog.models import Module
    from lms.learning.models import ModuleProgress as MP
    from lms.learning.models import QuizAttempt as QA

    PS = PracticalSignoff
    lessons = (select(MP.enrollment_id, MP.module_id).join(Module, Module.id == MP.module_id)
               .where(MP.enrollment_id.in_(enrollment_ids), MP.status == "completed",
                      Module.kind.not_in(("quiz", "practical")), Module.retired_at.is_(None)))
    quizzes = (select(QA.enrollment_id, QA.module_id).join(Module, Module.id == QA.module_id)
               .where(QA.enrollment_id.in_(enrollment_ids), QA.submitted_at.is_not(None), QA.passed.is_(True),
                      Module.kind == "quiz", Module.retired_at.is_(None)))
    newer = sa.orm.aliased(PS)
    ranked = (select(PS.enrollment_id, PS.module_id, PS.outcome,
                     sa.func.row_number().over(partition_by=(PS.enrollment_id, PS.module_id),
                                               order_by=(PS.created_at.desc(), PS.id.desc())).label("rn"))
              .where(PS.enrollment_id.in_(enrollment_ids), ~sa.exists().where(newer.supersedes_id == PS.id))
              .subquery())
    practicals = (select(ranked.c.enrollment_id, ranked.c.module_id).join(Module, Module.id == ranked.c.module_id)
                  .where(ranked.c.rn == 1, ranked.c.outcome == "passed", Module.kind == "practical",
                         Module.retired_at.is_(None)))
    return sa.union(lessons, quizzes, practicals)


def progress_select(enrollment_ids):
    """A subquery of (enrollment_id, course_id, percent) for the enrollments ``enrollment_ids``
    (a select of ids) yields; percent is an integer 0-100 computed in SQL."""
    from lms.catalog.models import Module
    from lms.learning.models import Enrollment

    done = _done_modules(enrollment_ids).subquery()
    done_counts = (select(done.c.enrollment_id, sa.func.count().label("done"))
                   .group_by(done.c.enrollment_id).subquery())
    totals = (select(Module.course_id, sa.func.count().label("total")).where(Module.retired_at.is_(None))
              .group_by(Module.course_id).subquery())
    percent = sa.case((totals.c.total > 0, sa.func.coalesce(done_counts.c.done, 0) * 100 // totals.c.total), else_=0)
    return (select(Enrollment.id.label("enrollment_id"), Enrollment.course_id, percent.label("percent"))
            .outerjoin(totals, totals.c.course_id == Enrollment.course_id)
            .outerjoin(done_counts, done_counts.c.enrollment_id == Enrollment.id)
            .where(Enrollment.id.in_(enrollment_ids))
            .subquery())


def progress_of(enrollment_ids) -> dict[int, int]:
    """{enrollment id: progress percent 0-100} in one statement. ``enrollment_ids`` is a
    list of ids or a select of ids."""
    if isinstance(enrollment_ids, (list, tuple, set)):
        if not enrollment_ids:
            return {}
        enrollment_ids = list(enrollment_ids)
    p = progress_select(enrollment_ids)
    return {eid: int(pct) for eid, pct in db.session.execute(select(p.c.enrollment_id, p.c.percent))}


# --------------------------------------------------------------------------- attendance

def _session_minutes():
    """SQL for a session's length in whole minutes, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        span = sa.extract("epoch", LabSession.ends_at - LabSession.starts_at) / 60
    else:
        span = (sa.func.julianday(LabSession.ends_at) - sa.func.julianday(LabSession.starts_at)) * 1440
    return sa.cast(sa.func.round(span), sa.Integer)


def attendance_rows(enrollment_ids, now):
    """(enrollment_id, scheduled minutes, attended minutes) per booked, ended, not-cancelled
    and not excused session of each enrollment's course."""
    from lms.catalog.models import Module
    from lms.learning.models import Enrollment

    length = _session_minutes()
    attended = sa.case(
        (Attendance.status == "present", length),
        (Attendance.status.in_(("late", "early_leave")),
         sa.case((Attendance.minutes > length, length), (Attendance.minutes < 0, 0), else_=Attendance.minutes)),
        else_=0)
    return (select(Enrollment.id.label("enrollment_id"), length.label("scheduled"), attended.label("attended"))
            .join(Booking, sa.and_(Booking.user_id == Enrollment.user_id, Booking.status == "booked"))
            .join(LabSession, LabSession.id == Booking.session_id)
            .join(Module, sa.and_(Module.id == LabSession.module_id, Module.course_id == Enrollment.course_id))
            .outerjoin(Attendance, sa.and_(Attendance.session_id == LabSession.id,
                                           Attendance.user_id == Booking.user_id))
            .where(Enrollment.id.in_(enrollment_ids), LabSession.cancelled_at.is_(None), LabSession.ends_at <= now,
                   sa.or_(Attendance.status.is_(None), Attendance.status != "excused"))
            .subquery())


@dataclass(frozen=True)
class Minutes:
    """Scheduled and attended minutes; ``rate`` is the exact share (None when nothing was scheduled)."""

    scheduled: int = 0
    attended: int = 0

    @property
    def rate(self) -> Fraction | None:
        return Fraction(self.attended, self.scheduled) if self.scheduled else None

    @property
    def percent(self) -> float | None:
        """For display only, rounded down to 0.1 like ``AttendanceSummary.percent``;
        thresholds compare ``rate`` (or ``lms.core.ratio.meets_percent``)."""
        return percent_floor(self.attended, self.scheduled)


def attendance_of(enrollment_ids) -> dict[int, Minutes]:
    """{enrollment id: Minutes} in one grouped statement (enrollments with no
    scheduled session are absent from the dict)."""
    if isinstance(enrollment_ids, (list, tuple, set)):
        if not enrollment_ids:
            return {}
        enrollment_ids = list(enrollment_ids)
    rows = attendance_rows(enrollment_ids, utcnow())
    stmt = (select(rows.c.enrollment_id, sa.func.sum(rows.c.scheduled), sa.func.sum(rows.c.attended))
            .group_by(rows.c.enrollment_id))
    return {eid: Minutes(int(s or 0), int(a or 0)) for eid, s, a in db.session.execute(stmt)}


def attendance_total(enrollment_ids) -> Minutes:
    """The summed Minutes of a set of enrollments (one statement)."""
    rows = attendance_rows(enrollment_ids, utcnow())
    s, a = db.session.execute(select(sa.func.sum(rows.c.scheduled), sa.func.sum(rows.c.attended))).one()
    return Minutes(int(s or 0), int(a or 0))
