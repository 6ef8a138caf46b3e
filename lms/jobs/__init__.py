"""Background jobs with progress (issue 12): see docs/ARCHITECTURE.md "Background jobs".

Public API: ``job_handler`` (register the work of a kind), ``enqueue`` (start one),
``JobContext`` (what a handler reports), ``JobFailed`` (a failure its owner can read).
"""
from lms.jobs.context import JobContext, JobFailed
from lms.jobs.registry import job_handler
from lms.jobs.runner import enqueue

__all__ = ["JobContext", "JobFailed", "enqueue", "job_handler"]
