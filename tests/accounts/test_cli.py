"""``flask users create`` / ``flask users list``."""
from __future__ import annotations

from lms.accounts import services


def test_create_with_password_and_list(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "--role", "ministry", "--email", "Gov@Example.kr",
                            "--name", "정부담당", "--password", "password123!"])
    assert r.exit_code == 0, r.output
    user = services.get_user_by_email("gov@example.kr")
    assert user.role == "ministry" and user.check_password("password123!")
    r = runner.invoke(args=["users", "list", "--role", "ministry"])
    assert "gov@example.kr" in r.output


def test_create_prompts_for_password(app):
    runner = app.test_cli_runner()
    r = runner.invoke(args=["users", "create", "--role", "admin", "--email", "root@example.kr", "--name", "관리"],
                      input="password123!\npassword123!\n")
    assert r.exit_code == 0, r.output
    assert services.get_user_by_email("root@example.kr").check_password("password123!")
    assert "password123!" not in r.output  # hidden input


def test_create_duplicate_and_short_password_fail(app):
    runner = app.test_cli_runner()
    args = ["users", "create", "--role", "admin", "--email", "dup@example.kr", "--name", "관리"]
    assert runner.invoke(args=args + ["--password", "password123!"]).exit_code == 0
    r = runner.invoke(args=args + ["--password", "password123!"])
    assert r.exit_code != 0 and "이미 가입된" in r.output
    r = runner.invoke(args=["users", "create", "--role", "admin", "--email", "s@example.kr", "--name", "관리",
                            "--password", "short"])
    assert r.exit_code != 0 and services.get_user_by_email("s@example.kr") is None
