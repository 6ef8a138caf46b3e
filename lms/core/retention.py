"""How long each kind of record is kept, and the purge that applies it (``flask privacy purge``).

One table, :data:`KINDS`: a kind names a table, the rows of it that may go (a
condition) and the instant that ages them, the period in months and the basis
assumed (docs/ARCHITECTURE.md, "Retention"). Cut-offs are Korean dates: a row may
go once the Korean date of its instant is more than the period before today's
Korean date (00:00 KST of ``today - period``, via lms/core/timeutil.py).

The access log is kept at least two years whatever the table says (PIPA
safety-measures standard Art. 8); its purge removes only the oldest run of rows
below the cut-off, after storing a checkpoint (the last purged id and hash) so
that the remaining chain still verifies and the database trigger allows exactly
those deletes. Certificates, enrollments, progress, attendance and sign-offs are
evidence of training and are not purged here (they go with the account, see
lms/accounts); neither is anything not listed.

Deletes run in batches (``batch`` rows per statement), each kind in its own
commit, so a long purge never holds a table for long.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa

from lms.core.access_log import RETENTION_MONTHS, AccessLogCheckpoint, AccessLogEntry
from lms.core.timeutil import add_months, kst_day_start, today_kst


@dataclass(frozen=True)
class Kind:
    key: str
    table: str
    months: int
    basis: str
    aged_by: str  # the column whose instant ages a row
    where: Callable[[sa.Table], object] | None = None  # which rows of the table this kind covers


def _users_without_records(t: sa.Table):
    """Self-registered accounts never confirmed, referenced by nothing but their consents."""
    from lms.extensions import db

    conds = [t.c.email_confirm_pending.is_(True), t.c.role == "trainee", t.c.last_login_at.is_(None)]
    for other in db.metadata.sorted_tables:
        if other.name == "consent_records":
            continue
        for fk in other.foreign_keys:
            if fk.column.table.name == "users":
                conds.append(~sa.exists().where(fk.parent == t.c.id))
    return sa.and_(*conds)


KINDS: tuple[Kind, ...] = (
    Kind("access_log", "access_log", RETENTION_MONTHS,
         "개인정보의 안전성 확보조치 기준 제8조: 접속기록 2년 이상 보관", "created_at"),
    Kind("audit_events", "audit_events", 36,
         "수료증·권한 변경의 증빙 (내부 방침: 3년)", "created_at"),
    Kind("outbox_messages", "outbox_messages", 12,
         "발송 메일 사본: 이름·이메일·링크 포함, 1년 뒤 파기 (개인정보 보호법 제21조 목적 달성 후 파기)", "created_at"),
    Kind("cohort_invitations", "cohort_invitations", 3,
         "답하지 않았거나 답한 기수 초대: 만료 3개월 뒤 파기 (제21조)", "expires_at"),
    Kind("recovery_codes", "recovery_codes", 3,
         "사용한 2단계 인증 복구 코드(해시): 사용 3개월 뒤 파기", "used_at",
         lambda t: t.c.used_at.is_not(None)),
    Kind("quiz_attempt_drafts", "quiz_attempts", 12,
         "제출하지 않은 퀴즈 응시(초안): 시작 1년 뒤 파기 (평가 기록이 아님)", "started_at",
         lambda t: t.c.submitted_at.is_(None)),
    Kind("job_results", "jobs", 1,
         "백그라운드 작업의 결과 파일(명단·수료증 묶음 등): 작업이 끝나고 1개월 뒤 파일만 파기 (제21조)", "finished_at",
         lambda t: t.c.result_data.is_not(None)),
    Kind("jobs", "jobs", 12,
         "끝난 백그라운드 작업의 기록(누가 무엇을 언제): 1년 뒤 파기", "finished_at",
         lambda t: t.c.status.in_(("succeeded", "failed"))),
    Kind("unconfirmed_accounts", "users", 1,
         "이메일 확인을 마치지 않은 자가 가입 계정: 1개월 뒤 동의 기록과 함께 파기 (제21조)", "created_at",
         _users_without_records),
)
# Password-reset and invitation links are signed and expiring, never stored; login
# throttle counters live in Redis or process memory with their own expiry; roster
# uploads waiting for confirmation are deleted after a day (lms/labs/roster_store.py).


def cutoff(kind: Kind, today: date | None = None) -> datetime:
    """The first instant a row of ``kind`` is kept: 00:00 KST of (today − period)."""
    months = max(kind.months, RETENTION_MONTHS) if kind.key == "access_log" else kind.months
    return kst_day_start(add_months(today or today_kst(), -months))


def _table(name: str) -> sa.Table:
    from lms.extensions import db

    return db.metadata.tables[name]


def _expired(kind: Kind, t: sa.Table, when: datetime):
    cond = t.c[kind.aged_by] < when
    return sa.and_(cond, kind.where(t)) if kind.where else cond


def _purge_access_log(session, when: datetime, dry_run: bool, batch: int) -> int:
    """Purge the oldest run of access-log rows created before ``when`` (never younger ones)."""
    first_kept = session.execute(sa.select(sa.func.min(AccessLogEntry.id))
                                 .where(AccessLogEntry.created_at >= when)).scalar()
    upto = session.execute(sa.select(sa.func.max(AccessLogEntry.id)).where(
        AccessLogEntry.created_at < when,
        *([AccessLogEntry.id < first_kept] if first_kept is not None else []))).scalar()
    if upto is None:
        return 0
    count = session.execute(sa.select(sa.func.count(AccessLogEntry.id)).where(AccessLogEntry.id <= upto)).scalar_one()
    if dry_run or not count:
        return count
    upto_hash = session.execute(sa.select(AccessLogEntry.row_hash).where(AccessLogEntry.id == upto)).scalar_one()
    session.add(AccessLogCheckpoint(upto_id=upto, upto_hash=upto_hash, purged=count))
    session.flush()
    deleted = 0
    while True:
        ids = session.execute(sa.select(AccessLogEntry.id).where(AccessLogEntry.id <= upto)
                              .order_by(AccessLogEntry.id).limit(batch)).scalars().all()
        if not ids:
            return deleted
        deleted += session.execute(sa.delete(AccessLogEntry).where(AccessLogEntry.id.in_(ids))).rowcount


def _purge_rows(session, kind: Kind, when: datetime, dry_run: bool, batch: int) -> int:
    """Delete the kind's expired rows in batches; for job results, clear only the file."""
    t = _table(kind.table)
    cond = _expired(kind, t, when)
    if dry_run:
        return session.execute(sa.select(sa.func.count()).select_from(t).where(cond)).scalar_one()
    done = 0
    while True:
        ids = session.execute(sa.select(t.c.id).where(cond).order_by(t.c.id).limit(batch)).scalars().all()
        if not ids:
            return done
        if kind.key == "job_results":  # the file goes; the record of the job keeps its own period
            done += session.execute(sa.update(t).where(t.c.id.in_(ids)).values(result_data=None)).rowcount
            continue
        if kind.table == "users":
            session.execute(sa.delete(_table("consent_records")).where(_table("consent_records").c.user_id.in_(ids)))
        done += session.execute(sa.delete(t).where(t.c.id.in_(ids))).rowcount


def purge(session, *, dry_run: bool = False, batch: int = 1000, today: date | None = None,
          commit: bool = True) -> dict[str, int]:
    """Apply every retention period; returns the rows removed (or, dry run, removable) per kind."""
    counts: dict[str, int] = {}
    for kind in KINDS:
        when = cutoff(kind, today)
        if kind.key == "access_log":
            counts[kind.key] = _purge_access_log(session, when, dry_run, batch)
        else:
            counts[kind.key] = _purge_rows(session, kind, when, dry_run, batch)
        if commit and not dry_run:
            session.commit()
    return counts
