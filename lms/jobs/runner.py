"""Starting jobs and running them, whatever carries them.

``enqueue`` writes the job row (committed, so any process can find it) and hands the
id to the runner the configuration chooses (``JOBS_MODE``):

- ``rq``: a Redis queue read by ``flask jobs worker`` (lms.jobs.worker); the
  production path, chosen by default when ``LMS_REDIS_URL`` is set;
- ``thread``: a background thread of this process; the ``make run`` default (SQLite, no Redis);
- ``inline``: inside ``enqueue``, before it returns; the default under TESTING.

``run_job`` is the one place that runs a handler, for every mode: it claims the job
(``queued`` → ``running`` in one conditional UPDATE, so two runners never both run
it), runs the handler with a :class:`JobContext`, and records how it ended. A handler
that raises leaves its uncommitted writes rolled back and the job ``failed`` with a
message for its owner; a process that dies mid-job leaves a heartbeat that stops
moving, and :func:`fail_stale` turns such a job into ``failed`` (see lms.jobs.worker
for the killed work-horse case, caught at once).
"""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import force_locale, get_locale
from flask_babel import lazy_gettext as _l

from lms.core.db import utcnow
from lms.extensions import db
from lms.jobs.context import JobContext, JobFailed
from lms.jobs.models import FAILED, QUEUED, RUNNING, SUCCEEDED, Job
from lms.jobs.registry import handler_for

log = logging.getLogger("lms.jobs")

GENERIC_ERROR = _l("작업 중 오류가 발생했습니다. 다시 시도해 보고, 계속되면 관리자에게 알려 주세요.")
STALE_ERROR = _l("작업을 처리하던 프로세스가 중단되었습니다. '다시 시도'를 누르면 멈춘 곳부터 이어서 합니다.")


def mode() -> str:
    """``rq``, ``thread`` or ``inline`` (see the module docstring)."""
    chosen = current_app.config.get("JOBS_MODE")
    if chosen:
        return chosen
    if current_app.testing:
        return "inline"
    return "rq" if current_app.config.get("REDIS_URL") else "thread"


def enqueue(kind: str, *, actor, params: dict | None = None, institution_id: int | None = None) -> Job:
    """Record a job of ``kind`` for ``actor`` and start it; returns the Job row.

    ``params`` must be JSON (ids and short strings, never personal data beyond ids).
    Commits the session (the row must be visible to the worker before it is queued);
    call it as a view's last write. Raises KeyError for an unknown kind."""
    handler_for(kind)
    job = Job(kind=kind, owner_id=actor.id if actor is not None else None, institution_id=institution_id,
              params={**(params or {}), "_locale": str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])},
              status=QUEUED, done=0, attempts=0, resumed_from=0)
    db.session.add(job)
    db.session.commit()
    dispatch(job.id)
    return job


def retry(job: Job) -> None:
    """Put a failed job back in the queue (same params; the handler continues where it
    stopped). Commits. Raises ValueError if the job has not failed."""
    if job.status != FAILED:
        raise ValueError("only a failed job can be retried")
    job.status, job.error, job.note = QUEUED, "", ""
    job.finished_at = None
    db.session.commit()
    dispatch(job.id)


def dispatch(job_id: str) -> None:
    how = mode()
    if how == "inline":
        run_job(job_id)
    elif how == "thread":
        app = current_app._get_current_object()
        threading.Thread(target=_thread_main, args=(app, job_id), name=f"job-{job_id[:8]}", daemon=True).start()
    elif how == "rq":
        from lms.jobs.worker import push

        push(job_id)
    else:
        raise ValueError(f"unknown JOBS_MODE {how!r}")


def dispatch_at(job_id: str, when) -> None:
    """Start the queued job ``job_id`` at ``when`` (UTC): RQ's scheduler (the worker runs
    it), a timer thread, or not at all inline (tests run it themselves)."""
    how = mode()
    delay = max(0.0, (when - utcnow()).total_seconds())
    if how == "rq":
        from lms.jobs.worker import push_at

        push_at(job_id, when)
    elif how == "thread":
        app = current_app._get_current_object()
        timer = threading.Timer(delay, _thread_main, args=(app, job_id))
        timer.daemon = True
        timer.start()


def _thread_main(app, job_id: str) -> None:
    with app.app_context():
        try:
            run_job(job_id)
        finally:
            db.session.remove()


def _claim(job_id: str) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status == QUEUED)
        .values(status=RUNNING, attempts=Job.attempts + 1, started_at=now, resumed_from=Job.done,
                heartbeat_at=now, error="")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return claimed == 1


