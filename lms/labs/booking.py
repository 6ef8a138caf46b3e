"""Lab sessions and bookings: scheduling, booking with a waiting list, cancelling
with promotion of the first waiting trainee.

No overbooking, ever: every change to a session's seats happens while holding
the session row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite already
serialises writers with ``BEGIN IMMEDIATE``) and ``LabSession.booked_count`` is
kept in step with the booked rows under that lock.

The invariants every function keeps (tests/labs/test_booking_state.py drives
random sequences against them):

- booked seats never exceed the capacity and ``booked_count`` equals the booked rows;
- only an active enrollment holds or gains a seat or waiting-list place on a session
  that has not started: withdrawing releases them all (``enrollment_withdrawn``
  signal) and a withdrawn trainee is never promoted;
- the waiting list is served first come first served, skipping only trainees who
  cannot take the seat (enrollment not active, or a booked seat at an overlapping
  time); a free seat never stays free while an eligible trainee waits;
- a trainee placed in a seat can give it back or was told why not before: seats
  can be given back until the cancellation cut-off; a seat given from the waiting
  list after the cut-off until the session starts; a trainee booking after the
  cut-off is told on the booking page that the seat is final (``booking_is_final``).
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lms.core.db import utcnow
from lms.core.outbox import send_mail
from lms.core.timeutil import span_text, to_kst
from lms.errors import CapacityError, Conflict, NotFound, PermissionDenied, ValidationError
from lms.extensions import db
from lms.labs.models import Booking, LabRoom, LabSession, SmartLab
from lms.labs.services import active_enrollment
from lms.learning.signals import enrollment_withdrawn

ACTIVE_STATUSES = ("booked", "waitlisted")
MAX_SESSION_HOURS = 24


def _cutoff() -> timedelta:
    return timedelta(hours=float(current_app.config.get("LAB_CANCEL_CUTOFF_HOURS", 24)))


def create_session(lab: SmartLab, *, room_id: int, module, starts_at: datetime, ends_at: datetime,
                   capacity: int, instructor=None, cohort=None) -> LabSession:
    """Schedule a session of a practical module in a room of ``lab``.

    Times are aware UTC instants; a session may cross midnight (22:00~01:00 KST)
    and lasts at most MAX_SESSION_HOURS. A room cannot hold two overlapping
    sessions (Conflict); the capacity cannot exceed the room's seats."""
    room = db.session.get(LabRoom, room_id)
    if room is None or room.lab_id != lab.id:
        raise ValidationError(_("이 스마트랩의 실습실을 골라 주세요."))
    if module is None or module.kind != "practical":
        raise ValidationError(_("실습 모듈만 세션으로 편성할 수 있습니다."))
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValueError("session times must be aware datetimes")
    if ends_at <= starts_at:
        raise ValidationError(_("종료 시각은 시작 시각보다 뒤여야 합니다."))
    if ends_at - starts_at > timedelta(hours=MAX_SESSION_HOURS):
        raise ValidationError(_("세션은 %(h)d시간을 넘을 수 없습니다. 종료일을 확인해 주세요.", h=MAX_SESSION_HOURS))
    if capacity < 1:
        raise ValidationError(_("정원은 1명 이상이어야 합니다."))
    if capacity > room.seats:
        raise ValidationError(_("정원이 실습실 좌석 수(%(seats)d석)보다 많습니다.", seats=room.seats))
    if instructor is not None and instructor.role not in ("instructor", "admin"):
        raise ValidationError(_("담당 교강사는 교강사 계정이어야 합니다."))
    # Lock the room row so two instructors scheduling at once cannot both pass the check.
    db.session.execute(select(LabRoom.id).where(LabRoom.id == room.id).with_for_update())
    clash = db.session.execute(
        select(LabSession).where(LabSession.room_id == room.id, LabSession.cancelled_at.is_(None),
                                 LabSession.starts_at < ends_at, LabSession.ends_at > starts_at)
    ).scalars().first()
    if clash is not None:
        raise Conflict(_("이 실습실에는 같은 시간에 다른 세션(%(start)s)이 있습니다.",
                         start=to_kst(clash.starts_at).strftime("%Y-%m-%d %H:%M")))
    session = LabSession(lab_id=lab.id, room_id=room.id, module_id=module.id, starts_at=starts_at, ends_at=ends_at,
                         capacity=capacity, booked_count=0, instructor_id=instructor.id if instructor else None,
                         cohort_id=cohort.id if cohort else None)
    db.session.add(session)
    db.session.flush()
    return session


