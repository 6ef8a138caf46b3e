"""Factory helpers: build valid objects with sensible defaults; flush, never commit."""
from __future__ import annotations

import itertools

from lms.extensions import db

_seq = itertools.count(1)


def n() -> int:
    return next(_seq)


def make_user(role: str = "trainee", *, email: str | None = None, name: str | None = None,
              password: str = "password123!", **kw):
    from lms.accounts.models import User

    i = n()
    user = User(email=(email or f"user{i}@example.kr").lower(), name=name or f"홍길동{i}", role=role, **kw)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_institution(**kw):
    from lms.orgs.models import Institution

    i = n()
    inst = Institution(name_ko=kw.pop("name_ko", f"한국스마트대학교{i}"), name_en=kw.pop("name_en", f"Korea Smart University {i}"),
                       head_name_ko=kw.pop("head_name_ko", "김총장"), **kw)
    db.session.add(inst)
    db.session.flush()
    return inst


def make_company(**kw):
    from lms.orgs.models import Company

    i = n()
    c = Company(name=kw.pop("name", f"(주)스마트정밀{i}"), **kw)
    db.session.add(c)
    db.session.flush()
    return c


def make_course(code: str | None = None, *, lessons: int = 2, quizzes: int = 1, practicals: int = 0,
                pass_mark: int = 60, completion_rule: dict | None = None, **kw):
    """A course with lessons, quizzes (3 questions each) and practicals, in that order."""
    from lms.catalog.models import Course, Module

    i = n()
    code = code or f"TC{i:03d}"
    course = Course(code=code, slug=kw.pop("slug", f"{code.lower()}-test"), title_ko=kw.pop("title_ko", f"테스트 과정 {i}"),
                    title_en=kw.pop("title_en", f"Test course {i}"), hours=kw.pop("hours", 8), pass_mark=pass_mark,
                    completion_rule=completion_rule or {"lessons": "all", "quizzes": "all", "practicals": "all",
                                                        "attendance_min_percent": 80}, **kw)
    db.session.add(course)
    pos = 0
    for k in range(lessons):
        pos += 1
        course.modules.append(Module(slug=f"{pos:02d}-lesson", kind="lesson", position=pos, title_ko=f"{k + 1}차시 강의",
                                     title_en=f"Lesson {k + 1}", hours=1, body_md=f"# 강의 {k + 1}\n\n본문입니다."))
    for k in range(quizzes):
        pos += 1
        course.modules.append(Module(slug=f"quiz-{k + 1}", kind="quiz", position=pos, title_ko=f"평가 {k + 1}",
                                     title_en=f"Quiz {k + 1}", hours=0.5, data=sample_quiz(pass_mark)))
    for k in range(practicals):
        pos += 1
        course.modules.append(Module(slug=f"practical-{k + 1}", kind="practical", position=pos, title_ko=f"실습 {k + 1}",
                                     title_en=f"Practical {k + 1}", hours=4, data=sample_practical()))
    db.session.flush()
    return course


def sample_quiz(pass_mark: int = 60) -> dict:
    return {
        "pass_mark": pass_mark,
        "max_attempts": 3,
        "shuffle": True,
        "questions": [
            {"id": "q1", "type": "single", "text_ko": "PLC의 뜻은?", "text_en": "What does PLC stand for?",
             "choices": [{"id": "a", "text_ko": "프로그래머블 로직 컨트롤러", "text_en": "Programmable logic controller"},
                         {"id": "b", "text_ko": "생산 계획 시스템", "text_en": "Production planning system"}],
             "answer": ["a"], "explanation_ko": "PLC는 프로그래머블 로직 컨트롤러입니다.", "explanation_en": "PLC is a programmable logic controller."},
            {"id": "q2", "type": "multiple", "text_ko": "MES의 기능을 모두 고르세요.", "text_en": "Pick all MES functions.",
             "choices": [{"id": "a", "text_ko": "작업지시", "text_en": "Work orders"},
                         {"id": "b", "text_ko": "실적 수집", "text_en": "Production records"},
                         {"id": "c", "text_ko": "급여 계산", "text_en": "Payroll"}],
             "answer": ["a", "b"], "explanation_ko": "급여는 ERP의 기능입니다.", "explanation_en": "Payroll belongs to ERP."},
            {"id": "q3", "type": "single", "text_ko": "협동로봇 작업 전 확인할 것은?", "text_en": "Check before cobot work?",
             "choices": [{"id": "a", "text_ko": "비상정지 버튼", "text_en": "Emergency stop"},
                         {"id": "b", "text_ko": "점심 메뉴", "text_en": "Lunch menu"}],
             "answer": ["a"], "explanation_ko": "비상정지 동작을 먼저 확인합니다.", "explanation_en": "Check the e-stop first."},
        ],
    }


def sample_practical() -> dict:
    return {
        "equipment": ["plc_bench"],
        "checklist": [{"id": f"c{k}", "text_ko": f"점검 항목 {k}", "text_en": f"Check item {k}"} for k in range(1, 6)],
    }


def make_enrollment(user=None, course=None, **kw):
    from lms.learning.models import Enrollment

    user = user or make_user()
    course = course or make_course()
    e = Enrollment(user_id=user.id, course_id=course.id, **kw)
    db.session.add(e)
    db.session.flush()
    return e
