"""Kept state behind the instructors' "sign-offs waiting" lists.

``Booking.awaiting_signoff`` is true exactly when the booking's enrollment has no
practical sign-off (of any outcome, current or superseded) for its session's module
and the trainee was not marked absent or excused at that session
(:func:`awaiting_expression` is the definition). It only moves when a booking, a
sign-off or an attendance row is written, so a flush hook keeps it, in the writer's
transaction, whatever code wrote them through the ORM:

- a new booking (or one moved to another session or enrollment) gets its flag set;
- a new sign-off sets the flags of that enrollment's bookings of the module's sessions;
- a new or changed attendance row sets the flag of that trainee's booking of the session.

Sign-offs are never deleted and a session never changes module. The pending lists
(``lms.labs.overview``) rank only the flagged bookings, which a partial index holds,
instead of every booking of every ended session. Loaders that write rows without the
ORM (the demo seed) call :func:`recount`; migration 0016 holds the same definition in
SQL; tests hold the kept flag equal to the definition after random writes.
"""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.labs.models import Attendance, Booking, LabSession, PracticalSignoff

# Attendance statuses after which a booking waits for no sign-off.
NOT_ASSESSED = ("absent", "excused")


def awaiting_expression():
    """SQL, correlated to ``bookings``: the flag's definition (a boolean expression)."""
    return sa.and_(
        Booking.enrollment_id.is_not(None),
        ~select(PracticalSignoff.id).join(LabSession, LabSession.module_id == PracticalSignoff.module_id)
        .where(LabSession.id == Booking.session_id, PracticalSignoff.enrollment_id == Booking.enrollment_id)
        .exists(),
        ~select(Attendance.id).where(Attendance.session_id == Booking.session_id, Attendance.user_id == Booking.user_id,
                                     Attendance.status.in_(NOT_ASSESSED)).exists())


def _refresh_statement(*where):
    """UPDATE setting the flag from its definition on the bookings ``where`` selects,
    touching only rows whose flag differs."""
    return (sa.update(Booking.__table__).where(*where, Booking.awaiting_signoff != awaiting_expression())
            .values(awaiting_signoff=awaiting_expression()))


def recount(session) -> int:
    """Set every booking's flag from its definition (one UPDATE); returns the rows
    changed. For loaders that write bookings, sign-offs or attendance without the ORM."""
    return session.execute(_refresh_statement()).rowcount or 0


def _changed(obj, *names) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[n].history.has_changes() for n in names)


@sa.event.listens_for(Session, "after_flush")
def _keep_flags(session, _flush_context) -> None:
    """After a flush that wrote bookings, sign-offs or attendance: one UPDATE of the
    flags of the bookings they touch (nothing when the flush wrote none of them)."""
    bookings, signoffs, marks = [], set(), set()
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Booking):
            if obj in session.new or _changed(obj, "session_id", "enrollment_id", "user_id"):
                bookings.append(obj)
        elif isinstance(obj, PracticalSignoff) and obj in session.new:
            signoffs.add((obj.enrollment_id, obj.module_id))
        elif isinstance(obj, Attendance) and (obj in session.new or _changed(obj, "status")):
            marks.add((obj.session_id, obj.user_id))
    if not (bookings or signoffs or marks):
        return
    parts = []
    if bookings:
        parts.append(Booking.id.in_([b.id for b in bookings]))
    for enrollment_id, module_id in signoffs:
        parts.append(sa.and_(Booking.enrollment_id == enrollment_id, Booking.session_id.in_(
            select(LabSession.id).where(LabSession.module_id == module_id))))
    by_session: dict[int, set[int]] = {}
    for session_id, user_id in marks:
        by_session.setdefault(session_id, set()).add(user_id)
    for session_id, user_ids in by_session.items():
        parts.append(sa.and_(Booking.session_id == session_id, Booking.user_id.in_(sorted(user_ids))))
    from lms.labs.kept_progress import lock_enrollments
    from lms.learning.models import Enrollment

    # Writers of one enrollment's sign-offs and attendance compute its flags one after
    # the other (PostgreSQL; see lock_enrollments).
    lock_enrollments(session, Enrollment.id.in_(select(Booking.enrollment_id).where(sa.or_(*parts))))
    session.connection().execute(_refresh_statement(sa.or_(*parts)))
    session.info["awaiting_flags_moved"] = True


@sa.event.listens_for(Session, "after_flush_postexec")
def _expire_flags(session, _flush_context) -> None:
    """Loaded bookings read the flag again from the database when next asked."""
    if session.info.pop("awaiting_flags_moved", False):
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Booking):
                session.expire(obj, ["awaiting_signoff"])