def cancel_session(session: LabSession, actor) -> LabSession:
    """Cancel a whole session and tell everyone booked or waiting."""
    locked = lock_session(session.id)
    if locked.cancelled_at is not None:
        return locked
    locked.cancelled_at = utcnow()
    freed_users = []
    for b in _active_bookings(locked.id):
        if b.status == "booked":
            freed_users.append(b.user_id)
        b.status = "cancelled"
        b.cancelled_at = utcnow()
        send_mail(b.user.email, _("[스마트공장 아카데미] 실습 세션이 취소되었습니다"),
                  _("%(name)s님, %(when)s %(module)s 실습 세션이 취소되었습니다. 다른 세션을 예약해 주세요.",
                    name=b.user.name, when=_when(locked), module=locked.module.title_ko), kind="labs.session_cancelled")
    locked.booked_count = 0
    db.session.flush()
    for user_id in freed_users:
        _promote_where_now_free(user_id, locked)
    return locked


def lock_session(session_id: int) -> LabSession:
    """Load the session row under a write lock (FOR UPDATE) and refresh it."""
    s = db.session.execute(
        select(LabSession).where(LabSession.id == session_id).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if s is None:
        raise NotFound(_("세션을 찾을 수 없습니다."))
    return s


def _active_bookings(session_id: int) -> list[Booking]:
    return list(db.session.execute(
        select(Booking).where(Booking.session_id == session_id, Booking.status.in_(ACTIVE_STATUSES))
        .order_by(Booking.created_at, Booking.id)
    ).scalars())


def _overlapping_booking(user_id: int, session: LabSession) -> Booking | None:
    """A booked (not waitlisted) seat of the user in another session overlapping ``session``."""
    return db.session.execute(
        select(Booking).join(LabSession, LabSession.id == Booking.session_id)
        .where(Booking.user_id == user_id, Booking.status == "booked", LabSession.id != session.id,
               LabSession.cancelled_at.is_(None), LabSession.starts_at < session.ends_at,
               LabSession.ends_at > session.starts_at)
    ).scalars().first()


def _same_module_booking(user_id: int, session: LabSession) -> Booking | None:
    """The user's active booking (seat or waiting place) on another session of the same
    practical module that has not ended: one practical is booked once at a time."""
    return db.session.execute(
        select(Booking).join(LabSession, LabSession.id == Booking.session_id)
        .where(Booking.user_id == user_id, Booking.status.in_(ACTIVE_STATUSES), LabSession.id != session.id,
               LabSession.module_id == session.module_id, LabSession.cancelled_at.is_(None),
               LabSession.ends_at > utcnow())
    ).scalars().first()


def _when(session: LabSession) -> str:
    """``2026-03-31 09:00~13:00``, or with the end's date when it crosses midnight (KST)."""
    return span_text(session.starts_at, session.ends_at)


def upcoming_sessions(module) -> list[LabSession]:
    """Sessions of a practical module that have not started, soonest first."""
    return list(db.session.execute(
        select(LabSession).where(LabSession.module_id == module.id, LabSession.cancelled_at.is_(None),
                                 LabSession.starts_at > utcnow()).order_by(LabSession.starts_at)
    ).scalars())


def current_booking(user, session_id: int) -> Booking | None:
    """The user's booked or waitlisted booking on the session, if any."""
    return db.session.execute(
        select(Booking).where(Booking.session_id == session_id, Booking.user_id == user.id,
                              Booking.status.in_(ACTIVE_STATUSES))
    ).scalars().first()


def book(user, session_id: int) -> Booking:
    """Book ``user`` on a session: a seat while seats are left, else the waiting list.

    Raises NotFound for an unknown session, ValidationError for a started or cancelled
    session or a trainee not enrolled in the course, Conflict for a second booking of
    the same session, an active booking on another not-ended session of the same
    practical module, or a booked session at an overlapping time."""
    session = lock_session(session_id)
    if session.cancelled_at is not None:
        raise ValidationError(_("취소된 세션입니다."))
    if session.starts_at <= utcnow():
        raise ValidationError(_("이미 시작했거나 끝난 세션은 예약할 수 없습니다."))
    enrollment = active_enrollment(user, session.module.course_id)
    if enrollment is None or enrollment.status != "active":
        raise PermissionDenied(_("이 과정을 수강 중인 훈련생만 예약할 수 있습니다."))
    # Serialise this trainee's bookings in the course (the enrollment row), so two requests
    # cannot each take a session of the same practical.
    from lms.learning.models import Enrollment

    db.session.execute(select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update())
    if current_booking(user, session.id) is not None:
        raise Conflict(_("이미 이 세션을 예약(또는 대기)했습니다."))
    same = _same_module_booking(user.id, session)
    if same is not None:
        raise Conflict(_("이 실습은 이미 %(when)s 세션을 예약(또는 대기)했습니다. 다른 세션으로 바꾸려면 먼저 그 예약을 취소해 주세요.",
                         when=_when(same.session)))
    clash = _overlapping_booking(user.id, session)
    if clash is not None:
        raise Conflict(_("같은 시간에 예약한 다른 세션(%(when)s)이 있습니다.", when=_when(clash.session)))
    status = "booked" if session.booked_count < session.capacity else "waitlisted"
    b = Booking(session_id=session.id, user_id=user.id, enrollment_id=enrollment.id, status=status, created_at=utcnow())
    db.session.add(b)
    if status == "booked":
        session.booked_count += 1
    db.session.flush()
    return b


def cancel_booking(user, booking_id: int, *, by_staff: bool = False) -> Booking:
    """Cancel a booking before the cut-off (staff may cancel any time). A freed seat
    goes to the first trainee on the waiting list, who is told by mail."""
    b = db.session.get(Booking, booking_id)
    if b is None or (not by_staff and b.user_id != user.id):
        raise NotFound(_("예약을 찾을 수 없습니다."))
    session = lock_session(b.session_id)
    db.session.refresh(b)
    if b.status not in ACTIVE_STATUSES:
        raise Conflict(_("이미 취소된 예약입니다."))
    if not by_staff and not can_cancel(b):
        if session.starts_at <= utcnow():
            raise ValidationError(_("이미 시작한 세션의 예약은 취소할 수 없습니다."))
        raise ValidationError(_("세션 시작 %(hours)s시간 전까지만 취소할 수 있습니다.",
                                hours=f"{_cutoff().total_seconds() / 3600:g}"))
    _release(b, session)
    db.session.flush()
    return b


def _release(b: Booking, session: LabSession) -> None:
    """Cancel an active booking of the locked ``session``; a freed seat goes to the
    waiting list, and the trainee's own places elsewhere that the seat blocked are served."""
    was_booked = b.status == "booked"
    b.status = "cancelled"
    b.cancelled_at = utcnow()
    if was_booked:
        session.booked_count = max(0, session.booked_count - 1)
        promote_waiting(session)
        _promote_where_now_free(b.user_id, session)


def _promote_where_now_free(user_id: int, freed: LabSession) -> None:
    """After ``user_id`` gave up a seat in ``freed``: sessions overlapping it where the
    user waits behind a free seat (skipped because of that seat) are served again."""
    now = utcnow()
    ids = db.session.execute(
        select(LabSession.id).join(Booking, Booking.session_id == LabSession.id)
        .where(Booking.user_id == user_id, Booking.status == "waitlisted", LabSession.id != freed.id,
               LabSession.cancelled_at.is_(None), LabSession.starts_at > now,
               LabSession.starts_at < freed.ends_at, LabSession.ends_at > freed.starts_at,
               LabSession.booked_count < LabSession.capacity)
        .order_by(LabSession.id)
    ).scalars().all()
    for sid in ids:
        promote_waiting(lock_session(sid))


def release_enrollment(enrollment) -> list[Booking]:
    """Give back every seat and waiting-list place ``enrollment`` holds on sessions
    that have not started (a seat in a started or past session stays: it is the
    attendance record), promoting the next trainees waiting. Returns the bookings
    cancelled. Bookings made before enrollments were recorded on them (no
    ``enrollment_id``) count when they are the same trainee's in the same course."""
    from lms.catalog.models import Module

    now = utcnow()
    rows = db.session.execute(
        select(Booking.id, Booking.session_id).join(LabSession, LabSession.id == Booking.session_id)
        .join(Module, Module.id == LabSession.module_id)
        .where(Booking.status.in_(ACTIVE_STATUSES),
               sa.or_(Booking.enrollment_id == enrollment.id,
                      sa.and_(Booking.enrollment_id.is_(None), Booking.user_id == enrollment.user_id,
                              Module.course_id == enrollment.course_id)),
               sa.or_(LabSession.starts_at > now, Booking.status == "waitlisted"))
        .order_by(Booking.session_id, Booking.id)
    ).all()
    released = []
    for booking_id, session_id in rows:
        session = lock_session(session_id)  # in session id order: no lock cycles between two withdrawals
        b = db.session.get(Booking, booking_id)
        db.session.refresh(b)
        if b.status not in ACTIVE_STATUSES:
            continue
        if b.status == "booked" and session.starts_at <= now:
            continue
        _release(b, session)
        released.append(b)
    db.session.flush()
    return released


def _on_enrollment_withdrawn(sender, **_kwargs) -> None:
    """Signal receiver: learning withdrew ``sender`` (an Enrollment)."""
    release_enrollment(sender)


# Connected when this module is imported (the app imports it with the labs views),
# strongly, so the receiver lives as long as the process.
enrollment_withdrawn.connect(_on_enrollment_withdrawn, weak=False)


def promote_waiting(session: LabSession) -> list[Booking]:
    """Fill free seats from the waiting list, first come first served; call with the
    session locked. A trainee whose other booking now overlaps, or whose enrollment is
    no longer active, is skipped; a withdrawn one loses the place. Nothing happens once
    the session has started or was cancelled. Returns the bookings promoted."""
    promoted = []
    if session.starts_at <= utcnow() or session.cancelled_at is not None:
        return promoted
    for w in db.session.execute(
        select(Booking).where(Booking.session_id == session.id, Booking.status == "waitlisted")
        .order_by(Booking.created_at, Booking.id)
    ).scalars().all():
        if session.booked_count >= session.capacity:
            break
        status = _enrollment_status(w, session)
        if status == "withdrawn" or status is None:
            # A place held for nobody: a withdrawn (or vanished) enrollment never gets a seat.
            w.status, w.cancelled_at = "cancelled", utcnow()
            continue
        if status != "active" or _overlapping_booking(w.user_id, session) is not None:
            continue
        w.status = "booked"
        w.promoted_at = utcnow()
        session.booked_count += 1
        promoted.append(w)
        send_mail(w.user.email, _("[스마트공장 아카데미] 대기 중이던 실습 세션이 예약되었습니다"),
                  _("%(name)s님, 대기 중이던 %(module)s 실습 세션(%(when)s, %(room)s)에 자리가 나서 예약되었습니다. "
                    "참석이 어려우면 예약 목록에서 취소해 주세요.",
                    name=w.user.name, module=session.module.title_ko, when=_when(session), room=session.room.name_ko),
                  kind="labs.waitlist_promoted")
    db.session.flush()
    return promoted


def _enrollment_status(b: Booking, session: LabSession) -> str | None:
    """Status of the enrollment a booking was made under (or, for a booking without
    one, of the trainee's current enrollment in the course), None when there is none."""
    if b.enrollment is not None:
        return b.enrollment.status
    e = active_enrollment(b.user, session.module.course_id)
    return e.status if e is not None else None


def my_bookings(user) -> list[Booking]:
    """The user's bookings (booked, waitlisted and cancelled), newest session first, with
    each session's module, course, lab and room loaded in the same statement."""
    from sqlalchemy.orm import joinedload

    from lms.labs.overview import session_load_options

    return list(db.session.execute(
        select(Booking).join(LabSession, LabSession.id == Booking.session_id)
        .where(Booking.user_id == user.id).order_by(LabSession.starts_at.desc(), Booking.id.desc())
        .options(joinedload(Booking.session).options(*session_load_options()))
    ).unique().scalars())


def waitlist_positions(bookings) -> dict[int, int | None]:
    """{booking id: 1-based place on its session's waiting list, or None when not waiting}
    for many bookings in one statement (the rule of :func:`waitlist_position`)."""
    waiting = [b for b in bookings if b.status == "waitlisted"]
    out: dict[int, int | None] = {b.id: None for b in bookings}
    if not waiting:
        return out
    ranked = (select(Booking.id, sa.func.row_number().over(partition_by=Booking.session_id,
                                                            order_by=(Booking.created_at, Booking.id)).label("pos"))
              .where(Booking.session_id.in_({b.session_id for b in waiting}), Booking.status == "waitlisted")
              .subquery())
    out.update(db.session.execute(select(ranked.c.id, ranked.c.pos)
                                  .where(ranked.c.id.in_([b.id for b in waiting]))).tuples().all())
    return out


def waitlist_position(booking: Booking) -> int | None:
    """1-based position on the waiting list, or None when not waiting."""
    if booking.status != "waitlisted":
        return None
    ahead = db.session.execute(
        select(sa.func.count(Booking.id)).where(
            Booking.session_id == booking.session_id, Booking.status == "waitlisted",
            sa.or_(Booking.created_at < booking.created_at,
                   sa.and_(Booking.created_at == booking.created_at, Booking.id < booking.id)))
    ).scalar_one()
    return ahead + 1


def session_roster(session: LabSession) -> list[Booking]:
    """Booked trainees of a session (the attendance roster), by name."""
    from lms.accounts.models import User

    return list(db.session.execute(
        select(Booking).join(User, User.id == Booking.user_id)
        .where(Booking.session_id == session.id, Booking.status == "booked").order_by(User.name, User.id)
    ).scalars())


def waitlist(session: LabSession) -> list[Booking]:
    return list(db.session.execute(
        select(Booking).where(Booking.session_id == session.id, Booking.status == "waitlisted")
        .order_by(Booking.created_at, Booking.id)
    ).scalars())


def cancel_deadline(session: LabSession):
    """The last instant a trainee may give back a seat booked before it (aware UTC)."""
    return session.starts_at - _cutoff()


def booking_is_final(session: LabSession, now=None) -> bool:
    """Whether a seat booked now could not be given back (the cut-off has passed);
    the booking page says so next to the button before the trainee books."""
    return (now or utcnow()) > cancel_deadline(session)


def can_cancel(booking: Booking, now=None) -> bool:
    """Whether the trainee may give the booking back now.

    A waiting-list place: always. A seat: until the cut-off before the start. A seat
    the system gave from the waiting list after the cut-off had passed: until the
    session starts (nobody is put in a seat they cannot give back without being told
    first; a trainee booking after the cut-off is told by the booking page)."""
    if booking.status not in ACTIVE_STATUSES:
        return False
    if booking.status == "waitlisted":
        return True
    now = now or utcnow()
    deadline = cancel_deadline(booking.session)
    if now <= deadline:
        return True
    return (now < booking.session.starts_at and booking.promoted_at is not None
            and booking.promoted_at > deadline)


def assert_capacity(session: LabSession) -> None:
    """Sanity check used by tests and the CLI: booked_count equals the booked rows."""
    n = db.session.execute(select(sa.func.count(Booking.id)).where(
        Booking.session_id == session.id, Booking.status == "booked")).scalar_one()
    if n != session.booked_count or n > session.capacity:
        raise CapacityError(f"session {session.id}: {n} booked rows, count {session.booked_count}, "
                            f"capacity {session.capacity}")
