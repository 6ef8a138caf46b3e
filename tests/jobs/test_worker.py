"""Jobs in a real RQ worker process on a real Redis (issue 12): progress that moves while
the worker runs, a work-horse killed mid-job (SIGKILL) and a whole worker killed mid-job.
Neither leaves a job "running" forever or a unit half-written, and a retry finishes the
work with every unit done exactly once.

The worker is a separate Python process on the same database (the test run's SQLite
file or PostgreSQL database), built as `flask jobs worker` builds it (create_app from
LMS_* variables, lms.jobs.worker.run_worker), plus the test handlers of
tests/jobs/handlers.py. Skipped when Redis is not reachable at LMS_TEST_REDIS_URL
(default redis://127.0.0.1:6379/11)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

import tests.jobs.handlers  # noqa: F401
from lms.extensions import db
from lms.jobs import enqueue
from lms.jobs.models import Job
from lms.jobs.runner import retry
from tests.factories import make_user
from tests.jobs.handlers import units_done

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
WORKER = """
import tests.jobs.handlers  # the test handlers
from lms import create_app
from lms.jobs.worker import run_worker
run_worker(create_app())
"""


def _redis():
    from redis import Redis

    try:
        r = Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        r.ping()
        return r
    except Exception:
        pytest.skip(f"Redis not reachable at {REDIS_URL}")


@pytest.fixture
def rq_app(app, live_db, database_url):
    """The test app switched to the RQ runner on a queue of its own; yields a function that
    starts a worker process (killed at the end)."""
    redis = _redis()
    queue = f"lms-test-{uuid.uuid4().hex[:8]}"
    saved = {k: app.config.get(k) for k in ("JOBS_MODE", "REDIS_URL", "JOBS_QUEUE", "JOBS_STALE_SECONDS")}
    app.config.update(JOBS_MODE="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE=queue, JOBS_STALE_SECONDS=3)
    procs = []
    log = open(REPO / "test-artifacts" / f"worker-{queue}.log", "w") if (REPO / "test-artifacts").is_dir() else \
        subprocess.DEVNULL

    def start_worker():
        env = dict(os.environ, LMS_DATABASE_URL=database_url, LMS_REDIS_URL=REDIS_URL, LMS_JOBS_QUEUE=queue,
                   LMS_SECRET_KEY="worker-test-" + uuid.uuid4().hex, LMS_JOBS_HEARTBEAT_SECONDS="1",
                   LMS_JOBS_STALE_SECONDS="3", PYTHONUNBUFFERED="1")
        env.pop("LMS_TEST_DATABASE_URL", None)
        proc = subprocess.Popen([sys.executable, "-c", WORKER], cwd=REPO, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
        procs.append(proc)
        return proc

    yield start_worker
    for proc in procs:
        if proc.poll() is None:
            for child in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True, text=True).stdout.split():
                try:
                    os.kill(int(child), signal.SIGKILL)
                except ProcessLookupError:  # the horse ended meanwhile
                    pass
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=10)
    app.config.update(saved)
    from rq import Queue

    Queue(queue, connection=redis).delete(delete_jobs=True)


def _state(job_id):
    # End the read transaction at once: on SQLite every transaction holds the write lock
    # (BEGIN IMMEDIATE, lms.core.db), which would stall the worker's commits.
    try:
        return tuple(db.session.execute(sa.select(Job.status, Job.done, Job.total).where(Job.id == job_id)).one())
    finally:
        db.session.rollback()


def _units(tag):
    try:
        return units_done(tag)
    finally:
        db.session.rollback()


def _wait(job_id, until, timeout=60.0):
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        state = _state(job_id)
        if not seen or seen[-1] != state:
            seen.append(state)
        if until(state):
            return seen
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not reach the state in {timeout} s; seen {seen}")


def _started(pid: int) -> int:
    """A process's start time in clock ticks since boot (/proc/<pid>/stat, field 22)."""
    with open(f"/proc/{pid}/stat") as fh:
        return int(fh.read().rsplit(")", 1)[1].split()[19])


def _horse_of(worker: subprocess.Popen) -> int:
    """The work-horse of a busy worker: its newest child (the scheduler is forked at start)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True).stdout.split()
        alive = []
        for pid in map(int, out):
            try:
                alive.append((_started(pid), pid))
            except FileNotFoundError:
                continue
        if alive:
            return max(alive)[1]
        time.sleep(0.1)
    raise AssertionError("no work-horse process appeared")


def test_the_worker_runs_the_job_and_its_progress_moves(rq_app):
    owner = make_user("instructor")
    db.session.commit()
    tag = uuid.uuid4().hex
    job = enqueue("tests.count", actor=owner, params={"n": 8, "tag": tag, "pause": 0.25})
    assert _state(job.id)[0] == "queued"  # nothing runs it until a worker takes it
    rq_app()
    seen = _wait(job.id, lambda s: s[0] == "succeeded")
    moving = {done for status, done, _total in seen if status == "running" and 0 < done < 8}
    assert len(moving) >= 3, seen  # the page's bar had somewhere to go
    assert _units(tag) == 8


def test_a_killed_work_horse_fails_the_job_and_a_retry_finishes_it_without_duplicates(rq_app):
    owner = make_user("instructor")
    db.session.commit()
    tag = uuid.uuid4().hex
    worker = rq_app()
    job = enqueue("tests.count", actor=owner, params={"n": 30, "tag": tag, "pause": 0.2})
    _wait(job.id, lambda s: s[0] == "running" and s[1] >= 3)
    os.kill(_horse_of(worker), signal.SIGKILL)
    _wait(job.id, lambda s: s[0] == "failed", timeout=20)  # the worker saw its horse die
    job_row = db.session.get(Job, job.id, populate_existing=True)
    db.session.rollback()
    assert "중단" in job_row.error
    done_at_kill = _units(tag)
    assert 3 <= done_at_kill < 30
    assert worker.poll() is None  # the worker itself lives on
    retry(job_row)
    _wait(job.id, lambda s: s[0] == "succeeded")
    assert _units(tag) == 30
    assert db.session.get(Job, job.id, populate_existing=True).attempts == 2
    db.session.rollback()


def test_a_killed_worker_leaves_no_job_running_forever(rq_app, client):
    from tests.conftest import login

    owner = make_user("instructor")
    db.session.commit()
    tag = uuid.uuid4().hex
    worker = rq_app()
    job = enqueue("tests.count", actor=owner, params={"n": 30, "tag": tag, "pause": 0.2})
    _wait(job.id, lambda s: s[0] == "running" and s[1] >= 2)
    horse = _horse_of(worker)  # RQ's horse runs in a session of its own: kill both, as a power cut would
    os.killpg(worker.pid, signal.SIGKILL)
    os.kill(horse, signal.SIGKILL)
    worker.wait(timeout=10)
    assert _state(job.id)[0] == "running"  # nobody is left to say otherwise...
    time.sleep(3.5)  # ...until the heartbeat is older than JOBS_STALE_SECONDS
    login(client, owner)
    status = client.get(f"/jobs/{job.id}/status.json").json
    assert status["status"] == "failed" and status["finished"]
    partial = _units(tag)
    assert partial < 30
    rq_app()  # a new worker (systemd restarts it) and the owner's retry
    retry(db.session.get(Job, job.id, populate_existing=True))
    _wait(job.id, lambda s: s[0] == "succeeded")
    assert _units(tag) == 30
