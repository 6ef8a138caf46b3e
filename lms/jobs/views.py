"""Pages of background jobs: "my jobs", a job's progress, its result and a retry.

Only the job's owner sees a job (admins see every job, to help); anyone else gets 404.
The progress page draws a <progress> bar that static/js/jobs.js moves by reading
``/jobs/<id>/status.json`` every second; without JavaScript the page has a refresh link.
"""
from __future__ import annotations

import io

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm

from lms.core import nav
from lms.core.access_log import log_access
from lms.core.authz import ROLES, get_for, policy
from lms.core.pagination import ListSpec, list_args, paginate
from lms.extensions import db
from lms.jobs import mail as _mail  # noqa: F401  (registers outbox delivery)
from lms.jobs import runner
from lms.jobs.models import FAILED, RUNNING, Job
from lms.jobs.registry import label_of

bp = Blueprint("jobs", __name__)
nav.register("jobs.mine", _l("내 작업"), roles=ROLES, order=85)

SPEC = ListSpec(sorts={"created": Job.created_at}, default_sort="created", default_dir="desc", tiebreak=Job.id,
                per_page=20)


class RetryForm(FlaskForm):
    pass


def _can_see(job: Job, user) -> bool:
    return job.owner_id == user.id or user.role == "admin"


def _job(job_id: str) -> Job:
    if len(job_id) != 32:
        abort(404)
    job = get_for(Job, job_id, current_user, _can_see)
    if job.status == RUNNING and runner.fail_stale([job.id]):  # its process died: say so, never "running" forever
        db.session.refresh(job)
    return job


def status_of(job: Job) -> dict:
    """The JSON the progress page polls: state, counts, percent, time left, result or error."""
    eta = runner.eta_seconds(job)
    percent = int(job.done * 100 // job.total) if job.total else (100 if job.status == "succeeded" else 0)
    return {"id": job.id, "kind": job.kind, "label": label_of(job.kind), "status": job.status,
            "status_label": str(STATUS_LABELS[job.status]), "done": job.done, "total": job.total,
            "percent": percent, "eta_seconds": eta, "eta_text": eta_text(eta), "note": job.note,
            "summary": job.summary, "error": job.error, "finished": job.finished,
            "result_url": job.result_url or None,
            "download_url": url_for("jobs.result", job_id=job.id) if job.has_file else None,
            "progress_text": progress_text(job)}


STATUS_LABELS = {"queued": _l("대기 중"), "running": _l("진행 중"), "succeeded": _l("완료"), "failed": _l("실패")}


def eta_text(seconds: int | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return _("약 %(n)d초 남음", n=max(1, seconds))
    if seconds < 3600:
        return _("약 %(n)d분 남음", n=round(seconds / 60))
    return _("약 %(h)d시간 %(m)d분 남음", h=seconds // 3600, m=round(seconds % 3600 / 60))


def progress_text(job: Job) -> str:
    if job.total is None:
        return _("%(done)s건 처리", done=f"{job.done:,}") if job.done else ""
    return _("%(done)s / %(total)s건", done=f"{job.done:,}", total=f"{job.total:,}")


@bp.get("/jobs")
@policy(*ROLES)
def mine():
    largs = list_args(request.args, SPEC)
    stmt = sa.select(Job).where(Job.owner_id == current_user.id)
    page = paginate(db.session, stmt, SPEC, largs)
    return render_template("jobs/list.html", page=page, label_of=label_of, status_labels=STATUS_LABELS,
                           progress_text=progress_text)


@bp.get("/jobs/<job_id>")
@policy(*ROLES)
def detail(job_id: str):
    job = _job(job_id)
    return render_template("jobs/detail.html", job=job, status=status_of(job), retry_form=RetryForm())


@bp.get("/jobs/<job_id>/status.json")
@policy(*ROLES)
def status(job_id: str):
    resp = jsonify(status_of(_job(job_id)))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.get("/jobs/<job_id>/result")
@policy(*ROLES)
def result(job_id: str):
    job = _job(job_id)
    if not job.has_file:
        abort(404)
    data = db.session.execute(sa.select(Job.result_data).where(Job.id == job.id)).scalar_one()
    if data is None:  # purged after the retention period
        flash(_("결과 파일의 보관 기간이 지나 삭제되었습니다. 작업을 다시 시작해 주세요."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    access = job.result_access or {}
    if access:
        log_access("download", access.get("subjects", []), count=access.get("count"),
                   description=access.get("description", ""), reason=access.get("reason", ""))
    return send_file(io.BytesIO(data), mimetype=job.result_mime or "application/octet-stream", as_attachment=True,
                     download_name=job.result_name, max_age=0)


@bp.post("/jobs/<job_id>/retry")
@policy(*ROLES)
def retry(job_id: str):
    job = _job(job_id)
    if job.owner_id != current_user.id:
        abort(403)
    form = RetryForm()
    if not form.validate_on_submit():
        abort(400)
    if job.status != FAILED:
        flash(_("실패한 작업만 다시 시도할 수 있습니다."), "info")
        return redirect(url_for("jobs.detail", job_id=job.id))
    runner.retry(job)
    return redirect(url_for("jobs.detail", job_id=job.id))
