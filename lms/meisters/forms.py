"""Forms of the meister screens. Choices are filled in by the views; values are read
field by field into service calls (no populate_obj)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (DateField, DecimalField, EmailField, IntegerField, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.validators import no_rrn

_REQ = DataRequired(message=_l("필수 입력 항목입니다."))
_EMAIL = Email(message=_l("올바른 이메일 주소를 입력해 주세요."), check_deliverability=False)


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (usable on a phone, unlike <select multiple>)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class MeisterProfileForm(FlaskForm):
    former_company = StringField(_l("경력 기업 (대기업)"), validators=[_REQ, Length(max=128), no_rrn],
                                 description=_l("예: 현대자동차, 삼성전자"))
    years_experience = IntegerField(_l("경력 연수"), validators=[_REQ, NumberRange(min=0, max=60)])
    fields = MultiCheckboxField(_l("전문 분야"), validators=[Optional()])
    root_technology_codes = MultiCheckboxField(_l("뿌리기술"), validators=[Optional()])
    region_codes = MultiCheckboxField(_l("활동 가능 지역"), validators=[Optional()])
    days_per_week = IntegerField(_l("주당 활동 가능 일수"), validators=[_REQ, NumberRange(min=1, max=5)])
    available_from = DateField(_l("활동 가능 시작일"), validators=[Optional()])
    available_until = DateField(_l("활동 가능 종료일"), validators=[Optional()])


class MeisterRecruitForm(MeisterProfileForm):
    name = StringField(_l("이름"), validators=[_REQ, Length(max=64), no_rrn])
    email = EmailField(_l("이메일"), validators=[_REQ, _EMAIL, Length(max=255), no_rrn])
    phone = StringField(_l("휴대전화"), validators=[Optional(), Length(max=32), no_rrn])
    password = PasswordField(_l("초기 비밀번호 (선택)"), validators=[Optional(), Length(min=8, max=128)],
                             description=_l("비워 두면 비밀번호 설정 링크를 메일로 보냅니다."))


class PlacementForm(FlaskForm):
    meister_id = SelectField(_l("마이스터"), coerce=str, choices=[], validate_choice=False)
    company_id = SelectField(_l("기업"), coerce=str, choices=[], validate_choice=False)
    purpose = SelectField(_l("파견 목적"), choices=[])
    starts_on = DateField(_l("시작일"), validators=[_REQ])
    ends_on = DateField(_l("종료일"), validators=[_REQ])
    level_at_start_code = SelectField(_l("시작 시 스마트공장 수준"), coerce=str, choices=[], validate_choice=False)
    goals = TextAreaField(_l("목표 (한 줄에 하나)"), validators=[_REQ, Length(max=3000), no_rrn],
                          description=_l("기업과 합의한 목표를 한 줄에 하나씩 적어 주세요."))
    contact_name = StringField(_l("기업 담당자 이름"), validators=[_REQ, Length(max=64), no_rrn])
    contact_email = EmailField(_l("기업 담당자 이메일"), validators=[_REQ, _EMAIL, Length(max=255), no_rrn],
                               description=_l("방문 확인 링크를 이 주소로 보냅니다."))


class VisitForm(FlaskForm):
    visited_on = DateField(_l("방문일"), validators=[_REQ])
    hours = DecimalField(_l("활동 시간 (시간)"), places=None, validators=[_REQ, NumberRange(min=0.5, max=12)],
                         description=_l("30분 단위, 예: 2.5"))
    activity = SelectField(_l("활동 유형"), choices=[])
    done = TextAreaField(_l("한 일"), validators=[_REQ, Length(max=4000), no_rrn])
    issues = TextAreaField(_l("발견한 문제"), validators=[Optional(), Length(max=4000), no_rrn])
    next_steps = TextAreaField(_l("다음 할 일"), validators=[Optional(), Length(max=4000), no_rrn])
    photos = FileField(_l("사진 (선택, 최대 5장)"), render_kw={"accept": "image/jpeg,image/png,image/webp",
                                                            "multiple": True, "capture": "environment"})


class CloseForm(FlaskForm):
    closed_on = DateField(_l("종료일"), validators=[_REQ])
    level_at_end_code = SelectField(_l("종료 시 스마트공장 수준"), coerce=str, choices=[], validate_choice=False)
    closing_summary = TextAreaField(_l("요약"), validators=[_REQ, Length(max=4000), no_rrn])


class OnsiteClassForm(FlaskForm):
    day = DateField(_l("교육일"), validators=[_REQ])
    start = TimeField(_l("시작 시각 (한국 시간)"), validators=[_REQ])
    minutes = IntegerField(_l("교육 시간 (분)"), validators=[_REQ, NumberRange(min=30, max=480)],
                           description=_l("30분에서 480분까지"))
    topic = StringField(_l("교육 주제"), validators=[_REQ, Length(max=200), no_rrn])
    course_id = SelectField(_l("관련 과정 (선택)"), coerce=str, choices=[], validate_choice=False)
