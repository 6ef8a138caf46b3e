"""/api/v1/certificates/verify (one) and /verify/bulk (up to 1,000): each item's state with
the public /verify page's rules, states and words (lms/api/verify.py), rate-limited per
token by items checked (lms/core/ratelimit.py)."""
from __future__ import annotations

from collections import Counter

from flask import current_app, g
from flask_babel import gettext as _, lazy_gettext as _l

from lms.api import schemas, verify
from lms.api.auth import ApiProblem, api_policy
from lms.api.blueprint import SECURITY, bp
from lms.core import ratelimit
from lms.core.authz import ROLES
from lms.core.i18n import current_locale

DEFAULT_LIMIT = "10000/hour"  # items checked per token (API_VERIFY_RATE_LIMIT)
# The public page's headline for each state (templates/certificates/_public_view.html).
MESSAGES = {
    "valid": _l("유효한 수료증입니다."),
    "expired": _l("유효기간이 지난 수료증입니다."),
    "revoked": _l("취소된 수료증입니다."),
    "superseded": _l("재발급되어 더 이상 사용되지 않는 수료증입니다."),
    verify.NOT_FOUND: _l("수료증을 찾을 수 없습니다."),
}


def _labels() -> dict:
    from lms.certificates.views import STATUS_LABELS

    return {**STATUS_LABELS, verify.NOT_FOUND: _l("확인 불가")}


def _charge(items: int) -> None:
    """Count ``items`` checks against the token's window; 429 over the limit."""
    if not ratelimit.enabled():
        return
    limit = current_app.config.get("API_VERIFY_RATE_LIMIT", DEFAULT_LIMIT)
    if not ratelimit.counters().hit(limit, "api-verify", f"token:{g.api_token.id}", cost=items):
        raise ApiProblem("too-many-requests", _("확인 건수가 한도(%(limit)s)를 넘었습니다. 잠시 후 다시 시도해 주세요.",
                                                limit=limit), headers={"Retry-After": "60"})


def _answer(results) -> list[dict]:
    labels, locale = _labels(), current_locale()
    return [{"state": r.state, "label": str(labels[r.state]), "message": str(MESSAGES[r.state]),
             **verify.public_facts(r, locale)} for r in results]


@bp.route("/certificates/verify", methods=["POST"])
@api_policy("verify", *ROLES)
@bp.arguments(schemas.VerifyItem)
@bp.response(200, schemas.Verification)
@bp.doc(security=SECURITY, summary="Verify one certificate", tags=["certificates"])
def verify_one(item):
    _charge(1)
    return _answer(verify.verify_many([item]))[0]


@bp.route("/certificates/verify/bulk", methods=["POST"])
@api_policy("verify", *ROLES)
@bp.arguments(schemas.VerifyBulk)
@bp.response(200, schemas.VerifyBulkResult)
@bp.doc(security=SECURITY, summary="Verify up to 1,000 certificates in one call", tags=["certificates"])
def verify_bulk(body):
    items = body["items"]
    _charge(len(items))
    answers = _answer(verify.verify_many(items))
    for i, a in enumerate(answers):
        a["index"] = i
    return {"count": len(answers), "states": dict(Counter(a["state"] for a in answers)), "results": answers}
