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
    """A subquery of (enrollment_id, course_id, cohort_id, percent) for the enrollments ``enrollment_ids``
    (a select of ids) yields; percent is an integer 0-100 computed in SQL."""
    from lms.catalog.models import Module
    from lms.learning.models import Enrollment

    done = _done_modules(enrollment_ids).subquery()
    done_counts = (select(done.c.enrollment_id, sa.func.count().label("done"))
                   .group_by(done.c.enrollment_id).subquery())
    totals = (select(Module.course_id, sa.func.count().label("total")).where(Module.retired_at.is_(None))
              .group_by(Module.course_id).subquery())
    percent = sa.case((totals.c.total > 0, sa.func.coalesce(done_counts.c.done, 0) * 100 // totals.c.total), else_=0)
    return (select(Enrollment.id.label("enrollment_id"), Enrollment.course_id, Enrollment.cohort_id,
                   percent.label("percent"))
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
    """(enrollment_id, cohort_id, scheduled minutes, attended minutes) per booked, ended, not-cancelled
    and not excused session of each enrollment's course."""
    from lms.catalog.models import Module
    from lms.learning.models import Enrollment

    length = _session_minutes()
    attended = sa.case(
        (Attendance.status == "present", length),
        (Attendance.status.in_(("late", "early_leave")),
         sa.case((Attendance.minutes > length, length), (Attendance.minutes < 0, 0), else_=Attendance.minutes)),
        else_=0)
    return (select(Enrollment.id.label("enrollment_id"), Enrollment.cohort_id, length.label("scheduled"),
                   attended.label("attended"))
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


# --------------------------------------------------------------------------- what stands between a trainee and completion

@dataclass
class Gaps:
    """What an active enrollment still needs under its course's completion rule: modules
    left per kind (counts), and the attendance when the rule sets a minimum that is not met
    (``attendance`` None when attendance is not required or already met)."""

    lessons: int = 0
    quizzes: int = 0
    practicals: int = 0
    attendance: Minutes | None = None
    attendance_required: int | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.lessons or self.quizzes or self.practicals or self.attendance is not None)


def completion_gaps(enrollments) -> dict[int, Gaps]:
    """{enrollment id: Gaps} for ``enrollments`` (loaded, with their course) in three
    statements whatever their number: done modules by kind, active modules by course and
    kind, attendance minutes. Follows ``lms.learning.services.completion_status``
    (rule keys lessons / quizzes / practicals / attendance_min_percent) and is held equal to
    it by tests."""
    from lms.catalog.models import Module
    from lms.core.ratio import meets_percent
    from lms.learning.services import required_count

    enrollments = list(enrollments)
    if not enrollments:
        return {}
    ids = [e.id for e in enrollments]
    done = _done_modules(ids).subquery()
    def family(kind: str) -> str:  # everything that is not a quiz or a practical counts as a lesson
        return kind if kind in ("quiz", "practical") else "lesson"

    done_by_kind: dict[tuple[int, str], int] = {}
    for eid, kind, count in db.session.execute(
            select(done.c.enrollment_id, Module.kind, sa.func.count()).join(Module, Module.id == done.c.module_id)
            .group_by(done.c.enrollment_id, Module.kind)):
        done_by_kind[(eid, family(kind))] = done_by_kind.get((eid, family(kind)), 0) + int(count)
    course_ids = {e.course_id for e in enrollments}
    totals: dict[tuple[int, str], int] = {}
    for cid, kind, count in db.session.execute(
            select(Module.course_id, Module.kind, sa.func.count()).where(Module.course_id.in_(course_ids),
                                                                         Module.retired_at.is_(None))
            .group_by(Module.course_id, Module.kind)):
        totals[(cid, family(kind))] = totals.get((cid, family(kind)), 0) + int(count)
    attendance = attendance_of(ids)
    out = {}
    for e in enrollments:
        rule = e.course.completion_rule or {}
        g = Gaps()
        for kind, key, attr in (("lesson", "lessons", "lessons"), ("quiz", "quizzes", "quizzes"),
                                ("practical", "practicals", "practicals")):
            need = required_count(rule, key, totals.get((e.course_id, kind), 0))
            setattr(g, attr, max(0, need - done_by_kind.get((e.id, kind), 0)))
        threshold = rule.get("attendance_min_percent")
        if totals.get((e.course_id, "practical"), 0) and threshold not in (None, "", 0, False):
            minutes = attendance.get(e.id, Minutes())
            if not minutes.scheduled or not meets_percent(minutes.attended, minutes.scheduled, int(threshold)):
                g.attendance, g.attendance_required = minutes, int(threshold)
        out[e.id] = g
    return out
