"""The Redis side of jobs: RQ carries job ids from the web app to ``flask jobs worker``.

Why RQ (not Celery): the stack already runs Redis, jobs are plain functions, and RQ's
worker forks a work-horse per job, so a job that crashes or is killed cannot take the
worker with it and the worker sees it die (``handle_work_horse_killed``). Celery's
broker choices, result backends and beat scheduler are machinery this app does not need.

The queue carries only the job id; everything else is in the ``jobs`` table. RQ's own
job records expire (``result_ttl``/``failure_ttl``) and are never read by the app.
"""
from __future__ import annotations

import logging
import os

from flask import current_app
from redis import Redis
from rq import Queue, Worker

log = logging.getLogger("lms.jobs")

_APP = None  # the worker process's app, made once by `flask jobs worker`


def connection() -> Redis:
    return Redis.from_url(current_app.config["REDIS_URL"])


def queue_name() -> str:
    return current_app.config.get("JOBS_QUEUE", "lms-jobs")


def get_queue(redis: Redis | None = None) -> Queue:
    return Queue(queue_name(), connection=redis or connection())


def push(job_id: str) -> None:
    """Queue ``job_id`` for a worker; the RQ id is unique per push, so a retry queues anew."""
    import secrets

    timeout = int(current_app.config.get("JOBS_TIMEOUT_SECONDS", 3600))
    get_queue().enqueue(perform, job_id, job_id=f"{job_id}-{secrets.token_hex(4)}", job_timeout=timeout,
                        result_ttl=3600, failure_ttl=7 * 24 * 3600, description=f"lms job {job_id}")


def push_at(job_id: str, when) -> None:
    """Queue ``job_id`` to run at ``when`` (UTC); the worker's scheduler moves it to the queue."""
    import secrets

    get_queue().enqueue_at(when, perform, job_id, job_id=f"{job_id}-{secrets.token_hex(4)}",
                           job_timeout=int(current_app.config.get("JOBS_TIMEOUT_SECONDS", 3600)),
                           result_ttl=3600, failure_ttl=7 * 24 * 3600, description=f"lms job {job_id} (scheduled)")


def perform(job_id: str) -> str | None:
    """What the work-horse runs: the job, in the worker's app, on fresh database connections."""
    from lms.extensions import db
    from lms.jobs.runner import run_job

    app = _APP
    if app is None:  # a plain `rq worker` started without our command: build the app here
        from lms import create_app

        app = create_app()
    with app.app_context():
        db.engine.dispose(close=False)  # connections inherited through fork() stay the parent's
        try:
            return run_job(job_id)
        finally:
            db.session.remove()


class LmsWorker(Worker):
    """An RQ worker that marks our job failed the moment its work-horse dies."""

    def handle_work_horse_killed(self, job, retpid, ret_val, rusage):
        super().handle_work_horse_killed(job, retpid, ret_val, rusage)
        job_id = job.args[0] if job.args else None
        if job_id:
            from lms.extensions import db
            from lms.jobs.runner import mark_failed

            with _APP.app_context():
                try:
                    mark_failed(job_id)
                finally:
                    db.session.remove()
            log.warning("job %s: work-horse %s died (%s); marked failed", job_id, retpid, ret_val)


def run_worker(app, *, burst: bool = False) -> bool:
    """Run a worker on the app's queue until stopped (or, with ``burst``, until the queue is empty).

    Before taking work it fails the jobs a dead worker left ``running`` (stale heartbeat)."""
    global _APP
    _APP = app
    from lms.extensions import db
    from lms.jobs.runner import fail_stale

    with app.app_context():
        stale = fail_stale()
        if stale:
            log.warning("%d job(s) left running by a dead process marked failed", stale)
        db.session.remove()
        db.engine.dispose()
        redis = connection()
        queue = get_queue(redis)
    worker = LmsWorker([queue], connection=redis, name=f"lms-{os.uname().nodename}-{os.getpid()}")
    # The scheduler moves jobs queued for later (mail retries after their backoff) to the queue.
    return worker.work(burst=burst, with_scheduler=True, logging_level="INFO")
