"""Kept state behind the cohort figures: ``Enrollment.progress_percent``.

The percent is ``lms.labs.figures.progress_select``'s (the learning engine's rule: the
share of the course's active modules done, in whole percent rounded down). Computing it
for every enrollment of a cohort of a thousand trainees reads tens of thousands of
progress rows, attempts and sign-offs per page view; keeping it on the enrollment lets
the cohort page and the instructor's cards read one small row per enrollment.

It moves only when one of these is written, and a flush hook sets it again, in the
writer's transaction, whatever code wrote them through the ORM:

- a module's progress row (added, or its status changed);
- a quiz attempt (added, or submitted, or its verdict changed);
- a practical sign-off (added; corrections are new rows);
- an enrollment (added, or moved to another course);
- a module (added, deleted, retired or brought back, moved, or its kind changed):
  every enrollment of its course.

On PostgreSQL the hook first locks the enrollments it recomputes (:func:`lock_enrollments`),
so concurrent writers of one enrollment's records never each miss the other's row.

Loaders that write rows without the ORM (the demo seed) call :func:`recount`;
migration 0016 backfills with the same rule in SQL; tests hold the kept percent
equal to ``progress_of`` after random writes.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.labs.figures import progress_select
from lms.labs.models import PracticalSignoff


def _set_statement(enrollment_ids):
    """UPDATE … FROM setting ``progress_percent`` of the enrollments ``enrollment_ids``
    (a select of ids) from the rule, touching only rows whose value differs."""
    from lms.learning.models import Enrollment

    t = Enrollment.__table__
    p = progress_select(enrollment_ids)
    return (sa.update(t).where(t.c.id == p.c.enrollment_id, t.c.progress_percent != p.c.percent)
            .values(progress_percent=p.c.percent))


def recount(session, course_id: int | None = None) -> int:
    """Set the kept percent of every enrollment (of ``course_id`` when given) from the
    rule in one UPDATE; returns the rows changed."""
    from lms.learning.models import Enrollment

    ids = select(Enrollment.id)
    if course_id is not None:
        ids = ids.where(Enrollment.course_id == course_id)
    return session.execute(_set_statement(ids)).rowcount or 0


def lock_enrollments(session, condition) -> None:
    """PostgreSQL: lock the enrollment rows ``condition`` selects, in id order, before a
    kept value is computed from their records. Two transactions writing records of one
    enrollment at once then compute one after the other, and the second statement's
    snapshot holds the first one's rows (read committed takes a snapshot per statement).
    SQLite lets one writer in at a time (BEGIN IMMEDIATE) and needs nothing."""
    from lms.learning.models import Enrollment

    if session.get_bind().dialect.name != "postgresql":
        return
    session.connection().execute(select(Enrollment.id).where(condition).order_by(Enrollment.id).with_for_update())


def _changed(obj, *names) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


@sa.event.listens_for(Session, "after_flush")
def _keep_percent(session, _flush_context) -> None:
    """After a flush that wrote what progress counts: one UPDATE of the enrollments
    it touches (nothing when it wrote none of them)."""
    from lms.catalog.models import Module
    from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt

    enrollments: set[int] = set()
    courses: set[int] = set()
    for obj in list(session.new) + list(session.dirty):
        new = obj in session.new
        if isinstance(obj, ModuleProgress) and (new or _changed(obj, "status", "module_id")):
            enrollments.add(obj.enrollment_id)
        elif isinstance(obj, QuizAttempt) and (new or _changed(obj, "submitted_at", "passed", "module_id")):
            enrollments.add(obj.enrollment_id)
        elif isinstance(obj, PracticalSignoff) and new:
            enrollments.add(obj.enrollment_id)
        elif isinstance(obj, Enrollment) and (new or _changed(obj, "course_id")):
            enrollments.add(obj.id)
        elif isinstance(obj, Module) and (new or _changed(obj, "retired_at", "course_id", "kind")):
            courses.add(obj.course_id)
            history = sa.inspect(obj).attrs.course_id.history
            courses.update(c for c in (history.deleted or ()) if c is not None)
    for obj in session.deleted:  # a module dropped by a course sync: the course's total moves
        if isinstance(obj, Module):
            courses.add(obj.course_id)
    enrollments.discard(None)
    courses.discard(None)
    if not (enrollments or courses):
        return
    lock_enrollments(session, Enrollment.id.in_(sorted(enrollments)))
    ids = select(Enrollment.id).where(sa.or_(Enrollment.id.in_(sorted(enrollments)),
                                             Enrollment.course_id.in_(sorted(courses))))
    session.connection().execute(_set_statement(ids))
    session.info["kept_progress_moved"] = True


@sa.event.listens_for(Session, "after_flush_postexec")
def _expire_percent(session, _flush_context) -> None:
    """Loaded enrollments read the percent again from the database when next asked."""
    from lms.learning.models import Enrollment

    if session.info.pop("kept_progress_moved", False):
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Enrollment):
                session.expire(obj, ["progress_percent"])
