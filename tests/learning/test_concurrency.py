"""Real concurrency: two requests finishing the same course at once complete it once,
and the enrollment_completed signal (which issues the certificate) fires once."""
from __future__ import annotations

import threading

from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment
from lms.learning.signals import enrollment_completed
from tests.factories import make_course, make_user


def _run_threads(app, target, args_list):
    barrier = threading.Barrier(len(args_list))
    errors: list[BaseException] = []

    def runner(*args):
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                target(*args)
                db.session.commit()
            except BaseException as exc:  # re-raised in the main thread
                db.session.rollback()
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=args) for args in args_list]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_racing_refreshes_complete_once_and_signal_once(app, live_db):
    course = make_course(lessons=1, quizzes=0, completion_rule={"lessons": "all"})
    e = services.enroll(make_user(), course)
    services.complete_module(e, services.active_modules(course)[0])
    enrollment_id = e.id
    db.session.commit()

    sent: list[int] = []
    lock = threading.Lock()

    def receiver(sender, **kw):
        with lock:
            sent.append(sender.id)

    enrollment_completed.connect(receiver)
    try:
        errors = _run_threads(app, lambda: services.refresh_completion(db.session.get(Enrollment, enrollment_id)),
                              [()] * 6)
    finally:
        enrollment_completed.disconnect(receiver)
    assert not errors, errors
    assert sent == [enrollment_id]
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment_id).status == "completed"
