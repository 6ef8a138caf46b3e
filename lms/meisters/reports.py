"""Delivering the closing report: the PDF response, and a signed, expiring link mailed
to the company's contact (no account needed) when a placement closes."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app, has_request_context, url_for
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.core.outbox import send_mail
from lms.errors import ValidationError
from lms.extensions import db
from lms.meisters.models import Placement

REPORT_SALT = "meister-placement-report"
REPORT_LINK_MAX_AGE = 90 * 24 * 3600  # seconds


def pdf_response(placement: Placement) -> Response:
    """The closing report as an attachment download (not cached by shared caches)."""
    from lms.meisters.placements import rollups
    from lms.meisters.report_pdf import render_report

    data = render_report(placement, rollups([placement.id])[placement.id])
    resp = Response(data, mimetype="application/pdf")
    name = f"placement-report-{placement.id}.pdf"
    resp.headers["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    resp.headers["Cache-Control"] = "private, no-store"
    return resp


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=REPORT_SALT)


def report_link(placement: Placement) -> str:
    token = _serializer().dumps({"p": placement.id, "e": placement.contact_email})
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    if has_request_context():
        return base + url_for("meisters.public_report", token=token)
    with current_app.test_request_context("/"):
        return base + url_for("meisters.public_report", token=token)


def mail_report_link(placement: Placement) -> None:
    """Mail the contact a link to the closing report (valid REPORT_LINK_MAX_AGE)."""
    body = _l("%(contact)s님, 안녕하세요.\n\n%(company)s에 대한 스마트 마이스터 파견이 종료되었습니다. 아래 링크에서 결과 "
              "보고서(PDF)를 받을 수 있습니다. 링크는 %(days)d일 동안 유효합니다.\n\n%(link)s\n\n스마트공장 아카데미",
              contact=placement.contact_name, company=placement.company.name, days=REPORT_LINK_MAX_AGE // 86400,
              link=report_link(placement))
    send_mail(placement.contact_email, str(_l("[스마트공장 아카데미] 마이스터 파견 결과 보고서")), str(body),
              kind="meister_placement_report")


def placement_from_report_token(token: str) -> Placement:
    """The closed placement a report link names; ValidationError when expired, tampered
    with, or the contact has changed since."""
    invalid = _l("올바르지 않은 링크입니다. 메일에 있는 링크 주소 전체를 그대로 열었는지 확인해 주세요.")
    try:
        data = _serializer().loads(token, max_age=REPORT_LINK_MAX_AGE)
    except SignatureExpired:
        raise ValidationError(_l("링크의 유효 기간이 지났습니다. 사무국에 보고서를 요청해 주세요.")) from None
    except BadSignature:
        raise ValidationError(invalid) from None
    p = db.session.get(Placement, data.get("p")) if isinstance(data, dict) else None
    if p is None or p.closed_on is None or data.get("e") != p.contact_email:
        raise ValidationError(invalid)
    return p
