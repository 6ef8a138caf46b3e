"""The certificates' background jobs (issue 12), registered with ``lms.jobs``; the work
itself is in :mod:`lms.certificates.background`.

- ``certificates.issue_cohort`` — params ``{"cohort_id": int}``.
- ``certificates.cohort_bundle`` — params ``{"cohort_id": int, "fmt": "zip" | "pdf",
  "locale": "ko" | "en", "reason": str}`` (the export reason asked before queueing).

A rule the user can read (a :class:`DomainError`) fails the job with its message; the
committed chunks of an issue stay, and a retry goes on with the rest.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from lms.certificates import background
from lms.errors import DomainError
from lms.extensions import db
from lms.jobs import JobContext, JobFailed, job_handler


def _readable(fn, ctx, *args, **kwargs):
    try:
        return fn(ctx, *args, **kwargs)
    except DomainError as exc:
        db.session.rollback()
        raise JobFailed(str(exc.message)) from exc


@job_handler("certificates.issue_cohort", label=_l("수료증 일괄 발급"))
def issue_cohort(ctx: JobContext, cohort_id: int) -> None:
    _readable(background.issue_cohort, ctx, cohort_id)


@job_handler("certificates.cohort_bundle", label=_l("기수 수료증 파일 만들기"))
def cohort_bundle(ctx: JobContext, cohort_id: int, fmt: str = "zip", locale: str = "ko", reason: str = "") -> None:
    _readable(background.cohort_bundle, ctx, cohort_id, fmt=fmt, locale=locale, reason=reason)
