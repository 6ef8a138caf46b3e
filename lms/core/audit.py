"""Audit trail: who did what to which object, and when. Rows are only ever added."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.extensions import db


class AuditEvent(IdMixin, db.Model):
    __tablename__ = "audit_events"

    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)  # e.g. "signoff.create"
    object_type: Mapped[str] = mapped_column(sa.String(64))
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    __table_args__ = (sa.Index("ix_audit_events_object", "object_type", "object_id"),)


def record(actor, action: str, obj=None, *, object_type: str | None = None,
           object_id=None, **details) -> AuditEvent:
    """Add an audit event to the session (the caller's commit makes it durable)."""
    if obj is not None:
        object_type = object_type or obj.__class__.__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    event = AuditEvent(
        actor_id=getattr(actor, "id", actor) if actor is not None else None,
        action=action,
        object_type=object_type or "",
        object_id=None if object_id is None else str(object_id),
        details=details,
    )
    db.session.add(event)
    return event
