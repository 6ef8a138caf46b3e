"""Benchmark: issuing certificates for a cohort of completed trainees in the request
(the service with a commit per chunk, as the cohort page did before jobs), through the
job run inline, and through the job on a real RQ worker process (Redis DB 13), in one run.

Run from the repository root:  python bench/bench_jobs.py [--cohort 1000] [--modes request,inline,rq] [--rounds 3]
``LMS_BENCH_DATABASE_URL`` may point it at PostgreSQL (default: a temp SQLite file);
``LMS_BENCH_REDIS_URL`` (default redis://127.0.0.1:6379/13) is emptied before and after.
Every mode issues the same ~1,000 certificates (database rows, numbers, snapshots, PDFs and
their SHA-256, audit events); between modes the certificates are deleted and the counter
reset. Figures are certificates per second, wall time; for a job, from ``enqueue`` until the
job row says finished (queueing, the work-horse's fork and its first PDF's font loading, and
polling every 0.2 s included), and the job's own started -> finished time too.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.processes import stop  # noqa: E402

POLL_S = 0.2  # how often the bench reads the job row (the end-to-end figure is this coarse)
REDIS_URL = os.environ.get("LMS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def _reset() -> None:
    """Take the issued certificates back out (and their audit events), so the next mode
    issues the same ones again from serial 1."""
    import sqlalchemy as sa

    from lms.certificates.models import Certificate, CertificateCounter, CertificateImage
    from lms.core.audit import AuditEvent
    from lms.extensions import db

    db.session.execute(sa.delete(AuditEvent).where(AuditEvent.action == "certificate.issue"))
    db.session.execute(sa.delete(Certificate))
    db.session.execute(sa.delete(CertificateImage))
    db.session.execute(sa.update(CertificateCounter).values(last_serial=0))
    db.session.commit()
    db.session.remove()


def _issued(cohort_id: int) -> int:
    import sqlalchemy as sa

    from lms.certificates.models import Certificate
    from lms.extensions import db
    from lms.learning.models import Enrollment

    n = db.session.execute(sa.select(sa.func.count(Certificate.id)).join(
        Enrollment, Enrollment.id == Certificate.enrollment_id).where(Enrollment.cohort_id == cohort_id)).scalar_one()
    db.session.rollback()  # no transaction left open for the worker to wait on
    return n


def _row(label: str, n: int, wall: float, extra: str = "") -> None:
    print(f"  {label:<34}: {n / wall:7.1f} certs/s wall ({wall:6.2f} s for {n}){extra}")


def run_request(cohort_id: int, actor_id: int, n: int) -> tuple[float, str]:
    from lms.accounts.models import User
    from lms.certificates import services
    from lms.extensions import db
    from lms.labs.models import Cohort

    t0 = time.perf_counter()
    certs = services.issue_for_cohort(db.session.get(Cohort, cohort_id), actor=db.session.get(User, actor_id),
                                      commit=db.session.commit)
    wall = time.perf_counter() - t0
    assert len(certs) == n, len(certs)
    db.session.remove()
    return wall, ""


def _job_seconds(job) -> str:
    started, finished = getattr(job, "started_at", None), getattr(job, "finished_at", None)
    if started and finished:
        return f"; handler started->finished {(finished - started).total_seconds():.2f} s"
    return ""


def run_job(app, cohort_id: int, actor_id: int, n: int, mode: str) -> tuple[float, str]:
    from lms.accounts.models import User
    from lms.extensions import db
    from lms.jobs import enqueue
    from lms.jobs.models import Job

    app.config["JOBS_MODE"] = mode
    t0 = time.perf_counter()
    job = enqueue("certificates.issue_cohort", actor=db.session.get(User, actor_id), params={"cohort_id": cohort_id})
    job_id = job.id
    db.session.commit()
    db.session.remove()
    deadline = time.monotonic() + 600
    while True:
        job = db.session.get(Job, job_id, populate_existing=True)
        if job.status in ("succeeded", "failed"):
            break
        db.session.rollback()  # let go at once (on SQLite the poll's transaction holds the write lock)
        if time.monotonic() > deadline:
            raise SystemExit(f"job {job_id} still {job.status} after 600 s")
        time.sleep(POLL_S)
    wall = time.perf_counter() - t0
    assert job.status == "succeeded", (job.status, job.error)
    extra = _job_seconds(job)
    db.session.rollback()
    assert _issued(cohort_id) == n
    return wall, extra


def start_worker(db_url: str, tmp: str) -> subprocess.Popen:
    env = dict(os.environ, LMS_DATABASE_URL=db_url, LMS_REDIS_URL=REDIS_URL, LMS_SECRET_KEY="bench",
               LMS_PUBLIC_BASE_URL="https://academy.smartfactory.kr", FLASK_DEBUG="0")
    log = open(Path(tmp) / "worker.log", "wb")
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "flask"), "--app", "wsgi", "jobs", "worker"],
                            cwd=str(REPO), env=env, stdout=log, stderr=subprocess.STDOUT)
    from redis import Redis
    from rq import Worker

    conn = Redis.from_url(REDIS_URL)
    deadline = time.monotonic() + 60
    while not Worker.all(connection=conn):
        if proc.poll() is not None or time.monotonic() > deadline:
            log.close()
            raise SystemExit("the worker did not start:\n" + Path(log.name).read_text(errors="replace")[-3000:])
        time.sleep(0.1)
    return proc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--cohort", type=int, default=1000, help="completed trainees in the cohort")
    ap.add_argument("--modes", default="request,inline,rq", help="comma-separated: request, inline, rq")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of all modes, interleaved; the best of each is shown")
    args = ap.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    from redis import Redis

    from bench.bench_certificates import completed_cohort
    from lms import create_app
    from lms.accounts.models import User
    from lms.config import normalise_db_url
    from lms.extensions import db

    url = os.environ.get("LMS_BENCH_DATABASE_URL")
    url = normalise_db_url(url) if url else None
    tmp = tempfile.mkdtemp(prefix="lms-bench-jobs-")
    if not url:
        url = f"sqlite:///{tmp}/bench.sqlite3"
    redis = Redis.from_url(REDIS_URL)
    redis.flushdb()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS_URL,
                      "PUBLIC_BASE_URL": "https://academy.smartfactory.kr", "SERVER_NAME": "localhost"})
    worker = None
    try:
        with app.app_context():
            db.drop_all()
            db.create_all()
            cohort, _users = completed_cohort(args.cohort)
            admin = User(email="admin@bench.kr", name="관리자", role="admin")
            db.session.add(admin)
            db.session.flush()
            cohort_id, actor_id = cohort.id, admin.id
            db.session.commit()
            db.session.remove()  # on SQLite every transaction takes the write lock: hold none
            from bench.bench_certificates import make_docs
            from lms.certificates.pdf import render_doc

            render_doc(make_docs(1)[0])  # fonts and images loaded once, as in a running server
            if "rq" in modes:
                worker = start_worker(url, tmp)
            print(f"bulk certificate issuing, cohort of {args.cohort} completed trainees "
                  f"({db.engine.dialect.name}; PDFs, SHA-256, numbers, snapshots, audit events; "
                  f"best of {args.rounds})")
            best: dict[str, tuple[float, str]] = {}
            for _round in range(args.rounds):
                for mode in modes:
                    _reset()
                    if mode == "request":
                        got = run_request(cohort_id, actor_id, args.cohort)
                    else:
                        got = run_job(app, cohort_id, actor_id, args.cohort, mode)
                    if mode not in best or got[0] < best[mode][0]:
                        best[mode] = got
            for mode in modes:
                label = "in the request (chunks of 100)" if mode == "request" else f"through the job ({mode})"
                _row(label, args.cohort, *best[mode])
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
    finally:
        if worker is not None:
            stop(worker, timeout=20)
        redis.flushdb()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
