"""The real courses/ folder of the repository must validate (when it has courses)."""
from __future__ import annotations

import pytest

from lms.catalog.reader import read_courses
from lms.catalog.tomlfile import REPO_ROOT

COURSES = REPO_ROOT / "courses"


def test_repository_courses_validate(app):
    folders = [p for p in COURSES.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))] if COURSES.is_dir() else []
    if not folders:
        pytest.skip("courses/ has no course folders yet")
    result = app.test_cli_runner().invoke(args=["courses", "sync", "--check", "--path", str(COURSES)])
    assert result.exit_code == 0, result.output
    specs, errors, _ = read_courses(COURSES)
    assert errors == [] and len(specs) == len(folders)
