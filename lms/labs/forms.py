"""Forms of the labs screens. Choices are filled in by the views from what the
user may pick; no form binds a field the user may not set."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, StringField,
                     TimeField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from lms.core.validators import no_rrn


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (usable on a phone, unlike <select multiple>)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProgrammeForm(FlaskForm):
    name_ko = StringField(_l("프로그램 이름"), validators=[DataRequired(), Length(max=200), no_rrn])
    name_en = StringField(_l("영문 이름"), validators=[Optional(), Length(max=200), no_rrn])
    institution_id = SelectField(_l("운영 기관"), coerce=int, validators=[DataRequired()])
    kind = SelectField(_l("유형"), validators=[DataRequired()])
    contract_type = SelectField(_l("계약 유형(계약학과만)"), validators=[Optional()])
    quota = IntegerField(_l("정원"), validators=[Optional(), NumberRange(min=0, max=100000)])
    sponsor_ids = MultiCheckboxField(_l("후원기업"), coerce=int, validators=[Optional()])
    is_active = BooleanField(_l("운영 중"), default=True)


class CohortForm(FlaskForm):
    programme_id = SelectField(_l("프로그램"), coerce=int, validators=[DataRequired()])
    label = StringField(_l("기수 이름"), validators=[DataRequired(), Length(max=64), no_rrn],
                        description=_l("예: 2026-1기"))
    intake_year = IntegerField(_l("입학년도"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    term = SelectField(_l("학기"), coerce=int, choices=[(1, _l("1학기")), (2, _l("2학기"))])
    starts_on = DateField(_l("시작일"), validators=[Optional()])
    ends_on = DateField(_l("종료일"), validators=[Optional()])
    course_ids = MultiCheckboxField(_l("과정"), coerce=int, validators=[Optional()])
    instructor_ids = MultiCheckboxField(_l("교강사"), coerce=int, validators=[Optional()])


class LabForm(FlaskForm):
    name_ko = StringField(_l("스마트랩 이름"), validators=[DataRequired(), Length(max=200), no_rrn])
    name_en = StringField(_l("영문 이름"), validators=[Optional(), Length(max=200), no_rrn])
    institution_id = SelectField(_l("운영 기관"), coerce=int, validators=[DataRequired()])
    programme_id = SelectField(_l("프로그램"), coerce=int, validators=[Optional()])
    region_code = SelectField(_l("지역"), validators=[Optional()])
    address = StringField(_l("주소"), validators=[Optional(), Length(max=255), no_rrn])
    instructor_ids = MultiCheckboxField(_l("교강사"), coerce=int, validators=[Optional()])


class RoomForm(FlaskForm):
    name_ko = StringField(_l("실습실 이름"), validators=[DataRequired(), Length(max=128), no_rrn])
    seats = IntegerField(_l("좌석 수"), default=20, validators=[DataRequired(), NumberRange(min=1, max=500)])


class EquipmentForm(FlaskForm):
    kind = SelectField(_l("장비 종류"), validators=[DataRequired()])
    name = StringField(_l("장비 이름"), validators=[Optional(), Length(max=128), no_rrn])
    quantity = IntegerField(_l("수량"), default=1, validators=[DataRequired(), NumberRange(min=1, max=1000)])
    room_id = SelectField(_l("실습실"), coerce=int, validators=[Optional()])


class SessionForm(FlaskForm):
    module_id = SelectField(_l("실습 모듈"), coerce=int, validators=[DataRequired()])
    room_id = SelectField(_l("실습실"), coerce=int, validators=[DataRequired()])
    day = DateField(_l("날짜"), validators=[DataRequired()])
    start_time = TimeField(_l("시작 시각(한국 시간)"), validators=[DataRequired()])
    end_time = TimeField(_l("종료 시각(한국 시간)"), validators=[DataRequired()])
    capacity = IntegerField(_l("정원"), default=20, validators=[DataRequired(), NumberRange(min=1, max=500)])
    instructor_id = SelectField(_l("담당 교강사"), coerce=int, validators=[Optional()])
    cohort_id = SelectField(_l("기수(선택)"), coerce=int, validators=[Optional()])


class RosterUploadForm(FlaskForm):
    file = FileField(_l("명단 파일(CSV 또는 XLSX)"), validators=[FileRequired(_l("파일을 골라 주세요."))])
