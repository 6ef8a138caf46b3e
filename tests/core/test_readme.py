"""Issue 8, small things: every command in the README works when pasted into a fresh clone
after `make run`.

Before, `flask --app wsgi <command>` failed with "LMS_SECRET_KEY is not set" unless
FLASK_DEBUG=1 was exported (only the Makefile did), and the README linked to a design
document outside the repository. The test copies the repository's files (as a clone has
them) to a temporary folder, does what `make run` does before serving (`make config`, then
the database steps with the Makefile's FLASK_DEBUG=1), and then runs every line of the
README's ``sh`` code blocks in one bash session with a clean environment: no FLASK_DEBUG,
no LMS_SECRET_KEY. ``make`` lines are checked with ``make -n`` (they install, serve or run
the whole suite). Runs on SQLite, and on PostgreSQL when LMS_TEST_DATABASE_URL is set.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import make_database

REPO = Path(__file__).resolve().parents[2]
README = REPO / "README.md"


def readme_commands() -> list[str]:
    """Every command line of the README's ```sh blocks (comments and blank lines dropped)."""
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S):
        for line in block.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                lines.append(line)
    return lines


def readme_links() -> list[str]:
    return re.findall(r"\]\(([^)#\s]+)[^)]*\)", README.read_text(encoding="utf-8"))


def _clean_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("LMS_", "FLASK_", "VIRTUAL_ENV", "PYTHON"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if ".venv" not in p)
    env.update(extra)
    return env


def _fresh_clone(dest: Path) -> Path:
    """The repository's files as a clone has them (tracked and new, not ignored ones)."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    # `make run` creates .venv/; the shared one stands in for it (installing is not under test).
    (dest / ".venv").symlink_to(Path(sys.executable).resolve().parents[1] if not (REPO / ".venv").exists()
                                else (REPO / ".venv").resolve())
    return dest


def test_readme_has_the_commands_and_links_to_documents_in_the_repository():
    commands = readme_commands()
    assert any(c.startswith("flask --app wsgi ") for c in commands)
    assert any(c.startswith("source .venv/bin/activate") for c in commands)
    for target in readme_links():
        if "://" in target:
            continue
        path = (REPO / target).resolve()
        assert path.is_file(), f"README links to {target}, which is not in the repository"
        assert REPO in path.parents, f"README links outside the repository: {target}"
    assert (REPO / "docs" / "ARCHITECTURE.md").is_file()


def test_every_readme_command_works_in_a_fresh_clone_after_make_run(tmp_path):
    clone = _fresh_clone(tmp_path / "clone")
    db_env = {}
    drop = None
    if os.environ.get("LMS_TEST_DATABASE_URL"):
        url, drop = make_database("lms_readme")
        db_env["LMS_DATABASE_URL"] = url
    try:
        # `make run` writes the key (make -n prints the recipes without running them) ...
        dry_run = subprocess.run(["make", "-n", "run"], cwd=clone, env=_clean_env(), capture_output=True,
                                 text=True, timeout=60)
        assert "SECRET_KEY" in dry_run.stdout and dry_run.stdout.index("SECRET_KEY") < dry_run.stdout.index("db upgrade")
        # ... then does what this test repeats (the make targets that install are not run).
        subprocess.run(["make", "-s", "config"], cwd=clone, env=_clean_env(), check=True, timeout=60)
        assert "SECRET_KEY" in (clone / "instance" / "config.py").read_text()
        flask = [str(clone / ".venv" / "bin" / "flask"), "--app", "wsgi"]
        for args in (["db", "upgrade"], ["reference", "load"], ["courses", "sync"],
                     ["demo", "seed", "--if-empty", "--trainees", "30", "--seed", "42", "--today", "now", "--quiet"]):
            done = subprocess.run(flask + args, cwd=clone, env=_clean_env(FLASK_DEBUG="1", **db_env),
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"make run's step {args} failed:\n{done.stdout}\n{done.stderr}"

        commands = readme_commands()
        for line in commands:
            if re.match(r"^(\w+=\S+ )*make\b", line):
                target = line.split("make", 1)[1].split()[0] if line.split("make", 1)[1].split() else ""
                dry = subprocess.run(["make", "-n", target], cwd=clone, env=_clean_env(), capture_output=True,
                                     text=True, timeout=60)
                assert dry.returncode == 0, f"`{line}`: {dry.stderr}"
        # -e: stop at the first failing command; no pipefail, as in an interactive shell.
        script = "set -eu\n" + "\n".join(
            f"echo '$ '{_quote(line)}\n{line}" for line in commands if not re.match(r"^(\w+=\S+ )*make\b", line))
        run = subprocess.run(["bash", "-c", script], cwd=clone, env=_clean_env(**db_env), capture_output=True,
                             text=True, timeout=900)
        assert run.returncode == 0, f"a README command failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
        assert "LMS_SECRET_KEY is not set" not in run.stderr
        for produced in ("certificate.pdf", "certificate-en.pdf", "report.pdf"):
            assert (clone / produced).read_bytes().startswith(b"%PDF")
    finally:
        if drop is not None:
            drop()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"
