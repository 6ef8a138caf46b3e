"""The admin's pseudonymisation request form (the person's own deletion form is in accounts)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from lms.core.validators import no_rrn


class PseudonymiseForm(FlaskForm):
    reason = StringField(_l("요청 근거"), validators=[DataRequired(message=_l("요청 근거를 입력해 주세요.")),
                                                     Length(max=200), no_rrn],
                         description=_l("예: 2026-12-04 본인 전화 요청, 접수번호 123. 주민등록번호는 적지 마세요."))
    confirm = BooleanField(_l("이 사용자의 개인정보를 가명처리하고 계정을 되살릴 수 없다는 것을 확인했습니다."), default=False)
    submit = SubmitField(_l("가명처리 (탈퇴 처리)"))
