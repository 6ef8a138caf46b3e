"""Outgoing mail. With no mail server configured every message lands in the
outbox table (admins can read it) and in the log; that is the embedded default."""
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


def send_mail(recipient: str, subject: str, body: str, kind: str = "general") -> OutboxMessage:
    """Queue a message in the outbox and log it. Flushes, does not commit."""
    msg = OutboxMessage(recipient=recipient, subject=str(subject), body=str(body), kind=kind)
    db.session.add(msg)
    db.session.flush()
    log.info("mail to=%s kind=%s subject=%s\n%s", recipient, kind, subject, body)
    if current_app.config.get("MAIL_SERVER"):
        # Real delivery is a production concern handled by the worker; the
        # outbox row is the record either way.
        pass
    return msg
