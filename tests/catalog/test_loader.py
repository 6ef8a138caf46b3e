"""The course loader: valid folders load, a second sync changes nothing, every
kind of error names its file and line and writes nothing, removed modules are
retired or deleted depending on learner records."""
from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from lms.catalog.loader import sync_courses
from lms.catalog.reader import read_courses
from lms.catalog.models import Course, Module
from lms.extensions import db
from tests.catalog.coursefiles import line_of, replace_in, write_course
from tests.factories import make_enrollment


def course_count() -> int:
    return db.session.execute(select(func.count()).select_from(Course)).scalar_one()


def test_valid_folder_loads_course_and_modules(tmp_path):
    write_course(tmp_path)
    report = sync_courses(tmp_path)
    assert report.ok, report.errors
    assert (report.created, report.modules_created) == (1, 3)

    course = db.session.execute(select(Course).where(Course.code == "SF101")).scalar_one()
    assert course.slug == "sf101-basics"
    assert course.title("en") == "Smart Factory Operation Basics"
    assert (course.hours, course.level, course.topic, course.ncs_code) == (7, "beginner", "operation", "1903060101_19v3")
    assert course.valid_for_months == 36 and course.pass_mark == 70
    assert course.completion_rule == {"lessons": "all", "quizzes": "all", "practicals": "all",
                                      "attendance_min_percent": 80}
    assert course.content_hash and len(course.content_hash) == 64
    lesson, quiz, practical = course.modules
    assert [m.slug for m in course.modules] == ["01-intro", "quiz-basics", "practical-line-walk"]
    assert [m.kind for m in course.modules] == ["lesson", "quiz", "practical"]
    assert [m.position for m in course.modules] == [1, 2, 3]
    assert lesson.body_md.startswith("# 스마트공장이란")
    assert quiz.data["pass_mark"] == 80 and quiz.data["max_attempts"] == 2 and quiz.data["shuffle"] is True
    assert [q["id"] for q in quiz.data["questions"]] == ["q1", "q2"]
    assert quiz.data["questions"][1]["answer"] == ["a", "b"]
    assert quiz.data["questions"][0]["choices"][1] == {"id": "b", "text_ko": "프로그래머블 로직 컨트롤러",
                                                       "text_en": "Programmable logic controller"}
    assert practical.data["equipment"] == ["plc_bench"]
    assert practical.data["safety_ko"] == "안전화를 착용합니다."
    assert len(practical.data["checklist"]) == 5 and practical.hours == 4


def test_quiz_pass_mark_defaults_to_the_course(tmp_path):
    d = write_course(tmp_path)
    replace_in(d / "quiz-basics.toml", "pass_mark = 80\n", "")
    sync_courses(tmp_path)
    quiz = db.session.execute(select(Module).where(Module.slug == "quiz-basics")).scalar_one()
    assert quiz.data["pass_mark"] == 70


def test_second_sync_changes_nothing(tmp_path):
    write_course(tmp_path)
    write_course(tmp_path, "sf201-plc", code="SF201", title_ko="PLC 제어 실습", topic="automation")
    first = sync_courses(tmp_path)
    assert first.created == 2
    db.session.commit()
    before = {m.id: m.updated_at for m in db.session.execute(select(Module)).scalars()}

    second = sync_courses(tmp_path)
    assert second.ok and not second.changed
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert (second.modules_created, second.modules_updated, second.modules_unchanged) == (0, 0, 6)
    assert not db.session.dirty and not db.session.new
    after = {m.id: m.updated_at for m in db.session.execute(select(Module)).scalars()}
    assert before == after


def test_edit_updates_only_what_changed(tmp_path):
    d = write_course(tmp_path)
    sync_courses(tmp_path)
    old_hash = db.session.execute(select(Course.content_hash)).scalar_one()
    replace_in(d / "course.toml", 'title_ko = "이해도 평가"', 'title_ko = "기초 이해도 평가"')
    report = sync_courses(tmp_path)
    assert (report.updated, report.modules_updated, report.modules_unchanged) == (1, 1, 2)
    course = db.session.execute(select(Course)).scalar_one()
    assert course.modules[1].title_ko == "기초 이해도 평가"
    assert course.content_hash != old_hash


def test_check_writes_nothing(tmp_path):
    write_course(tmp_path)
    report = sync_courses(tmp_path, check=True)
    assert report.ok and report.checked_only and report.courses_seen == 1
    assert course_count() == 0


