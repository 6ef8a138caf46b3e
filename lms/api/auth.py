"""Bearer authentication, scope and role checks, and the audit of every API call.

``@api_policy(scope, *roles)`` guards an /api/v1 view: the ``Authorization: Bearer
sfa_...`` header must carry a live token (401 otherwise: missing, unknown, expired or
revoked), whose owner is active and has one of ``roles`` (403), and the token must
hold ``scope`` and the owner's role must still allow it (403). Cookies and the
session are never consulted on the API. Every call that got past the token lookup is
audited (``api.call`` with the token id, method, endpoint and status), whatever its
outcome. It sets ``__policy__`` like ``lms.core.authz.policy`` (read by the url_map test).
"""
from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from lms.api import tokens
from lms.core.audit import record
from lms.core.authz import ROLES
from lms.core.problems import problem
from lms.errors import DomainError
from lms.extensions import db


class ApiProblem(Exception):
    """Raised inside the API to answer with a problem-details response."""

    def __init__(self, kind: str, detail=None, status: int | None = None, headers=None, **extra):
        super().__init__(kind)
        self.kind, self.detail, self.status, self.headers, self.extra = kind, detail, status, headers, extra

    def response(self):
        return problem(self.status, kind=self.kind, detail=self.detail, headers=self.headers, **self.extra)


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate():
    """The (token, user) of this request, or ApiProblem (401)."""
    secret = bearer_secret()
    if secret is None:
        raise ApiProblem("unauthenticated")
    token = tokens.find_by_secret(secret)
    if token is None or not token.user.active:
        raise ApiProblem("invalid-token", _("알 수 없는 토큰입니다."))
    state = tokens.state_of(token)
    if state == "revoked":
        _audit(token, 401)
        raise ApiProblem("token-revoked", _("이 토큰은 폐기되었습니다. 새 토큰을 만들어 주세요."))
    if state == "expired":
        _audit(token, 401)
        raise ApiProblem("token-expired", _("이 토큰은 만료되었습니다. 새 토큰을 만들어 주세요."))
    return token, token.user


def _audit(token, status: int) -> None:
    try:
        tokens.touch(token)
        record(token.user_id, "api.call", object_type="ApiToken", object_id=token.id, token_id=token.id,
               method=request.method, endpoint=request.endpoint or "", path=request.path[:200], status=status)
        db.session.commit()
    except Exception:  # the audit must not turn an answer into a 500; the log says why
        db.session.rollback()
        raise


def api_policy(scope: str, *roles: str):
    """Guard an API view with a token holding ``scope`` whose owner has one of ``roles``."""
    for name in roles:
        if name not in ROLES:
            raise ValueError(f"unknown role in api_policy: {name}")
    if scope not in tokens.SCOPES:
        raise ValueError(f"unknown scope: {scope}")

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            try:
                token, user = authenticate()
            except ApiProblem as exc:
                return exc.response()
            if user.role not in roles:
                _audit(token, 403)
                return problem(403, kind="forbidden", detail=_("이 계정의 역할로는 쓸 수 없는 API입니다."))
            if scope not in token.scope_list or scope not in tokens.scopes_for_role(user.role):
                _audit(token, 403)
                return problem(403, kind="insufficient-scope",
                               detail=_("이 토큰에는 '%(scope)s' 권한 범위가 없습니다.", scope=scope))
            if request.method in ("POST", "PUT", "PATCH"):
                refused = _body_refused()
                if refused is not None:
                    _audit(token, refused.status_code)
                    return refused
            g.api_token = token
            g._login_user = user  # current_user is the token's owner for the services this view calls
            try:
                resp = view(*args, **kwargs)
            except ApiProblem as exc:
                db.session.rollback()
                resp = exc.response()
            except (DomainError, HTTPException) as exc:
                db.session.rollback()
                _audit(token, getattr(exc, "code", None) or getattr(exc, "status_code", 400))
                raise
            except Exception:
                db.session.rollback()
                _audit(token, 500)
                raise
            _audit(token, resp.status_code if hasattr(resp, "status_code") else 200)
            return resp

        wrapped.__policy__ = tuple(roles)
        wrapped.__api_scope__ = scope
        return wrapped

    return decorator


def _body_refused():
    """A problem response when a write's body is not a JSON document, else None."""
    if request.mimetype != "application/json":
        return problem(415, kind="unsupported-media-type")
    if request.get_json(silent=True) is None:
        return problem(400, kind="bad-request", detail=_("본문이 올바른 JSON 문서가 아닙니다."))
    return None


def current_token():
    return g.get("api_token")


def _record_personal_access(user, token, subject_ids, kind: str) -> None:
    """Note in the personal-data access log (lms/core/access_log.py, PIPA safety-measures
    standard Art. 8) that ``user`` read the personal data of ``subject_ids`` (``kind``: what
    was read) through the API with ``token``. As on the pages, only staff reading other
    people's data is noted (a trainee reading their own is not); written after a
    successful answer. Every API view that returns personal data calls it (the audit of
    the call itself is made by ``api_policy``)."""
    from lms.core.access_log import log_access

    log_access("view", list(subject_ids), actor=user,
               description=f"API {kind} (token {getattr(token, 'id', '?')})")
