"""Second factor: TOTP (RFC 6238, via pyotp) with single-use recovery codes.

OWASP ASVS 5.0 V6.3.3 (L2: multi-factor authentication), PIPA safety-measures standard
Art. 6(2) (one-time passwords for staff reaching personal data): ministry and
admin accounts must use it (enrolled at their first login), instructors may opt in.
A code is accepted once: the time step of the last accepted code is stored and only
a later step passes (V6.5.1), and the update is conditional in SQL so two requests
racing with the same code cannot both win. Recovery codes (10, 118 random bits each,
from ``secrets``) are shown once and stored as SHA-256 digests, which V6.5.2 allows
from 112 bits on; using one marks it used (V6.5.1, V6.5.3).
The TOTP secret is stored encrypted (Fernet: AES-128-CBC with HMAC-SHA256, from the
``cryptography`` package) under TOTP_ENCRYPTION_KEY, by default a key derived from
SECRET_KEY, so a copy of the database alone does not yield the seeds (V13.3.1 names
"seeds for time-based tokens" among the secrets to protect). Rotating the key means
staff enrol again.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
import sqlalchemy as sa
from flask import current_app

from lms.accounts.models import RecoveryCode, User
from lms.core.audit import record
from lms.core.db import utcnow
from lms.extensions import db

REQUIRED_ROLES = ("ministry", "admin")
OPTIONAL_ROLES = ("instructor",)
STEP_SECONDS = 30
DRIFT_STEPS = 1  # a code of the previous or next 30 s step still counts (clock drift)
RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 24  # 24 x log2(31) = 118.9 bits >= 112 (V6.5.2: then a plain hash is enough)
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def _fernet():
    from cryptography.fernet import Fernet

    key = current_app.config.get("TOTP_ENCRYPTION_KEY")
    if not key:
        digest = hashlib.sha256(b"lms.totp-secret|" + str(current_app.config["SECRET_KEY"]).encode()).digest()
        key = base64.urlsafe_b64encode(digest)
    return Fernet(key)


def seal(secret: str) -> str:
    """The stored form of a base32 TOTP secret (encrypted and authenticated)."""
    return _fernet().encrypt(secret.encode()).decode()


def secret_of(user) -> str | None:
    """The user's TOTP secret in clear, or None (none stored, or sealed under another key)."""
    if not user.totp_secret:
        return None
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(user.totp_secret.encode()).decode()
    except InvalidToken:
        return None


def required_for(user) -> bool:
    """True when ``user`` must pass a second factor: ministry and admin always,
    anyone who enrolled (instructors who opted in)."""
    return bool(user is not None and (user.role in REQUIRED_ROLES or user.totp_enabled_at is not None))


def may_enrol(user) -> bool:
    return user.role in REQUIRED_ROLES + OPTIONAL_ROLES


def enrolled(user) -> bool:
    return user.totp_enabled_at is not None and bool(user.totp_secret)


def start_enrolment(user: User) -> str:
    """A fresh secret for ``user`` (stored sealed, not yet enabled) unless one is pending; returns it in clear."""
    pending = secret_of(user) if user.totp_enabled_at is None else None
    if pending:
        return pending
    secret = pyotp.random_base32()
    user.totp_secret = seal(secret)
    db.session.flush()
    return secret


def provisioning_uri(user: User) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    issuer = current_app.config.get("TOTP_ISSUER", "Smart Factory Academy")
    return pyotp.TOTP(secret_of(user)).provisioning_uri(name=user.email, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (within the drift) whose code equals ``code``, or None."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = int((time.time() if now is None else now) // STEP_SECONDS)
    found = None
    for s in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.at(s * STEP_SECONDS), code):
            found = s
    return found


def _accept_step(user: User, step: int) -> bool:
    """Store ``step`` as the last used one if it is later than the stored one (atomic)."""
    result = db.session.execute(
        sa.update(User).where(User.id == user.id,
                              sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def confirm_enrolment(user: User, code: str, now: float | None = None) -> list[str] | None:
    """Finish enrolment with a first code from the app: enables the factor and returns
    new recovery codes (shown once), or None when the code is wrong."""
    secret = secret_of(user)
    if not secret:
        return None
    step = _matching_step(secret, code, now)
    if step is None or not _accept_step(user, step):
        return None
    user.totp_enabled_at = utcnow()
    codes = new_recovery_codes(user)
    record(user, "account.second_factor_enrolled", user)
    return codes


def verify(user: User, code: str, now: float | None = None) -> bool:
    """Check a login code: a TOTP code of a step later than the last used one, or an
    unused recovery code (then used up). True when accepted."""
    secret = secret_of(user) if enrolled(user) else None
    if not secret:
        return False
    step = _matching_step(secret, code, now)
    if step is not None:
        return _accept_step(user, step)
    return use_recovery_code(user, code)


def _digest(code: str) -> str:
    normalised = "".join(ch for ch in (code or "").lower() if ch.isalnum())
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_recovery_codes(user: User) -> list[str]:
    """Replace ``user``'s recovery codes with RECOVERY_CODES new ones; returns them in clear (once)."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, len(raw), 4)))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_digest(raw), created_at=utcnow()))
    db.session.flush()
    return codes


def use_recovery_code(user: User, code: str) -> bool:
    """Mark an unused recovery code of ``user`` used (atomic); True when there was one."""
    if len("".join(ch for ch in (code or "") if ch.isalnum())) != RECOVERY_CODE_LENGTH:
        return False
    result = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return False
    record(user, "account.recovery_code_used", user)
    return True


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def disable(user: User) -> None:
    """Turn the factor off (only for roles that may opt out) and drop the recovery codes."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record(user, "account.second_factor_disabled", user)
    db.session.flush()