# Each case: edit the valid course, then expect an error in FILE at the line of NEEDLE
# (occurrence), with FRAGMENT in the Korean message.
ERROR_CASES = {
    "toml syntax": ("course.toml", "hours = 7", "hours = = 7", "course.toml", "hours = = 7", 1, "TOML 문법 오류"),
    "missing required key": ("course.toml", 'ncs_code = "1903060101_19v3"\n', "", "course.toml", None, 1, "'ncs_code'"),
    "unknown level": ("course.toml", 'level = "beginner"', 'level = "expert"', "course.toml", "level =", 1, "expert"),
    "unknown topic": ("course.toml", 'topic = "operation"', 'topic = "cooking"', "course.toml", "topic =", 1, "cooking"),
    "unknown equipment": ("practical-line-walk.toml", '["plc_bench"]', '["laser_cutter"]', "practical-line-walk.toml",
                          "equipment", 1, "laser_cutter"),
    "unknown kind": ("course.toml", 'file = "01-intro.md"', 'file = "01-intro.txt"', "course.toml", "01-intro.txt", 1,
                     "모듈 종류"),
    "module file missing": ("course.toml", 'file = "01-intro.md"', 'file = "02-missing.md"', "course.toml",
                            "02-missing.md", 1, "없습니다"),
    "answer not among choices": ("quiz-basics.toml", 'answer = ["b"]', 'answer = ["z"]', "quiz-basics.toml",
                                 'answer = ["z"]', 1, "z"),
    "single with two answers": ("quiz-basics.toml", 'answer = ["b"]', 'answer = ["a", "b"]', "quiz-basics.toml",
                                'answer = ["a", "b"]', 1, "정확히 1개"),
    "duplicate question id": ("quiz-basics.toml", 'id = "q2"', 'id = "q1"', "quiz-basics.toml", 'id = "q1"', 2, "중복"),
    "duplicate choice id": ("quiz-basics.toml", 'id = "c"', 'id = "b"', "quiz-basics.toml", 'id = "b"', 3, "중복"),
    "duplicate checklist id": ("practical-line-walk.toml", 'id = "c5"', 'id = "c4"', "practical-line-walk.toml",
                               'id = "c4"', 2, "중복"),
    "module hours not a number": ("course.toml", "hours = 4", 'hours = "four"', "course.toml", '"four"', 1, "숫자"),
    "course hours not a number": ("course.toml", "hours = 7", 'hours = "7h"', "course.toml", '"7h"', 1, "숫자"),
}


@pytest.mark.parametrize("case", list(ERROR_CASES), ids=list(ERROR_CASES))
def test_each_error_names_file_and_line_and_writes_nothing(tmp_path, case):
    edit_file, old, new, err_file, needle, occurrence, fragment = ERROR_CASES[case]
    d = write_course(tmp_path)
    replace_in(d / edit_file, old, new)
    report = sync_courses(tmp_path)
    assert not report.ok
    assert course_count() == 0
    hits = [e for e in report.errors if e.path.endswith(f"sf101-basics/{err_file}") and fragment in e.message]
    assert hits, [str(e) for e in report.errors]
    if needle is not None:
        assert hits[0].line == line_of(d / err_file, needle, occurrence), str(hits[0])
    assert str(hits[0]).startswith(hits[0].path + ":")


def test_practical_needs_five_checklist_items(tmp_path):
    d = write_course(tmp_path)
    text = (d / "practical-line-walk.toml").read_text(encoding="utf-8")
    cut = text.index("[[checklist]]\nid = \"c5\"")
    (d / "practical-line-walk.toml").write_text(text[:cut], encoding="utf-8")
    report = sync_courses(tmp_path)
    [err] = report.errors
    assert err.path.endswith("practical-line-walk.toml") and "5개 이상" in err.message
    assert err.line == line_of(d / "practical-line-walk.toml", "[[checklist]]")
    assert course_count() == 0


def test_duplicate_code_across_folders_names_both(tmp_path):
    write_course(tmp_path, "a-course")
    write_course(tmp_path, "b-course")
    report = sync_courses(tmp_path)
    paths = sorted(e.path.split("/")[-2] for e in report.errors)
    assert paths == ["a-course", "b-course"]
    assert all(e.line == 1 and "SF101" in e.message for e in report.errors)
    assert course_count() == 0


def test_one_bad_course_blocks_all_and_every_error_is_listed(tmp_path):
    write_course(tmp_path, "a-good", code="SF100")
    bad = write_course(tmp_path, "b-bad", code="SF200")
    replace_in(bad / "course.toml", 'level = "beginner"', 'level = "expert"')
    replace_in(bad / "quiz-basics.toml", 'answer = ["b"]', 'answer = ["z"]')
    (tmp_path / "c-empty").mkdir()
    report = sync_courses(tmp_path)
    assert len(report.errors) == 3, [str(e) for e in report.errors]
    assert any("course.toml이 없습니다" in e.message for e in report.errors)
    assert course_count() == 0


