"""Learning pages: access by role and owner, enrolment, lessons, quiz flow, dashboard."""
from __future__ import annotations

import re

from sqlalchemy import select

from lms.extensions import db
from lms.learning import services
from lms.learning.models import Enrollment, QuizAttempt
from tests.conftest import login
from tests.factories import make_course, make_user

RIGHT_FORM = {"q-q1": "a", "q-q2": ["a", "b"], "q-q3": "a"}


def mods(course, kind):
    return [m for m in services.active_modules(course) if m.kind == kind]


def module_url(e, m):
    return f"/learn/{e.id}/{m.slug}"


def setup_trainee(client, **course_kw):
    course_kw.setdefault("completion_rule", {"lessons": "all", "quizzes": "all"})
    course = make_course(**course_kw)
    user = make_user()
    db.session.commit()
    login(client, user)
    return user, course


def test_anonymous_is_redirected_to_login(client):
    for url in ("/dashboard", "/learn/1", "/learn/1/01-lesson"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = client.post("/courses/X/enroll")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_other_roles_cannot_use_trainee_pages(instructor_client):
    assert instructor_client.get("/dashboard").status_code == 403


def test_enroll_is_idempotent_and_redirects_to_first_module(client):
    user, course = setup_trainee(client)
    r = client.post(f"/courses/{course.code}/enroll")
    assert r.status_code == 302
    e = db.session.execute(select(Enrollment).where(Enrollment.user_id == user.id)).scalar_one()
    assert r.headers["Location"].endswith(f"/learn/{e.id}")
    r = client.get(r.headers["Location"])
    assert r.headers["Location"].endswith(module_url(e, mods(course, "lesson")[0]))
    client.post(f"/courses/{course.code}/enroll")
    assert len(db.session.execute(select(Enrollment).where(Enrollment.user_id == user.id)).all()) == 1
    assert client.post("/courses/NOPE/enroll").status_code == 404


def test_empty_dashboard_points_to_catalogue(client):
    setup_trainee(client)
    r = client.get("/dashboard")
    assert r.status_code == 200
    assert "아직 수강 중인 과정이 없습니다" in r.get_data(as_text=True)


def test_lesson_page_and_mark_complete(client):
    user, course = setup_trainee(client, lessons=2)
    e = services.enroll(user, course)
    db.session.commit()
    l1, l2 = mods(course, "lesson")
    r = client.get(module_url(e, l1))
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<p>본문입니다.</p>" in html  # Markdown rendered
    assert html.count("<h1") == 1  # the file's own "# 강의 1" gives way to the page title
    assert "학습 완료" in html and module_url(e, l2) in html  # next link
    r = client.post(module_url(e, l1) + "/complete")
    assert r.status_code == 302 and r.headers["Location"].endswith(module_url(e, l2))
    assert services.module_states(e)[l1.id] == "done"


def test_lesson_markdown_is_sanitised(client):
    user, course = setup_trainee(client, lessons=1)
    l1 = mods(course, "lesson")[0]
    l1.body_md = "안녕 <script>alert(1)</script> [x](javascript:alert(1))"
    e = services.enroll(user, course)
    db.session.commit()
    html = client.get(module_url(e, l1)).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert 'href="javascript:' not in html


def test_another_trainees_enrollment_is_404(client):
    other = make_user()
    course = make_course()
    e = services.enroll(other, course)
    user = make_user()
    db.session.commit()
    login(client, user)
    lesson = mods(course, "lesson")[0]
    quiz = mods(course, "quiz")[0]
    assert client.get(f"/learn/{e.id}").status_code == 404
    assert client.get(module_url(e, lesson)).status_code == 404
    assert client.post(module_url(e, lesson) + "/complete").status_code == 404
    assert client.post(module_url(e, quiz) + "/attempts").status_code == 404
    assert client.post(f"/learn/{e.id}/withdraw").status_code == 404
    assert client.get(f"/learn/{e.id}/no-such-module").status_code == 404


def test_quiz_uses_stored_order_and_hides_explanations_until_submitted(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    db.session.commit()
    r = client.post(module_url(e, quiz) + "/attempts")
    assert r.status_code == 302
    attempt = db.session.execute(select(QuizAttempt).where(QuizAttempt.enrollment_id == e.id)).scalar_one()
    # Force a known order and check the page shows choices in exactly that order.
    order = dict(attempt.choice_order)
    order["q2"] = ["c", "a", "b"]
    attempt.choice_order = order
    db.session.commit()
    html = client.get(module_url(e, quiz)).get_data(as_text=True)
    positions = [html.index(text) for text in ("급여 계산", "작업지시", "실적 수집")]
    assert positions == sorted(positions)
    assert 'type="checkbox" name="q-q2"' in html and 'type="radio" name="q-q1"' in html
    assert "급여는 ERP의 기능입니다." not in html  # explanation hidden before submitting
    # The result page of an open attempt redirects back to the form.
    r = client.get(module_url(e, quiz) + f"/attempts/{attempt.id}")
    assert r.status_code == 302

    r = client.post(module_url(e, quiz) + f"/attempts/{attempt.id}", data={"q-q1": "b", "q-q3": "a"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/attempts/{attempt.id}")
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    # Attempts remain: right/wrong per question only, no explanation (issue 8).
    assert "급여는 ERP의 기능입니다." not in html and "불합격" in html
    assert "남은 응시 기회: 2회" in html
    assert html.count("오답") >= 2

    # Submitting the same attempt again changes nothing.
    r = client.post(module_url(e, quiz) + f"/attempts/{attempt.id}", data=RIGHT_FORM)
    assert r.status_code == 302
    db.session.refresh(attempt)
    assert attempt.passed is False and attempt.answers["q1"] == ["b"]


def test_quiz_pass_completes_course_and_limits(client):
    user, course = setup_trainee(client, lessons=0)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    db.session.commit()
    client.post(module_url(e, quiz) + "/attempts")
    attempt = db.session.execute(select(QuizAttempt).where(QuizAttempt.enrollment_id == e.id)).scalar_one()
    r = client.post(module_url(e, quiz) + f"/attempts/{attempt.id}", data=RIGHT_FORM)
    html = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "합격" in html and "100점" in html
    db.session.refresh(e)
    assert e.status == "completed"
    # A passed quiz cannot be started again.
    r = client.post(module_url(e, quiz) + "/attempts", follow_redirects=True)
    assert "이미 합격한 평가입니다" in r.get_data(as_text=True)


def test_attempt_of_another_quiz_or_enrollment_is_404(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    other_e = services.enroll(make_user(), course)
    quiz = mods(course, "quiz")[0]
    foreign = services.start_attempt(other_e, quiz)
    db.session.commit()
    assert client.get(module_url(e, quiz) + f"/attempts/{foreign.id}").status_code == 404
    assert client.post(module_url(e, quiz) + f"/attempts/{foreign.id}", data=RIGHT_FORM).status_code == 404


def test_dashboard_continue_link_points_to_last_module(client):
    user, course = setup_trainee(client, lessons=3)
    e = services.enroll(user, course)
    l1, l2, l3 = mods(course, "lesson")
    services.complete_lesson(e, l1)
    services.record_visit(e, l3)
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "이어서 학습" in html
    m = re.search(r'href="([^"]+)"[^>]*>\s*이어서 학습', html)
    assert m and m.group(1).endswith(module_url(e, l3))
    assert "진도율 25%" in html
    # Once l3 is done, "continue" falls back to the first unfinished module (l2).
    services.complete_lesson(e, l3)
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    m = re.search(r'href="([^"]+)"[^>]*>\s*이어서 학습', html)
    assert m and m.group(1).endswith(module_url(e, l2))


def test_completed_course_is_listed_as_completed(client):
    user, course = setup_trainee(client, lessons=1, quizzes=0, completion_rule={"lessons": "all"})
    e = services.enroll(user, course)
    db.session.commit()
    r = client.post(module_url(e, mods(course, "lesson")[0]) + "/complete")
    assert r.headers["Location"].endswith("/dashboard")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "수료한 과정" in html and course.title_ko in html


def test_practical_page_shows_checklist_and_status(client):
    user, course = setup_trainee(client, lessons=0, quizzes=0, practicals=1,
                                 completion_rule={"practicals": "all", "attendance_min_percent": 80})
    e = services.enroll(user, course)
    db.session.commit()
    html = client.get(module_url(e, mods(course, "practical")[0])).get_data(as_text=True)
    assert "점검 항목 1" in html and "점검 항목 5" in html
    assert "PLC 실습대" in html
    assert "아직 평가 기록이 없습니다" in html
    assert "학습 완료" not in html  # practicals are not self-completed


def test_withdraw(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    db.session.commit()
    r = client.post(f"/learn/{e.id}/withdraw")
    assert r.status_code == 302
    db.session.refresh(e)
    assert e.status == "withdrawn"
    html = client.get("/dashboard").get_data(as_text=True)
    assert "수강 취소한 과정" in html


def test_quiz_shows_english_text_when_english_is_chosen(client):
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    services.start_attempt(e, quiz)
    db.session.commit()
    html = client.get(module_url(e, quiz) + "?lang=en").get_data(as_text=True)
    assert "What does PLC stand for?" in html and "Programmable logic controller" in html


def test_retired_module_page_is_404(client):
    from lms.core.db import utcnow

    user, course = setup_trainee(client, lessons=2)
    e = services.enroll(user, course)
    l2 = mods(course, "lesson")[1]
    l2.retired_at = utcnow()
    db.session.commit()
    assert client.get(module_url(e, l2)).status_code == 404


def test_dashboard_warns_when_quiz_attempts_are_used_up(client):
    user, course = setup_trainee(client, lessons=1)
    e = services.enroll(user, course)
    quiz = mods(course, "quiz")[0]
    for _ in range(3):
        services.submit_attempt(services.start_attempt(e, quiz), {"q1": ["b"]})
    db.session.commit()
    html = client.get("/dashboard").get_data(as_text=True)
    assert "응시 횟수를 모두 사용했습니다" in html
    html = client.get(module_url(e, quiz)).get_data(as_text=True)
    assert "평가 시작" not in html and "다시 응시하기" not in html


def test_opening_a_quiz_is_not_taking_it(client):
    """Issue 13: a quiz read "진행 중" as soon as its page was opened, before any attempt."""
    user, course = setup_trainee(client)
    e = services.enroll(user, course)
    db.session.commit()
    quiz = mods(course, "quiz")[0]
    assert client.get(module_url(e, quiz)).status_code == 200
    assert services.module_states(e)[quiz.id] == "todo"
    page = client.get(module_url(e, quiz)).text  # opened twice: still not started
    assert '<span class="badge badge-warn">진행 중</span>' not in page and ">시작 전</span>" in page
    client.post(module_url(e, quiz) + "/attempts")
    assert services.module_states(e)[quiz.id] == "started"


def test_a_course_with_every_module_done_offers_no_withdrawal(client):
    """Issue 13: a course at 100 % still offered 수강 취소; the service refuses it too."""
    from lms.errors import DomainError

    user, course = setup_trainee(client, practicals=1,
                                 completion_rule={"lessons": "all", "quizzes": "all", "practicals": "all"})
    e = services.enroll(user, course)
    for m in mods(course, "lesson"):
        services.complete_module(e, m)
    db.session.commit()
    assert "수강 취소하기" in client.get("/dashboard").text  # partway: still offered
    from lms.labs.models import PracticalSignoff
    from lms.learning.models import QuizAttempt as QA
    from lms.core.db import utcnow

    for q in mods(course, "quiz"):
        db.session.add(QA(enrollment_id=e.id, module_id=q.id, submitted_at=utcnow(), passed=True, score=100,
                          answers={}))
    for p in mods(course, "practical"):
        db.session.add(PracticalSignoff(enrollment_id=e.id, module_id=p.id, assessor_id=make_user("instructor").id,
                                        outcome="passed", results=[], assessed_on=utcnow().date(), created_at=utcnow()))
    db.session.commit()
    assert services.progress_percent(e) == 100 and e.status == "active"  # attendance still missing
    html = client.get("/dashboard").text
    assert "수강 취소하기" not in html and "모든 모듈을 마쳤습니다" in html
    try:
        services.withdraw(e)
        raise AssertionError("withdrawal of a finished course was accepted")
    except DomainError as exc:
        assert "모든 모듈을 마친" in str(exc.message)
