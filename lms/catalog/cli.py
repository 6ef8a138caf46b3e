"""``flask courses sync [--check] [--path DIR]``: load courses/ into the database.

Every error is printed as ``path:line: message`` and the command exits 1 with
nothing written; ``--check`` validates and writes nothing even when valid.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from lms.extensions import db


@click.group("courses", help="Course content from courses/ (one folder per course).")
def cli():
    pass


@cli.command("sync")
@click.option("--check", is_flag=True, help="Validate only; write nothing.")
@click.option("--path", "path", type=click.Path(file_okay=False), default=None,
              help="Folder of course folders (default: COURSES_DIR, i.e. courses/).")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: a bar when stderr is a terminal).")
@with_appcontext
def sync(check: bool, path: str | None, progress: bool | None):
    """Validate every course folder and upsert the courses by code."""
    from lms.catalog.loader import sync_courses
    from lms.core.cli_progress import CliProgress

    root = path or current_app.config["COURSES_DIR"]
    bar = CliProgress("courses", progress)
    try:
        report = sync_courses(root, check=check, progress=bar)
        if report.errors or check:
            db.session.rollback()
        else:
            db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        bar.close()
    for w in report.warnings:
        click.echo(f"경고: {w}", err=True)
    if report.errors:
        for e in report.errors:
            click.echo(str(e), err=True)
        click.echo(f"오류 {len(report.errors)}건: 아무것도 저장하지 않았습니다.", err=True)
        raise SystemExit(1)
    for line in report.summary_lines():
        click.echo(line)
