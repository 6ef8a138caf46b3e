"""User accounts and consent records. A resident registration number is never stored."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lms.core.db import IdMixin, TimestampMixin, UTCDateTime, utcnow
from lms.extensions import db
from lms.orgs.models import Company, Institution

ROLES = ("trainee", "instructor", "ministry", "admin", "meister")  # meister: see lms/meisters


class User(IdMixin, TimestampMixin, UserMixin, db.Model):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(sa.String(255), unique=True)  # stored lower-cased
    name: Mapped[str] = mapped_column(sa.String(64))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))  # None until an invitation is accepted
    birth_date: Mapped[date | None] = mapped_column(sa.Date)
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    locale: Mapped[str] = mapped_column(sa.String(8), default="ko")
    role: Mapped[str] = mapped_column(sa.String(16), default="trainee", index=True)
    institution_id: Mapped[int | None] = mapped_column(sa.ForeignKey("institutions.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout, password change and deactivation; the session stores it
    # and the user loader rejects a session whose version is stale.
    session_version: Mapped[int] = mapped_column(default=1)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Self-registered until the link mailed to the address is opened: cannot log in yet.
    email_confirm_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Second factor (TOTP, RFC 6238): a secret with no enabled_at is an enrolment in progress.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(255))  # sealed (encrypted), see second_factor
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)  # last accepted time step: no replay
    # Created by a roster import or an invitation: held at the consent page until the
    # required consents are recorded (lms/accounts/consent.py).
    consent_pending: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Set when the account was deleted at its owner's request (or by an admin on request):
    # personal fields erased or masked, login impossible (lms/privacy/erasure.py).
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    institution: Mapped[Institution | None] = relationship()
    company: Mapped[Company | None] = relationship()

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:
        # The session version is part of the id, so bumping it logs out everywhere.
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email} {self.role}>"


class ConsentRecord(IdMixin, db.Model):
    """One consent item answered by a user: which item, yes or no, which text version, when."""

    __tablename__ = "consent_records"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    item: Mapped[str] = mapped_column(sa.String(64))  # e.g. "terms", "privacy_required", "marketing"
    required: Mapped[bool] = mapped_column(default=False)
    granted: Mapped[bool] = mapped_column(default=False)
    text_version: Mapped[str] = mapped_column(sa.String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryCode(IdMixin, db.Model):
    """One single-use recovery code of a user's second factor, stored as its SHA-256
    (the code has more than 112 random bits, so a fast hash cannot be reversed by guessing:
    ASVS 5.0 V6.5.2)."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
