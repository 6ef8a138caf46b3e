"""Learning services: enrolment, lessons, quizzes, the completion rule and its signal."""
from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from lms.core.db import utcnow
from lms.errors import Conflict, DomainError, ValidationError
from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment, ModuleProgress, QuizAttempt
from lms.learning.signals import enrollment_completed
from tests.factories import make_course, make_enrollment, make_institution, make_user

RIGHT = {"q1": ["a"], "q2": ["a", "b"], "q3": ["a"]}


def mods(course, kind):
    return [m for m in services.active_modules(course) if m.kind == kind]


def online_course(**kw):
    kw.setdefault("completion_rule", {"lessons": "all", "quizzes": "all"})
    return make_course(**kw)


@pytest.fixture
def received():
    got = []

    def receiver(sender, **kw):
        got.append(sender)

    enrollment_completed.connect(receiver)
    yield got
    enrollment_completed.disconnect(receiver)


# ------------------------------------------------------------------ enrolment

def test_enroll_is_idempotent():
    user, course = make_user(), online_course()
    first = services.enroll(user, course)
    again = services.enroll(user, course)
    assert first.id == again.id
    assert services.get_active_enrollment(user, course).id == first.id
    count = db.session.execute(select(Enrollment).where(Enrollment.user_id == user.id)).scalars().all()
    assert len(count) == 1


def test_enroll_returns_completed_and_new_after_withdrawal():
    user, course = make_user(), online_course()
    e = services.enroll(user, course)
    services.withdraw(e)
    assert services.get_active_enrollment(user, course) is None
    e2 = services.enroll(user, course)
    assert e2.id != e.id and e2.status == "active"
    e2.status = "completed"
    db.session.flush()
    assert services.enroll(user, course).id == e2.id


def test_unpublished_course_refuses_self_enrolment():
    course = online_course(is_published=False)
    with pytest.raises(DomainError):
        services.enroll(make_user(), course)


# ------------------------------------------------------------------ lessons / progress

def test_lesson_completion_progress_and_next_module():
    course = online_course(lessons=2, quizzes=1)
    user = make_user()
    e = services.enroll(user, course)
    l1, l2 = mods(course, "lesson")
    quiz = mods(course, "quiz")[0]
    assert services.progress_percent(e) == 0
    assert services.next_module(e).id == l1.id

    services.record_visit(e, l1)
    assert e.last_module_id == l1.id and e.last_activity_at is not None
    assert user.last_active_at is not None
    assert services.module_states(e)[l1.id] == "started"

    status = services.complete_lesson(e, l1)
    assert status.lessons_done == 1 and status.lessons_total == 2 and not status.complete
    assert services.progress_percent(e) == 33
    assert services.next_module(e).id == l2.id
    # Visiting the quiz, then: continue where you left off = the quiz.
    services.record_visit(e, quiz)
    assert services.next_module(e).id == quiz.id
    services.complete_lesson(e, l1)  # idempotent
    rows = db.session.execute(select(ModuleProgress).where(ModuleProgress.enrollment_id == e.id,
                                                           ModuleProgress.module_id == l1.id)).scalars().all()
    assert len(rows) == 1 and rows[0].status == "completed"


def test_quiz_and_practical_cannot_be_completed_directly():
    course = make_course(lessons=1, quizzes=1, practicals=1)
    e = services.enroll(make_user(), course)
    with pytest.raises(DomainError):
        services.complete_module(e, mods(course, "quiz")[0])
    with pytest.raises(DomainError):
        services.complete_module(e, mods(course, "practical")[0])
    with pytest.raises(DomainError):
        services.complete_lesson(e, mods(course, "quiz")[0])


def test_withdrawn_enrollment_is_read_only():
    course = online_course()
    e = services.enroll(make_user(), course)
    services.withdraw(e)
    with pytest.raises(DomainError):
        services.complete_lesson(e, mods(course, "lesson")[0])
    with pytest.raises(DomainError):
        services.start_attempt(e, mods(course, "quiz")[0])


# ------------------------------------------------------------------ quizzes

def test_shuffled_order_is_stored_per_attempt():
    course = online_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    attempt = services.start_attempt(e, quiz, rng=random.Random(3))
    order = attempt.choice_order
    assert set(order) == {"q1", "q2", "q3"}
    assert sorted(order["q2"]) == ["a", "b", "c"]
    # Resuming returns the same attempt with the same order.
    again = services.start_attempt(e, quiz, rng=random.Random(99))
    assert again.id == attempt.id and again.choice_order == order
    # The form shows the stored order.
    shown = services.ordered_questions(attempt)
    assert [c["id"] for c in shown[1]["choices"]] == order["q2"]


