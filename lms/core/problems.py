"""Problem details for HTTP APIs (RFC 9457): ``application/problem+json`` bodies.

``{"type", "title", "status", "detail", "instance"}`` plus extension members
(``errors`` for field or row errors). ``title`` and ``detail`` are translated: the API
chooses the language from ``Accept-Language`` (Korean by default, see lms.core.i18n).
``type`` names the kind of problem with a stable URN a client may switch on.
"""
from __future__ import annotations

from flask import Response, json, request
from flask_babel import lazy_gettext as _l

MEDIA_TYPE = "application/problem+json"

# kind -> (status, title); the titles a client sees, Korean source with English translations.
KINDS = {
    "bad-request": (400, _l("요청이 올바르지 않습니다")),
    "unauthenticated": (401, _l("인증이 필요합니다")),
    "invalid-token": (401, _l("토큰이 올바르지 않습니다")),
    "token-expired": (401, _l("토큰이 만료되었습니다")),
    "token-revoked": (401, _l("폐기된 토큰입니다")),
    "insufficient-scope": (403, _l("토큰의 권한 범위가 부족합니다")),
    "forbidden": (403, _l("권한이 없습니다")),
    "not-found": (404, _l("찾을 수 없습니다")),
    "method-not-allowed": (405, _l("허용되지 않는 메서드입니다")),
    "not-acceptable": (406, _l("제공할 수 없는 형식입니다")),
    "conflict": (409, _l("현재 상태와 충돌합니다")),
    "too-large": (413, _l("요청이 너무 큽니다")),
    "unsupported-media-type": (415, _l("지원하지 않는 형식입니다")),
    "validation-failed": (422, _l("입력값을 확인해 주세요")),
    "too-many-requests": (429, _l("요청이 너무 많습니다")),
    "server-error": (500, _l("서버 오류가 발생했습니다")),
}
_BY_STATUS = {}
for _kind, (_status, _title) in KINDS.items():
    _BY_STATUS.setdefault(_status, _kind)

_DETAILS = {
    400: _l("요청 형식을 확인해 주세요."),
    401: _l("Authorization 헤더에 'Bearer <토큰>'을 보내 주세요."),
    403: _l("이 작업을 할 권한이 없습니다."),
    404: _l("요청한 대상을 찾을 수 없습니다."),
    405: _l("이 주소에서 허용되지 않는 메서드입니다."),
    413: _l("요청 본문이 너무 큽니다."),
    415: _l("본문은 application/json 이어야 합니다."),
    422: _l("입력값이 올바르지 않습니다."),
    429: _l("잠시 후 다시 시도해 주세요."),
    500: _l("잠시 후 다시 시도해 주세요. 계속되면 관리자에게 알려 주세요."),
}


def type_uri(kind: str) -> str:
    return f"urn:sfa:problem:{kind}"


def kind_for_status(status: int) -> str:
    return _BY_STATUS.get(status, "server-error" if status >= 500 else "bad-request")


def problem(status: int | None = None, *, kind: str | None = None, detail=None, headers=None, **extra) -> Response:
    """A problem-details response; ``kind`` (a key of KINDS) or ``status`` picks type and title."""
    kind = kind or kind_for_status(int(status or 500))
    status = int(status or KINDS.get(kind, (500,))[0])
    title = KINDS.get(kind, (status, KINDS["server-error"][1]))[1]
    body = {"type": type_uri(kind), "title": str(title), "status": status,
            "detail": str(detail if detail is not None else _DETAILS.get(status, title)),
            "instance": request.path}
    body.update(extra)
    resp = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=MEDIA_TYPE)
    resp.headers["Content-Language"] = _language()
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api"' + (
            ', error="invalid_token"' if kind in ("invalid-token", "token-expired", "token-revoked") else "")
    elif kind == "insufficient-scope":
        resp.headers["WWW-Authenticate"] = 'Bearer realm="api", error="insufficient_scope"'
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _language() -> str:
    from lms.core.i18n import current_locale

    return current_locale()
