"""``flask demo seed --trainees N --seed S [--if-empty]``: write the demo programme."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from lms.extensions import db


@click.group("demo", help="Demo data for trying the platform out.")
def cli():
    pass


@cli.command("seed")
@click.option("--trainees", "trainees", type=click.IntRange(min=0), default=300, show_default=True,
              help="Number of generated trainees (about 4 enrollments each).")
@click.option("--seed", "seed", type=int, default=42, show_default=True, help="Random seed: same seed, same data.")
@click.option("--if-empty", "if_empty", is_flag=True, help="Do nothing when any user exists already.")
@click.option("--chunk-size", type=click.IntRange(min=100), default=2000, show_default=True,
              help="Trainees written (and committed) per chunk.")
@click.option("--today", "today", default=None, metavar="YYYY-MM-DD|now",
              help="The generated world's today (default: the fixed 2026-11-20, so runs are reproducible; "
                   "'now' uses the real date, so upcoming sessions lie ahead).")
@click.option("--quiet", is_flag=True, help="Print only the summary.")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: a bar when stderr is a terminal).")
@with_appcontext
def seed(trainees: int, seed: int, if_empty: bool, chunk_size: int, today: str | None, quiet: bool,
         progress: bool | None):
    """Generate institutions, companies, programmes, cohorts, labs, trainees and their records."""
    from datetime import date

    from lms.accounts.models import User
    from lms.core.timeutil import to_kst
    from lms.core.db import utcnow
    from lms.demo.common import DEMO_PASSWORD, DEMO_TOTP_SECRET, TODAY, NoCourses
    from lms.demo.seed import seed_demo
    from lms.errors import Conflict

    if today is None:
        day = TODAY
    elif today == "now":
        day = to_kst(utcnow()).date()
    else:
        try:
            day = date.fromisoformat(today)
        except ValueError:
            raise click.BadParameter("YYYY-MM-DD 또는 now", param_hint="--today")

    if if_empty and db.session.execute(select(User.id).limit(1)).first() is not None:
        click.echo("사용자가 이미 있어 데모 데이터를 만들지 않았습니다 (--if-empty).")
        return
    from lms.core.cli_progress import CliProgress

    bar = CliProgress("trainees", progress)
    try:
        report = seed_demo(trainees, seed, today=day, chunk_size=chunk_size, on_chunk=db.session.commit,
                           log=None if quiet or bar.tty and bar.show else (lambda msg: click.echo(f"  {msg}")),
                           progress=bar)
    except NoCourses:
        db.session.rollback()
        click.echo("과정이 없습니다. 먼저 `flask courses sync`로 courses/를 불러오세요.", err=True)
        sys.exit(1)
    except Conflict as exc:
        db.session.rollback()
        click.echo(f"데모 데이터가 이미 있습니다: {exc}", err=True)
        sys.exit(1)
    finally:
        bar.close()
    db.session.commit()
    width = max(len(t) for t in report.counts) if report.counts else 10
    for table, count in sorted(report.counts.items()):
        click.echo(f"{table:<{width}}  {count:>10,}")
    rate = report.total_rows / report.seconds if report.seconds else 0
    click.echo(f"데모 데이터 생성 완료: 훈련생 {trainees:,}명, 행 {report.total_rows:,}개, "
               f"{report.seconds:.1f}초 ({rate:,.0f} 행/초), seed={seed}")
    click.echo(f"데모 계정 (비밀번호 {DEMO_PASSWORD}): trainee@demo.kr, instructor@demo.kr, "
               "ministry@demo.kr, admin@demo.kr, meister@demo.kr")
    click.echo(f"ministry@/admin@demo.kr 2단계 인증 TOTP 설정 키 (데모 전용): {DEMO_TOTP_SECRET}")
