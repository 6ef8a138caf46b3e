"""Forms of the analytics pages: the filter bar (GET, no CSRF: it changes nothing),
the national target and closing a month (POST, CSRF-protected)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, IntegerField, SelectField, StringField
from wtforms.fields import DateField, MonthField
from wtforms.validators import DataRequired, NumberRange, Optional, Regexp

from lms.core.validators import no_rrn


class FilterForm(Form):
    """Filters kept in the URL so a view can be shared."""

    # Whole months only (the privacy rule): ministry views never differ by one day.
    date_from = MonthField(_l("가입 기간 시작(월)"), validators=[Optional()], name="from")
    date_to = MonthField(_l("가입 기간 끝(월)"), validators=[Optional()], name="to")
    region = SelectField(_l("지역(시·도)"), validators=[Optional()], choices=[])
    kind = SelectField(_l("사업 유형"), validators=[Optional()], choices=[])
    institution = SelectField(_l("기관"), validators=[Optional()], choices=[])
    course = SelectField(_l("과정"), validators=[Optional()], choices=[])


class TargetForm(FlaskForm):
    target_count = IntegerField(_l("목표 인원"), validators=[DataRequired(), NumberRange(min=1, max=10_000_000)])
    target_date = DateField(_l("목표 일자"), validators=[DataRequired()])
    # Left empty: the saved values stay (services.update_target).
    programme_start = DateField(_l("사업 시작일(목표선의 출발점)"), validators=[Optional()])
    baseline_count = IntegerField(_l("사업 시작 시점 인원(기준)"), validators=[Optional(), NumberRange(min=0, max=10_000_000)])


class CloseMonthForm(FlaskForm):
    month = StringField(_l("마감할 달 (YYYY-MM)"), validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$", message=_l("YYYY-MM 형식으로 입력해 주세요.")), no_rrn])


class ReportForm(FlaskForm):
    """The month of a monthly report to make (a background job)."""

    month = StringField(_l("보고서 월"), validators=[DataRequired(), Regexp(r"^\d{4}-\d{2}$", message=_l("YYYY-MM 형식으로 입력해 주세요.")), no_rrn])
