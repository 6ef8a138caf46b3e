"""Outgoing mail. Every message lands in the outbox table (admins can read it) and in
the log. With no mail server configured that is all (the embedded default); with
``MAIL_SERVER`` set, lms.core.mailer delivers the outbox over SMTP from a background
job (lms/jobs/mail.py), with retries and backoff per message (``attempts``,
``next_attempt_at``, ``last_error``; ``failed_at`` once it gave up)."""
from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.extensions import db

log = logging.getLogger("lms.mail")


class OutboxMessage(IdMixin, db.Model):
    __tablename__ = "outbox_messages"

    recipient: Mapped[str] = mapped_column(sa.String(255), index=True)
    subject: Mapped[str] = mapped_column(sa.String(255))
    body: Mapped[str] = mapped_column(sa.Text)
    kind: Mapped[str] = mapped_column(sa.String(64), default="general", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # also the lease of a deliverer
    last_error: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # gave up after MAIL_MAX_ATTEMPTS


# Called with the new message after send_mail flushed it: lms.jobs registers the one that
# schedules delivery when a mail server is configured (core does not import jobs).
on_queued: list = []


def send_mail(recipient: str, subject: str, body: str, kind: str = "general") -> OutboxMessage:
    """Queue a message in the outbox and log it. Flushes, does not commit."""
    msg = OutboxMessage(recipient=recipient, subject=str(subject), body=str(body), kind=kind)
    db.session.add(msg)
    db.session.flush()
    log.info("mail to=%s kind=%s subject=%s\n%s", recipient, kind, subject, body)
    if current_app.config.get("MAIL_SERVER"):
        for hook in on_queued:
            hook(msg)
    return msg
