"""The profile's form for a new personal access token (no scope or date chosen in advance)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.validators import no_rrn


class ScopeField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class TokenForm(FlaskForm):
    name = StringField(_l("토큰 이름"), validators=[DataRequired(message=_l("토큰 이름을 입력해 주세요.")),
                                                 Length(max=64), no_rrn],
                       description=_l("어디에 쓰는 토큰인지 알아볼 수 있게 적어 주세요(예: 학사시스템 연동)."))
    scopes = ScopeField(_l("권한 범위"), validators=[InputRequired(message=_l("권한 범위를 하나 이상 골라 주세요."))])
    expires_on = DateField(_l("만료일 (한국 시간, 그날 자정까지)"),
                           validators=[InputRequired(message=_l("만료일을 입력해 주세요."))])
    create = SubmitField(_l("토큰 만들기"))


class RevokeForm(FlaskForm):
    revoke = SubmitField(_l("폐기"))