def test_messages_are_korean_and_syntax_error_keeps_tomllib_line(tmp_path):
    d = write_course(tmp_path)
    replace_in(d / "quiz-basics.toml", 'text_ko = "PLC의 뜻은?"', 'text_ko = "PLC의 뜻은?')
    _, errors, _ = read_courses(tmp_path)
    [err] = errors
    assert err.line == line_of(d / "quiz-basics.toml", '"PLC의 뜻은?')
    assert err.message.startswith("TOML 문법 오류")


# ---------------------------------------------------------------- removed modules


def _drop_quiz(d):
    text = (d / "course.toml").read_text(encoding="utf-8")
    start = text.index('[[modules]]\nfile = "quiz-basics.toml"')
    end = text.index("[[modules]]", start + 5)
    (d / "course.toml").write_text(text[:start] + text[end:], encoding="utf-8")


def test_removed_module_without_records_is_deleted(tmp_path):
    d = write_course(tmp_path)
    sync_courses(tmp_path)
    _drop_quiz(d)
    report = sync_courses(tmp_path)
    assert (report.modules_deleted, report.modules_retired) == (0 + 1, 0)
    course = db.session.execute(select(Course)).scalar_one()
    assert [m.slug for m in course.modules] == ["01-intro", "practical-line-walk"]
    assert [m.position for m in course.modules] == [1, 2]


def test_removed_module_with_records_is_retired_and_comes_back(tmp_path):
    from lms.learning.models import ModuleProgress

    d = write_course(tmp_path)
    sync_courses(tmp_path)
    course = db.session.execute(select(Course)).scalar_one()
    quiz = course.modules[1]
    enrollment = make_enrollment(course=course)
    db.session.add(ModuleProgress(enrollment_id=enrollment.id, module_id=quiz.id))
    db.session.flush()

    _drop_quiz(d)
    report = sync_courses(tmp_path)
    assert (report.modules_retired, report.modules_deleted) == (1, 0)
    db.session.refresh(quiz)
    assert quiz.retired_at is not None
    assert [m.slug for m in course.active_modules] == ["01-intro", "practical-line-walk"]
    assert sync_courses(tmp_path).changed is False  # retiring is not repeated

    shutil.rmtree(d)
    write_course(tmp_path)
    report = sync_courses(tmp_path)
    assert report.modules_restored == 1
    assert quiz.retired_at is None and quiz.position == 2


def test_module_referenced_by_enrollment_position_is_retired(tmp_path):
    d = write_course(tmp_path)
    sync_courses(tmp_path)
    course = db.session.execute(select(Course)).scalar_one()
    make_enrollment(course=course, last_module_id=course.modules[1].id)
    _drop_quiz(d)
    assert sync_courses(tmp_path).modules_retired == 1


def test_skips_hidden_and_underscore_folders(tmp_path):
    write_course(tmp_path)
    (tmp_path / "_drafts").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "README.md").write_text("# 과정", encoding="utf-8")
    specs, errors, _ = read_courses(tmp_path)
    assert [s.code for s in specs] == ["SF101"] and errors == []


def test_renamed_folders_keep_their_course(tmp_path):
    write_course(tmp_path, "a-folder", code="SF101")
    write_course(tmp_path, "b-folder", code="SF102")
    sync_courses(tmp_path)
    (tmp_path / "a-folder").rename(tmp_path / "tmp")
    (tmp_path / "b-folder").rename(tmp_path / "a-folder")
    (tmp_path / "tmp").rename(tmp_path / "b-folder")
    report = sync_courses(tmp_path)
    assert report.ok and report.updated == 2
    slugs = dict(db.session.execute(select(Course.code, Course.slug)).all())
    assert slugs == {"SF101": "b-folder", "SF102": "a-folder"}


def test_folder_name_of_a_vanished_course_is_an_error(tmp_path):
    d = write_course(tmp_path, "a-folder", code="SF101")
    sync_courses(tmp_path)
    replace_in(d / "course.toml", 'code = "SF101"', 'code = "SF111"')
    report = sync_courses(tmp_path)
    [err] = report.errors
    assert err.path.endswith("a-folder/course.toml") and "SF101" in err.message
    assert db.session.execute(select(Course.code)).scalars().all() == ["SF101"]


def test_question_key_written_after_its_choices_is_an_error(tmp_path):
    d = write_course(tmp_path)
    quiz = d / "quiz-basics.toml"
    text = quiz.read_text(encoding="utf-8")
    text = text.replace('explanation_ko = "급여는 ERP의 기능입니다."\n', "", 1)
    text += 'explanation_ko = "급여는 ERP의 기능입니다."\n'
    quiz.write_text(text, encoding="utf-8")
    [err] = sync_courses(tmp_path).errors
    assert "explanation_ko" in err.message and "앞에" in err.message
    assert err.line == line_of(quiz, "급여는 ERP의 기능입니다.")
