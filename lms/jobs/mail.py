"""Outbox delivery as a background job (issue 12): ``mail.deliver``, the system's job.

With ``MAIL_SERVER`` set, the first mail written in a transaction adds one queued
``mail.deliver`` job to that same transaction (unless one is queued already), and the
job is started once the transaction commits: mail is never sent for work that was rolled
back, and a roster import that invites 3,000 people queues one delivery, not 3,000.
The job sends what is due (lms.core.mailer.deliver_due) in batches with progress, and
when messages wait for a retry it queues the next run for the earliest of them. Without
MAIL_SERVER nothing is queued and the outbox stays a record, as before.

System jobs have no owner: admins see them (``/jobs/<id>``), nobody's "my jobs" does.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core import outbox
from lms.extensions import db
from lms.jobs import JobContext, job_handler
from lms.jobs.models import QUEUED, Job

KIND = "mail.deliver"
_PENDING = "lms.mail_job"  # session.info key: the delivery job to start after this commit


@job_handler(KIND, label=_l("메일 발송"))
def deliver(ctx: JobContext) -> None:
    from lms.core import mailer

    total = mailer.count_due()
    ctx.set_total(total)
    sent = retried = failed = 0
    report = None
    while True:
        report = mailer.deliver_due(batch=100, progress=lambda done, n: None)
        sent, retried, failed = sent + report.sent, retried + report.retried, failed + report.failed
        ctx.set_done(min(total, sent + retried + failed))
        if not (report.sent or report.retried or report.failed) or sent + retried + failed >= total:
            break
    ctx.set_summary(_("보냄 %(sent)d건, 다시 시도 예정 %(retry)d건, 포기 %(failed)d건",
                      sent=sent, retry=retried, failed=failed))
    if report is not None and report.next_due is not None:
        schedule_delivery(at=report.next_due)


def _queued_delivery_id():
    return db.session.execute(sa.select(Job.id).where(Job.kind == KIND, Job.status == QUEUED).limit(1)).scalar()


def schedule_delivery(at=None) -> str:
    """Queue a delivery job (now, or at ``at`` UTC) unless one is queued; commits. Returns its id."""
    from lms.jobs.runner import dispatch, dispatch_at

    job_id = _queued_delivery_id()
    if job_id is not None and at is None:
        return job_id
    job = Job(kind=KIND, owner_id=None, params={}, status=QUEUED, done=0, attempts=0, resumed_from=0)
    db.session.add(job)
    db.session.commit()
    if at is None:
        dispatch(job.id)
    else:
        dispatch_at(job.id, at)
    return job.id


def _on_mail_queued(msg) -> None:
    """outbox.send_mail's hook: one queued delivery job per transaction (the caller's commit)."""
    session = db.session()
    if _PENDING in session.info:
        return
    job_id = _queued_delivery_id()
    if job_id is None:
        job = Job(kind=KIND, owner_id=None, params={}, status=QUEUED, done=0, attempts=0, resumed_from=0)
        session.add(job)
        session.flush()
        session.info[_PENDING] = job.id
    else:
        session.info[_PENDING] = None  # a queued delivery will pick this mail up too


def _after_commit(session) -> None:
    job_id = session.info.pop(_PENDING, None)
    if job_id is None:
        return
    from lms.jobs.runner import dispatch, mode

    if mode() == "inline":
        return  # tests deliver explicitly (no job runs inside another transaction's commit)
    try:
        dispatch(job_id)
    except Exception:  # noqa: BLE001 - the queued row stays; the next mail or `flask jobs deliver-mail` runs it
        current_app.logger.exception("could not start mail delivery job %s", job_id)


def _after_rollback(session) -> None:
    session.info.pop(_PENDING, None)


def init() -> None:
    if _on_mail_queued not in outbox.on_queued:
        outbox.on_queued.append(_on_mail_queued)
        sa.event.listen(sa.orm.Session, "after_commit", _after_commit)
        sa.event.listen(sa.orm.Session, "after_rollback", _after_rollback)


init()
