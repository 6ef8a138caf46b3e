"""Job handlers used only by the tests of lms.jobs (test code: registered when imported).

``tests.count``: adds ``n`` audit events one unit at a time (each committed), failing at
unit ``fail_at`` on the first ``fail_attempts`` attempts; a retry continues after the
units already recorded. ``tests.sleep``: a slow job for the worker tests. ``tests.file``:
a result file about some people."""
from __future__ import annotations

import time

import sqlalchemy as sa

from lms.core import audit
from lms.core.audit import AuditEvent
from lms.extensions import db
from lms.jobs import JobContext, JobFailed, job_handler


def units_done(tag: str) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "test.unit", AuditEvent.details["tag"].as_string() == tag)
                              ).scalar_one()


@job_handler("tests.count", label="테스트 작업")
def count(ctx: JobContext, n: int, tag: str, fail_at: int = -1, fail_attempts: int = 1, crash: bool = False,
          pause: float = 0.0) -> None:
    ctx.set_total(n)
    ctx.set_done(units_done(tag))
    for i in range(units_done(tag), n):
        if i == fail_at and ctx.attempt <= fail_attempts:
            audit.record(ctx.actor, "test.unit", None, tag=tag, i=i, half=True)  # written, then rolled back
            db.session.flush()
            if crash:
                raise RuntimeError("secret internal detail /etc/passwd")
            raise JobFailed("단위 %d에서 멈췄습니다" % i)
        audit.record(ctx.actor, "test.unit", None, tag=tag, i=i)
        db.session.commit()
        ctx.advance(1)
        if pause:
            time.sleep(pause)
    ctx.set_summary(f"{n}건 처리")


@job_handler("tests.file", label="테스트 파일")
def make_file(ctx: JobContext, subjects: list[int]) -> None:
    ctx.set_total(1)
    ctx.save_file("이름,번호\n홍길동,1\n".encode("utf-8-sig"), "test.csv", "text/csv")
    ctx.set_access_log(subjects, "test export", reason="점검")
    ctx.advance(1)
