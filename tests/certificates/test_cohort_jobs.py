"""The cohort's certificate jobs through the real runner: a failed issue job keeps its whole
chunks and its retry (the "다시 시도" button) finishes without a second certificate; and the
issue runs on a real RQ worker process (Redis DB 13) as in production."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.certificates import bulk, services
from lms.certificates.models import Certificate
from lms.extensions import db
from lms.jobs.models import Job
from tests.certificates.conftest import completed_enrollment, make_cohort, queued_job
from tests.conftest import login
from tests.factories import make_user
from tests.processes import stop

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/13"  # this package's Redis DB for tests (COMMON.md)


def _job(job_id) -> Job:
    return db.session.get(Job, job_id, populate_existing=True)


def _serials(ids):
    return sorted(db.session.execute(select(Certificate.serial).where(
        Certificate.enrollment_id.in_(ids), Certificate.supersedes_id.is_(None))).scalars())


def test_failed_issue_job_keeps_whole_chunks_and_its_retry_finishes(client, cohort, monkeypatch):
    teacher = make_user(role="instructor")
    cohort.instructors.append(teacher)
    ids = [completed_enrollment(cohort=cohort).id for _ in range(5)]
    db.session.commit()
    login(client, teacher)
    monkeypatch.setattr(bulk, "CHUNK_SIZE", 2)
    real, calls = services._new_certificate, {"n": 0}

    def fails_at_the_fourth(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("the seal image is broken")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "_new_certificate", fails_at_the_fourth)
    job_id = queued_job(client.post(f"/certificates/cohorts/{cohort.id}/issue"))
    job = _job(job_id)
    assert job.status == "failed" and "seal" not in job.error  # plain words, no traceback
    assert (job.done, job.total) == (2, 5)  # the first chunk is in, whole
    assert len(_serials(ids)) == 2
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "다시 시도" in page

    monkeypatch.setattr(services, "_new_certificate", real)
    assert client.post(f"/jobs/{job_id}/retry").status_code == 302
    job = _job(job_id)
    assert job.status == "succeeded" and job.attempts == 2
    assert (job.done, job.total) == (5, 5)  # the bar goes on from where the first attempt stopped
    assert "3" in job.summary  # this attempt issued the remaining three
    first = _serials(ids)[0]
    assert _serials(ids) == list(range(first, first + 5))  # one each, no gap
    assert job.result_url.endswith(f"/certificates/cohorts/{cohort.id}")


def _redis_or_skip():
    try:
        from redis import Redis

        conn = Redis.from_url(REDIS_URL)
        conn.ping()
        return conn
    except Exception:  # noqa: BLE001
        pytest.skip("no Redis at 127.0.0.1:6379")


def test_issue_job_runs_on_a_real_worker_process(app, live_db, database_url):
    redis = _redis_or_skip()
    redis.flushdb()
    cohort = make_cohort()
    teacher = make_user(role="instructor")
    cohort.instructors.append(teacher)
    ids = [completed_enrollment(cohort=cohort).id for _ in range(4)]
    db.session.commit()
    env = dict(os.environ, LMS_DATABASE_URL=database_url, LMS_REDIS_URL=REDIS_URL, LMS_SECRET_KEY="test-secret",
               LMS_PUBLIC_BASE_URL="http://localhost", FLASK_DEBUG="0")
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "worker"], cwd=str(REPO),
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    saved = {k: app.config.get(k) for k in ("JOBS_MODE", "REDIS_URL")}
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL)
    try:
        from lms.jobs import enqueue

        job_id = enqueue("certificates.issue_cohort", actor=teacher, params={"cohort_id": cohort.id}).id
        deadline = time.monotonic() + 90
        while _job(job_id).status not in ("succeeded", "failed") and time.monotonic() < deadline:
            db.session.rollback()
            time.sleep(0.2)
        job = _job(job_id)
        assert job.status == "succeeded", (job.status, job.error)
        assert (job.done, job.total) == (4, 4)
        assert len(_serials(ids)) == 4
        assert db.session.scalar(select(func.count(Certificate.id))) == 4
    finally:
        app.config.update(saved)
        stop(worker, timeout=20)
        redis.flushdb()
