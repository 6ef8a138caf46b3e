"""Catalogue and course pages as a visitor, a trainee and staff see them."""
from __future__ import annotations

from flask import g

from lms.catalog.services import certificate_requirements
from lms.extensions import db
from tests.factories import make_course


def _courses():
    a = make_course("SF101", title_ko="스마트공장 운영 기초", title_en="Smart Factory Operation Basics",
                    level="beginner", topic="operation", practicals=1, ncs_code="1903060101_19v3",
                    summary_ko="운영 기초 요약", summary_en="Basics summary", valid_for_months=36)
    b = make_course("PLC201", title_ko="PLC 제어 실습", title_en="PLC Control Practice",
                    level="intermediate", topic="automation", practicals=1)
    c = make_course("ROB301", title_ko="협동로봇 운용", title_en="Cobot Operation",
                    level="advanced", topic="robotics")
    hidden = make_course("HID999", title_ko="비공개 과정", title_en="Hidden", is_published=False)
    db.session.commit()
    return a, b, c, hidden


def test_catalog_lists_published_courses_in_korean(client):
    _courses()
    r = client.get("/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "스마트공장 운영인력 양성" in html
    for title in ("스마트공장 운영 기초", "PLC 제어 실습", "협동로봇 운용"):
        assert title in html
    assert "비공개 과정" not in html
    assert "초급" in html and "중급" in html and "전체 과정 3개" in html
    assert 'href="/courses/SF101"' in html


def test_filters_by_level_and_topic_combined(client):
    _courses()
    html = client.get("/?level=intermediate").get_data(as_text=True)
    assert "PLC 제어 실습" in html and "스마트공장 운영 기초" not in html
    html = client.get("/?topic=robotics").get_data(as_text=True)
    assert "협동로봇 운용" in html and "PLC 제어 실습" not in html
    html = client.get("/?level=intermediate&topic=robotics").get_data(as_text=True)
    assert "조건에 맞는 과정이 없습니다" in html
    html = client.get("/?level=beginner&topic=operation").get_data(as_text=True)
    assert "스마트공장 운영 기초" in html and "조건에 맞는 과정 1개" in html
    # the chosen values stay selected in the form
    assert '<option selected value="beginner">' in html or 'value="beginner" selected' in html


def test_unknown_filter_values_are_ignored(client):
    _courses()
    r = client.get("/?level=guru&topic=%3Cscript%3E")
    assert r.status_code == 200 and "전체 과정 3개" in r.get_data(as_text=True)


def test_english_titles_with_lang_switch(client):
    _courses()
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Smart Factory Operation Basics" in html and "Basics summary" in html
    html = client.get("/courses/SF101").get_data(as_text=True)  # the choice persists
    assert "<h1>Smart Factory Operation Basics</h1>" in html


def test_course_page_shows_modules_ncs_and_requirements(client):
    a, *_ = _courses()
    r = client.get("/courses/SF101")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<h1>스마트공장 운영 기초</h1>" in html
    assert "1903060101_19v3" in html and "초급" in html and "8시간" in html
    # modules in order with their kind
    positions = [html.index(m.title_ko) for m in a.modules]
    assert positions == sorted(positions)
    assert "강의" in html and "평가" in html and "실습" in html
    assert "PLC 실습대" in html  # practical equipment
    # what the certificate requires, from the completion rule
    assert "수료 조건" in html
    assert "평가 1개 모두 60점 이상으로 통과" in html
    assert "실습 1개 모두 평가자 확인(합격)" in html
    assert "80% 이상 출석" in html
    assert "36개월" in html


def test_course_code_is_case_insensitive(client):
    _courses()
    assert client.get("/courses/sf101").status_code == 200


def test_unknown_and_unpublished_course_404(client):
    _courses()
    assert client.get("/courses/NOPE1").status_code == 404
    assert client.get("/courses/HID999").status_code == 404


def test_retired_modules_are_not_listed(client):
    from lms.core.db import utcnow

    a, *_ = _courses()
    a.modules[0].retired_at = utcnow()
    db.session.commit()
    html = client.get("/courses/SF101").get_data(as_text=True)
    assert a.modules[0].title_ko not in html


def test_requirements_follow_rule():
    c = make_course(lessons=3, quizzes=2, practicals=0,
                    completion_rule={"lessons": 2, "quizzes": "all", "practicals": "all", "attendance_min_percent": 80})
    c.modules[3].data = {**c.modules[3].data, "pass_mark": 80}
    reqs = certificate_requirements(c)
    assert reqs[0] == "강의 3개 중 2개 이상 학습"
    assert reqs[1] == "평가 2개 모두 평가별 통과 기준 점수 이상으로 통과"
    assert not any("출석" in r for r in reqs)  # no practicals: no attendance rule


def test_enroll_button_for_visitor_trainee_and_enrolled(client, as_role, app):
    _courses()
    if "learning.enroll" not in app.view_functions:
        html = client.get("/courses/SF101").get_data(as_text=True)
        assert "수강 신청" not in html
        return
    html = client.get("/courses/SF101").get_data(as_text=True)
    assert "로그인하고 수강 신청" in html
    # The test's app context outlives requests, so Flask-Login's cached anonymous
    # user in ``g`` must go before logging in on the same client.
    g.pop("_login_user", None)
    trainee = as_role("trainee")
    html = client.get("/courses/SF101").get_data(as_text=True)
    assert 'action="/courses/SF101/enroll"' in html
    r = client.post("/courses/SF101/enroll")
    assert r.status_code == 302
    html = client.get("/courses/SF101").get_data(as_text=True)
    assert "이어서 학습" in html and 'action="/courses/SF101/enroll"' not in html
    assert 'href="/learn/' in html  # module titles lead into the course once enrolled
    assert trainee.role == "trainee"


def test_staff_see_no_enroll_button(client, as_role):
    _courses()
    as_role("instructor")
    html = client.get("/courses/SF101").get_data(as_text=True)
    assert "/enroll" not in html