def test_shuffle_happens_and_can_be_turned_off():
    course = online_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    orders = set()
    for seed in range(20):
        a = services.start_attempt(e, quiz, rng=random.Random(seed))
        orders.add(tuple(a.choice_order["q2"]))
        db.session.delete(a)
        db.session.flush()
    assert len(orders) > 1
    quiz.data = dict(quiz.data, shuffle=False)
    db.session.flush()
    a = services.start_attempt(e, quiz, rng=random.Random(1))
    assert a.choice_order["q2"] == ["a", "b", "c"]


def test_single_and_multiple_scoring():
    course = online_course(pass_mark=70)
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    a = services.start_attempt(e, quiz)
    # q2 multiple: a subset is wrong (no partial credit); q3 wrong choice.
    done = services.submit_attempt(a, {"q1": ["a"], "q2": ["a"], "q3": ["b"]})
    assert done.score == pytest.approx(33.33, abs=0.01)
    assert done.passed is False
    review = services.attempt_review(done)
    assert [r["correct"] for r in review] == [True, False, False]
    a2 = services.start_attempt(e, quiz)
    # A superset is wrong too.
    done2 = services.submit_attempt(a2, {"q1": ["a"], "q2": ["a", "b", "c"], "q3": ["a"]})
    assert [r["correct"] for r in services.attempt_review(done2)] == [True, False, True]
    a3 = services.start_attempt(e, quiz)
    done3 = services.submit_attempt(a3, RIGHT)
    assert done3.score == 100 and done3.passed


def test_invalid_answers_are_rejected():
    course = online_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    a = services.start_attempt(e, quiz)
    with pytest.raises(ValidationError):
        services.submit_attempt(a, {"q1": ["zzz"]})
    with pytest.raises(ValidationError):
        services.submit_attempt(a, {"q1": ["a", "b"]})  # two answers to a single question
    assert a.submitted_at is None


@pytest.mark.parametrize("pass_mark,expected", [(66, True), (67, False)])
def test_pass_mark_boundary(pass_mark, expected):
    """2 of 3 right = 66.67%: passes a mark of 66, fails 67."""
    course = online_course(pass_mark=pass_mark)
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    a = services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["a"], "q2": ["a", "b"], "q3": ["b"]})
    assert a.passed is expected


def test_exactly_at_pass_mark_passes_with_course_fallback():
    course = online_course(pass_mark=50)
    quiz = mods(course, "quiz")[0]
    data = dict(quiz.data)
    data.pop("pass_mark")  # fall back to the course's pass mark
    data["questions"] = data["questions"][:2]
    quiz.data = data
    db.session.flush()
    assert services.quiz_settings(quiz)["pass_mark"] == 50
    e = services.enroll(make_user(), course)
    a = services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["a"], "q2": ["c"]})
    assert a.score == 50 and a.passed is True


def test_attempt_limit_enforced_and_passed_quiz_refused():
    course = online_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    for _ in range(3):
        services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["b"]})
    assert services.attempts_left(e, quiz) == 0
    with pytest.raises(DomainError) as err:
        services.start_attempt(e, quiz)
    assert "응시 가능 횟수" in str(err.value.message)

    e2 = services.enroll(make_user(), course)
    services.submit_attempt(services.start_attempt(e2, quiz), RIGHT)
    with pytest.raises(DomainError) as err:
        services.start_attempt(e2, quiz)
    assert "합격" in str(err.value.message)


def test_submitted_attempt_is_immutable():
    course = online_course()
    quiz = mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    a = services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["b"]})
    with pytest.raises(Conflict):
        services.submit_attempt(a, RIGHT)
    assert a.passed is False and a.answers["q1"] == ["b"]
    # Even outside the service, the row refuses to change.
    a.score = 100.0
    with pytest.raises(ValueError):
        db.session.flush()
    db.session.rollback()


def test_passing_quiz_completes_module_and_course(received):
    course = online_course(lessons=1)
    lesson, quiz = mods(course, "lesson")[0], mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    services.complete_lesson(e, lesson)
    assert e.status == "active" and received == []
    services.submit_attempt(services.start_attempt(e, quiz), RIGHT)
    assert services.module_states(e)[quiz.id] == "done"
    assert e.status == "completed" and e.completed_at is not None
    assert received == [e]


# ------------------------------------------------------------------ completion rule

def test_refresh_completion_sends_signal_exactly_once(received):
    course = online_course(lessons=1, quizzes=0, completion_rule={"lessons": "all"})
    e = services.enroll(make_user(), course)
    services.complete_module(e, mods(course, "lesson")[0])
    s1 = services.refresh_completion(e)
    s2 = services.refresh_completion(e)
    services.refresh_completion(e)
    assert s1.complete and s2.complete
    assert received == [e]
    assert e.status == "completed"


