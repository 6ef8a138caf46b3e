"""Delivery of the outbox over SMTP (``MAIL_SERVER`` set), with retries and backoff.

:func:`deliver_due` takes the messages that are due (never sent, not given up, next try
not in the future), claims each with one conditional UPDATE that moves its
``next_attempt_at`` a lease ahead (so two deliverers never send one message at once),
sends it, and records the outcome: ``sent_at`` once the server accepted it; otherwise
``attempts`` + 1, ``last_error`` (the server's words, for admins) and the next try after
``MAIL_RETRY_SECONDS * 2 ** (attempts - 1)`` seconds; ``failed_at`` after
``MAIL_MAX_ATTEMPTS``. A deliverer that dies after the server accepted a message but
before recording it sends it again once the lease ends (at least once, never twice at
the same time); the Message-ID names the outbox row so receivers can tell.

Settings: MAIL_SERVER, MAIL_PORT (25; 465 with MAIL_USE_SSL), MAIL_USE_STARTTLS,
MAIL_USERNAME, MAIL_PASSWORD, MAIL_SENDER, MAIL_TIMEOUT (s), MAIL_MAX_ATTEMPTS (6),
MAIL_RETRY_SECONDS (60), MAIL_LEASE_SECONDS (300).
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Callable

import sqlalchemy as sa
from flask import current_app

from lms.core.db import utcnow
from lms.core.outbox import OutboxMessage
from lms.extensions import db


@dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    next_due: datetime | None = None  # the earliest retry still waiting, for scheduling the next run


def _cfg(name: str, default):
    value = current_app.config.get(name, default)
    return default if value in (None, "") else value


def _flag(name: str) -> bool:
    return str(_cfg(name, "")).strip().lower() in ("1", "true", "yes", "on")


def due_filter(now: datetime):
    m = OutboxMessage
    return sa.and_(m.sent_at.is_(None), m.failed_at.is_(None),
                   sa.or_(m.next_attempt_at.is_(None), m.next_attempt_at <= now))


def count_due(now: datetime | None = None) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(OutboxMessage)
                              .where(due_filter(now or utcnow()))).scalar_one()


def build_message(msg: OutboxMessage) -> EmailMessage:
    """The MIME message of an outbox row: UTF-8 subject and plain-text body."""
    sender = str(_cfg("MAIL_SENDER", "no-reply@localhost"))
    out = EmailMessage()
    out["From"] = sender
    out["To"] = msg.recipient
    out["Subject"] = msg.subject
    out["Date"] = formatdate(localtime=False)
    out["Message-ID"] = f"<outbox-{msg.id}@{sender.rsplit('@', 1)[-1]}>"
    out.set_content(msg.body, charset="utf-8")
    return out


def open_smtp() -> smtplib.SMTP:
    """A connection to MAIL_SERVER, logged in when MAIL_USERNAME is set. Raises OSError/SMTPException."""
    host = str(_cfg("MAIL_SERVER", ""))
    timeout = float(_cfg("MAIL_TIMEOUT", 10))
    if _flag("MAIL_USE_SSL"):
        conn = smtplib.SMTP_SSL(host, int(_cfg("MAIL_PORT", 465)), timeout=timeout,
                                context=ssl.create_default_context())
    else:
        conn = smtplib.SMTP(host, int(_cfg("MAIL_PORT", 25)), timeout=timeout)
        if _flag("MAIL_USE_STARTTLS"):
            conn.starttls(context=ssl.create_default_context())
    if _cfg("MAIL_USERNAME", ""):
        conn.login(str(_cfg("MAIL_USERNAME", "")), str(_cfg("MAIL_PASSWORD", "")))
    return conn


def _claim(msg_id: int, now: datetime) -> bool:
    lease = now + timedelta(seconds=int(_cfg("MAIL_LEASE_SECONDS", 300)))
    n = db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == msg_id, due_filter(now))
                           .values(next_attempt_at=lease).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return n == 1


def _record_failure(msg_id: int, error: str, now: datetime, report: DeliveryReport) -> None:
    msg = db.session.get(OutboxMessage, msg_id, populate_existing=True)
    msg.attempts = (msg.attempts or 0) + 1
    msg.last_error = error[:300]
    if msg.attempts >= int(_cfg("MAIL_MAX_ATTEMPTS", 6)):
        msg.failed_at, msg.next_attempt_at = now, None
        report.failed += 1
    else:
        msg.next_attempt_at = now + timedelta(seconds=int(_cfg("MAIL_RETRY_SECONDS", 60)) * 2 ** (msg.attempts - 1))
        report.retried += 1
    db.session.commit()


def deliver_due(batch: int = 100, now: Callable[[], datetime] = utcnow,
                progress: Callable[[int, int], None] | None = None) -> DeliveryReport:
    """Send up to ``batch`` due messages over one SMTP connection; commits per message.

    ``progress(done, total)`` after each message. A connection that cannot be opened counts
    as a failed attempt for every due message (each gets its backoff)."""
    report = DeliveryReport()
    ids = list(db.session.execute(sa.select(OutboxMessage.id).where(due_filter(now()))
                                  .order_by(OutboxMessage.id).limit(batch)).scalars())
    db.session.commit()
    step = progress or (lambda done, total: None)
    conn = None
    try:
        for done, msg_id in enumerate(ids, 1):
            if not _claim(msg_id, now()):
                step(done, len(ids))
                continue  # another deliverer has it, or it was sent meanwhile
            msg = db.session.get(OutboxMessage, msg_id, populate_existing=True)
            try:
                if conn is None:
                    conn = open_smtp()
                conn.send_message(build_message(msg))
            except (smtplib.SMTPException, OSError) as exc:
                _record_failure(msg_id, f"{type(exc).__name__}: {exc}", now(), report)
                if conn is not None and not isinstance(exc, smtplib.SMTPRecipientsRefused):
                    try:
                        conn.close()
                    finally:
                        conn = None
            else:
                msg.sent_at, msg.last_error = now(), ""
                msg.attempts = (msg.attempts or 0) + 1
                db.session.commit()
                report.sent += 1
            step(done, len(ids))
    finally:
        if conn is not None:
            try:
                conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
    report.next_due = db.session.execute(
        sa.select(sa.func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None))).scalar()
    db.session.commit()
    return report
