"""Kept state under concurrent writers (lms.labs.kept_progress, lms.labs.awaiting).

Two requests write records of one enrollment at the same moment, each committing for
real: a lesson finished on the trainee's phone while the instructor signs the practical
off, or an attendance correction while the sign-off is saved. The first writer has
flushed (its hook has run) and not yet committed when the second one flushes. Each kept
value must then equal its rule over *both* writers' rows: on PostgreSQL the hooks lock
the enrollment first, so the second statement runs after the first commit and reads its
rows; SQLite lets one writer in at a time. Without the lock the second writer's
statement reads a snapshot without the first writer's row, and the kept value misses it
(two lessons at once, and a sign-off followed by an attendance fix, fail so; the other
pairs are also serialised by the sign-off's own lock on the enrollment).
"""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.core.db import utcnow
from lms.extensions import db
from tests.labs.conftest import enrolled_trainee

HOLD_SECONDS = 0.8  # how long the first writer keeps its transaction open after flushing


def _interleave(app, first, second) -> list[BaseException]:
    """Run ``first`` then ``second`` in two threads with their own sessions: ``first``
    flushes and holds its transaction open while ``second`` runs and flushes; then both
    commit. Returns the exceptions raised."""
    flushed = threading.Event()
    errors: list[BaseException] = []

    def writer(step, wait_for=None, then=None, hold=0.0):
        with app.app_context():
            try:
                if wait_for is not None:
                    assert wait_for.wait(timeout=30)
                step()
                db.session.flush()
                if then is not None:
                    then.set()
                time.sleep(hold)
                db.session.commit()
            except BaseException as exc:  # re-raised by the caller's assertion
                db.session.rollback()
                errors.append(exc)
                flushed.set()
            finally:
                db.session.remove()

    a = threading.Thread(target=writer, args=(first, None, flushed, HOLD_SECONDS))
    b = threading.Thread(target=writer, args=(second, flushed))
    a.start()
    b.start()
    a.join(timeout=60)
    b.join(timeout=60)
    return errors


def _checklist(module, passed: bool):
    return [{"item": it["id"], "passed": passed, "comment": ""} for it in module.data["checklist"]]


WRITERS = {
    "lesson": lambda ids: _finish(ids, ids["lessons"][0]),
    "other-lesson": lambda ids: _finish(ids, ids["lessons"][1]),
    "signoff": lambda ids: _sign(ids),
}


def _finish(ids, module_id):
    from lms.learning.models import ModuleProgress

    db.session.add(ModuleProgress(enrollment_id=ids["e"], module_id=module_id, status="completed",
                                  completed_at=utcnow()))


def _sign(ids):
    from lms.accounts.models import User
    from lms.catalog.models import Module
    from lms.labs.signoff import sign_off
    from lms.learning.models import Enrollment

    practical = db.session.get(Module, ids["practical"])
    sign_off(db.session.get(User, ids["instructor"]), db.session.get(Enrollment, ids["e"]), practical,
             results=_checklist(practical, True), outcome="passed")


@pytest.mark.parametrize("first, second", [("lesson", "other-lesson"), ("lesson", "signoff"), ("signoff", "lesson")])
def test_two_writers_of_one_enrollment_at_once_both_count_in_the_percent(app, live_db, world, first, second):
    """Two lessons finished in two tabs, or a lesson finished while the instructor signs
    the practical off: the kept percent counts both (2 of the course's 4 modules)."""
    from lms.labs.figures import progress_of
    from lms.learning.models import Enrollment

    user, e = enrolled_trainee(world)
    lessons = sorted((m.position, m.id) for m in world.course.modules if m.kind == "lesson")
    ids = {"e": e.id, "lessons": [i for _, i in lessons], "practical": world.practical.id,
           "instructor": world.instructor.id}
    db.session.commit()

    errors = _interleave(app, lambda: WRITERS[first](ids), lambda: WRITERS[second](ids))
    assert not errors, errors

    db.session.expire_all()
    rule = progress_of([ids["e"]])[ids["e"]]
    kept = db.session.get(Enrollment, ids["e"]).progress_percent
    assert rule == 50 and kept == rule, (kept, rule)


@pytest.mark.parametrize("fix_first", [True, False], ids=["attendance-then-signoff", "signoff-then-attendance"])
def test_an_attendance_fix_and_a_signoff_at_once_leave_nothing_awaiting(app, live_db, world, fix_first):
    """The trainee was marked absent (nothing awaits a sign-off); one instructor corrects
    the mark to present while another signs the practical off. Afterwards the booking
    awaits nothing: it has its sign-off."""
    from lms.labs.attendance import record_attendance
    from lms.labs.models import Booking, LabSession

    user, e = enrolled_trainee(world)
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    s = LabSession(lab_id=world.lab.id, room_id=world.room.id, module_id=world.practical.id, starts_at=start,
                   ends_at=start + timedelta(hours=2), capacity=9, booked_count=1, instructor_id=world.instructor.id)
    db.session.add(s)
    db.session.flush()
    booking = Booking(session_id=s.id, user_id=user.id, enrollment_id=e.id, status="booked")
    db.session.add(booking)
    db.session.flush()
    record_attendance(s, world.instructor, {user.id: ("absent", None)})
    db.session.flush()
    ids = {"e": e.id, "user": user.id, "session": s.id, "booking": booking.id, "practical": world.practical.id,
           "instructor": world.instructor.id}
    db.session.commit()
    assert db.session.get(Booking, ids["booking"]).awaiting_signoff is False
    db.session.remove()  # no open read of this thread holds the SQLite database

    def fix_attendance():
        from lms.accounts.models import User

        record_attendance(db.session.get(LabSession, ids["session"]), db.session.get(User, ids["instructor"]),
                          {ids["user"]: ("present", None)})

    steps = (fix_attendance, lambda: _sign(ids)) if fix_first else (lambda: _sign(ids), fix_attendance)
    errors = _interleave(app, *steps)
    assert not errors, errors

    db.session.expire_all()
    from lms.labs.awaiting import awaiting_expression

    rule = db.session.execute(select(awaiting_expression()).where(Booking.id == ids["booking"])).scalar_one()
    kept = db.session.get(Booking, ids["booking"]).awaiting_signoff
    assert kept == bool(rule) and kept is False, (kept, rule)
