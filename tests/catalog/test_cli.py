"""``flask courses sync``: exit codes, printed errors, --check and --path."""
from __future__ import annotations

from sqlalchemy import func, select

from lms.catalog.models import Course
from lms.extensions import db
from tests.catalog.coursefiles import line_of, replace_in, write_course


def count() -> int:
    return db.session.execute(select(func.count()).select_from(Course)).scalar_one()


def test_sync_valid_folder_exits_zero_and_reports(app, tmp_path):
    write_course(tmp_path)
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "새로 만듦 1" in result.output
    assert count() == 1
    again = app.test_cli_runner().invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert again.exit_code == 0 and "그대로 1" in again.output


def test_sync_uses_courses_dir_from_config(app, tmp_path, monkeypatch):
    write_course(tmp_path)
    monkeypatch.setitem(app.config, "COURSES_DIR", str(tmp_path))
    result = app.test_cli_runner().invoke(args=["courses", "sync"])
    assert result.exit_code == 0, result.output
    assert count() == 1


def test_check_exits_zero_and_writes_nothing(app, tmp_path):
    write_course(tmp_path)
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--check", "--path", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "--check" in result.output
    assert count() == 0


def test_errors_print_path_line_and_exit_nonzero(app, tmp_path):
    d = write_course(tmp_path)
    write_course(tmp_path, "sf102-other", code="SF102")
    replace_in(d / "quiz-basics.toml", 'answer = ["b"]', 'answer = ["z"]')
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--path", str(tmp_path)])
    assert result.exit_code != 0
    line = line_of(d / "quiz-basics.toml", 'answer = ["z"]')
    assert f"sf101-basics/quiz-basics.toml:{line}: " in result.output
    assert "아무것도 저장하지 않았습니다" in result.output
    assert count() == 0  # the valid course is not written either


def test_check_with_errors_exits_nonzero(app, tmp_path):
    d = write_course(tmp_path)
    replace_in(d / "course.toml", "hours = 7", "hours = = 7")
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--check", "--path", str(tmp_path)])
    assert result.exit_code != 0
    assert f"course.toml:{line_of(d / 'course.toml', 'hours = = 7')}: TOML 문법 오류" in result.output
