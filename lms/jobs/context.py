"""What a running job's handler can do: report progress, leave a result, fail cleanly."""
from __future__ import annotations

from flask_babel import gettext as _

from lms.core.db import utcnow
from lms.extensions import db
from lms.jobs.models import Job

MAX_RESULT_BYTES = 512 * 1024 * 1024  # a cohort's merged PDF of a few thousand pages fits well below


class JobFailed(Exception):
    """A failure the job's owner can act on; ``message`` is shown as is (already translated).

    The handler's uncommitted writes are rolled back; units it committed before stay, and
    a retry continues from there."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class JobContext:
    """Handed to a handler as its first argument.

    Progress calls (:meth:`set_total`, :meth:`advance`, :meth:`note`) commit the job row
    on the handler's own session, so the owner's page sees them at once: call them at a
    commit boundary, when the handler has no uncommitted writes of its own (one whole
    unit of work committed, or nothing written yet)."""

    def __init__(self, job: Job, actor):
        self.job = job
        self.actor = actor  # the User who started the job

    @property
    def attempt(self) -> int:
        """1 for the first run, 2 for the first retry, ..."""
        return self.job.attempts

    def _save(self) -> None:
        self.job.heartbeat_at = utcnow()
        db.session.commit()

    def set_total(self, total: int) -> None:
        """How many units the whole job has (rows, certificates, messages); >= 0."""
        self.job.total = max(0, int(total))
        self.job.done = min(self.job.done, self.job.total)
        self._save()

    def set_done(self, done: int) -> None:
        """Units done so far in all (a retry starts from what earlier attempts finished)."""
        self.job.done = max(0, int(done)) if self.job.total is None else min(max(0, int(done)), self.job.total)
        self._save()

    def advance(self, units: int = 1) -> None:
        """``units`` more units are done (and committed by the handler)."""
        self.set_done(self.job.done + int(units))

    def note(self, text) -> None:
        """A short line under the progress bar (e.g. the step under way)."""
        self.job.note = str(text)[:255]
        self._save()

    def set_summary(self, text) -> None:
        """The one-line result shown when the job has finished."""
        self.job.summary = str(text)[:255]

    def set_result_url(self, url: str) -> None:
        """Where "결과 보기" leads (a page of the app, as a path)."""
        self.job.result_url = str(url)[:255]

    def save_file(self, data: bytes, filename: str, mimetype: str) -> None:
        """A file to download from /jobs/<id>/result. Raises JobFailed above MAX_RESULT_BYTES."""
        if len(data) > MAX_RESULT_BYTES:
            raise JobFailed(_("결과 파일이 너무 큽니다(%(mb)dMB 이내). 범위를 나누어 다시 시도해 주세요.",
                              mb=MAX_RESULT_BYTES // (1024 * 1024)))
        self.job.result_data = bytes(data)
        self.job.result_name = filename[:255]
        self.job.result_mime = mimetype[:100]
        self.job.result_size = len(data)

    def set_access_log(self, subjects, description: str, *, reason: str = "", count: int | None = None) -> None:
        """The people a downloaded result is about: each download of it is written to the
        personal-data access log with these ids, ``description`` and the export ``reason``."""
        ids = sorted({int(s) for s in subjects if s is not None})
        self.job.result_access = {"subjects": ids, "count": len(ids) if count is None else int(count),
                                  "description": str(description)[:255], "reason": str(reason or "")[:300]}
