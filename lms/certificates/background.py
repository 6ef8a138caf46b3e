"""The work of the certificates' background jobs, apart from the queue that runs it.

``lms/certificates/jobs.py`` registers these as the handlers ``certificates.issue_cohort``
and ``certificates.cohort_bundle``; here they take any object with the ``JobContext``
methods they use (``actor``, ``set_total``, ``set_done``, ``set_summary``,
``set_result_url``, ``save_file``, ``set_access_log``), so tests can drive them directly.
A rule the user can read (the cohort is gone, no right to it any more, nothing to
download) is raised as a :class:`lms.errors.DomainError`; the handler turns it into the
job's failure message.

- Issuing: :func:`services.issue_for_cohort` with a commit per chunk of 100, so a
  failure part-way leaves whole certificates only and a retry (same params) goes on
  with the enrollments still waiting; never a second certificate for one enrollment.
  Progress: enrollments handled / eligible.
- The cohort's ZIP or merged PDF in ``locale``: the file is the job's result; its
  download (``/jobs/<id>/result``) writes the access-log entry set here — the holders'
  user ids, a description and the export reason asked before the job was queued.
  Progress: certificates drawn / included.

The actor is checked again when the job runs: one who may no longer manage the
cohort gets a clear failure, not the data.
"""
from __future__ import annotations

import time

from flask_babel import gettext as _

from lms.certificates import documents, services
from lms.errors import NotFound, ValidationError
from lms.extensions import db

PROGRESS_EVERY_S = 0.5  # while drawing PDFs the job row is written at most twice a second


def _cohort(ctx, cohort_id: int):
    from lms.labs.models import Cohort

    cohort = db.session.get(Cohort, int(cohort_id))
    if cohort is None or ctx.actor is None or not cohort.can_manage(ctx.actor):
        raise NotFound(_("기수를 찾을 수 없거나 이 기수의 수료증을 다룰 권한이 없습니다."))
    return cohort


class Reporter:
    """``progress(done, total)`` as ``ctx.set_total`` / ``ctx.set_done`` calls, at most every
    ``every`` seconds (always the first and the last). Call it at a commit boundary.

    With ``carry``, a retry adds to what earlier attempts finished (``ctx.job.done``): the
    issue's retry goes on with the enrollments still waiting, so the bar goes on too."""

    def __init__(self, ctx, every: float = 0.0, *, carry: bool = False):
        job = getattr(ctx, "job", None)
        self.base = int(job.done or 0) if carry and job is not None and getattr(ctx, "attempt", 1) > 1 else 0
        self.ctx, self.every, self.total, self.last = ctx, every, None, 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if 0 < done < total and now - self.last < self.every:
            return
        if total != self.total:
            self.ctx.set_total(self.base + total)
            self.total = total
        self.ctx.set_done(self.base + done)
        self.last = now


def cohort_path(cohort_id: int) -> str:
    from flask import url_for

    try:
        return url_for("certificates.cohort", cohort_id=cohort_id)
    except RuntimeError:  # a worker without SERVER_NAME: the path is what the link needs
        return f"/certificates/cohorts/{int(cohort_id)}"


def issue_cohort(ctx, cohort_id: int) -> int:
    """Issue every eligible certificate of the cohort, a committed chunk at a time; returns how many."""
    cohort = _cohort(ctx, cohort_id)
    label = cohort.label
    new = services.issue_for_cohort(cohort, actor=ctx.actor, progress=Reporter(ctx, carry=True),
                                   commit=db.session.commit)
    ctx.set_result_url(cohort_path(cohort_id))
    if new:
        ctx.set_summary(_("%(cohort)s: 수료증 %(n)s건을 발급했습니다.", cohort=label, n=len(new)))
    else:
        ctx.set_summary(_("%(cohort)s: 새로 발급할 수료 대상자가 없습니다.", cohort=label))
    return len(new)


def cohort_bundle(ctx, cohort_id: int, fmt: str = "zip", locale: str = "ko", reason: str = "") -> int:
    """Build the cohort's ZIP (``fmt="zip"``) or merged PDF (``"pdf"``) in ``locale`` as the
    job's file, with the access-log entry its download writes; returns the certificates in it."""
    cohort = _cohort(ctx, cohort_id)
    fmt = "pdf" if fmt == "pdf" else "zip"
    locale = "en" if locale == "en" else "ko"
    out = documents.cohort_file(cohort, locale, fmt, progress=Reporter(ctx, PROGRESS_EVERY_S))
    if out is None:
        raise ValidationError(_("내려받을 수료증이 없습니다."))
    db.session.commit()  # first-time PDF hashes (demo-seeded certificates)
    ctx.set_access_log(out.user_ids, f"cohort {cohort.id} certificates {fmt}", reason=reason or "")
    ctx.save_file(out.data, out.filename, out.mimetype)
    summary = _("수료증 %(n)s건을 한 파일로 묶었습니다.", n=len(out.user_ids))
    if out.left_out:
        summary += " " + _("취소되었거나 재발급으로 대체된 %(n)s건은 뺐습니다.", n=out.left_out)
    ctx.set_summary(summary)
    return len(out.user_ids)
