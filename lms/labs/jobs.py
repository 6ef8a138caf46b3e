"""The labs' background jobs (issue 12), registered with ``lms.jobs``.

- ``labs.cohort_export`` — params ``{"cohort_id", "fmt": "csv" | "xlsx", "kind": "roster" |
  "attendance", "reason"}``: a large roster or attendance file (above EXPORT_JOB_ROWS rows);
  its download is written to the access log with the members and the export reason.
- ``labs.roster_import`` — params ``{"cohort_id": int, "token": str}`` (the upload kept by
  lms/labs/roster_store.py at the preview). Every row or none, as on the page: a rejected
  file fails the job with the rows and columns at fault and writes nothing; the kept
  upload is forgotten only once the import committed, so a retry reads the same file.
"""
from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.core.access_log import log_access
from lms.errors import DomainError, ImportRejected
from lms.extensions import db
from lms.jobs import JobContext, JobFailed, job_handler

MAX_ERRORS_IN_MESSAGE = 5


def rejection_text(message, errors) -> str:
    """The job's failure text: the page's message and the first rows/columns at fault."""
    parts = []
    for row, col, msg in errors[:MAX_ERRORS_IN_MESSAGE]:
        where = []
        if row:
            where.append(_("%(row)d행", row=row))
        if col:
            where.append(_("'%(col)s' 열", col=col))
        parts.append(f"{' '.join(where)}: {msg}" if where else str(msg))
    more = len(errors) - MAX_ERRORS_IN_MESSAGE
    if more > 0:
        parts.append(_("외 %(n)d건", n=more))
    return f"{message} " + " / ".join(parts) if parts else str(message)


@job_handler("labs.roster_import", label=_l("명단 가져오기"))
def roster_import(ctx: JobContext, cohort_id: int, token: str) -> None:
    from lms.labs import roster
    from lms.labs.models import Cohort

    cohort = db.session.get(Cohort, int(cohort_id))
    if cohort is None or ctx.actor is None or not cohort.can_manage(ctx.actor):
        raise JobFailed(_("기수를 찾을 수 없거나 이 기수의 명단을 다룰 권한이 없습니다."))
    try:
        data, filename = roster.load_upload(cohort, ctx.actor, token)
    except DomainError:
        raise JobFailed(_("이미 가져왔거나 보관 기간이 지난 파일입니다. 명단 파일을 다시 올려 주세요.")) from None
    try:
        preview = roster.apply_roster(cohort, ctx.actor, data, filename, progress=ctx.progress_in_transaction)
        log_access("change", count=len(preview.rows), actor=ctx.actor,
                   description=f"cohort {cohort.id} roster import ({filename[:80]})")
        db.session.commit()
    except ImportRejected as exc:
        db.session.rollback()
        raise JobFailed(rejection_text(exc.message, exc.errors)) from None
    except DomainError as exc:  # a clash found while writing (e.g. the same e-mail twice at once)
        db.session.rollback()
        raise JobFailed(str(exc.message)) from None
    roster.discard_upload(token)
    ctx.set_total(len(preview.rows))
    ctx.set_done(len(preview.rows))
    ctx.set_summary(_("명단을 가져왔습니다: 초대 %(i)d명, 변경 %(u)d명, 변경 없음 %(s)d명.",
                      i=preview.count("invite"), u=preview.count("update"), s=preview.count("skip")))
    ctx.set_result_url(url_for("labs.cohort", cohort_id=cohort.id))


@job_handler("labs.cohort_export", label=_l("명단·출석부 파일 만들기"))
def cohort_export(ctx: JobContext, cohort_id: int, fmt: str, kind: str, reason: str = "") -> None:
    from lms.labs import roster_export
    from lms.labs.models import Cohort

    cohort = db.session.get(Cohort, int(cohort_id))
    if cohort is None or ctx.actor is None or not cohort.can_manage(ctx.actor):
        raise JobFailed(_("기수를 찾을 수 없거나 이 기수의 명단을 다룰 권한이 없습니다."))
    if fmt not in ("csv", "xlsx") or kind not in ("roster", "attendance"):
        raise JobFailed(_("지원하지 않는 파일 형식입니다."))
    ctx.set_total(2)

    def step(done: int, total: int) -> None:
        if done < total:  # the audit event of the last step commits with the file below
            ctx.set_done(done)

    data, filename, mime, rows = roster_export.build_export(cohort, fmt, kind, ctx.actor, progress=step)
    ctx.save_file(data, filename, mime)
    ctx.set_access_log(roster_export.member_ids(cohort), f"cohort {cohort.id} {kind}.{fmt}", reason=reason,
                       count=rows)
    ctx.set_summary(_("%(rows)s행의 파일을 만들었습니다.", rows=f"{rows:,}"))
    ctx.set_done(2)
