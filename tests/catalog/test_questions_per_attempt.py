"""``questions_per_attempt`` on a quiz's [[modules]] entry in course.toml: a quiz whose
bank is larger than the quiz draws that many questions per attempt (issue 8).
Bad values are errors naming course.toml and the key's line; nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.catalog.loader import sync_courses
from lms.catalog.models import Course, Module
from lms.extensions import db
from tests.catalog.coursefiles import line_of, replace_in, write_course

QUIZ_ENTRY = 'file = "quiz-basics.toml"\n'
LESSON_ENTRY = 'file = "01-intro.md"\n'


def _with_key(tmp_path, value: str, entry: str = QUIZ_ENTRY):
    d = write_course(tmp_path)
    replace_in(d / "course.toml", entry, entry + f"questions_per_attempt = {value}\n")
    return d


def test_key_is_stored_on_the_quiz_module(tmp_path):
    _with_key(tmp_path, "1")
    report = sync_courses(tmp_path)
    assert report.ok, [str(e) for e in report.errors]
    quiz = db.session.execute(select(Module).where(Module.slug == "quiz-basics")).scalar_one()
    assert quiz.data["questions_per_attempt"] == 1 and len(quiz.data["questions"]) == 2


def test_without_the_key_every_question_is_asked(tmp_path):
    write_course(tmp_path)
    assert sync_courses(tmp_path).ok
    quiz = db.session.execute(select(Module).where(Module.slug == "quiz-basics")).scalar_one()
    assert "questions_per_attempt" not in quiz.data


@pytest.mark.parametrize("value,fragment", [
    ("0", "1 이상의 정수"), ("-2", "1 이상의 정수"), ('"2"', "1 이상의 정수"), ("1.5", "1 이상의 정수"),
    ("true", "1 이상의 정수"), ("3", "문항 수(2)보다 많습니다"),
])
def test_bad_values_name_course_toml_and_the_line(tmp_path, value, fragment):
    d = _with_key(tmp_path, value)
    report = sync_courses(tmp_path)
    assert not report.ok
    hits = [e for e in report.errors if e.path.endswith("sf101-basics/course.toml") and fragment in e.message]
    assert hits, [str(e) for e in report.errors]
    assert hits[0].line == line_of(d / "course.toml", "questions_per_attempt")
    assert str(hits[0]).startswith(f"{hits[0].path}:{hits[0].line}: ")
    assert db.session.execute(select(func.count()).select_from(Course)).scalar_one() == 0


def test_key_on_a_module_that_is_not_a_quiz_is_an_error(tmp_path):
    d = _with_key(tmp_path, "2", entry=LESSON_ENTRY)
    report = sync_courses(tmp_path)
    hits = [e for e in report.errors if "평가(quiz-*.toml) 모듈에만" in e.message]
    assert hits and hits[0].line == line_of(d / "course.toml", "questions_per_attempt")
