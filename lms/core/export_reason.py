"""Exports and downloads of personal data by staff ask for a reason first.

An export or download view whose route accepts GET and POST calls :func:`ask_reason`
once it has loaded (and access-checked) its object. For staff, a GET (the existing
download links) answers a small form; the POST with a valid reason goes on to
produce the file, which the view logs (:func:`lms.core.access_log.log_access` picks the reason up from
``g.export_reason``). Anyone else (a trainee downloading their own certificate)
goes straight through. The reason is a purpose from a short list plus a free text
(required for "기타"), checked by the RRN validator."""
from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from lms.core.access_log import is_staff
from lms.core.validators import no_rrn

PURPOSES = (
    ("operation", _l("훈련 운영·학사 관리")),
    ("certificate", _l("수료 확인·증명 제출")),
    ("report", _l("정부·기관 보고")),
    ("request", _l("정보주체 요청 처리")),
    ("other", _l("기타 (직접 입력)")),
)


class ExportReasonForm(FlaskForm):
    purpose = SelectField(_l("내려받는 목적"), choices=[("", _l("— 선택 —"))] + list(PURPOSES),
                          validators=[InputRequired(_l("내려받는 목적을 골라 주세요.")),
                                      AnyOf([k for k, _label in PURPOSES], message=_l("내려받는 목적을 골라 주세요."))])
    detail = StringField(_l("상세 사유"), validators=[Optional(), Length(max=200), no_rrn])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.purpose.data == "other" and not (self.detail.data or "").strip():
            self.detail.errors = [*self.detail.errors, _("기타를 고른 경우 사유를 적어 주세요.")]
            return False
        return ok

    def reason_text(self) -> str:
        label = str(dict(PURPOSES).get(self.purpose.data, self.purpose.data))
        detail = (self.detail.data or "").strip()
        return f"{self.purpose.data}: {label}" + (f" - {detail}" if detail else "")


def ask_reason():
    """Call in an export or download view after the object checks (404 comes first).

    None when the caller is not staff, or when this POST carries a valid reason (then
    kept in ``g.export_reason`` for the access log); otherwise the reason form page,
    which the view returns as its answer (200 on GET, 400 on an invalid POST)."""
    if not is_staff(current_user):
        return None
    form = ExportReasonForm()
    if request.method == "POST" and form.validate_on_submit():
        g.export_reason = form.reason_text()
        return None
    return render_template("core/export_reason.html", form=form,
                           action=request.full_path.rstrip("?")), (400 if request.method == "POST" else 200)
