"""``workplace_assessment`` on a practical's [[modules]] entry in course.toml (issue 11):
true lets a meister placed with the trainee's company sign the practical off at the
workplace. Anything but a boolean, or the key on another kind of module, is an error
naming course.toml and the key's line; nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lms.catalog.loader import sync_courses
from lms.catalog.models import Course, Module
from lms.extensions import db
from lms.meisters.workplace import allows_workplace
from tests.catalog.coursefiles import line_of, replace_in, write_course

PRACTICAL_ENTRY = 'file = "practical-line-walk.toml"\n'
QUIZ_ENTRY = 'file = "quiz-basics.toml"\n'


def _with_key(tmp_path, value: str, entry: str = PRACTICAL_ENTRY):
    d = write_course(tmp_path)
    replace_in(d / "course.toml", entry, entry + f"workplace_assessment = {value}\n")
    return d


@pytest.mark.parametrize("value,allowed", [("true", True), ("false", False), (None, False)])
def test_key_is_stored_on_the_practical(tmp_path, value, allowed):
    _with_key(tmp_path, value) if value else write_course(tmp_path)
    report = sync_courses(tmp_path)
    assert report.ok, [str(e) for e in report.errors]
    practical = db.session.execute(select(Module).where(Module.kind == "practical")).scalar_one()
    assert allows_workplace(practical) is allowed


@pytest.mark.parametrize("value", ['"yes"', "1", "[true]"])
def test_bad_values_name_course_toml_and_the_line(tmp_path, value):
    d = _with_key(tmp_path, value)
    report = sync_courses(tmp_path)
    hits = [e for e in report.errors if "true 또는 false" in e.message]
    assert hits and hits[0].line == line_of(d / "course.toml", "workplace_assessment"), [str(e) for e in report.errors]
    assert str(hits[0]).startswith(f"{hits[0].path}:{hits[0].line}: ")
    assert db.session.execute(select(func.count()).select_from(Course)).scalar_one() == 0


def test_key_on_a_quiz_is_an_error(tmp_path):
    d = _with_key(tmp_path, "true", entry=QUIZ_ENTRY)
    report = sync_courses(tmp_path)
    hits = [e for e in report.errors if "실습(practical-*.toml) 모듈에만" in e.message]
    assert hits and hits[0].line == line_of(d / "course.toml", "workplace_assessment")


def test_the_repository_safety_course_allows_it(app):
    from lms.catalog.reader import read_courses
    from lms.catalog.tomlfile import REPO_ROOT

    specs, errors, _ = read_courses(REPO_ROOT / "courses")
    assert not errors
    saf = next(s for s in specs if s.code == "SAF111")
    assert [m.data.get("workplace_assessment") for m in saf.modules if m.kind == "practical"] == [True]
