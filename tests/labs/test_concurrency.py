"""No overbooking, ever: many trainees book a 20-seat session at the same moment.

Each thread has its own app context, session and connection, and goes through the
service exactly as a request would (book, then commit). Runs on PostgreSQL (row lock
FOR UPDATE) and on SQLite (BEGIN IMMEDIATE serialises the writers)."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import func, select

from lms.core.db import utcnow
from lms.extensions import db

THREADS = 60
SEATS = 20


def _setup():
    from lms.labs.booking import create_session
    from lms.labs.models import LabRoom, SmartLab
    from tests.factories import make_course, make_enrollment, make_institution, make_user

    inst = make_institution()
    course = make_course(practicals=1)
    practical = [m for m in course.modules if m.kind == "practical"][0]
    lab = SmartLab(institution_id=inst.id, name_ko="동시성 랩")
    db.session.add(lab)
    db.session.flush()
    room = LabRoom(lab_id=lab.id, name_ko="실습실", seats=SEATS)
    db.session.add(room)
    db.session.flush()
    start = utcnow() + timedelta(days=2)
    s = create_session(lab, room_id=room.id, module=practical, starts_at=start, ends_at=start + timedelta(hours=3),
                       capacity=SEATS)
    users = []
    for i in range(THREADS):
        u = make_user("trainee", email=f"race{i}@example.kr")
        make_enrollment(u, course)
        users.append(u.id)
    db.session.commit()
    return s.id, users


def test_fifty_plus_concurrent_bookings_never_overbook(app, live_db):
    from lms.accounts.models import User
    from lms.labs.booking import book
    from lms.labs.models import Booking, LabSession

    session_id, user_ids = _setup()
    db.session.remove()
    barrier = threading.Barrier(THREADS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(uid: int) -> None:
        # Wait before touching the database so that no thread holds a pooled
        # connection (or SQLite's write lock) while the others line up.
        barrier.wait(timeout=60)
        with app.app_context():
            try:
                user = db.session.get(User, uid)
                b = book(user, session_id)
                db.session.commit()
                with lock:
                    results.append(b.status)
            except BaseException as exc:  # noqa: BLE001  (any error fails the test)
                db.session.rollback()
                with lock:
                    errors.append(exc)
            finally:
                db.session.remove()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    elapsed = time.perf_counter() - started

    assert not errors, errors[:3]
    assert len(results) == THREADS
    assert results.count("booked") == SEATS
    assert results.count("waitlisted") == THREADS - SEATS
    booked = db.session.execute(select(func.count(Booking.id)).where(
        Booking.session_id == session_id, Booking.status == "booked")).scalar_one()
    s = db.session.get(LabSession, session_id)
    assert booked == SEATS and s.booked_count == SEATS
    print(f"\n{THREADS} concurrent bookings on {db.engine.dialect.name}: {elapsed:.2f}s, "
          f"{results.count('booked')} booked, {results.count('waitlisted')} waitlisted")
