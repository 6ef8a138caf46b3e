"""gunicorn settings for the LMS: ``gunicorn -c deploy/gunicorn.conf.py wsgi:app``.

Every value can be overridden from the environment (systemd EnvironmentFile, see
deploy/lms.env.example); deploy/README.md explains the choices.
"""
from __future__ import annotations

import multiprocessing
import os
import re

from gunicorn.glogging import Logger


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


# Where nginx (deploy/nginx/lms.conf) reaches this app server.
bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")

# Processes: one per core plus one, so a core stays busy while another worker waits on
# PostgreSQL. WEB_CONCURRENCY is the name most platforms set; LMS_WEB_WORKERS wins.
workers = _int("LMS_WEB_WORKERS", _int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1))

# Threads per worker. 1 = sync workers (the pages are CPU-bound Python and short). More
# threads switch to gthread; the app sizes its SQLAlchemy pool from the same variable
# (lms.config.production_settings: pool_size = LMS_WEB_THREADS), so connections per app
# server = workers x (threads + 2 overflow).
threads = _int("LMS_WEB_THREADS", 1)
worker_class = "gthread" if threads > 1 else "sync"

# A request running longer than this is killed and the worker replaced (the slowest page,
# a ministry report at national scale, answers in a few seconds; PDF bundles of a cohort
# are the longest). nginx's proxy_read_timeout is set just above it.
timeout = _int("LMS_WEB_TIMEOUT", 60)
# On SIGTERM/HUP, workers finish the requests they hold for up to this long.
graceful_timeout = _int("LMS_WEB_GRACEFUL_TIMEOUT", 30)
# nginx keeps upstream connections alive; a little above its idle time.
keepalive = 5
# Recycle each worker after this many requests (jittered so they do not all restart at
# once): bounds the memory any slow leak in a library can take.
max_requests = _int("LMS_WEB_MAX_REQUESTS", 5000)
max_requests_jitter = max_requests // 10

# preload_app off: each worker imports the app after the fork, so no database
# connection, Redis client or random state is shared between processes, and
# `systemctl reload` (SIGHUP) starts workers on the new code after an upgrade. The cost
# is a second or two of start-up per worker and no copy-on-write sharing of the code
# (about 100 MB per worker); with 3-5 workers that is the better trade.
preload_app = False

# Behind nginx on the same host: trust its X-Forwarded-Proto for https URLs.
forwarded_allow_ips = os.environ.get("LMS_FORWARDED_ALLOW_IPS", "127.0.0.1")

# Logs to stdout/stderr (journald under systemd).
accesslog = os.environ.get("LMS_ACCESS_LOG", "-")
errorlog = os.environ.get("LMS_ERROR_LOG", "-")
loglevel = os.environ.get("LMS_LOG_LEVEL", "info")
# Client (as nginx saw it), time, method, path without the query string (searches may hold
# names), status, bytes, duration in ms, worker pid. No referer or user agent.
access_log_format = '%({x-forwarded-for}i)s %(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms %(p)s'

# Paths that carry a secret (password reset, invitation, e-mail confirmation, visit
# confirmation, placement report links) are logged with the token masked.
_SECRET_PATH = re.compile(r"^(/(?:reset|invite|confirm|visits/confirm|placements/report)/)[^/?]+")


class MaskingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _SECRET_PATH.sub(r"\1***", atoms.get("U") or "")
        return atoms


logger_class = MaskingLogger
proc_name = "lms"


def post_worker_init(worker):
    """Import the analytics engine (pandas, numpy) in each worker as it starts, so the
    first ministry view a worker serves does not also pay about 0.3 s of imports."""
    import lms.analytics.engine  # noqa: F401
