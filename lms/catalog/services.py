"""Catalogue queries and the certificate requirements of a course, for the
public pages and for other packages. Read-only: nothing here writes."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.catalog.labels import TOPICS
from lms.catalog.models import LEVELS, Course, Module
from lms.errors import NotFound
from lms.extensions import db


def list_published_courses(level: str | None = None, topic: str | None = None) -> list[Course]:
    """Published courses, optionally filtered by level and topic (unknown values are ignored),
    beginners first, then by code."""
    # Cards show module counts: load every course's modules in one more query.
    stmt = select(Course).where(Course.is_published.is_(True)).options(selectinload(Course.modules))
    if level in LEVELS:
        stmt = stmt.where(Course.level == level)
    if topic in TOPICS:
        stmt = stmt.where(Course.topic == topic)
    courses = list(db.session.execute(stmt).scalars())
    order = {lv: i for i, lv in enumerate(LEVELS)}
    return sorted(courses, key=lambda c: (order.get(c.level, 99), c.code))


def get_published_course(code: str) -> Course:
    """The published course with ``code`` (case-insensitive); NotFound otherwise."""
    course = db.session.execute(select(Course).where(Course.code == (code or "").upper())).scalar_one_or_none()
    if course is None or not course.is_published:
        raise NotFound(_("과정을 찾을 수 없습니다."))
    return course


@dataclass
class CourseOutline:
    """Counts and hours per module kind of a course's active modules."""

    modules: list[Module]
    lessons: int
    quizzes: int
    practicals: int
    practical_hours: float
    module_hours: float


def course_outline(course: Course) -> CourseOutline:
    """Active (not retired) modules in order, with counts per kind."""
    mods = sorted(course.active_modules, key=lambda m: m.position)
    count = lambda kind: sum(1 for m in mods if m.kind == kind)  # noqa: E731
    return CourseOutline(
        modules=mods,
        lessons=count("lesson"),
        quizzes=count("quiz"),
        practicals=count("practical"),
        practical_hours=sum(m.hours for m in mods if m.kind == "practical"),
        module_hours=sum(m.hours for m in mods),
    )


def _how_many(rule: dict, key: str, total: int) -> int:
    """Modules of one kind the rule requires ("all", "none" or a number)."""
    value = rule.get(key, "all")
    if value in ("all", True, None):
        return total
    if value in ("none", False):
        return 0
    try:
        return max(0, min(total, int(value)))
    except (TypeError, ValueError):
        return total


def quiz_pass_marks(course: Course) -> list[int]:
    """Distinct pass marks of the course's active quizzes, lowest first."""
    marks = {int((m.data or {}).get("pass_mark", course.pass_mark)) for m in course.active_modules if m.kind == "quiz"}
    return sorted(marks)


def certificate_requirements(course: Course) -> list[str]:
    """What a trainee must do to be certified, as translated sentences read
    from the course's completion rule."""
    rule = course.completion_rule or {}
    outline = course_outline(course)
    out: list[str] = []
    n = _how_many(rule, "lessons", outline.lessons)
    if outline.lessons:
        if n == outline.lessons:
            out.append(_("강의 %(n)d개를 모두 학습", n=n))
        elif n:
            out.append(_("강의 %(total)d개 중 %(n)d개 이상 학습", total=outline.lessons, n=n))
    n = _how_many(rule, "quizzes", outline.quizzes)
    if outline.quizzes and n:
        marks = quiz_pass_marks(course)
        mark = marks[0] if len(marks) == 1 else None
        if n == outline.quizzes:
            if mark is not None:
                out.append(_("평가 %(n)d개 모두 %(mark)d점 이상으로 통과", n=n, mark=mark))
            else:
                out.append(_("평가 %(n)d개 모두 평가별 통과 기준 점수 이상으로 통과", n=n))
        else:
            out.append(_("평가 %(total)d개 중 %(n)d개 이상 통과", total=outline.quizzes, n=n))
    n = _how_many(rule, "practicals", outline.practicals)
    if outline.practicals and n:
        if n == outline.practicals:
            out.append(_("실습 %(n)d개 모두 평가자 확인(합격)", n=n))
        else:
            out.append(_("실습 %(total)d개 중 %(n)d개 이상 평가자 확인(합격)", total=outline.practicals, n=n))
        if rule.get("attendance_min_percent"):
            out.append(_("예약한 실습 시간의 %(p)d%% 이상 출석", p=int(rule["attendance_min_percent"])))
    if course.valid_for_months:
        out.append(_("수료증 유효기간: 발급일로부터 %(m)d개월", m=course.valid_for_months))
    return out
