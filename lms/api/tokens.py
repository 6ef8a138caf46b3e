"""Personal access tokens: create, list, revoke, authenticate. Services flush, never commit.

A secret is ``sfa_`` followed by 43 URL-safe characters (32 random bytes, 256 bits).
Only its SHA-256 is stored: with that much entropy a fast hash is enough (nothing to
brute-force), and a lookup by hash is one indexed query. The prefix makes leaked
secrets easy to recognise for secret scanners and people alike.

Scopes a role may hold (a token never holds a scope its owner's role lacks, and the
check is made again on every call, so a role change takes effect at once):
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import date

from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import func, select

from lms.api.models import ApiToken
from lms.core.audit import record
from lms.core.db import utcnow
from lms.core.timeutil import add_months, kst_day_end, today_kst
from lms.errors import NotFound, ValidationError
from lms.extensions import db

PREFIX = "sfa_"
SECRET_BYTES = 32
MAX_MONTHS = 12  # the latest expiry: one year from today (Korean calendar)
MAX_ACTIVE = 20  # live tokens per user

SCOPES = {
    "read:self": (_l("내 정보와 수강 진도 읽기"), ("trainee", "instructor", "ministry", "admin", "meister")),
    "verify": (_l("수료증 진위확인 (한 건·일괄)"), ("trainee", "instructor", "ministry", "admin", "meister")),
    "write:roster": (_l("기수 명단 올리기"), ("instructor", "admin")),
    "read:labs": (_l("스마트랩 회차와 예약 읽기"), ("instructor", "admin")),
    "read:stats": (_l("통계(집계) 읽기"), ("ministry", "admin")),
}
__doc__ += "".join(f"\n* ``{k}``: {', '.join(v[1])}" for k, v in SCOPES.items())


def scopes_for_role(role: str) -> list[str]:
    """The scopes a user of ``role`` may put on a token, in display order."""
    return [k for k, (_label, roles) in SCOPES.items() if role in roles]


def scope_label(scope: str) -> str:
    return str(SCOPES[scope][0]) if scope in SCOPES else scope


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def latest_expiry(today: date | None = None) -> date:
    return add_months(today or today_kst(), MAX_MONTHS)


def create_token(user, name: str, scopes: list[str], expires_on: date | None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns (token, secret). The secret is not stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("토큰 이름을 입력해 주세요."))
    if len(name) > 64:
        raise ValidationError(_("토큰 이름은 64자 이내로 입력해 주세요."))
    allowed = scopes_for_role(user.role)
    chosen = [s for s in allowed if s in set(scopes or ())]
    if not chosen:
        raise ValidationError(_("권한 범위를 하나 이상 골라 주세요."))
    if set(scopes) - set(allowed):
        raise ValidationError(_("이 계정의 역할로는 고를 수 없는 권한 범위입니다."))
    today = today_kst()
    if expires_on is None:
        raise ValidationError(_("만료일을 입력해 주세요."))
    if expires_on < today or expires_on > latest_expiry(today):
        raise ValidationError(_("만료일은 오늘부터 1년 안의 날짜여야 합니다(%(d)s까지).", d=latest_expiry(today).isoformat()))
    live = db.session.execute(select(func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None), ApiToken.expires_at > utcnow())).scalar_one()
    if live >= MAX_ACTIVE:
        raise ValidationError(_("사용 중인 토큰이 너무 많습니다(%(n)d개). 쓰지 않는 토큰을 먼저 폐기해 주세요.", n=MAX_ACTIVE))
    secret = PREFIX + secrets.token_urlsafe(SECRET_BYTES)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:len(PREFIX) + 8], token_hash=hash_secret(secret),
                     scopes=" ".join(chosen), expires_at=kst_day_end(expires_on))
    db.session.add(token)
    db.session.flush()
    record(user, "api_token.create", token, scopes=chosen, expires_on=expires_on.isoformat())
    return token, secret


def tokens_of(user, limit: int = MAX_ACTIVE * 3) -> list[ApiToken]:
    """The user's tokens, newest first (live ones are capped; the list is short)."""
    return list(db.session.execute(select(ApiToken).where(ApiToken.user_id == user.id)
                                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()).limit(limit)).scalars())


def revoke_token(user, token: ApiToken) -> ApiToken:
    """Revoke one of ``user``'s own tokens (idempotent); NotFound for anyone else's."""
    if token.user_id != user.id:
        raise NotFound(_("토큰을 찾을 수 없습니다."))
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        record(user, "api_token.revoke", token)
    return token


def state_of(token: ApiToken, now=None) -> str:
    """active | expired | revoked."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at <= now:
        return "expired"
    return "active"


def find_by_secret(secret: str) -> ApiToken | None:
    """The token whose secret this is (any state), or None."""
    if not secret or not secret.startswith(PREFIX) or len(secret) > 128:
        return None
    return db.session.execute(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret))).scalar_one_or_none()


def touch(token: ApiToken) -> None:
    """Record the use (at most one write a minute per token)."""
    now = utcnow()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= 60:
        token.last_used_at = now
