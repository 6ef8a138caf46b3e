"""Personal access tokens: a user's named, scoped, expiring credentials for /api/v1.

Only the SHA-256 of the secret is stored (``token_hash``); the secret itself is shown
once, when the token is created. ``prefix`` keeps the first characters of the secret
so a user can tell tokens apart in the list without the secret being recoverable.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import IdMixin, UTCDateTime, utcnow
from lms.core.timeutil import to_kst
from lms.extensions import db


class ApiToken(IdMixin, db.Model):
    __tablename__ = "api_tokens"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    prefix: Mapped[str] = mapped_column(sa.String(16))  # "sfa_" and the secret's next 8 characters
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)  # sha256 hex of the whole secret
    scopes: Mapped[str] = mapped_column(sa.String(255))  # space-separated, as in OAuth
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the end of the chosen Korean day
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user = relationship("User")

    @property
    def expires_on(self) -> date:
        """The last Korean day the token works (``expires_at`` is the next day's 00:00 KST)."""
        return to_kst(self.expires_at).date() - timedelta(days=1)

    @property
    def scope_list(self) -> list[str]:
        return [s for s in self.scopes.split() if s]
