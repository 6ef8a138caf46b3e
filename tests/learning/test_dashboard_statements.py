"""The trainee's dashboard reads the states of all their enrollments at once (issue 10):
its statement count is the same for one enrollment as for six, completed, withdrawn or
active, with lessons, quizzes and practicals signed off or not. Only an active
enrollment in a course with a lab-attendance rule adds its attendance summary."""
from __future__ import annotations

from datetime import date

from lms.extensions import db
from tests.conftest import login
from tests.core.test_query_counts import count_statements
from tests.factories import make_course, make_enrollment, make_user

NO_ATTENDANCE = {"lessons": "all", "quizzes": "all", "practicals": "all"}


def _statements(client, user) -> int:
    db.session.commit()
    login(client, user)
    db.session.expire_all()
    with count_statements() as seen:
        resp = client.get("/dashboard")
    assert resp.status_code == 200
    return len(seen)


def _enrol(user, k: int, status: str):
    from lms.labs.models import PracticalSignoff

    course = make_course(lessons=2, quizzes=1, practicals=1, completion_rule=NO_ATTENDANCE)
    e = make_enrollment(user, course, status=status)
    db.session.flush()
    practical = [m for m in course.modules if m.kind == "practical"][0]
    if k % 2:
        assessor = make_user("instructor")
        db.session.add(PracticalSignoff(enrollment_id=e.id, module_id=practical.id, assessor_id=assessor.id,
                                        outcome="passed", assessed_on=date(2026, 5, 1), results=[]))
        db.session.flush()
    return e


def test_the_dashboard_costs_the_same_for_one_enrollment_as_for_six(client):
    one = make_user("trainee")
    _enrol(one, 0, "active")
    six = make_user("trainee")
    for k, status in enumerate(("active", "active", "completed", "withdrawn", "active", "completed")):
        _enrol(six, k, status)
    assert _statements(client, one) == _statements(client, six)
