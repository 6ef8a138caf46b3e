"""Long CLI commands show their progress on stderr (issue 12): a bar on a terminal, one
"label: done/total" line per step with --progress (logs, CI), nothing with --no-progress;
what they print on stdout is the same either way."""
from __future__ import annotations

import re

from lms.extensions import db


def _steps(stderr: str, label: str) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in re.findall(rf"^{label}: (\d+)/(\d+)$", stderr, re.M)]


def test_course_sync_counts_courses(app, tmp_path):
    from tests.catalog.coursefiles import write_course

    write_course(tmp_path, code="PRG101", folder="prg101")
    write_course(tmp_path, code="PRG102", folder="prg102")
    shown = app.test_cli_runner().invoke(args=["courses", "sync", "--path", str(tmp_path), "--progress"])
    assert shown.exit_code == 0, shown.output
    assert _steps(shown.stderr, "courses") == [(1, 2), (2, 2)]
    quiet = app.test_cli_runner().invoke(args=["courses", "sync", "--path", str(tmp_path), "--no-progress"])
    assert "courses:" not in quiet.stderr
    assert "새로 만듦 2" in shown.stdout and "그대로 2" in quiet.stdout  # stdout: the summary only


def test_demo_seed_counts_trainees_by_chunk(app):
    from tests.factories import make_course

    make_course("PG101", lessons=2, quizzes=1, practicals=1)
    make_course("PG102", lessons=2, quizzes=1, practicals=0)
    result = app.test_cli_runner().invoke(args=["demo", "seed", "--trainees", "250", "--chunk-size", "100",
                                                "--seed", "3", "--quiet", "--progress"])
    assert result.exit_code == 0, result.output
    assert _steps(result.stderr, "trainees") == [(100, 250), (200, 250), (250, 250)]
    assert "데모 데이터 생성 완료: 훈련생 250명" in result.stdout


def test_monthly_report_counts_its_steps(app, tmp_path):
    out = tmp_path / "r.pdf"
    result = app.test_cli_runner().invoke(args=["analytics", "report", "--month", "2026-06", "-o", str(out),
                                                "--progress"])
    assert result.exit_code == 0, result.output
    assert _steps(result.stderr, "report") == [(1, 3), (2, 3), (3, 3)]
    assert out.read_bytes().startswith(b"%PDF-") and "wrote" in result.stdout
    db.session.rollback()