def test_incomplete_lists_what_is_missing(received):
    course = online_course(lessons=2, quizzes=1)
    e = services.enroll(make_user(), course)
    st = services.refresh_completion(e)
    assert not st.complete and len(st.missing) == 2
    assert any("강의 2개" in m for m in st.missing)
    assert any("평가 1개" in m for m in st.missing)
    assert e.status == "active" and received == []


def test_retired_modules_do_not_count():
    course = online_course(lessons=2, quizzes=0, completion_rule={"lessons": "all"})
    l1, l2 = mods(course, "lesson")
    e = services.enroll(make_user(), course)
    services.complete_module(e, l1)
    l2.retired_at = utcnow()
    db.session.flush()
    st = services.refresh_completion(e)
    assert st.lessons_total == 1 and st.complete
    assert services.progress_percent(e) == 100


def test_rule_parts_can_be_relaxed():
    course = make_course(lessons=2, quizzes=1, practicals=0,
                         completion_rule={"lessons": 1, "quizzes": "none"})
    e = services.enroll(make_user(), course)
    services.complete_module(e, mods(course, "lesson")[0])
    assert services.completion_status(e).complete


def _lab_session(course, module, *, hours_ago_end=2, hours=4, cancelled=False):
    from lms.labs.models import LabRoom, LabSession, SmartLab

    inst = make_institution()
    lab = SmartLab(institution_id=inst.id, name_ko="테스트 스마트랩")
    db.session.add(lab)
    db.session.flush()
    room = LabRoom(lab_id=lab.id, name_ko="실습실 1")
    db.session.add(room)
    db.session.flush()
    end = utcnow() - timedelta(hours=hours_ago_end)
    s = LabSession(lab_id=lab.id, room_id=room.id, module_id=module.id, starts_at=end - timedelta(hours=hours),
                   ends_at=end, capacity=10, cancelled_at=utcnow() if cancelled else None)
    db.session.add(s)
    db.session.flush()
    return s


def _book(session, enrollment, status=None, minutes=0):
    from lms.labs.models import Attendance, Booking

    db.session.add(Booking(session_id=session.id, user_id=enrollment.user_id, enrollment_id=enrollment.id,
                           status="booked"))
    if status:
        db.session.add(Attendance(session_id=session.id, user_id=enrollment.user_id, enrollment_id=enrollment.id,
                                  status=status, minutes=minutes))
    db.session.flush()


def _signoff(enrollment, module, outcome, supersedes=None):
    from lms.labs.models import PracticalSignoff

    assessor = make_user(role="instructor")
    s = PracticalSignoff(enrollment_id=enrollment.id, module_id=module.id, assessor_id=assessor.id, outcome=outcome,
                         results=[{"item": "c1", "passed": outcome == "passed", "comment": ""}],
                         assessed_on=date.today(), supersedes_id=getattr(supersedes, "id", None))
    db.session.add(s)
    db.session.flush()
    return s


def practical_course():
    return make_course(lessons=1, quizzes=0, practicals=1,
                       completion_rule={"lessons": "all", "practicals": "all"})


def test_practical_needs_passed_signoff_and_failed_correction_supersedes(received):
    course = practical_course()
    lesson, practical = mods(course, "lesson")[0], mods(course, "practical")[0]
    e = services.enroll(make_user(), course)
    services.complete_module(e, lesson)
    st = services.refresh_completion(e)
    assert st.practicals_total == 1 and st.practicals_passed == 0 and not st.complete
    assert st.attendance_required is None  # no threshold in this rule

    first = _signoff(e, practical, "passed")
    assert services.completion_status(e).practicals_passed == 1
    # A correction that fails the trainee supersedes the pass.
    _signoff(e, practical, "failed", supersedes=first)
    st = services.completion_status(e)
    assert st.practicals_passed == 0 and not st.complete
    assert services.module_states(e)[practical.id] == "failed"
    assert services.refresh_completion(e).complete is False and received == []


def test_practical_signoff_completes_course(received):
    course = practical_course()
    lesson, practical = mods(course, "lesson")[0], mods(course, "practical")[0]
    e = services.enroll(make_user(), course)
    services.complete_module(e, lesson)
    failed = _signoff(e, practical, "failed")
    assert not services.refresh_completion(e).complete
    _signoff(e, practical, "passed", supersedes=failed)
    st = services.refresh_completion(e)
    assert st.complete and e.status == "completed" and received == [e]
    row = db.session.execute(select(ModuleProgress).where(ModuleProgress.enrollment_id == e.id,
                                                          ModuleProgress.module_id == practical.id)).scalar_one()
    assert row.status == "completed"


