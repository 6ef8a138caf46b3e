"""``flask jobs worker``: the process that runs queued jobs (deploy/systemd/lms-worker.service)."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

cli = AppGroup("jobs", help="백그라운드 작업 (Background jobs)")


@cli.command("worker")
@click.option("--burst", is_flag=True, help="Exit once the queue is empty.")
def worker_cmd(burst: bool) -> None:
    """Run queued jobs from Redis (needs LMS_REDIS_URL)."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("LMS_REDIS_URL is not set: without Redis, jobs run inside the web process.")
    from lms.jobs.worker import run_worker

    run_worker(current_app._get_current_object(), burst=burst)


@cli.command("fail-stale")
def fail_stale_cmd() -> None:
    """Mark jobs whose process died (heartbeat older than JOBS_STALE_SECONDS) as failed."""
    from lms.jobs.runner import fail_stale

    click.echo(f"{fail_stale()} job(s) marked failed")


@cli.command("deliver-mail")
@click.option("--progress/--no-progress", default=None,
              help="Progress on stderr (default: a bar when stderr is a terminal).")
def deliver_mail_cmd(progress: bool | None) -> None:
    """Send the outbox's due messages over SMTP now (needs LMS_MAIL_SERVER); for cron."""
    from lms.core import mailer
    from lms.core.cli_progress import CliProgress

    if not current_app.config.get("MAIL_SERVER"):
        raise click.ClickException("LMS_MAIL_SERVER is not set: the outbox is kept as a record only.")
    bar = CliProgress("mail", progress)
    try:
        report = mailer.deliver_due(batch=1000, progress=bar)
    finally:
        bar.close()
    click.echo(f"sent {report.sent}, to retry {report.retried}, given up {report.failed}")
