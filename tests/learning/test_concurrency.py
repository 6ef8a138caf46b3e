"""Real concurrency: two requests finishing the same course at once complete it once,
and the enrollment_completed signal (which issues the certificate) fires once."""
from __future__ import annotations

import threading

from lms.extensions import db
from tests.concurrency import run_threads
from lms.learning import services
from lms.learning.models import Enrollment
from lms.learning.signals import enrollment_completed
from tests.factories import make_course, make_user


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
        errors = run_threads(app, lambda: services.refresh_completion(db.session.get(Enrollment, enrollment_id)),
                              [()] * 6)
    finally:
        enrollment_completed.disconnect(receiver)
    assert not errors, errors
    assert sent == [enrollment_id]
    db.session.expire_all()
    assert db.session.get(Enrollment, enrollment_id).status == "completed"