def test_attendance_threshold():
    pytest.importorskip("lms.labs.services")
    from lms.labs.services import attendance_summary  # noqa: F401  (the real function is exercised)

    course = make_course(lessons=0, quizzes=0, practicals=1,
                         completion_rule={"practicals": "all", "attendance_min_percent": 80})
    practical = mods(course, "practical")[0]
    e = services.enroll(make_user(), course)
    _signoff(e, practical, "passed")
    st = services.completion_status(e)
    assert st.attendance_required == 80 and st.attendance_percent is None and not st.complete

    # Two 4-hour sessions: one present, one late with 2 hours: 6/8 = 75% < 80%.
    s1, s2 = _lab_session(course, practical), _lab_session(course, practical, hours_ago_end=30)
    _book(s1, e, "present")
    _book(s2, e, "late", minutes=120)
    st = services.completion_status(e)
    assert st.attendance_percent == pytest.approx(75.0)
    assert not st.complete and any("출석률" in m for m in st.missing)

    # A third session attended in full: 10/12 = 83.3% >= 80%.
    s3 = _lab_session(course, practical, hours_ago_end=60)
    _book(s3, e, "present")
    st = services.refresh_completion(e)
    assert st.attendance_percent == pytest.approx(83.3, abs=0.1)
    assert st.complete and e.status == "completed"


def test_attendance_exactly_at_threshold_passes():
    pytest.importorskip("lms.labs.services")
    course = make_course(lessons=0, quizzes=0, practicals=1,
                         completion_rule={"practicals": "all", "attendance_min_percent": 75})
    practical = mods(course, "practical")[0]
    e = services.enroll(make_user(), course)
    _signoff(e, practical, "passed")
    s1, s2 = _lab_session(course, practical), _lab_session(course, practical, hours_ago_end=30)
    _book(s1, e, "present")
    _book(s2, e, "late", minutes=120)
    assert services.completion_status(e).complete


def test_attendance_not_required_without_practicals():
    course = online_course(lessons=1, quizzes=0,
                           completion_rule={"lessons": "all", "attendance_min_percent": 80})
    e = services.enroll(make_user(), course)
    services.complete_module(e, mods(course, "lesson")[0])
    st = services.completion_status(e)
    assert st.attendance_required is None and st.complete


def test_attendance_unmeasurable_without_labs_service(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kw):
        if name == "lms.labs.services":
            raise ImportError("not yet")
        return real_import(name, *args, **kw)

    course = make_course(lessons=0, quizzes=0, practicals=1,
                         completion_rule={"practicals": "all", "attendance_min_percent": 80})
    e = services.enroll(make_user(), course)
    _signoff(e, mods(course, "practical")[0], "passed")
    monkeypatch.setattr(builtins, "__import__", fake_import)
    st = services.completion_status(e)
    monkeypatch.setattr(builtins, "__import__", real_import)
    assert st.attendance_percent is None and not st.complete


def test_make_enrollment_factory_rows_work_too():
    """Enrollments made outside enroll() (roster imports, demo seed) evaluate the same way."""
    e = make_enrollment(course=online_course(lessons=1, quizzes=0, completion_rule={"lessons": "all"}))
    assert services.completion_status(e).lessons_total == 1
    assert isinstance(services.next_module(e).id, int)
    assert db.session.execute(select(QuizAttempt)).first() is None


def test_continue_prefers_online_work_over_a_waiting_practical():
    course = make_course(lessons=2, quizzes=0, practicals=1, completion_rule={"lessons": "all", "practicals": "all"})
    l1, l2 = mods(course, "lesson")
    practical = mods(course, "practical")[0]
    e = services.enroll(make_user(), course)
    services.complete_module(e, l1)
    services.record_visit(e, practical)
    assert services.next_module(e).id == l2.id
    services.complete_module(e, l2)
    assert services.next_module(e).id == practical.id


def test_quiz_without_attempts_left_is_blocked_and_skipped_by_continue():
    course = online_course(lessons=1)
    lesson, quiz = mods(course, "lesson")[0], mods(course, "quiz")[0]
    e = services.enroll(make_user(), course)
    for _ in range(3):
        services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["b"]})
    assert services.module_states(e)[quiz.id] == "blocked"
    assert services.next_module(e).id == lesson.id
    services.complete_lesson(e, lesson)
    assert services.next_module(e).id == quiz.id  # nothing else left: show it
