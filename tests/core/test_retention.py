"""Retention periods and `flask privacy purge` (lms/core/retention.py).

Requirements: PIPA 제21조 (보유기간이 지난 개인정보의 지체 없는 파기); PIPA 개인정보의 안전성
확보조치 기준 제8조 ① (접속기록 2년 이상 보관); OWASP ASVS 5.0 V14.2.7 (data retention:
personal data deleted after its retention period).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from lms.core import access_log as al
from lms.core import retention
from lms.core.access_log import AccessLogEntry
from lms.core.outbox import OutboxMessage
from lms.core.timeutil import KST, frozen_clock
from lms.extensions import db
from tests.certificates.conftest import make_cohort
from tests.factories import make_course, make_enrollment, make_user

NOW = datetime(2031, 6, 15, 3, 0, tzinfo=timezone.utc)  # 2031-06-15 12:00 KST


def _ago(**kw) -> datetime:
    return NOW - timedelta(**kw)


def _outbox(at):
    m = OutboxMessage(recipient="a@example.kr", subject="s", body="b", created_at=at)
    db.session.add(m)
    db.session.flush()
    return m.id


def _exists(model, id_) -> bool:
    db.session.expire_all()
    return db.session.execute(sa.select(model.id).where(model.id == id_)).scalar() is not None


def _log(at, n=1):
    staff = make_user("instructor")
    return [al.append(db.session, created_at=at, actor_id=staff.id, actor_email=staff.email, actor_role="instructor",
                      action="view", subject_ids=",7,", subject_count=1) for _ in range(n)]


def test_purge_deletes_old_outbox_tokens_drafts_and_unconfirmed_accounts_only():
    """PIPA 제21조 / ASVS V14.2.7: records past their period go, younger ones stay, per kind."""
    from lms.accounts.models import RecoveryCode, User
    from lms.labs.models import CohortInvitation
    from lms.learning.models import QuizAttempt

    with frozen_clock(NOW):
        old_mail, new_mail = _outbox(_ago(days=400)), _outbox(_ago(days=300))
        owner = make_user("trainee")
        cohort = make_cohort()
        inv_old = CohortInvitation(cohort_id=cohort.id, user_id=owner.id, secret_digest="a" * 64,
                                   expires_at=_ago(days=120))
        inv_new = CohortInvitation(cohort_id=cohort.id, user_id=owner.id, secret_digest="b" * 64,
                                   expires_at=_ago(days=10))
        used_old = RecoveryCode(user_id=owner.id, code_hash="c" * 64, used_at=_ago(days=120))
        unused = RecoveryCode(user_id=owner.id, code_hash="d" * 64, created_at=_ago(days=900))
        course = make_course(quizzes=1)
        quiz = [m for m in course.modules if m.kind == "quiz"][0]
        e = make_enrollment(owner, course)
        draft_old = QuizAttempt(enrollment_id=e.id, module_id=quiz.id, started_at=_ago(days=400))
        submitted_old = QuizAttempt(enrollment_id=e.id, module_id=quiz.id, started_at=_ago(days=400),
                                    submitted_at=_ago(days=400))
        db.session.add_all([inv_old, inv_new, used_old, unused, draft_old, submitted_old])
        pending_old = make_user("trainee", email_confirm_pending=True, created_at=_ago(days=45))
        pending_new = make_user("trainee", email_confirm_pending=True, created_at=_ago(days=5))
        db.session.flush()
        ids = dict(inv_old=inv_old.id, inv_new=inv_new.id, used_old=used_old.id, unused=unused.id,
                   draft_old=draft_old.id, submitted_old=submitted_old.id, pending_old=pending_old.id,
                   pending_new=pending_new.id)

        dry = retention.purge(db.session, dry_run=True, commit=False)
        assert dry["outbox_messages"] >= 1 and _exists(OutboxMessage, old_mail)
        counts = retention.purge(db.session, batch=1, commit=False)
        assert counts == dry
        assert counts["unconfirmed_accounts"] >= 1 and counts["quiz_attempt_drafts"] >= 1

    assert not _exists(OutboxMessage, old_mail) and _exists(OutboxMessage, new_mail)
    assert not _exists(CohortInvitation, ids["inv_old"]) and _exists(CohortInvitation, ids["inv_new"])
    assert not _exists(RecoveryCode, ids["used_old"]) and _exists(RecoveryCode, ids["unused"])
    assert not _exists(QuizAttempt, ids["draft_old"]) and _exists(QuizAttempt, ids["submitted_old"])
    assert not _exists(User, ids["pending_old"]) and _exists(User, ids["pending_new"])
    assert _exists(User, owner.id)


def test_access_log_younger_than_two_years_is_never_purged_and_the_chain_still_verifies():
    """PIPA 안전성 확보조치 기준 제8조 ①: access-log rows are kept at least two years; the purge of older ones
    leaves a checkpoint so that verification still holds, and the rest stays undeletable."""
    with frozen_clock(NOW):
        old = _log(_ago(days=3 * 365), 3)
        edge = _log(datetime(2029, 6, 15, 0, 0, tzinfo=KST))  # the first instant of the kept period (KST)
        young = _log(_ago(days=2 * 365 - 30), 2)
        assert retention.purge(db.session, dry_run=True, commit=False)["access_log"] >= 3
        counts = retention.purge(db.session, commit=False)
        assert counts["access_log"] >= 3
        assert al.verify(db.session).ok
    remaining = set(db.session.execute(sa.select(AccessLogEntry.id)).scalars())
    assert not {r.id for r in old} & remaining
    assert {r.id for r in edge + young} <= remaining
    sp = db.session.begin_nested()
    try:
        db.session.execute(sa.text("DELETE FROM access_log WHERE id = :id"), {"id": young[0].id})
        refused = False
    except sa.exc.DBAPIError:
        refused = True
    sp.rollback()
    assert refused


def test_cutoffs_are_korean_dates():
    """Retention counted on Asia/Seoul dates (lms/core/timeutil.py): at 23:30 UTC it is already the next day."""
    outbox = next(k for k in retention.KINDS if k.key == "outbox_messages")
    access = next(k for k in retention.KINDS if k.key == "access_log")
    with frozen_clock(datetime(2030, 3, 31, 23, 30, tzinfo=timezone.utc)):  # 2030-04-01 08:30 KST
        assert retention.cutoff(outbox) == datetime(2029, 4, 1, tzinfo=KST)
        assert retention.cutoff(access) == datetime(2028, 4, 1, tzinfo=KST)
    assert retention.cutoff(access, date(2030, 1, 1)) <= datetime(2028, 1, 1, tzinfo=KST)


def test_access_log_period_can_never_be_below_two_years(monkeypatch):
    """PIPA 안전성 확보조치 기준 제8조 ①: even a shortened table keeps the access log two years."""
    short = retention.Kind("access_log", "access_log", 6, "", "created_at")
    assert retention.cutoff(short, date(2030, 6, 1)) == datetime(2028, 6, 1, tzinfo=KST)


def test_purge_cli_prints_counts_per_kind(app):
    """`flask privacy purge --dry-run` names every kind with its count and deletes nothing."""
    with frozen_clock(NOW):
        mail = _outbox(_ago(days=800))
        out = app.test_cli_runner().invoke(args=["privacy", "purge", "--dry-run"])
    assert out.exit_code == 0, out.output
    for kind in retention.KINDS:
        assert f"{kind.key}\twould delete" in out.output
    assert _exists(OutboxMessage, mail)


def test_job_result_files_go_after_a_month_and_finished_jobs_after_a_year():
    """A cohort's certificate bundle or roster export left in "my jobs" is personal data:
    the file goes a month after the job ended, the record of the job after a year; a job
    still running is never touched."""
    from lms.jobs.models import Job

    owner = make_user("instructor")

    def job(finished_days_ago, status="succeeded"):
        row = Job(kind="tests.scale", owner_id=owner.id, params={}, status=status, done=1, total=1, attempts=1,
                  result_name="r.csv", result_mime="text/csv", result_data=b"x", result_size=1,
                  created_at=_ago(days=finished_days_ago or 1),
                  finished_at=_ago(days=finished_days_ago) if finished_days_ago is not None else None)
        db.session.add(row)
        db.session.flush()
        return row.id

    with frozen_clock(NOW):
        fresh, month_old, year_old, running = job(10), job(40), job(400), job(None, "running")
        counts = retention.purge(db.session, commit=False)
    data = dict(db.session.execute(sa.select(Job.id, Job.result_data).where(
        Job.id.in_([fresh, month_old, year_old, running]))).all())
    assert data[fresh] == b"x" and data[running] == b"x"
    assert data[month_old] is None  # the file is gone, the record stays
    assert year_old not in data
    assert counts["job_results"] >= 1 and counts["jobs"] >= 1
