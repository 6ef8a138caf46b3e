"""Who is not yet eligible for a certificate, and why (issue 13): the cohort's pending page
names each active trainee's remaining requirements, the same as the trainee's own completion
status says, in a constant number of statements."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from lms.extensions import db
from lms.labs.figures import completion_gaps
from lms.learning import services as learning
from tests.conftest import login
from tests.factories import make_course, make_enrollment, make_user


def _active(course, cohort):
    return make_enrollment(make_user(), course, cohort_id=cohort.id, programme_id=cohort.programme_id)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lessons_done=st.integers(0, 3), rule_lessons=st.sampled_from(["all", 1, 2, "none"]),
       quiz_rule=st.sampled_from(["all", "none"]))
def test_gaps_agree_with_the_completion_status(cohort, lessons_done, rule_lessons, quiz_rule):
    tx = db.session.begin_nested()
    try:
        course = make_course(lessons=3, quizzes=1, completion_rule={"lessons": rule_lessons, "quizzes": quiz_rule})
        e = _active(course, cohort)
        for m in [m for m in course.modules if m.kind == "lesson"][:lessons_done]:
            learning.complete_module(e, m)
        db.session.flush()
        status = learning.completion_status(e)
        gaps = completion_gaps([e])[e.id]
        assert gaps.lessons == max(0, (status.lessons_total if rule_lessons == "all" else
                                       0 if rule_lessons == "none" else rule_lessons) - status.lessons_done)
        assert gaps.blocked == (not status.complete)
    finally:
        tx.rollback()


def test_pending_page_names_what_each_trainee_still_needs(client, cohort, institution):
    course = make_course(lessons=2, quizzes=1, completion_rule={"lessons": "all", "quizzes": "all"})
    slow = _active(course, cohort)
    slow.user.name = "느린훈련생"
    almost = _active(course, cohort)
    almost.user.name = "거의다함"
    for m in [m for m in course.modules if m.kind == "lesson"]:
        learning.complete_module(almost, m)
    teacher = make_user("instructor", institution=institution)
    cohort.instructors.append(teacher)
    db.session.commit()
    login(client, teacher)
    assert "누가 무엇이 남았는지 보기" in client.get(f"/certificates/cohorts/{cohort.id}").text
    html = client.get(f"/certificates/cohorts/{cohort.id}/pending").text
    row_slow = html.split("느린훈련생", 1)[1].split("</tr>", 1)[0]
    row_almost = html.split("거의다함", 1)[1].split("</tr>", 1)[0]
    assert "강의 2개 남음" in row_slow and "평가 1개 합격 필요" in row_slow
    assert "강의" not in row_almost and "평가 1개 합격 필요" in row_almost
    outsider = make_user("instructor", institution=institution)
    db.session.commit()
    login(client, outsider)
    assert client.get(f"/certificates/cohorts/{cohort.id}/pending").status_code == 404
