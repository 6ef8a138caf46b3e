"""The analytics' background jobs (issue 12), registered with ``lms.jobs``.

- ``analytics.monthly_report`` — params ``{"month": "YYYY-MM"}``: the monthly statistics
  report PDF (lms.analytics.services.report_pdf), in three steps, as the job's file. It
  holds aggregates only (the dashboard's suppression), so its download is not a personal-
  data access.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.errors import DomainError
from lms.extensions import db
from lms.jobs import JobContext, JobFailed, job_handler


@job_handler("analytics.monthly_report", label=_l("월간 보고서 만들기"))
def monthly_report(ctx: JobContext, month: str) -> None:
    from lms.analytics import services

    ctx.set_total(services.REPORT_STEPS)
    ctx.set_done(0)

    def step(done: int, total: int) -> None:
        db.session.commit()  # a default Target row the figures may have created
        ctx.set_done(done)

    try:
        payload = services.report_pdf(month, actor=ctx.actor, progress=step)
    except DomainError as exc:
        db.session.rollback()
        raise JobFailed(str(exc.message)) from None
    ctx.save_file(payload, f"monthly-report-{month}.pdf", "application/pdf")
    ctx.set_summary(_("%(month)s 월간 보고서를 만들었습니다.", month=month))