def run_job(job_id: str) -> str | None:
    """Run the queued job ``job_id`` to its end; returns its final status, or None when
    it was not queued (already run, running elsewhere, or unknown)."""
    if not _claim(job_id):
        return None
    job = db.session.get(Job, job_id, populate_existing=True)
    from lms.accounts.models import User

    actor = db.session.get(User, job.owner_id) if job.owner_id is not None else None
    params = {k: v for k, v in (job.params or {}).items() if not k.startswith("_")}
    locale = (job.params or {}).get("_locale") or current_app.config["BABEL_DEFAULT_LOCALE"]
    ctx = JobContext(job, actor)
    stop = threading.Event()
    every = float(current_app.config.get("JOBS_HEARTBEAT_SECONDS", 15))
    if mode() != "inline" and every > 0:
        threading.Thread(target=heartbeat_loop, args=(current_app._get_current_object(), job_id, stop, every),
                         name=f"beat-{job_id[:8]}", daemon=True).start()
    try:
        with _request_context(), force_locale(locale):
            handler_for(job.kind).fn(ctx, **params)
            summary = job.summary
    except JobFailed as exc:
        return _finish_failed(job_id, exc.message)
    except Exception:  # any other fault: the log keeps the traceback, the owner gets plain words
        log.exception("job %s (%s) failed", job_id, job.kind)
        with force_locale(locale):
            return _finish_failed(job_id, str(GENERIC_ERROR))
    finally:
        stop.set()
    job.status = SUCCEEDED
    job.summary = summary
    if job.total is None:
        job.total = job.done
    job.finished_at = job.heartbeat_at = utcnow()
    db.session.commit()
    return SUCCEEDED


def _finish_failed(job_id: str, message: str) -> str:
    db.session.rollback()
    job = db.session.get(Job, job_id, populate_existing=True)
    job.status, job.error = FAILED, message[:500]
    job.finished_at = job.heartbeat_at = utcnow()
    job.result_data, job.result_name, job.result_mime, job.result_size = None, "", "", 0
    db.session.commit()
    return FAILED


class _request_context:
    """A request context for url_for() in handlers run outside a request (thread, worker)."""

    def __enter__(self):
        self._ctx = None
        if not has_request_context():
            base = current_app.config.get("PUBLIC_BASE_URL") or "http://localhost"
            self._ctx = current_app.test_request_context("/", base_url=base)
            self._ctx.push()
        return self

    def __exit__(self, *exc):
        if self._ctx is not None:
            if exc[1] is None:  # what the handler noted for the access log, written with its work
                from flask import g

                from lms.core.access_log import append

                for entry in g.pop("access_log_pending", None) or []:
                    append(db.session, **entry)
                db.session.commit()
            self._ctx.pop(exc[1])
        return False


def stale_after() -> timedelta:
    return timedelta(seconds=int(current_app.config.get("JOBS_STALE_SECONDS", 120)))


def fail_stale(job_ids=None) -> int:
    """Mark ``running`` jobs whose heartbeat stopped (the process running them died) as
    failed; only among ``job_ids`` when given. Returns how many. Commits when any."""
    cutoff = utcnow() - stale_after()
    stmt = (sa.update(Job).where(Job.status == RUNNING, Job.heartbeat_at < cutoff)
            .values(status=FAILED, error=str(STALE_ERROR), finished_at=utcnow())
            .execution_options(synchronize_session=False))
    if job_ids is not None:
        stmt = stmt.where(Job.id.in_(list(job_ids)))
    n = db.session.execute(stmt).rowcount
    if n:
        db.session.commit()
    return n


def mark_failed(job_id: str, message=None) -> bool:
    """Mark a job failed from outside its process (the worker saw its work-horse die)."""
    n = db.session.execute(
        sa.update(Job).where(Job.id == job_id, Job.status.in_((RUNNING, QUEUED)))
        .values(status=FAILED, error=str(message or STALE_ERROR), finished_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return n == 1


def eta_seconds(job: Job, now=None) -> int | None:
    """Seconds left, from this attempt's pace (units done since it started over the time
    since then; a retry's pace ignores the time the job sat failed); None when unknown."""
    progressed = (job.done or 0) - (job.resumed_from or 0)
    if job.status != RUNNING or not job.total or progressed <= 0 or job.started_at is None:
        return None
    now = now or utcnow()
    elapsed = (now - job.started_at).total_seconds()
    if elapsed <= 0:
        return None
    left = max(0, job.total - job.done)
    return int(round(left * elapsed / progressed))


def heartbeat_loop(app, job_id: str, stop: threading.Event, every: float) -> None:
    """Keep a running job's heartbeat fresh while its handler works on a long unit
    (its own connection; a failed write, e.g. SQLite busy, is simply tried again later)."""
    engine = None
    with app.app_context():
        engine = db.engine
    while not stop.wait(every):
        try:
            with engine.begin() as conn:
                conn.execute(sa.update(Job).where(Job.id == job_id, Job.status == RUNNING).values(heartbeat_at=utcnow()))
        except Exception:  # noqa: BLE001 - the next beat tries again
            log.debug("heartbeat of job %s not written", job_id, exc_info=True)

